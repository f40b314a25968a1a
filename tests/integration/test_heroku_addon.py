# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

MAIN, FOLLOWER, SMALL, SHARED = "postgresql-main-11111", "postgresql-white-22222", "postgresql-small-33333", \
    "postgresql-shared-44444"
APPS = [{"name": "sushi", "formation": {}}, {"name": "reports", "formation": {}}, {"name": "tiny", "formation": {}}]
DATABASES = [
    {"addon": MAIN, "app": "sushi", "plan": "standard-0", "version": "15",
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
    {"addon": FOLLOWER, "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "follows": MAIN},
    {"addon": SMALL, "app": "tiny", "plan": "essential-0", "version": "15"},
    {"addon": SHARED, "app": "sushi", "plan": "standard-0", "version": "15", "attachments": ["HEROKU_POSTGRESQL_GREEN"],
     "attached_to": {"reports": ["DATABASE"]}},
]


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def plan(sim, addon):
    return sim.get(f"/addons/{addon}")["plan"]["name"].rpartition(":")[2]


def test_create_attach_check_mode_and_idempotence(env):
    sim, ansible = env
    args = {"app": "sushi", "name": "sushi-db-16", "plan": "standard-0", "version": "16", "as": "NEW_DATABASE",
            "attach_to": [{"app": "reports", "as": "SUSHI_DB"}], **WAIT_ARGS}

    mark = sim.mark()
    result = ansible.run("heroku_addon", check=True, diff=True, **args).ok()
    assert result["changed"] and result["created"] and result["diff"]["before"] is None
    assert result["addon"]["plan"] == "heroku-postgresql:standard-0" and result["addon"]["id"] is None
    assert [(c["method"], c["path"]) for c in result["api_calls"] if c["planned"]] == [
        ("POST", "/apps/sushi/addons"), ("POST", "/addon-attachments")]
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_addon", **args).ok()
    assert result["changed"] and result["created"] and result["addon"]["state"] == "provisioned"
    assert result["addon"]["attachments"] == ["reports::SUSHI_DB", "sushi::NEW_DATABASE"]
    assert sim.attachments("sushi")[("NEW_DATABASE", None)] == "sushi-db-16"
    assert sim.attachments("reports")[("SUSHI_DB", None)] == "sushi-db-16"
    db = sim.database("sushi-db-16")
    assert db["postgres_version"].startswith("16.") and db["waiting?"] is False

    for check in (True, False):
        mark = sim.mark()
        result = ansible.run("heroku_addon", check=check, **args).ok()
        assert not result["changed"] and not result["created"]
        assert sim.changes_since(mark) == []

    # Found by attachment name alone; a second app without a name gets a colour attachment, once.
    by_attachment = {"app": "sushi", "as": "NEW_DATABASE", "attach_to": [{"app": "tiny"}], **WAIT_ARGS}
    result = ansible.run("heroku_addon", **by_attachment).ok()
    assert result["changed"] and not result["created"] and result["addon"]["name"] == "sushi-db-16"
    assert any(name.startswith("tiny::HEROKU_POSTGRESQL_") for name in result["addon"]["attachments"])
    assert not ansible.run("heroku_addon", **by_attachment).ok()["changed"]

    result = ansible.run("heroku_addon", **{**args, "version": "15"}).ok()
    assert not result["changed"] and "runs PostgreSQL 16" in " ".join(result.get("warnings", []))


def test_plan_changes(env):
    sim, ansible = env

    # Refused before it was served: re-read, found unchanged, sent again.
    sim.admin("POST", "/faults", json={"method": "PATCH", "path": "^/apps/tiny/addons/", "status": 500, "times": 1})
    result = ansible.run("heroku_addon", diff=True, app="tiny", name=SMALL, plan="essential-1", **WAIT_ARGS).ok()
    assert result["changed"] and result["plan_change"] == "done" and plan(sim, SMALL) == "essential-1"
    calls = [(c["method"], c["status"]) for c in result["api_calls"]]
    assert calls[calls.index(("PATCH", 500)):][:3] == [("PATCH", 500), ("GET", 200), ("PATCH", 200)]
    assert result["diff"]["before"]["plan"] == "heroku-postgresql:essential-0"
    assert result["diff"]["after"]["plan"] == "heroku-postgresql:essential-1"
    assert sim.database(SMALL)["waiting?"] is False
    mark = sim.mark()
    assert not ansible.run("heroku_addon", app="tiny", name=SMALL, plan="essential-1").ok()["changed"]
    ansible.run("heroku_addon", app="tiny", name=SMALL, plan="standard-0").refused(
        "Heroku cannot change", "heroku_pg_copy")
    assert sim.changes_since(mark) == []

    mark = sim.mark()
    result = ansible.run("heroku_addon", check=True, app="sushi", name=MAIN, plan="heroku-postgresql:standard-2").ok()
    assert result["changed"] and result["plan_change"] == "requested" and sim.changes_since(mark) == []

    # Served, then the answer was lost: the pending maintenance shows it took effect, so it is not sent again.
    sim.admin("POST", "/faults", json={"method": "PATCH", "path": "^/apps/sushi/addons/", "status": 503, "times": 1,
                                       "after": True})
    result = ansible.run("heroku_addon", app="sushi", name=MAIN, plan="standard-2").ok()
    assert result["changed"] and result["plan_change"] == "requested" and result["addon"]["plan"].endswith("standard-2")
    main_id = sim.get(f"/addons/{MAIN}")["id"]
    assert sim.changes_since(mark) == [("PATCH", f"/apps/sushi/addons/{MAIN}")]
    assert [c["status"] for c in result["api_calls"] if c["method"] == "PATCH"] == [503]
    assert sim.get(f"/data/maintenances/v1/{main_id}")["status"] in ("preparing", "ready")

    mark = sim.mark()
    result = ansible.run("heroku_addon", app="sushi", name=MAIN, plan="standard-2").ok()
    assert not result["changed"] and result["plan_change"] == "pending"
    assert result["maintenance"] in ("preparing", "ready") and "heroku_pg_maintenance" in result["warnings"][0]
    assert sim.changes_since(mark) == []


def test_destroy_guards_check_mode_and_idempotence(env):
    sim, ansible = env
    mark = sim.mark()
    ansible.run("heroku_addon", app="sushi", name=MAIN, state="absent").refused(
        f"Refusing to destroy {MAIN}", "it is DATABASE_URL of sushi", f"it has followers ({FOLLOWER})")
    ansible.run("heroku_addon", app="sushi", name=SHARED, state="absent").refused("it is DATABASE_URL of reports")
    ansible.run("heroku_addon", app="tiny", name=MAIN, state="absent").refused("belongs to app sushi")
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_addon", check=True, diff=True, app="sushi", name=FOLLOWER, state="absent").ok()
    assert result["changed"] and result["destroyed"]
    assert result["diff"] == {"before": {"addon": FOLLOWER}, "after": {"addon": None}}
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_addon", app="sushi", name=FOLLOWER, state="absent", **WAIT_ARGS).ok()
    assert result["changed"] and result["destroyed"]
    assert FOLLOWER not in [a["name"] for a in sim.get("/addons")]
    mark = sim.mark()
    result = ansible.run("heroku_addon", app="sushi", name=FOLLOWER, state="absent").ok()
    assert not result["changed"] and not result["destroyed"] and sim.changes_since(mark) == []

    result = ansible.run("heroku_addon", app="sushi", name=MAIN, state="absent", force=True, **WAIT_ARGS).ok()
    assert result["destroyed"] and MAIN not in [a["name"] for a in sim.get("/addons")]
