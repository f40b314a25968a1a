# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The playbook migrate_to_advanced (issue 14) against the simulator's Advanced API and real data, while dynos write:
both methods end to end (streaming by default, snapshot chosen for unlogged tables), a refusal before any change,
and --check."""

from __future__ import annotations

import psycopg
from methods import OLD, STANDARD_0
from playbook_support import Runner, failed, ok, start_runner, wait_for_writes
from simenv import scenario

FORMATION = {"web": 1, "worker": 1}
APPS = [{"name": "sushi", "formation": FORMATION}]
ID = "sushi.migrate_to_advanced.DATABASE.4G-Performance"
LEVEL = {"app": "sushi", "level": "4G-Performance"}


def rows(sim, table, app="sushi"):
    with psycopg.connect(sim.config(app)["DATABASE_URL"]) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def assert_on_advanced(runner):
    new = runner.sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD and new.startswith("sushi-advanced-"), new
    assert runner.sim.get(f"/addons/{new}")["plan"]["name"] == "heroku-postgresql:advanced"
    runner.assert_back_as_before({"sushi": FORMATION})
    runner.assert_nothing_lost("sushi")
    return new


def test_streaming_by_default_with_a_follower_pool(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [STANDARD_0], writers=("sushi",))
    checked = ok(runner.run("migrate_to_advanced.yml", check=True, **LEVEL))
    assert f"{ID}: planned." in checked.stdout and "Method: advanced_migration (streaming)." in checked.stdout
    assert checked.changes == [] and not runner.state_dir.joinpath(f"{ID}.json").exists()
    done = ok(runner.run("migrate_to_advanced.yml", follower_pools=[{"name": "readers", "count": 1}], **LEVEL))
    assert "Method: advanced_migration (streaming)." in done.stdout
    new = assert_on_advanced(runner)
    report = runner.report(ID)
    assert (report["phase"], report["method"], report["old_primary"], report["new_primary"]) == (
        "done", "advanced_migration (streaming)", OLD, new), report
    assert report["data_proof"]["differences"] == [] and report["data_proof"]["database"] == new
    info = runner.sim.get(f"/data/postgres/v1/{new}/info")
    assert {p["name"] for p in info["pools"]} >= {"leader", "readers"}, info
    runner.assert_second_run_changes_nothing("migrate_to_advanced.yml", follower_pools=[{"name": "readers", "count": 1}],
                                             **LEVEL)


def test_snapshot_for_unlogged_tables_keeps_their_rows(start_sim, ansible_factory, tmp_path):
    database = {**STANDARD_0, "unlogged_tables": {"sessions": 300}}
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [database], writers=("sushi",))
    refused = failed(runner.run("migrate_to_advanced.yml", advanced_method="streaming", **LEVEL),
                     "Logical replication never sends their rows")
    assert refused.changes == []
    done = ok(runner.run("migrate_to_advanced.yml", high_availability=False, **LEVEL))
    assert "Method: advanced_migration (snapshot)." in done.stdout
    assert "Snapshot, not streaming: postgresql-lavender-12345 has unlogged tables" in done.stdout
    assert_on_advanced(runner)
    assert rows(runner.sim, "sessions") == 300
    assert runner.report(ID)["method"] == "advanced_migration (snapshot)"


def test_an_essential_database_is_refused_before_any_change(start_sim, ansible_factory, tmp_path):
    essential = {"addon": OLD, "app": "sushi", "plan": "essential-0", "version": "15", "seed_rows": 100}
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [essential])
    refused = failed(runner.run("migrate_to_advanced.yml", **LEVEL),
                     "Change its plan to Standard first: change_pg_plan.yml")
    assert refused.changes == [] and not runner.state_dir.joinpath(f"{ID}.json").exists()
    # plan is not an option of this playbook: refused, not ignored.
    failed(runner.run("migrate_to_advanced.yml", plan="standard-2", **LEVEL), "plan and target_app do not apply")


def test_a_table_without_a_key_rules_streaming_out(start_sim, ansible_factory, tmp_path):
    """The source would refuse the apps' UPDATE and DELETE on it while streaming: refused before any change, and
    auto plans the snapshot."""
    database = {**STANDARD_0, "keyless_tables": {"audit": 50}}
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [database])
    refused = failed(runner.run("migrate_to_advanced.yml", advanced_method="streaming", accept_unlogged_loss=True, **LEVEL),
                     f"{OLD} has tables without a primary key or replica identity: public.audit (",
                     "ALTER TABLE ... REPLICA IDENTITY FULL")
    assert refused.changes == [] and not runner.state_dir.joinpath(f"{ID}.json").exists()
    planned = ok(runner.run("migrate_to_advanced.yml", check=True, **LEVEL))
    assert "Method: advanced_migration (snapshot)." in planned.stdout
    assert f"Snapshot, not streaming: {OLD} has tables without a primary key or replica identity" in planned.stdout
    assert planned.changes == []


def test_a_migration_left_ready_past_its_24_hours_is_prepared_again(start_sim, ansible_factory, tmp_path):
    """Prepared ahead (stop_after=prepared); Heroku's 24 hours to run it pass (time-scaled to 30 s) and the migration
    fails as expired; the run that cuts over later prepares it again, saying so, and loses nothing."""
    fixture = scenario(APPS, [STANDARD_0])
    fixture["timings"]["migration_ready_seconds"] = 30
    sim = start_sim(fixture)
    wait_for_writes(sim, "sushi")
    runner = Runner(sim, ansible_factory(sim), tmp_path / "state")
    ok(runner.run("migrate_to_advanced.yml", stop_after="prepared", **LEVEL))
    new = runner.state(ID)["plan"]["new_database"]
    migration = f"/data/postgres/v1/{new}/migrations"
    assert sim.get(migration)["status"] == "ready"
    sim.wait_until(lambda: sim.get(migration)["status"] == "failed", "the ready migration to expire", timeout=120)
    done = ok(runner.run("migrate_to_advanced.yml", **LEVEL))
    assert (f"The migration into {new} is failed on Heroku (Heroku keeps a ready migration 24 hours): it is prepared"
            f" again before the window ({new} is emptied and filled again).") in done.stdout, done.stdout[-4000:]
    assert sim.get(migration)["status"] == "completed"
    assert assert_on_advanced(runner) == new
