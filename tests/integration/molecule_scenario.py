#!/usr/bin/env python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Molecule scenarios (extensions/molecule) as methods.py describes them, for the scenario MOLECULE_SCENARIO_NAME.

    molecule_scenario.py --list     an Ansible inventory (extensions/molecule/config.yml passes it with -i): the
                                    migrated app as the host, the method's variables as its host variables; the
                                    simulator's fixture, the playbook and the state directory as group variables
    molecule_scenario.py prepare    once the dynos of every app write: where the request log and the output stand
    molecule_scenario.py verify     the pytest suites' and the campaigns' checks (methods.py, playbook_support.py)

Molecule runs it with its environment: MOLECULE_SCENARIO_NAME, MOLECULE_EPHEMERAL_DIRECTORY, HEROKU_HOST and
HEROKU_API_KEY. prepare and verify take the playbooks' output (the ansible log) as their argument.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# pylint: disable=wrong-import-position  # after the path set-up above
import requests  # noqa: E402
from herokusim import testing  # noqa: E402
from methods import METHODS, assert_expected, assert_migrated  # noqa: E402
from playbook_support import FAST, Runner, wait_for_writes  # noqa: E402
from simenv import Sim, scenario  # noqa: E402

# Molecule scenario -> methods.METHODS name.
SCENARIOS = {
    "change_pg_plan_addons_essential": "addons_upgrade_essential",
    "change_pg_plan_addons_standard": "addons_upgrade_standard",
    "change_pg_plan_follower_changeover": "follower_changeover",
    "migrate_to_advanced_snapshot": "advanced_snapshot",
    "migrate_to_advanced_streaming": "advanced_streaming",
    "migrate_to_private_space": "private_space",
    "upgrade_pg_copy": "pg_copy",
    "upgrade_pg_direct": "pg_upgrade_direct",
    "upgrade_pg_follower": "pg_upgrade_follower",
    "upgrade_pg_in_place": "pg_upgrade_in_place",
}


class RunningSimulator(testing.SimulatorProcess):
    """The simulator Molecule's create started (at HEROKU_HOST), for Sim: requests only, no process to manage."""

    def __init__(self, url, token):  # pylint: disable=super-init-not-called  # starts nothing, owns no data dir
        self.url, self.token = url, token
        self.session = requests.Session()
        self.session.headers.update({"Accept": testing.ACCEPT, "Authorization": f"Bearer {token}"})


def inventory(method, ephemeral):
    variables = dict(method.variables)
    app = variables.pop("app")
    return {
        "all": {"hosts": [app], "vars": {
            **FAST, "state_dir": str(ephemeral / "state"), "scenario_playbook": method.playbook,
            "sim_fixture": scenario(*method.fixture_parts())}},
        "_meta": {"hostvars": {app: {**variables, "ansible_connection": "local",
                                     "ansible_python_interpreter": sys.executable}}},
    }


def prepare(method, sim, before, output):
    wait_for_writes(sim, *method.formations)
    before.write_text(json.dumps({"requests": sim.mark(), "output": len(output.read_text())}))


def verify(method, sim, before, output, state_dir):
    """What converge (then idempotence, the same run again) left, as the pytest suites and campaigns check it."""
    mark = json.loads(before.read_text())
    # Up to the Verify play (a `molecule verify` may follow another).
    printed = output.read_text()[mark["output"]:].split("PLAY [Verify]")[0]
    runner = Runner(sim, None, state_dir)
    report = runner.report(method.migration_id)
    # Converge wrote its report last: the requests logged until then are converge's, later ones the second run's.
    written = (state_dir / f"{method.migration_id}.report.json").stat().st_mtime
    requests = [r for r in sim.requests_since(mark["requests"]) if not r["path"].startswith("/__sim/")]
    assert report["api_calls"] == len([r for r in requests if r["time"] <= written]), "the report miscounts the API requests"
    assert f"{method.migration_id}: finished at" in printed, "the second run did not find the migration finished"
    changes = [(r["method"], r["path"]) for r in requests if r["time"] > written
               and r["method"] != "GET" and not r["path"].startswith("/actions/")]
    assert changes == [], f"the second run changed something: {changes}"
    assert '"window_seconds"' in printed, "converge did not print the report"
    assert not [s for s in sim.secrets() if s in printed], "a database password appears in the output"
    proof = report.get("data_proof") or {}
    assert (proof.get("verify"), proof.get("differences"), proof.get("not_proven")) == ("rows", [], None), \
        f"the new primary was not proven to hold what the old one held: {proof}"
    assert proof["tables"] >= 1, "the proof counted no table"
    assert_migrated(method, sim)
    assert_expected(method, sim, report, printed)
    runner.assert_back_as_before(method.formations)
    runner.assert_nothing_lost(*method.formations)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the scenario's inventory")
    parser.add_argument("--host", help="(no host variables beyond --list's)")
    parser.add_argument("step", nargs="?", choices=["prepare", "verify"])
    parser.add_argument("output", nargs="?", type=Path, help="the playbooks' output (ansible log)")
    args = parser.parse_args()
    method = METHODS[SCENARIOS[os.environ["MOLECULE_SCENARIO_NAME"]]]
    ephemeral = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
    if args.list or args.host:
        print(json.dumps(inventory(method, ephemeral) if args.list else {}))
        return
    sim = Sim(RunningSimulator(os.environ["HEROKU_HOST"], os.environ["HEROKU_API_KEY"]))
    if args.step is None:
        parser.error("--list, --host, prepare or verify")
    if args.step == "prepare":
        prepare(method, sim, ephemeral / "before.json", args.output)
    else:
        verify(method, sim, ephemeral / "before.json", args.output, ephemeral / "state")


if __name__ == "__main__":
    main()
