# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

SOURCE, TARGET, VAULT = "postgresql-lavender-12345", "postgresql-white-22222", "postgresql-vault-33333"
APPS = [{"name": "sushi", "formation": {}},
        {"name": "vault", "space": "vault-space", "shield": True, "formation": {}}]
DATABASES = [
    {"addon": SOURCE, "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 500,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
    {"addon": TARGET, "app": "sushi", "plan": "standard-0", "version": "16", "attachments": ["HEROKU_POSTGRESQL_WHITE"]},
    {"addon": VAULT, "app": "vault", "plan": "shield-0", "version": "15"},
]
ARGS = {"app": "sushi", "source": "DATABASE_URL", "target": "HEROKU_POSTGRESQL_WHITE_URL", "confirm": "WHITE",
        **WAIT_ARGS}


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def transfers(sim):
    return sim.get("/client/v11/apps/sushi/transfers")


def test_copy_check_mode_and_idempotence(env):
    sim, ansible = env
    tables = sim.database(SOURCE)["num_tables"]
    assert tables > 0 and sim.database(TARGET)["num_tables"] == 0

    mark = sim.mark()
    result = ansible.run("heroku_pg_copy", check=True, diff=True, **ARGS).ok()
    assert result["changed"] and result["copied"] and result["transfer"] is None
    assert result["diff"] == {"before": {"target": TARGET, "copy_of": None}, "after": {"target": TARGET, "copy_of": SOURCE}}
    assert result["api_calls"][-1]["method"] == "POST" and result["api_calls"][-1]["planned"]
    assert sim.changes_since(mark) == [] and transfers(sim) == []

    result = ansible.run("heroku_pg_copy", **ARGS).ok()
    transfer = result["transfer"]
    assert result["changed"] and result["copied"] and transfer["succeeded"] is True
    assert transfer["from_name"] == SOURCE and transfer["to_name"] == TARGET and transfer["processed_bytes"] > 0
    assert result["source"]["attachment"] == "DATABASE" and result["target"]["attachment"] == "HEROKU_POSTGRESQL_WHITE"
    assert result["source_bytes"] > 0 and sim.database(TARGET)["num_tables"] == tables
    assert "postgres://" not in str(result)

    for check in (True, False):
        mark = sim.mark()
        result = ansible.run("heroku_pg_copy", check=check, **{**ARGS, "confirm": TARGET}).ok()
        assert not result["changed"] and not result["copied"] and result["transfer"]["uuid"] == transfer["uuid"]
        assert sim.changes_since(mark) == []
    assert len(transfers(sim)) == 1


def test_refusals_change_nothing(env):
    sim, ansible = env
    mark = sim.mark()
    ansible.run("heroku_pg_copy", **{**ARGS, "confirm": "sushi"}).refused(
        "destroys every table of postgresql-white-22222", "set confirm to WHITE")
    ansible.run("heroku_pg_copy", **{**ARGS, "max_source_bytes": 1000}).refused(
        f"Refusing to copy {SOURCE}", "over max_source_bytes (1000)")
    ansible.run("heroku_pg_copy", **{**ARGS, "source": "vault::DATABASE_URL"}).refused(
        f"the source {VAULT} is on a Shield plan")
    ansible.run("heroku_pg_copy", **{**ARGS, "target": f"vault::{VAULT}", "confirm": VAULT}).refused(
        f"the target {VAULT} is on a Shield plan")
    ansible.run("heroku_pg_copy", **{**ARGS, "target": "DATABASE", "confirm": "DATABASE"}).refused(
        "Cannot copy database onto itself")
    assert sim.changes_since(mark) == [] and transfers(sim) == []


def test_an_uncertain_start_is_re_read_never_sent_twice(env):
    sim, ansible = env
    path = f"/client/v11/databases/{sim.get('/addons/' + TARGET)['id']}/transfers"
    # Refused before it was served: no new transfer, so it is sent again.
    sim.admin("POST", "/faults", json={"method": "POST", "path": "/transfers$", "status": 503, "times": 1})
    mark = sim.mark()
    result = ansible.run("heroku_pg_copy", **ARGS).ok()
    assert result["changed"] and result["transfer"]["succeeded"] is True
    assert [(r["method"], r["status"]) for r in sim.requests_since(mark) if r["path"] == path] == [
        ("POST", 503), ("POST", 201)]

    # Served, then the answer was lost: the new transfer (back onto the source) is adopted, not started again.
    back = {**ARGS, "source": "HEROKU_POSTGRESQL_WHITE_URL", "target": "HEROKU_POSTGRESQL_LAVENDER_URL",
            "confirm": "LAVENDER"}
    sim.admin("POST", "/faults", json={"method": "POST", "path": "/transfers$", "status": 503, "times": 1, "after": True})
    mark = sim.mark()
    result = ansible.run("heroku_pg_copy", **back).ok()
    assert result["changed"] and result["transfer"]["succeeded"] is True
    assert [c[0] for c in sim.changes_since(mark)] == ["POST"] and len(transfers(sim)) == 2
