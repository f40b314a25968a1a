"""Fixtures that start a real simulator (subprocess, real clusters) or real clusters alone, and
prove they stopped."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest

from herokusim.pg import ClusterManager, PgEnv
from herokusim.testing import SimulatorProcess, scenario


@pytest.fixture
def start_simulator():
    """Factory: start_simulator(fixture) → a running SimulatorProcess, stopped after the test
    with a check that no cluster or dyno process outlived it."""
    started: list[SimulatorProcess] = []

    def start(fixture: dict | None = None) -> SimulatorProcess:
        sim = SimulatorProcess(fixture or scenario())
        started.append(sim)
        return sim.start()

    yield start
    leftovers = []
    for sim in started:
        sim.stop()
        leftovers += sim.leftover_processes()
        if not leftovers:
            sim.cleanup()
    assert not leftovers, f"processes outlived the simulator: {leftovers}"


@pytest.fixture
def sim(start_simulator) -> SimulatorProcess:
    return start_simulator()


@pytest.fixture(scope="module")
def env():
    base = Path(tempfile.mkdtemp(prefix="hks-"))
    os.chmod(base, 0o755)  # the postgres account must get in
    yield PgEnv(base)
    shutil.rmtree(base)


@pytest.fixture
def manager(env):
    """A ClusterManager whose every process, backends included, must be gone afterwards."""
    mgr = ClusterManager(env)
    yield mgr
    pids = set()
    for cluster in mgr.clusters():
        if cluster.pid:
            pids.add(cluster.pid)
            pids.update(p.pid for p in psutil.Process(cluster.pid).children(recursive=True))
    for cluster in mgr.clusters():
        cluster.destroy()
    assert not [pid for pid in pids if psutil.pid_exists(pid)]


# The official CLI, for the CLI tests.
REPO = Path(__file__).resolve().parents[3]
HEROKU = Path(os.environ.get("HEROKU_CLI", REPO / ".cache/heroku-cli/node_modules/.bin/heroku"))


@pytest.fixture
def heroku_for():
    """heroku_for(sim) → run(*args, check=True): the CLI pointed at that simulator."""
    assert HEROKU.exists(), f"the Heroku CLI is not installed at {HEROKU}: run `make heroku-cli`"

    def bind(sim):
        env = {"PATH": f"{HEROKU.parent}:{os.environ['PATH']}", "HOME": tempfile.mkdtemp(prefix="heroku-home-"),
               "HEROKU_HOST": sim.url, "HEROKU_DATA_HOST": "127.0.0.1", "HEROKU_API_KEY": sim.token,
               "DISABLE_TELEMETRY": "true", "HEROKU_SKIP_NEW_VERSION_CHECK": "true", "NO_COLOR": "1"}

        def run(*args: str, check: bool = True) -> str:
            done = subprocess.run([str(HEROKU), *args], env=env, capture_output=True, text=True, timeout=180, check=False)
            output = done.stdout + done.stderr
            if check:
                assert done.returncode == 0, f"heroku {' '.join(args)} failed:\n{output}"
            return output

        run.sim, run.env = sim, env
        return run

    return bind
