"""Serve the simulator with waitress on 127.0.0.1 and ::1, and stop every cluster and dyno
process it started on SIGTERM/SIGINT."""
from __future__ import annotations

import signal
import socket
from pathlib import Path

from waitress import create_server

from . import fixture
from .api import create_app
from .sim import Simulator


class _Stop(Exception):
    pass


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def serve(port: int, data_dir: Path, fixture_path: Path | None,
          template_cache: Path | None = None) -> int:
    raw = fixture.read(fixture_path) if fixture_path else {}
    sim = Simulator(data_dir, fixture.timings(raw), template_cache)

    def stop(signum, _frame):
        raise _Stop(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        fixture.load(sim, raw)
        listen = f"127.0.0.1:{port}" + (f" [::1]:{port}" if _ipv6_loopback() else "")
        server = create_server(create_app(sim), listen=listen, threads=32, channel_timeout=300,
                               ident="herokusim")
        print(f"herokusim listening on http://127.0.0.1:{port}", flush=True)
        server.run()
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sim.close()
    return 0
