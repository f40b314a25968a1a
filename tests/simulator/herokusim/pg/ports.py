"""Free TCP ports on 127.0.0.1, shared by everything in the simulator process.

Ports are drawn below the kernel's ephemeral range (32768+ on Linux), so the
simulator's own outgoing connections never occupy one between allocation and
the server binding it, and every port handed out is remembered until released,
so concurrent callers never get the same one.  Another process can still take
a port in that window; servers report that as `PortInUse` and callers retry.
"""

import random
import socket
import threading

from .errors import PgError

_RANGE = (20000, 32000)
_lock = threading.Lock()
_taken: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def allocate_port() -> int:
    """A port that is free now and not handed out to anyone else in this process."""
    with _lock:
        for _attempt in range(500):
            port = random.randrange(*_RANGE)
            if port not in _taken and _bindable(port):
                _taken.add(port)
                return port
    raise PgError(f"no free TCP port in {_RANGE[0]}-{_RANGE[1]} on 127.0.0.1")


def release_port(port: int) -> None:
    with _lock:
        _taken.discard(port)
