# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""heroku_pg_inspect against the simulator's real PostgreSQL, over TLS as on Heroku: what it finds, that it
changes nothing (not even inside the database), and a database it cannot inspect."""

from __future__ import annotations

import psycopg
import pytest
from simenv import Ansible, running_simulator, scenario

OLD = "postgresql-lavender-12345"
APPS = [{"name": "sushi", "formation": {}}, {"name": "reports", "formation": {}}]
DATABASES = [{"addon": OLD, "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 100,
              "attachments": ["DATABASE"], "attached_to": {"reports": ["SUSHI_DB"]}}]
SETUP = """
CREATE UNLOGGED TABLE sessions (id int PRIMARY KEY, data text);
INSERT INTO sessions SELECT n, 'x' FROM generate_series(1, 1000) n;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY);
CREATE FUNCTION billing.total() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE EXTENSION hstore;
CREATE PUBLICATION outbox FOR TABLE billing.invoices;
CREATE TABLE billing.audit (message text);
CREATE TABLE billing.events (message text);
ALTER TABLE billing.events REPLICA IDENTITY FULL;
SELECT lo_create(0);
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_simulator(scenario(APPS, DATABASES)) as sim:
        with psycopg.connect(sim.config("sushi")["DATABASE_URL"], autocommit=True) as connection:
            connection.execute(SETUP)
        yield sim, Ansible(sim, tmp_path_factory.mktemp("pg_inspect"))


def catalog(sim):
    """What a change inside the database would alter: every relation, and the rows of the unlogged table."""
    with psycopg.connect(sim.config("sushi")["DATABASE_URL"]) as connection:
        return (connection.execute("SELECT count(*), max(relfilenode) FROM pg_class").fetchone(),
                connection.execute("SELECT count(*) FROM sessions").fetchone())


def test_what_only_the_database_can_tell(env):
    sim, ansible = env
    mark, before = sim.mark(), catalog(sim)
    found = ansible.run("heroku_pg_inspect", app="sushi").ok()
    assert (found["inspected"], found["database"], found["changed"]) == (True, OLD, False)
    assert found["server_version"].startswith("15.") and found["size_bytes"] > 0
    assert found["unlogged_tables"] == [{"schema": "public", "name": "sessions", "rows": 1000,
                                         "bytes": found["unlogged_tables"][0]["bytes"]}]
    assert found["unlogged_tables"][0]["bytes"] > 8192
    # billing.events has no key but replica identity FULL: logical replication can carry its changes
    assert found["tables_without_key"] == [{"schema": "billing", "name": "audit", "bytes": 8192}]
    # public and billing; hstore's functions are the extension's, not counted
    assert found["schemas"] == 2 and found["extensions"] == [{"name": "hstore", "version": "1.8"}]
    assert 8 <= found["objects"] <= 15, found["objects"]
    assert (found["publications"], found["subscriptions"], found["logical_replication_slots"]) == (["outbox"], [], [])
    assert found["large_objects"] == 1
    assert found["upgrade_limits"] == {"schemas": 1000, "objects": 10000} and found["over_upgrade_limits"] == []
    assert sim.changes_since(mark) == [] and catalog(sim) == before


def test_any_name_of_the_database_and_check_mode(env):
    ansible = env[1]
    for app, database, check in (("reports", "SUSHI_DB", False), ("sushi", OLD, True)):
        found = ansible.run("heroku_pg_inspect", app=app, database=database, check=check).ok()
        assert found["inspected"] and found["database"] == OLD and found["large_objects"] == 1


def test_a_database_it_cannot_inspect(env):
    """verify-full cannot pass with Heroku's certificates (nor the simulator's): not inspected, and why, unless
    required. The reason and the failure name no credential."""
    sim, ansible = env
    found = ansible.run("heroku_pg_inspect", app="sushi", sslmode="verify-full").ok()
    assert found["inspected"] is False and found["reason"] and "unlogged_tables" not in found
    user = sim.config("sushi")["DATABASE_URL"].split("//")[1].split(":")[0]
    assert user not in found["reason"]
    failed = ansible.run("heroku_pg_inspect", app="sushi", sslmode="verify-full", required=True)
    failed.refused(f"Inspecting {OLD} failed: ")
    assert user not in failed["msg"]


def test_unknown_database_fails_clearly(env):
    ansible = env[1]
    ansible.run("heroku_pg_inspect", app="sushi", database="HEROKU_POSTGRESQL_NOPE").refused("HEROKU_POSTGRESQL_NOPE")


def test_a_census_compared_with_another_database(env):
    """compare_with counts the other database first, in the same run; the reference of a database it cannot inspect
    says why, and compare_with without a census is refused."""
    sim, ansible = env
    mark = sim.mark()
    found = ansible.run("heroku_pg_inspect", app="reports", database="SUSHI_DB", census="rows",
                        compare_with={"app": "sushi"}).ok()
    reference = found["reference"]
    assert (reference["database"], reference["inspected"]) == (OLD, True)
    assert reference["tables"] == found["tables"] and found["tables"]["public.sessions"]["rows"] == 1000
    ansible.run("heroku_pg_inspect", app="sushi", compare_with={"app": "sushi"}).refused("compare_with needs a census")
    with_checksum = ansible.run("heroku_pg_inspect", app="sushi", census="checksum",
                                compare_with={"app": "reports", "database": "SUSHI_DB"}).ok()
    assert with_checksum["reference"]["tables"]["public.sessions"]["checksum"] == with_checksum["tables"]["public.sessions"]["checksum"]
    assert sim.changes_since(mark) == []
