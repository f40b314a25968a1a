"""Starting and stopping the simulator: fast, and nothing left behind, even when the process
that started it is killed."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

from herokusim.testing import SimulatorProcess, processes_under, scenario

OWNER = """
import sys
from herokusim.testing import SimulatorProcess, scenario
sim = SimulatorProcess(scenario()).start()
print(sim.data_dir, flush=True)
sys.stdin.read()
"""


def test_start_and_stop_three_databases_two_followers_fast():
    fixture = scenario(databases=[
        {"addon": "db-one", "app": "sushi", "plan": "standard-0", "attachments": ["DATABASE"]},
        {"addon": "db-two", "app": "sushi", "plan": "standard-0"},
        {"addon": "db-three", "app": "private-spaces-example", "plan": "private-0", "attachments": ["DATABASE"]},
        {"addon": "db-one-follower", "app": "sushi", "plan": "standard-0", "follows": "db-one"},
        {"addon": "db-three-follower", "app": "private-spaces-example", "plan": "private-0", "follows": "db-three"},
    ])
    started = time.monotonic()
    sim = SimulatorProcess(fixture).start()
    try:
        assert len(sim.get("/addons").json()) == 5
    finally:
        sim.stop()
    elapsed = time.monotonic() - started
    leftovers = sim.leftover_processes()
    sim.cleanup()
    assert not leftovers
    assert elapsed < 10, f"start+stop took {elapsed:.1f}s"


def test_no_orphans_when_the_owner_is_killed():
    owner = subprocess.Popen([sys.executable, "-c", OWNER],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    data_dir = owner.stdout.readline().strip()
    assert data_dir, "the owner did not start a simulator"
    assert len(processes_under(data_dir)) >= 4   # simulator, clusters, dynos
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 20
    while processes_under(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_under(data_dir) == []
    subprocess.run(["rm", "-rf", data_dir], check=True)
