# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""heroku_pg_advanced and heroku_pg_advanced_migration against the simulator's Advanced API and real data:
create, pools, the migration prepared, run, cancelled, and their refusals."""

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

SOURCE = "postgresql-lavender-12345"
APPS = [{"name": "sushi", "formation": {"web": 1}}, {"name": "other"}]
DATABASES = [
    {"addon": SOURCE, "app": "sushi", "plan": "standard-0", "seed_rows": 500,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
    {"addon": "postgresql-tiny-99999", "app": "sushi", "plan": "essential-0", "attachments": ["HEROKU_POSTGRESQL_TINY"]},
    {"addon": "postgresql-elsewhere-55555", "app": "other", "plan": "standard-0", "attachments": ["DATABASE"]},
]
NEW = {"app": "sushi", "attachment_name": "NEW_DATABASE", **WAIT_ARGS}


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def create(ansible, **args):
    return ansible.run("heroku_pg_advanced", level="4G-Performance", source="DATABASE_URL", **NEW, **args).ok()


def stop_the_app(sim):
    sim.request("PATCH", "/apps/sushi", json={"maintenance": True})
    sim.request("PATCH", "/apps/sushi/formation", json={"updates": [{"type": "web", "quantity": 0}]})


def test_create_check_mode_pools_and_idempotence(env):
    sim, ansible = env
    mark = sim.mark()
    planned = ansible.run("heroku_pg_advanced", check=True, level="4G-Performance", source="DATABASE_URL", **NEW).ok()
    assert planned["changed"] and planned["created"] and planned["addon"]["plan"] == "heroku-postgresql:advanced"
    assert sim.changes_since(mark) == []

    made = create(ansible, follower_pools=[{"name": "readers", "count": 1}])
    assert made["changed"] and made["created"] and made["pools_changed"] == ["readers"]
    pools = {p["name"]: p for p in made["database"]["pools"]}
    assert (made["database"]["status"], pools["leader"]["expected_count"], pools["readers"]["expected_level"]) == (
        "available", 2, "4G-Performance")
    assert sim.attachments("sushi")[("NEW_DATABASE", None)] == made["addon"]["name"]

    again = create(ansible, follower_pools=[{"name": "readers", "count": 1}])
    assert not again["changed"] and [c["method"] for c in again["api_calls"]].count("POST") <= 1  # the resolver's

    resized = create(ansible, high_availability=False, follower_pools=[{"name": "readers", "count": 2}])
    pools = {p["name"]: p for p in resized["database"]["pools"]}
    assert resized["changed"] and resized["pools_changed"] == ["leader", "readers"]
    assert (pools["leader"]["expected_count"], pools["readers"]["expected_count"]) == (1, 2)


def test_refusals_of_the_database_module(env):
    sim, ansible = env
    mark = sim.mark()
    ansible.run("heroku_pg_advanced", app="sushi", attachment_name="DATABASE", level="4G-Performance", **WAIT_ARGS).refused(
        f"{SOURCE} is on heroku-postgresql:standard-0, not Heroku Postgres Advanced")
    ansible.run("heroku_pg_advanced", app="sushi", name="postgresql-elsewhere-55555", level="4G-Performance",
                **WAIT_ARGS).refused("Add-on postgresql-elsewhere-55555 belongs to app other, not sushi")
    ansible.run("heroku_pg_advanced", **NEW).refused("set level to create it")
    ansible.run("heroku_pg_advanced", level="No-Such-Level", **NEW).refused("No-Such-Level")
    assert [c for c in sim.changes_since(mark) if c[0] != "POST" or "/addons" not in c[1]] == []


def test_a_streaming_migration_prepared_run_and_nothing_lost(env):
    sim, ansible = env
    create(ansible)
    args = {"app": "sushi", "target": "NEW_DATABASE", **WAIT_ARGS}
    ansible.run("heroku_pg_advanced_migration", source="HEROKU_POSTGRESQL_TINY", method="streaming", state="prepared",
                **args).refused("postgresql-tiny-99999 is on heroku-postgresql:essential-0", "Nothing was changed")
    assert ansible.run("heroku_pg_advanced_migration", **args).ok()["migration"] is None

    mark = sim.mark()
    planned = ansible.run("heroku_pg_advanced_migration", check=True, source="DATABASE_URL", method="streaming",
                          state="prepared", **args).ok()
    assert planned["changed"] and sim.changes_since(mark) == []
    ready = ansible.run("heroku_pg_advanced_migration", source="DATABASE_URL", method="streaming", state="prepared",
                        max_lag=10_000_000, **args).ok()
    assert ready["changed"] and ready["migration"]["status"] == "ready" and ready["source"]["name"] == SOURCE
    again = ansible.run("heroku_pg_advanced_migration", source="DATABASE_URL", method="streaming", state="prepared",
                        **args).ok()
    assert not again["changed"] and again["migration"]["status"] == "ready"

    mark = sim.mark()
    ansible.run("heroku_pg_advanced_migration", state="completed", **args).refused(
        "Application sushi is not in maintenance mode", "Nothing was changed")
    assert sim.changes_since(mark) == []

    stop_the_app(sim)
    done = ansible.run("heroku_pg_advanced_migration", state="completed", **args).ok()
    assert done["changed"] and (done["migration"]["status"], done["migration"]["successful"]) == ("completed", True)
    assert not ansible.run("heroku_pg_advanced_migration", state="completed", **args).ok()["changed"]

    promoted = ansible.run("heroku_pg_promote", app="sushi", database="NEW_DATABASE", **WAIT_ARGS).ok()
    assert promoted["changed"] and sim.attachments("sushi")[("DATABASE", None)] == done["target"]["name"]
    writes = sim.admin("GET", "/apps/sushi/writes")
    assert writes["acknowledged"] > 0 and writes["missing"] == 0, writes


def test_cancel_only_when_ready_and_a_cancelled_migration_fails_its_run(env):
    sim, ansible = env
    create(ansible)
    args = {"app": "sushi", "target": "NEW_DATABASE", **WAIT_ARGS}
    ansible.run("heroku_pg_advanced_migration", source="DATABASE_URL", method="snapshot", state="prepared", **args).ok()
    cancelled = ansible.run("heroku_pg_advanced_migration", state="cancelled", **args).ok()
    assert cancelled["changed"] and cancelled["migration"]["status"] == "cancelled"
    assert not ansible.run("heroku_pg_advanced_migration", state="cancelled", **args).ok()["changed"]
    stop_the_app(sim)
    ansible.run("heroku_pg_advanced_migration", state="completed", **args).refused(
        "Running the migration into ", " failed: Heroku reports it cancelled")
    # Prepared again after a cancel.
    again = ansible.run("heroku_pg_advanced_migration", source="DATABASE_URL", method="snapshot", state="prepared",
                        **args).ok()
    assert again["changed"] and again["migration"]["status"] == "ready"


def test_a_source_of_another_app_is_refused(env):
    sim, ansible = env
    create(ansible)
    mark = sim.mark()
    ansible.run("heroku_pg_advanced_migration", app="sushi", target="NEW_DATABASE", source="other::DATABASE",
                method="snapshot", state="prepared", **WAIT_ARGS).refused(
        "postgresql-elsewhere-55555 belongs to other", "must belong to the same app")
    assert sim.changes_since(mark) == []
