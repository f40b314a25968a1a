"""TlsFront: TLS on 127.0.0.1:port for a server built without it, which listens on
tls.BACKEND_HOST:port.

Speaks just enough of the protocol's start: an SSLRequest gets 'S' and the TLS handshake, a
GSSENCRequest gets 'N' (what a server without GSSAPI answers); then the bytes are relayed as
they are, so the startup packet, authentication and a CancelRequest reach the server
unchanged.  Its connections to the server come from 127.0.0.1, so pg_hba.conf (and a fence)
apply as to a direct client; pg_stat_ssl shows them as not encrypted.

Every front runs on one asyncio loop in a daemon thread of the simulator: nothing outlives it.
So a client in the simulator's own process must not make a blocking libpq call that keeps the
GIL (psycopg's cancel() does): the front could not answer it.
"""

import asyncio
import errno
import ssl
import struct
import threading

from .errors import PgError, PortInUse
from .tls import BACKEND_HOST

_SSL_REQUEST, _GSSENC_REQUEST = 80877103, 80877104
_CHUNK = 1 << 16

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="herokusim-tls-front", daemon=True).start()
        return _loop


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    finally:  # one side gone: end the other, whose pipe then ends too
        writer.close()


class TlsFront:
    def __init__(self, context: ssl.SSLContext, port: int):
        self.context = context
        self.port = port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> None:
        try:
            self._server = asyncio.run_coroutine_threadsafe(
                asyncio.start_server(self._serve, "127.0.0.1", self.port), _event_loop()).result()
        except OSError as exc:
            error = PortInUse if exc.errno == errno.EADDRINUSE else PgError
            raise error(f"TLS front on port {self.port}: {exc}") from exc

    def stop(self, timeout: float = 10) -> None:
        """Stop listening and drop every connection."""
        if self._server is None:
            return
        server, self._server = self._server, None

        async def close() -> None:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), _event_loop()).result(timeout)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        up_writer = None
        try:
            head = await self._negotiate(reader, writer)
            up_reader, up_writer = await asyncio.open_connection(BACKEND_HOST, self.port,
                                                                 local_addr=("127.0.0.1", 0))
            up_writer.write(head)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer),
                                 return_exceptions=True)
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client left or the server is gone: the client sees its connection closed
        except asyncio.CancelledError:
            pass  # stop(): ending quietly, as asyncio 3.11 logs a handler task that ends cancelled
        finally:
            for each in (writer, up_writer):
                if each is not None:
                    each.close()
            self._tasks.discard(task)

    async def _negotiate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        """Answer encryption requests; returns the first 8 bytes of what goes to the server."""
        encrypted = False
        while True:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!II", head)
            if length != 8 or code not in (_SSL_REQUEST, _GSSENC_REQUEST):
                return head
            if code == _SSL_REQUEST and not encrypted:
                writer.write(b"S")
                await writer.drain()
                await writer.start_tls(self.context)
                encrypted = True
            else:
                writer.write(b"N")
                await writer.drain()
