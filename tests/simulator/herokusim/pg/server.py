"""Postmaster: one PostgreSQL server process, a direct child of the simulator.

The server is started as `postgres -D ... -p ... -k ...` (not daemonized by
pg_ctl) through spawn(), with SIGQUIT -- immediate shutdown -- as its
parent-death signal, so it never outlives the simulator; its backends exit
with it.  It runs in its own session so a Ctrl-C on the simulator's terminal
reaches the simulator, which then stops servers in order (`stop_all`).
A build without TLS gets a TlsFront on its port while it runs (tls.py).
"""

import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg

from .env import PgEnv
from .errors import PgError, PortInUse, tail
from .spawn import spawn
from .tls import BACKEND_HOST
from .tls_front import TlsFront


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 16384))
            return tail(f.read().decode(errors="replace"), lines)
    except OSError:
        return ""


class Postmaster:
    def __init__(self, env: PgEnv, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.front: TlsFront | None = None
        self.closing = False   # set by ClusterManager.stop_all: never start (again) after it
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.running else None

    def start(self, version: str, datadir: Path, port: int, timeout: float = 60) -> None:
        """Start the server and wait until it accepts connections.

        Raises PortInUse if the port was taken, PgError with the log tail otherwise.
        """
        with self._lock:
            if self.closing:
                raise PgError(f"server for {datadir} not started: the simulator is stopping")
            if self.running:
                raise PgError(f"server for {datadir} is already running")
            native_tls = self.env.native_tls(version)
            argv = [self.env.tool(version, "postgres"), "-D", str(datadir), "-p", str(port),
                    "-k", str(self.env.socket_dir)]
            argv += (self.env.certificate.server_options() if native_tls
                     else ["-c", f"listen_addresses={BACKEND_HOST}"])
            with open(self.log_path, "ab") as log:
                self.proc = spawn(argv, death_signal=signal.SIGQUIT, start_new_session=True,
                                  cwd=datadir, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, **self.env.popen_kw())
        if self.closing:   # stop_all ran while it was spawned and may not have seen it
            self.stop()
            raise PgError(f"server for {datadir} stopped: the simulator is stopping")
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                log = log_tail(self.log_path)
                error = PortInUse if "Address already in use" in log else PgError
                raise error(f"postgres {version} on port {port} exited "
                            f"with {self.proc.returncode}:\n{log}")
            try:
                psycopg.connect(self.env.conninfo(port), connect_timeout=5).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    log = log_tail(self.log_path)
                    self.stop()
                    raise PgError(f"postgres {version} on port {port} not ready "
                                  f"after {timeout}s:\n{log}") from None
                time.sleep(0.05)
        if not native_tls:
            self._start_front(port)

    def _start_front(self, port: int) -> None:
        front = TlsFront(self.env.certificate.context(), port)
        try:
            front.start()
        except PgError:
            self.stop()
            raise
        self.front = front

    def stop(self, timeout: float = 10) -> None:
        stop_all([self], timeout)


def stop_all(postmasters: list[Postmaster], timeout: float = 10) -> None:
    """Stop servers concurrently: fast shutdown, immediate after `timeout`, then SIGKILL.
    Their TLS fronts close first, so no new client gets in meanwhile."""
    for postmaster in postmasters:
        front, postmaster.front = postmaster.front, None
        if front is not None:
            front.stop()
    procs = [p.proc for p in postmasters if p.running]
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(sig)
        deadline = time.monotonic() + wait
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        procs = [proc for proc in procs if proc.poll() is None]
        if not procs:
            return
