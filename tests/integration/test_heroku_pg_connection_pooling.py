# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import scenario

MAIN, OTHER, SMALL = "postgresql-main-11111", "postgresql-white-22222", "postgresql-small-33333"
POOL_NS = "connection-pooling:default"
APPS = [{"name": "sushi", "formation": {}}, {"name": "tiny", "formation": {}}]
DATABASES = [
    {"addon": MAIN, "app": "sushi", "plan": "standard-0", "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
    {"addon": OTHER, "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "pools": ["REPORTING_POOL"]},
    {"addon": SMALL, "app": "tiny", "plan": "essential-0"},
]


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def test_attach_check_mode_and_idempotence(env):
    sim, ansible = env

    mark = sim.mark()
    result = ansible.run("heroku_pg_connection_pooling", check=True, diff=True, app="sushi").ok()
    assert result["changed"] and result["pool"]["id"] is None
    assert result["diff"] == {"before": {"DATABASE_CONNECTION_POOL": None}, "after": {"DATABASE_CONNECTION_POOL": MAIN}}
    assert [(c["method"], c["path"]) for c in result["api_calls"] if c["planned"]] == [
        ("POST", f"/client/v11/databases/{MAIN}/connection-pooling")]
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_pg_connection_pooling", app="sushi").ok()
    assert result["changed"] and result["pool"]["name"] == "DATABASE_CONNECTION_POOL"
    assert result["pool"]["config_var"] == "DATABASE_CONNECTION_POOL_URL" and result["pool"]["addon"] == MAIN
    assert sim.attachments("sushi")[("DATABASE_CONNECTION_POOL", POOL_NS)] == MAIN
    assert "DATABASE_CONNECTION_POOL_URL" in sim.config("sushi")

    mark = sim.mark()
    result = ansible.run("heroku_pg_connection_pooling", app="sushi", database="DATABASE").ok()
    assert not result["changed"] and result["pool"]["id"] == [
        a["id"] for a in sim.get("/apps/sushi/addon-attachments") if a["name"] == "DATABASE_CONNECTION_POOL"][0]
    assert sim.changes_since(mark) == []

    args = {"app": "sushi", "database": "HEROKU_POSTGRESQL_WHITE_URL", "as": "ANALYTICS_POOL"}
    assert ansible.run("heroku_pg_connection_pooling", **args).ok()["changed"]
    assert sim.attachments("sushi")[("ANALYTICS_POOL", POOL_NS)] == OTHER
    mark = sim.mark()
    assert not ansible.run("heroku_pg_connection_pooling", **args).ok()["changed"]
    assert not ansible.run("heroku_pg_connection_pooling", **args, check=True).ok()["changed"]
    assert sim.changes_since(mark) == []


def test_refusals_change_nothing(env):
    sim, ansible = env
    mark = sim.mark()
    ansible.run("heroku_pg_connection_pooling", app="sushi", name="REPORTING_POOL").refused(
        f"Pool REPORTING_POOL on sushi belongs to {OTHER}, not {MAIN}")
    ansible.run("heroku_pg_connection_pooling", app="tiny").refused(
        "You can't perform this operation on Essential-tier databases")
    assert sim.changes_since(mark) == []
