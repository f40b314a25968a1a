# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

TOO_FAR_BEHIND = "database must not be too far behind leader"


def version(sim, addon):
    return sim.database(addon)["postgres_version"].split(".")[0]


@pytest.fixture
def essential(start_sim, ansible_factory):
    sim = start_sim(scenario(
        [{"name": "tiny", "formation": {}}],
        [{"addon": "pg-tiny", "app": "tiny", "plan": "essential-0", "version": "15", "seed_rows": 10},
         {"addon": "pg-mini", "app": "tiny", "plan": "mini", "version": "15",
          "attachments": ["HEROKU_POSTGRESQL_RED"]}]))
    return sim, ansible_factory(sim)


def test_essential_in_place_check_mode_idempotence_and_refusals(essential):
    sim, ansible = essential
    args = {"app": "tiny", "database": "DATABASE_URL", "version": "16", **WAIT_ARGS}

    mark = sim.mark()
    result = ansible.run("heroku_pg_upgrade", check=True, diff=True, **args).ok()
    assert result["changed"] and result["diff"] == {"before": {"version": "15"}, "after": {"version": "16"}}
    assert ("POST", True) in [(c["method"], c["planned"]) for c in result["api_calls"]]
    assert sim.changes_since(mark) == [] and version(sim, "pg-tiny") == "15"

    result = ansible.run("heroku_pg_upgrade", **args).ok()
    assert result["changed"] and result["upgrade"] == "done"
    assert result["version_before"].startswith("15.") and result["version"].startswith("16.")
    assert version(sim, "pg-tiny") == "16"
    assert any(step.startswith("(") and "/7)" in step for step in result["steps"]), result["steps"]
    assert result["duration"] > 0

    mark = sim.mark()
    result = ansible.run("heroku_pg_upgrade", **args).ok()
    assert not result["changed"] and "already on PostgreSQL 16" in result["message"]
    assert sim.changes_since(mark) == []

    ansible.run("heroku_pg_upgrade", **{**args, "version": "15"}).refused("version 15 is not newer")
    ansible.run("heroku_pg_upgrade", **{**args, "version": "16.1"}).refused("major PostgreSQL version")
    ansible.run("heroku_pg_upgrade", **{**args, "action": "prepare", "version": "17"}).refused(
        "only for Standard-tier and higher leaders", "use action=run")
    ansible.run("heroku_pg_upgrade", **{**args, "database": "HEROKU_POSTGRESQL_RED"}).refused(
        "You can only use pg:upgrade:* commands on Essential-* and higher plans", "heroku_pg_copy")
    assert sim.changes_since(mark) == []


def test_a_failed_upgrade_fails_with_herokus_message_and_can_be_resumed(essential):
    sim, ansible = essential
    args = {"app": "tiny", "database": "pg-tiny", "version": "16", **WAIT_ARGS}
    sim.admin("POST", "/databases/pg-tiny/fail-next", json={"operation": "upgrade"})

    result = ansible.run("heroku_pg_upgrade", **args).refused("Heroku reports: version upgrade error")
    assert result["changed"] and result["steps"]
    assert version(sim, "pg-tiny") == "15"

    result = ansible.run("heroku_pg_upgrade", **args).ok()
    assert result["changed"] and version(sim, "pg-tiny") == "16"


LEADER, FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"


@pytest.fixture
def standard(start_sim, ansible_factory):
    sim = start_sim(scenario(
        [{"name": "sushi", "formation": {"web": 1}}],
        [{"addon": LEADER, "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 100,
          "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
         {"addon": FOLLOWER, "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
          "follows": LEADER}]))
    return sim, ansible_factory(sim)


def test_follower_refused_while_behind_then_upgraded(standard):
    sim, ansible = standard
    args = {"app": "sushi", "database": "HEROKU_POSTGRESQL_WHITE_URL", "version": "16", **WAIT_ARGS}

    sim.pause_replay(FOLLOWER)
    mark = sim.mark()
    ansible.run("heroku_pg_upgrade", **args).refused("Refusing to upgrade follower", TOO_FAR_BEHIND)
    assert sim.changes_since(mark) == []

    sim.admin("POST", f"/databases/{FOLLOWER}/replay", json={"paused": False})
    sim.stop_writes("sushi", FOLLOWER)
    result = ansible.run("heroku_pg_upgrade", **args).ok()
    assert result["changed"] and result["database"]["following"] is True
    assert result["version"].startswith("16.") and any("with pg_upgrade" in step for step in result["steps"])
    db = sim.database(FOLLOWER)
    assert db["following"] is None and db["postgres_version"].startswith("16.")
    assert version(sim, LEADER) == "15"

    mark = sim.mark()
    assert not ansible.run("heroku_pg_upgrade", **args).ok()["changed"]
    assert sim.changes_since(mark) == []


def test_herokus_own_refusal_is_surfaced(standard):
    sim, ansible = standard
    args = {"app": "sushi", "database": "DATABASE_URL", "version": "16", **WAIT_ARGS}
    result = ansible.run("heroku_pg_upgrade", **args).refused(
        "Requesting run of the upgrade of postgresql-lavender-12345 failed", "There is no prepared upgrade")
    assert result["failure"]["status"] == 422 and not result["changed"]
    assert version(sim, LEADER) == "15"


def test_leader_prepare_dry_run_cancel_and_run(standard):
    sim, ansible = standard
    args = {"app": "sushi", "database": "DATABASE_URL", "version": "16", **WAIT_ARGS}

    mark = sim.mark()
    result = ansible.run("heroku_pg_upgrade", **args, action="dry_run").ok()
    assert not result["changed"] and "emailed" in result["message"]
    assert sim.changes_since(mark) == [("POST", f"/client/v11/databases/{sim.get('/addons/' + LEADER)['id']}/upgrade/dry_run")]

    mark = sim.mark()
    result = ansible.run("heroku_pg_upgrade", check=True, **args, action="prepare").ok()
    assert result["changed"] and sim.changes_since(mark) == []

    result = ansible.run("heroku_pg_upgrade", diff=True, **args, action="prepare").ok()
    assert result["changed"] and result["upgrade"] == "scheduled" and "scheduled" in result["message"]
    assert result["diff"] == {"before": {"upgrade": "none"}, "after": {"upgrade": "scheduled"}}

    mark = sim.mark()
    result = ansible.run("heroku_pg_upgrade", **args, action="prepare").ok()
    assert not result["changed"] and result["upgrade"] == "scheduled"
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_pg_upgrade", app="sushi", database="DATABASE_URL", action="cancel").ok()
    assert result["changed"]
    mark = sim.mark()
    assert not ansible.run("heroku_pg_upgrade", app="sushi", database="DATABASE_URL", action="cancel").ok()["changed"]
    assert sim.changes_since(mark) == []

    ansible.run("heroku_pg_upgrade", **args, action="prepare").ok()
    ansible.run("heroku_pg_upgrade", **{**args, "database": "HEROKU_POSTGRESQL_WHITE"}, action="prepare").refused(
        "is a follower", "use action=run")
    sim.stop_writes("sushi", FOLLOWER)
    result = ansible.run("heroku_pg_upgrade", **args).ok()
    assert result["changed"] and result["version"].startswith("16.")
    assert any(step.startswith("(3/7) upgrading database") for step in result["steps"]), result["steps"]
    assert version(sim, LEADER) == "16" and version(sim, FOLLOWER) == "16"
    assert not ansible.run("heroku_pg_upgrade", **args).ok()["changed"]
