# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the collection's playbooks against herokusim while dynos write, and check what every run must leave.

Shared by the test_playbook_*.py modules: a migration run, its report, and the checks each test makes
(nothing lost, formation and maintenance mode back as they were, a second run changes nothing).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from simenv import PLAYBOOK_BIN, scenario

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = REPO / "playbooks"
# Short waits and polls: the simulator is fast, and a wrong wait must fail quickly.
FAST = {"wait_timeout": 300, "wait_sleep": 1, "window_wait_sleep": 1}


def start_runner(start_sim, ansible_factory, tmp_path, apps, databases, writers=()):
    """A simulator with these apps and databases, and a Runner once the dynos of `writers` write."""
    sim = start_sim(scenario(apps, databases))
    wait_for_writes(sim, *writers)
    return Runner(sim, ansible_factory(sim), tmp_path / "state")


class Runner:
    """One simulator, one ansible runner, one state directory."""

    def __init__(self, sim, ansible, state_dir: Path):
        self.sim = sim
        self.ansible = ansible
        self.state_dir = state_dir

    def extra(self, **variables):
        return {**FAST, "state_dir": str(self.state_dir), **variables}

    def run(self, playbook, check=False, **variables):
        """ansible-playbook PLAYBOOK (a file in playbooks/, or a FQCN) with these variables.

        The result also tells the API calls the run made (`api_calls`, from the simulator's request log)
        and those that could change something (`changes`).
        """
        path = playbook if playbook.startswith("herokuops.") else PLAYBOOKS / playbook
        mark = self.sim.mark()
        completed = self.ansible.playbook(path, extra_vars=self.extra(**variables), check=check)
        completed.api_calls = len([r for r in self.sim.requests_since(mark) if not r["path"].startswith("/__sim/")])
        completed.changes = self.sim.changes_since(mark)
        secrets = [s for s in self.sim.secrets() if s in completed.stdout]
        assert not secrets, "a database password appeared in the playbook's output"
        return completed

    def start(self, playbook, **variables):
        """Start ansible-playbook in its own process group (so that a test can kill all of it), printing when each
        task starts (for kill_at)."""
        command = [str(PLAYBOOK_BIN), "-i", str(self.ansible.inventory), str(PLAYBOOKS / playbook),
                   "-e", json.dumps(self.extra(**variables))]
        log = os.open(self.state_dir.parent / "killed-run.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            return subprocess.Popen(  # pylint: disable=consider-using-with  # killed and waited for by kill()
                command, env={**self.ansible.env(), "ANSIBLE_SHOW_PER_HOST_START": "True"}, cwd=self.ansible.workdir, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            os.close(log)  # the child has its own copy

    @staticmethod
    def kill(process):
        """SIGKILL the whole run: ansible-playbook and the module processes it forked."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def kill_at(self, process, task, timeout=300):
        """Kill the started run as soon as a worker starts `task` (the end of its name, as the run prints it)."""
        marker, text = f"{task} on ", ""
        deadline = time.monotonic() + timeout
        try:
            with (self.state_dir.parent / "killed-run.log").open(errors="replace") as log:
                while marker not in (text := text[-len(marker):] + log.read()):
                    assert process.poll() is None and time.monotonic() < deadline, f"the run never started {task!r}"
                    time.sleep(0.02)
        finally:
            self.kill(process)

    def report(self, migration_id):
        return json.loads((self.state_dir / f"{migration_id}.report.json").read_text())

    def state(self, migration_id):
        return json.loads((self.state_dir / f"{migration_id}.json").read_text())

    # -- what every migration must leave ---------------------------------------------------------
    def assert_back_as_before(self, formations):
        """Every app runs exactly its recorded dynos again, out of maintenance mode."""
        for app, formation in formations.items():
            assert self.sim.formation(app) == formation, app
            assert self.sim.maintenance(app) is False, app

    def assert_nothing_lost(self, *apps):
        """The restored dynos write to DATABASE_URL, and every write ever acknowledged is in it."""
        for app in apps:
            before = self.sim.admin("GET", f"/apps/{app}/writes")["acknowledged"]
            self.sim.wait_until(lambda app=app: self.sim.admin("GET", f"/apps/{app}/writes")["acknowledged"] > before + 10,
                                f"the dynos of {app} to write again")
            writes = self.sim.admin("GET", f"/apps/{app}/writes")
            assert writes["missing"] == 0, (app, writes)

    def assert_second_run_changes_nothing(self, playbook, **variables):
        completed = ok(self.run(playbook, **variables))
        assert "finished at" in completed.stdout, completed.stdout
        assert completed.changes == []
        assert not re.search(r"\bchanged=[1-9]", completed.stdout), completed.stdout[-3000:]  # the report is as it was


def ok(completed):
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    return completed


def failed(completed, *fragments):
    assert completed.returncode != 0, completed.stdout[-6000:]
    for fragment in fragments:
        assert fragment in completed.stdout, completed.stdout[-6000:]
    return completed


def wait_for_writes(sim, *apps, count=20):
    for app in apps:
        sim.wait_until(lambda app=app: sim.admin("GET", f"/apps/{app}/writes")["acknowledged"] > count,
                       f"the dynos of {app} to write")
