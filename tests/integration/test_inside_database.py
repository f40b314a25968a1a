# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Look inside the database (issue 15), while dynos write: unlogged tables that a follower never receives, pg:upgrade's
object limits, and the proof inside the window that the new primary holds what the old one held."""

from __future__ import annotations

import psycopg
from methods import CHANGEOVER, OLD, STANDARD_0
from playbook_support import failed, ok, start_runner

APPS = [{"name": "sushi", "formation": {"web": 1, "worker": 1}}]
UNLOGGED = {**STANDARD_0, "unlogged_tables": {"sessions": 1000}}
CHANGE = {"app": "sushi", "plan": "standard-2"}
ID = "sushi.change_pg_plan.DATABASE.standard-2"


def rows(sim, table, app="sushi"):
    with psycopg.connect(sim.config(app)["DATABASE_URL"]) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_unlogged_tables_refuse_a_follower_and_auto_copies_them(start_sim, ansible_factory, tmp_path):
    """The issue's example: follower_changeover would leave `sessions` empty. Refused before any change, also in
    --check; `auto` takes pg:copy instead, and the rows arrive."""
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [UNLOGGED], writers=("sushi",))
    why = ("postgresql-lavender-12345 has unlogged tables: public.sessions (1000 rows, ",
           "so the new primary of follower_changeover (a follower) would have them empty")
    checked = failed(runner.run("change_pg_plan.yml", check=True, method="follower_changeover", **CHANGE), *why)
    refused = failed(runner.run("change_pg_plan.yml", method="follower_changeover", **CHANGE), *why)
    assert checked.changes == refused.changes == [] and not runner.state_dir.joinpath(f"{ID}.json").exists()

    auto = ok(runner.run("change_pg_plan.yml", **CHANGE))
    assert "Method: pg_copy. addons:upgrade is generally preferred" in auto.stdout
    assert "Yet postgresql-lavender-12345 has unlogged tables" in auto.stdout
    assert "Inside the database: " in auto.stdout and "unlogged tables: public.sessions (1000 rows" in auto.stdout
    new = runner.sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD and rows(runner.sim, "sessions") == 1000
    report = runner.report(ID)
    proof = report["data_proof"]
    assert (proof["verify"], proof["database"], proof["differences"], proof["not_proven"]) == ("rows", new, [], None)
    assert proof["tables"] >= 2
    runner.assert_back_as_before({"sushi": {"web": 1, "worker": 1}})
    runner.assert_nothing_lost("sushi")


def test_the_loss_accepted_is_reported_and_proven_as_accepted(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [UNLOGGED], writers=("sushi",))
    ok(runner.run("change_pg_plan.yml", method="follower_changeover", accept_unlogged_loss=True, **CHANGE))
    assert rows(runner.sim, "sessions") == 0  # PostgreSQL's own behaviour: the follower never had them
    report = runner.report(ID)
    assert any(f.startswith("Unlogged tables will be empty on") and "public.sessions (1000 rows" in f
               for f in report["manual_follow_ups"])
    assert report["data_proof"]["differences"] == []
    runner.assert_nothing_lost("sushi")


def test_the_proof_finds_a_planted_difference_and_rolls_back(start_sim, ansible_factory, tmp_path):
    """Prepared while the database had no unlogged table; one is created before the window (the plan never saw it):
    the proof finds it empty on the new database before the promote, and the window rolls back."""
    runner = start_runner(start_sim, ansible_factory, tmp_path, *CHANGEOVER.fixture_parts(), writers=CHANGEOVER.writers)
    ok(runner.run(CHANGEOVER.playbook, stop_after="prepared", **CHANGEOVER.variables))
    with psycopg.connect(runner.sim.config("sushi")["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("CREATE UNLOGGED TABLE cache AS SELECT generate_series(1, 40) AS n")
    run = failed(runner.run(CHANGEOVER.playbook, **CHANGEOVER.variables),
                 "does not hold what postgresql-lavender-12345 held once writes had stopped: public.cache has 0 rows,"
                 " 40 before (unlogged: a follower never has its rows)")
    assert "failed before the cutover" in run.stdout and "restored as recorded" in run.stdout
    assert runner.sim.attachments("sushi")[("DATABASE", None)] == OLD and rows(runner.sim, "cache") == 40
    runner.assert_back_as_before(CHANGEOVER.formations)
    runner.assert_nothing_lost(*CHANGEOVER.writers)
    # Skipping the proof, the operator takes the loss knowingly.
    ok(runner.run(CHANGEOVER.playbook, verify_data="skip", **CHANGEOVER.variables))
    assert runner.sim.attachments("sushi")[("DATABASE", None)] != OLD


def test_pg_upgrade_beyond_the_documented_limits(start_sim, ansible_factory, tmp_path):
    """Over 1,000 schemas: refused before any change unless tested; tested, Heroku's upgrade fails as documented, and
    the window rolls back with the database on its old version."""
    database = {"addon": OLD, "app": "sushi", "plan": "essential-0", "version": "15", "seed_rows": 100,
                "attachments": ["DATABASE"], "schemas": 1001}
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, [database], writers=("sushi",))
    upgrade = {"app": "sushi", "version": "16"}
    refused = failed(runner.run("upgrade_pg.yml", **upgrade),
                     f"{OLD} has 1002 schemas (the documented limit is 1,000): pg:upgrade may fail out of memory")
    assert refused.changes == []
    tried = failed(runner.run("upgrade_pg.yml", upgrade_tested=True, **upgrade),
                   "version upgrade error, check your Heroku email notifications for details")
    assert "restored as recorded" in tried.stdout
    assert runner.sim.database(OLD)["postgres_version"].startswith("15")
    runner.assert_back_as_before({"sushi": {"web": 1, "worker": 1}})
    runner.assert_nothing_lost("sushi")
