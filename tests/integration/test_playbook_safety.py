# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What keeps a migration safe: --check changes nothing, a run killed inside the maintenance window is
finished by a re-run, and decommissioning refuses a database still in use. (Refusals of wrong requests
and failures mid-run are the bad-input campaign of tests/chaos.)"""

from __future__ import annotations

import json
import time

import pytest
from methods import CHANGEOVER, OLD
from playbook_support import failed, ok, start_runner

FORMATION = CHANGEOVER.formations["sushi"]
APPS = CHANGEOVER.apps
MIGRATION = CHANGEOVER.migration_id


@pytest.fixture
def standard(start_sim, ansible_factory, tmp_path):
    return start_runner(start_sim, ansible_factory, tmp_path, *CHANGEOVER.fixture_parts(), writers=CHANGEOVER.writers)


def test_check_mode_prints_the_plan_and_changes_nothing(standard):
    run = ok(standard.run("upgrade_pg.yml", check=True, app="sushi", version="16", plan="standard-2"))
    assert run.changes == []  # not one write request: only reads
    assert "Method: pg_upgrade (follower)" in run.stdout and "Steps:" in run.stdout
    assert "Expected downtime: about 20 to 30 minutes" in run.stdout and "Manual follow-ups:" in run.stdout
    assert not standard.state_dir.exists()
    assert standard.sim.formation("sushi") == FORMATION and standard.sim.maintenance("sushi") is False


def test_a_run_killed_inside_the_window_is_finished_by_a_re_run(standard):
    """Killed after the promote, the most the window has to finish: a re-run rolls forward. (The chaos
    campaigns kill a run at every task; their quick subset in `make test` kills one before the cutover.)"""
    sim = standard.sim
    process = standard.start(CHANGEOVER.playbook, **CHANGEOVER.variables)
    try:
        sim.wait_until(lambda: sim.attachments("sushi")[("DATABASE", None)] != OLD, "the promote", timeout=300)
    finally:
        standard.kill(process)
    assert sim.maintenance("sushi") is True  # killed inside the window
    state = standard.state(MIGRATION)
    assert state["window"]["formations"] == {"sushi": FORMATION}  # recorded before anything was scaled
    # Another migration of the app must wait until this one is finished.
    run = failed(standard.run("change_pg_plan.yml", app="sushi", plan="standard-3"),
                 f"Migration {MIGRATION} of sushi stopped inside a maintenance window: re-run it")
    assert run.changes == []

    run = ok(standard.run(CHANGEOVER.playbook, **CHANGEOVER.variables))
    # The state file says window_entered; Heroku shows the promote done, and Heroku decides.
    assert "resuming after phase cut_over" in run.stdout and "Heroku shows the switch made" in run.stdout
    new = sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD and not sim.database(new)["following"]
    assert sim.get(f"/addons/{new}")["plan"]["name"] == "heroku-postgresql:standard-2"
    standard.assert_back_as_before({"sushi": FORMATION})
    standard.assert_nothing_lost("sushi")
    report = standard.report(MIGRATION)
    assert report["phase"] == "done" and report["window_seconds"] > 0
    standard.assert_second_run_changes_nothing(CHANGEOVER.playbook, **CHANGEOVER.variables)
    # Killed after it recorded `done` but before it wrote the report: a re-run writes the same report.
    (standard.state_dir / f"{MIGRATION}.report.json").unlink()
    run = ok(standard.run(CHANGEOVER.playbook, **CHANGEOVER.variables))
    assert "finished at" in run.stdout and run.changes == [] and standard.report(MIGRATION) == report


def test_a_run_killed_once_the_apps_are_restored_still_reports_its_window(standard):
    """Killed after the restore, before it recorded leaving the window: the re-run takes the window's end from
    Heroku's formation times, so the report and the summary still tell how long the apps were down."""
    standard.kill_at(standard.start(CHANGEOVER.playbook, **CHANGEOVER.variables), "leave | Record that the window is left")
    standard.assert_back_as_before({"sushi": FORMATION})
    killed = standard.state(MIGRATION)["window"]
    assert killed["left_at"] is None

    rerun_at = time.time()
    run = ok(standard.run(CHANGEOVER.playbook, **CHANGEOVER.variables))
    seconds = standard.report(MIGRATION)["window_seconds"]
    # Counted from when the window was recorded: the killed run had not written entered_at yet.
    assert isinstance(seconds, float) and 0 < seconds < rerun_at - killed["recorded_at"], (seconds, killed)
    assert "its end was taken from Heroku's formation times" in run.stdout
    [summary] = (standard.state_dir / "summaries").glob("change_pg_plan.*.json")
    assert [row["window_seconds"] for row in json.loads(summary.read_text())["hosts"]] == [seconds]


def test_a_promote_whose_answer_is_lost_is_never_called_rolled_back(standard):
    """Heroku makes the promote but its answer is a 403: the run must not take that for a failure before the
    cutover (the old rescue said "Rolled back", restored the dynos onto the promoted database and gave it up, and
    the next run promoted a stale follower over it). Heroku is read again, the window kept, and a re-run finishes."""
    sim = standard.sim
    sim.admin("POST", "/faults", json={"method": "POST", "path": "^/addon-attachments$", "status": 403,
                                       "after": True, "times": 1})
    run = failed(standard.run(CHANGEOVER.playbook, **CHANGEOVER.variables), "The cutover is done (DATABASE_URL of sushi is")
    assert "Rolled back" not in run.stdout and "nothing was rolled back" in run.stdout
    new = sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD
    assert sim.maintenance("sushi") is True and not any(sim.formation("sushi").values())  # nothing writes anywhere
    state = standard.state(MIGRATION)
    assert state["phase"] == "cut_over" and not state.get("abandoned")

    run = ok(standard.run(CHANGEOVER.playbook, **CHANGEOVER.variables))
    assert "resuming after phase cut_over" in run.stdout
    assert sim.attachments("sushi")[("DATABASE", None)] == new
    standard.assert_back_as_before({"sushi": FORMATION})
    standard.assert_nothing_lost("sushi")
    assert standard.report(MIGRATION)["abandoned_databases"] == []


def test_decommission_refuses_a_database_in_use_and_destroys_an_unused_one(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [
        {"addon": "pg-new", "app": "sushi", "plan": "standard-0", "attachments": ["DATABASE", "HEROKU_POSTGRESQL_RED"]},
        {"addon": OLD, "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_LAVENDER"]},
        {"addon": "pg-old-follower", "app": "sushi", "plan": "standard-0", "follows": OLD,
         "attachments": ["HEROKU_POSTGRESQL_WHITE"]}])
    sim = runner.sim
    failed(runner.run("decommission_pg.yml", app="sushi", database="pg-new", confirm="pg-new"),
           "Refusing to destroy pg-new: it is DATABASE_URL of sushi.")
    failed(runner.run("decommission_pg.yml", app="sushi", database=OLD, confirm=OLD),
           f"Refusing to destroy {OLD}: it still has followers (pg-old-follower)")
    failed(runner.run("decommission_pg.yml", app="sushi", database="pg-old-follower", confirm="pg-new"),
           "confirm=pg-new does not name it.")
    assert {a["name"] for a in sim.get("/addons")} == {"pg-new", OLD, "pg-old-follower"}

    ok(runner.run("decommission_pg.yml", app="sushi", database="pg-old-follower", confirm="pg-old-follower"))
    run = ok(runner.run("decommission_pg.yml", app="sushi", database="HEROKU_POSTGRESQL_LAVENDER", confirm=OLD))
    assert [change[0] for change in run.changes] == ["DELETE"]
    assert {a["name"] for a in sim.get("/addons")} == {"pg-new"}
    run = ok(runner.run("decommission_pg.yml", app="sushi", database=OLD, confirm=OLD))
    assert "nothing to do" in run.stdout and run.changes == []
    assert sim.attachments("sushi")[("DATABASE", None)] == "pg-new"
