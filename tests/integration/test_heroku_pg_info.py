# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import Ansible, running_simulator, scenario

LEADER, FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"
APPS = [{"name": "sushi", "formation": {"web": 1}}, {"name": "reports", "formation": {}}, {"name": "empty"}]
DATABASES = [
    {"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 100,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"], "pools": ["DATABASE_CONNECTION_POOL"],
     "attached_to": {"reports": ["SUSHI_DB"]}},
    {"addon": FOLLOWER, "app": "sushi", "plan": "standard-2", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "follows": LEADER},
]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """One simulator for the module: these tests only read."""
    with running_simulator(scenario(APPS, DATABASES)) as sim:
        yield sim, Ansible(sim, tmp_path_factory.mktemp("pg_info"))


def test_all_databases_of_an_app(env):
    sim, ansible = env
    mark = sim.mark()
    result = ansible.run("heroku_pg_info", app="sushi").ok()
    assert not result["changed"] and sim.changes_since(mark) == []
    leader, follower = result["databases"]
    assert (leader["name"], leader["primary"], follower["name"], follower["primary"]) == (LEADER, True, FOLLOWER, False)
    assert leader["addon_id"] == sim.get(f"/addons/{LEADER}")["id"]
    assert (leader["plan"], leader["tier"], leader["status"]) == ("standard-0", "standard", "Available")
    assert leader["waiting"] is False
    assert leader["version"].startswith("1") and leader["num_tables"] >= 1 and leader["num_bytes"] > 0
    assert leader["config_vars"] == ["DATABASE_URL", "HEROKU_POSTGRESQL_LAVENDER_URL"]
    assert {(a["app"], a["name"]) for a in leader["attachments"]} == {
        ("sushi", "DATABASE"), ("sushi", "HEROKU_POSTGRESQL_LAVENDER"), ("sushi", "DATABASE_CONNECTION_POOL"),
        ("reports", "SUSHI_DB")}
    assert leader["pools"] == [{"app": "sushi", "name": "DATABASE_CONNECTION_POOL", "namespace": "connection-pooling:default"}]
    assert (leader["following"], leader["leader"], leader["behind_by"], leader["forked_from"]) == (False, None, None, None)
    assert leader["followers"] == [FOLLOWER]

    assert (follower["plan"], follower["following"], follower["leader"]["name"]) == ("standard-2", True, LEADER)
    assert isinstance(follower["behind_by"], int) and follower["followers"] == [] and follower["pools"] == []
    assert any(entry["name"] == "Following" for entry in follower["info"])


@pytest.mark.parametrize("app, database", [
    ("sushi", "DATABASE_URL"), ("sushi", "DATABASE"), ("sushi", "HEROKU_POSTGRESQL_LAVENDER"),
    ("sushi", "HEROKU_POSTGRESQL_LAVENDER_URL"), ("sushi", LEADER), ("empty", "sushi::DATABASE_URL"),
    ("reports", "SUSHI_DB_URL"),
])
def test_one_database_in_any_heroku_form(env, app, database):
    ansible = env[1]
    result = ansible.run("heroku_pg_info", app=app, database=database).ok()
    assert [db["name"] for db in result["databases"]] == [LEADER]
    # Primary means DATABASE on the app it was found on: sushi, not reports.
    assert result["databases"][0]["primary"] is (app != "reports")


def test_check_mode_and_no_databases(env):
    sim, ansible = env
    mark = sim.mark()
    result = ansible.run("heroku_pg_info", check=True, app="sushi", database="HEROKU_POSTGRESQL_WHITE").ok()
    assert not result["changed"] and [db["name"] for db in result["databases"]] == [FOLLOWER]
    assert not any(call["planned"] for call in result["api_calls"])
    assert ansible.run("heroku_pg_info", app="empty").ok()["databases"] == []
    assert sim.changes_since(mark) == []


def test_unknown_database_fails_clearly(env):
    ansible = env[1]
    ansible.run("heroku_pg_info", app="sushi", database="HEROKU_POSTGRESQL_NOPE").refused(
        "Finding database HEROKU_POSTGRESQL_NOPE on app sushi failed", "Unknown database: HEROKU_POSTGRESQL_NOPE")


def test_an_app_that_borrows_a_database_names_its_followers_by_the_owner(env):
    """reports cannot see sushi's follower (no config var of its own holds its URL): the owner's names it."""
    sim, ansible = env
    mark = sim.mark()
    result = ansible.run("heroku_pg_info", app="reports").ok()
    assert [(db["name"], db["app"], db["followers"]) for db in result["databases"]] == [(LEADER, "sushi", [FOLLOWER])]
    assert ("GET", "/apps/sushi/config-vars") in [(call["method"], call["path"]) for call in result["api_calls"]]
    assert sim.changes_since(mark) == [] and "postgres://" not in str(result)
