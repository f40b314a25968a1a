# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fleet in one run (one inventory host per app, --forks): each app's window is its own (the migration play's
free strategy), and the run ends with one summary of every host, failed ones included."""

from __future__ import annotations

import json

import yaml
from methods import sized_fleet
from playbook_support import failed, start_runner
from test_one_migration_per_database import playbook

# pg:copy runs inside the window: the large app's window lasts as long as its copy, the small app's a few seconds.
ROWS = {"small": 100, "large": 10_000_000}
FORMATIONS = {app: {"web": 1} for app in ROWS}


def test_each_app_leaves_its_window_when_its_own_cutover_is_done(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, *sized_fleet(ROWS), writers=FORMATIONS)
    inventory = tmp_path / "fleet.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    # ghost has no app on Heroku: it fails at preflight, and the others go on.
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {app: local for app in [*ROWS, "ghost"]}}}))
    run = failed(playbook(runner, inventory, "upgrade_pg.yml", "--forks", "3", version="16", method="pg_copy"))
    assert "fatal: [ghost]" in run.stdout

    windows = {app: runner.state(f"{app}.upgrade_pg.DATABASE.16")["window"] for app in ROWS}
    large_copy = next(op for op in runner.sim.admin("GET", "/operations")
                      if op["operation"] == "copy" and op["addon"] == runner.sim.attachments("large")[("DATABASE", None)])
    # In lockstep (the linear strategy) small would wait for large's copy before leaving its window.
    assert windows["small"]["left_at"] < large_copy["started_at"] + large_copy["seconds"], (windows, large_copy)
    assert windows["small"]["left_at"] < windows["large"]["left_at"], windows
    runner.assert_back_as_before(FORMATIONS)
    runner.assert_nothing_lost(*ROWS)
    for app in ROWS:
        assert runner.sim.database(runner.sim.attachments(app)[("DATABASE", None)])["postgres_version"].startswith("16.")

    # The summary: printed once, and in state_dir as JSON and SVG, with a row per host.
    assert run.stdout.count("phase reached  window s  result     state file") == 1, run.stdout[-4000:]
    [summary] = (runner.state_dir / "summaries").glob("upgrade_pg.*.json")
    rows = {row["host"]: row for row in json.loads(summary.read_text())["hosts"]}
    assert {host: (row["method"], row["phase"], row["result"]) for host, row in rows.items()} == {
        "small": ("pg_copy", "done", "completed"), "large": ("pg_copy", "done", "completed"),
        "ghost": (None, "preflight", "failed")}
    for app in ROWS:
        assert rows[app]["window_seconds"] == runner.report(f"{app}.upgrade_pg.DATABASE.16")["window_seconds"]
    assert summary.with_suffix(".svg").read_text().count("<rect") == 4  # preparation and window of two apps
