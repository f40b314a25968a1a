# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/upgrade_pg.yml run through ansible-runner, the engine AWX and Ansible Automation Platform run jobs with.

The credential reaches the run as AWX injects a custom credential: HEROKU_API_KEY in the job's environment. The run is
at -vvv, and neither its stdout nor its job events (what AWX stores and shows) may contain the API key or a database
password. ansible-runner's own artifacts/<ident>/command file records the environment it was given, key included (mode
0600): that is the runner's record, not the job's output, and is left out of the check.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import ansible_runner
from playbook_support import FAST, PLAYBOOKS, start_runner
from simenv import TOKEN

FORMATION = {"web": 1, "worker": 1}
APPS = [{"name": "sushi", "formation": FORMATION}]
ESSENTIAL = [{"addon": "pg-sushi", "app": "sushi", "plan": "essential-0", "version": "15", "seed_rows": 100}]


def test_upgrade_playbook_through_ansible_runner(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, ESSENTIAL, writers=["sushi"])
    sim = runner.sim
    environment = runner.ansible.env()
    envvars = {name: environment[name] for name in
               ("HEROKU_API_KEY", "HEROKU_HOST", "HEROKU_DATA_HOST", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_NOCOLOR")}
    # ansible-runner starts the ansible-playbook it finds on PATH: this virtualenv's.
    envvars["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

    private_data_dir = tmp_path / "runner"
    private_data_dir.mkdir()
    run = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=str(PLAYBOOKS / "upgrade_pg.yml"),
        extravars={**FAST, "app": "sushi", "version": "16", "state_dir": str(runner.state_dir)},
        envvars=envvars,
        verbosity=3,
        quiet=True,
    )

    stdout = run.stdout.read()
    assert (run.status, run.rc) == ("successful", 0), stdout[-6000:]
    assert sim.database("pg-sushi")["postgres_version"].startswith("16")
    assert runner.report("sushi.upgrade_pg.DATABASE.16")["method"] == "pg_upgrade (in_place)"
    runner.assert_back_as_before({"sushi": FORMATION})
    runner.assert_nothing_lost("sushi")

    events = list(run.events)
    plan = [e for e in events if e.get("event") == "runner_on_ok"
            and e["event_data"].get("task") == "Show the plan"]
    assert plan and "Method: pg_upgrade (in_place)" in json.dumps(plan[0]["event_data"]["res"]["msg"])
    stats = next(e for e in events if e.get("event") == "playbook_on_stats")["event_data"]
    assert stats["failures"] == {} and stats["dark"] == {}

    artifacts = Path(run.config.artifact_dir)
    assert TOKEN in (artifacts / "command").read_text()  # the key was in the job's environment
    output = stdout + (artifacts / "stderr").read_text() + "".join(
        path.read_text() for path in sorted((artifacts / "job_events").glob("*.json")))
    assert len(output) > len(stdout)  # the job events were written, and are checked too
    leaked = [name for name, secret in [("the API key", TOKEN)] + [("a database password", s) for s in sim.secrets()]
              if secret in output]
    assert not leaked, f"{leaked} in ansible-runner's stdout or job events"
