"""Run a simulator as a subprocess for tests, demos and benchmarks, and always stop it.

    with SimulatorProcess(fixture_dict) as sim:
        sim.get("/apps/sushi").json()

The data dir lives in tmpfs (/dev/shm) when there is one, else /tmp: both are reachable by
the unprivileged postgres user, and copying cluster templates in tmpfs is ~10x faster.
"""
from __future__ import annotations

import copy
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

from .pg import spawn

ACCEPT = "application/vnd.heroku+json; version=3"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# The example fixture, exactly as written, plus short timings for tests.
BASIC = {
    **yaml.safe_load((EXAMPLES / "sushi.yml").read_text()),
    "timings": {"provision_seconds": 0.5, "follower_provision_seconds": 0.2,
                "release_phase_seconds": 0.5, "upgrade_prepare_seconds": 0.5,
                "upgrade_step_seconds": 0.05, "maintenance_prepare_seconds": 0.5,
                "essential_change_seconds": 0.3, "unfollow_seconds": 0.1, "pool_change_seconds": 0.3,
                "migration_prepare_seconds": 0.5, "migration_step_seconds": 0.05},
}


def scenario(**changes) -> dict:
    """The issue's example fixture, with top-level sections replaced or extended."""
    fixture = copy.deepcopy(BASIC)
    for key, value in changes.items():
        fixture[key] = value
    return fixture


def scratch_root() -> str:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else "/tmp"


def processes_under(path: Path) -> list[str]:
    """Command lines of live processes that mention `path` (a simulator's data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmdline:
            found.append(f"{entry.name}: {cmdline.strip()}")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SimulatorProcess:
    def __init__(self, fixture: dict, token: str | None = None, start_timeout: float = 60.0) -> None:
        self.fixture = fixture
        self.token = token or (fixture.get("tokens") or ["sim-token"])[0]
        self.start_timeout = start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="herokusim-", dir=scratch_root()))
        os.chmod(self.data_dir, 0o755)
        self.proc: subprocess.Popen | None = None
        self.session = requests.Session()
        self.session.headers.update({"Accept": ACCEPT, "Authorization": f"Bearer {self.token}"})

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "SimulatorProcess":
        path = self.data_dir / "fixture.yml"
        path.write_text(yaml.safe_dump(self.fixture))
        # SIGTERM on the test process's death: the simulator still stops its clusters and dynos.
        self.proc = spawn(
            [sys.executable, "-m", "herokusim.cli", "serve", "--port", str(self.port),
             "--data-dir", str(self.data_dir), "--fixture", str(path),
             "--template-cache", str(Path(scratch_root()) / "herokusim-templates")],
            death_signal=signal.SIGTERM, stdout=subprocess.PIPE,
            stderr=open(self.data_dir / "server.log", "wb"), text=True)
        deadline = time.monotonic() + self.start_timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("herokusim listening on") or not line:
                break
        if not line.startswith("herokusim listening on"):
            self.stop()
            raise RuntimeError(f"herokusim did not start:\n{self.log_tail()}")
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        self.session.close()

    def cleanup(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "SimulatorProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.cleanup()

    def leftover_processes(self) -> list[str]:
        return processes_under(self.data_dir)

    def log_tail(self, lines: int = 40) -> str:
        path = self.data_dir / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # -- HTTP --------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.url + path, timeout=60, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.request(method, "/__sim" + path, **kwargs)
        response.raise_for_status()
        return response

    # -- conveniences for assertions -----------------------------------------------------
    def database_url(self, app: str) -> str:
        return self.get(f"/apps/{app}/config-vars").json()["DATABASE_URL"]

    def writes(self, app: str) -> dict:
        return self.admin("GET", f"/apps/{app}/writes").json()

    def wait_for(self, predicate, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")
