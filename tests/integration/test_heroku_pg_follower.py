# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

LEADER, FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"
APPS = [{"name": "sushi", "formation": {"web": 1, "worker": 1}},
        {"name": "sushi-private", "space": "example-space", "formation": {"web": 1}}]
DATABASES = [
    {"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 100,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
    {"addon": FOLLOWER, "app": "sushi", "plan": "standard-2", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "follows": LEADER},
]


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def addons_on(sim, app, plan):
    return [a["name"] for a in sim.get(f"/apps/{app}/addons") if a["plan"]["name"] == f"heroku-postgresql:{plan}"
            and a["app"]["name"] == app]


def test_create_check_mode_and_idempotence(env):
    sim, ansible = env
    args = {"app": "sushi", "leader": "DATABASE_URL", "plan": "standard-3", **WAIT_ARGS}

    mark = sim.mark()
    result = ansible.run("heroku_pg_follower", check=True, diff=True, **args).ok()
    assert result["changed"] and result["created"] and result["follower"]["addon_id"] is None
    assert result["diff"] == {"before": {"follower": None}, "after": {"follower": "(new follower)"}}
    assert [(c["method"], c["path"]) for c in result["api_calls"] if c["planned"]] == [("POST", "/apps/sushi/addons")]
    assert sim.changes_since(mark) == [] and addons_on(sim, "sushi", "standard-3") == []

    result = ansible.run("heroku_pg_follower", **args).ok()
    follower = result["follower"]
    assert result["changed"] and result["created"] and follower["plan"] == "standard-3"
    assert follower["leader"]["name"] == LEADER and follower["status"] == "Available"
    assert 0 <= follower["behind_by"] <= 200 and result["duration"] > 0
    assert addons_on(sim, "sushi", "standard-3") == [follower["name"]]
    assert sim.database(follower["name"])["leader"]["name"] == LEADER

    mark = sim.mark()
    again = ansible.run("heroku_pg_follower", **args).ok()
    assert not again["changed"] and not again["created"] and again["follower"]["name"] == follower["name"]
    assert sim.changes_since(mark) == []


def test_an_existing_follower_is_found_by_the_rule(env):
    sim, ansible = env
    mark = sim.mark()
    result = ansible.run("heroku_pg_follower", app="sushi", leader=LEADER, plan="heroku-postgresql:standard-2",
                         **WAIT_ARGS).ok()
    assert not result["changed"] and result["follower"]["name"] == FOLLOWER
    assert sim.changes_since(mark) == []


def test_named_follower_on_another_app(env):
    sim, ansible = env
    # The Private Space case: the leader is not attached to the follower's app, so it is named by add-on.
    args = {"app": "sushi-private", "leader": LEADER, "plan": "private-2", "name": "sushi-private-db", **WAIT_ARGS}
    result = ansible.run("heroku_pg_follower", **args).ok()
    assert result["changed"] and result["follower"]["name"] == "sushi-private-db"
    assert result["follower"]["app"] == "sushi-private" and result["follower"]["leader"]["name"] == LEADER
    assert not ansible.run("heroku_pg_follower", **args).ok()["changed"]
    assert addons_on(sim, "sushi-private", "private-2") == ["sushi-private-db"]


def test_refusals(env):
    sim, ansible = env
    mark = sim.mark()
    ansible.run("heroku_pg_follower", app="sushi", leader="HEROKU_POSTGRESQL_WHITE", plan="standard-3").refused(
        f"{FOLLOWER} is itself a follower", f"Follow its leader {LEADER}")
    ansible.run("heroku_pg_follower", app="sushi", leader="DATABASE_URL", plan="standard-0", name=LEADER).refused(
        f"Add-on {LEADER} on sushi exists but does not follow {LEADER}")
    ansible.run("heroku_pg_follower", app="sushi", state="absent").refused("Set name, or both leader and plan")
    ansible.run("heroku_pg_follower", app="sushi", leader="DATABASE_URL").refused("missing: plan")
    # Heroku's own refusal comes back as the failure, with the API error.
    result = ansible.run("heroku_pg_follower", app="sushi", leader="DATABASE_URL", plan="essential-0")
    result.refused("Creating a heroku-postgresql:essential-0 follower", "HTTP 422")
    assert result["failure"]["status"] == 422
    assert sim.changes_since(mark) == [("POST", "/apps/sushi/addons")]


def test_absent_check_mode_and_idempotence(env):
    sim, ansible = env
    args = {"app": "sushi", "name": FOLLOWER, "state": "absent"}

    mark = sim.mark()
    result = ansible.run("heroku_pg_follower", check=True, **args).ok()
    assert result["changed"] and result["destroyed"]
    assert [(c["method"], c["planned"]) for c in result["api_calls"]][-1] == ("DELETE", True)
    assert sim.changes_since(mark) == [] and addons_on(sim, "sushi", "standard-2") == [FOLLOWER]

    result = ansible.run("heroku_pg_follower", **args).ok()
    assert result["changed"] and result["destroyed"] and addons_on(sim, "sushi", "standard-2") == []
    again = ansible.run("heroku_pg_follower", **args).ok()
    assert not again["changed"] and not again["destroyed"]


def test_absent_by_rule_and_refusal_of_a_database_that_stopped_following(env):
    sim, ansible = env
    ansible.run("heroku_pg_follower", app="sushi", leader="DATABASE_URL", plan="standard-2", state="absent").ok()
    assert addons_on(sim, "sushi", "standard-2") == []

    made = ansible.run("heroku_pg_follower", app="sushi", leader="DATABASE_URL", plan="standard-3",
                       **WAIT_ARGS).ok()["follower"]["name"]
    sim.request("PUT", f"/client/v11/databases/{made}/unfollow")
    sim.wait_until(lambda: not sim.database(made)["following"], "the unfollow")
    mark = sim.mark()
    ansible.run("heroku_pg_follower", app="sushi", name=made, state="absent").refused(
        f"{made} on sushi is not a follower any more", "It was not destroyed")
    assert sim.changes_since(mark) == [] and addons_on(sim, "sushi", "standard-3") == [made]


def test_an_uncertain_create_is_re_read_before_it_is_sent_again(env):
    sim, ansible = env
    sim.admin("POST", "/faults", json={"method": "POST", "path": "^/apps/sushi/addons$", "status": 503, "times": 1})
    mark = sim.mark()
    result = ansible.run("heroku_pg_follower", app="sushi", leader="DATABASE_URL", plan="standard-4", wait=False).ok()
    assert result["changed"] and result["created"]
    calls = [(r["method"], r["path"], r["status"]) for r in sim.requests_since(mark)
             if r["path"] == "/apps/sushi/addons"]
    assert calls == [("GET", "/apps/sushi/addons", 200), ("POST", "/apps/sushi/addons", 503),
                     ("GET", "/apps/sushi/addons", 200), ("POST", "/apps/sushi/addons", 201)]
    assert addons_on(sim, "sushi", "standard-4") == [result["follower"]["name"]]
