# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

LEADER, FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"
APPS = [{"name": "sushi", "formation": {"web": 1, "worker": 1}}]
DATABASES = [
    {"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 100,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
    {"addon": FOLLOWER, "app": "sushi", "plan": "standard-2", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "follows": LEADER},
]
ARGS = {"app": "sushi", "database": "HEROKU_POSTGRESQL_WHITE", **WAIT_ARGS}


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def test_refuses_while_behind(env):
    sim, ansible = env
    sim.pause_replay(FOLLOWER)
    mark = sim.mark()
    result = ansible.run("heroku_pg_unfollow", **ARGS).refused(
        f"Refusing to unfollow {FOLLOWER}: it is", f"commits behind {LEADER}", "force=true")
    assert not result["changed"]
    assert sim.changes_since(mark) == [] and sim.database(FOLLOWER)["following"]


def test_force_unfollows_a_follower_that_is_behind(env):
    sim, ansible = env
    sim.pause_replay(FOLLOWER)
    result = ansible.run("heroku_pg_unfollow", force=True, **ARGS).ok()
    assert result["changed"] and result["behind_by"] > 0 and not result["database"]["following"]


def test_unfollow_check_mode_and_idempotence(env):
    sim, ansible = env
    sim.stop_writes("sushi", FOLLOWER)

    mark = sim.mark()
    result = ansible.run("heroku_pg_unfollow", check=True, diff=True, **ARGS).ok()
    assert result["changed"] and result["behind_by"] == 0 and result["leader"]["name"] == LEADER
    assert result["diff"] == {"before": {"following": LEADER}, "after": {"following": None}}
    assert [(c["method"], c["planned"]) for c in result["api_calls"]][-1] == ("PUT", True)
    assert sim.changes_since(mark) == [] and sim.database(FOLLOWER)["following"]

    result = ansible.run("heroku_pg_unfollow", **ARGS).ok()
    db = result["database"]
    assert result["changed"] and result["leader"]["name"] == LEADER
    assert (db["following"], db["status"], db["waiting"], db["forked_from"]) == (False, "Available", False, LEADER)
    assert not sim.database(FOLLOWER)["following"]
    assert [c["method"] for c in result["api_calls"]].count("PUT") == 1

    mark = sim.mark()
    again = ansible.run("heroku_pg_unfollow", **ARGS).ok()
    assert not again["changed"] and again["leader"] is None and sim.changes_since(mark) == []
