# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import WAIT_ARGS, scenario

LEADER, FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"
POOL_NS = "connection-pooling:default"
# A release phase, an old primary attached only as DATABASE (so promote must keep it reachable),
# the default pool and a custom one.
APPS = [{"name": "sushi", "formation": {"web": 1, "worker": 1, "release": 1}}]
DATABASES = [
    {"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 100, "attachments": ["DATABASE"],
     "pools": ["DATABASE_CONNECTION_POOL", "REPORTING_POOL"]},
    {"addon": FOLLOWER, "app": "sushi", "plan": "standard-2", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "follows": LEADER},
]
ARGS = {"app": "sushi", "database": "HEROKU_POSTGRESQL_WHITE", **WAIT_ARGS}


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    return sim, ansible_factory(sim)


def test_refuses_a_follower_and_a_follower_behind(env):
    sim, ansible = env
    mark = sim.mark()
    ansible.run("heroku_pg_promote", **ARGS).refused(
        f"Refusing to promote {FOLLOWER}: it still follows {LEADER}", "unfollow=true")
    sim.pause_replay(FOLLOWER)
    ansible.run("heroku_pg_promote", unfollow=True, **ARGS).refused(f"Refusing to unfollow {FOLLOWER}", "commits behind")
    assert sim.changes_since(mark) == []
    assert sim.attachments("sushi")[("DATABASE", None)] == LEADER


def test_promote_a_follower_check_mode_and_idempotence(env):
    sim, ansible = env
    sim.stop_writes("sushi", FOLLOWER)

    mark = sim.mark()
    result = ansible.run("heroku_pg_promote", check=True, diff=True, unfollow=True, **ARGS).ok()
    assert result["changed"] and result["unfollowed"] and result["old_primary"]["name"] == LEADER
    assert result["old_primary"]["attachment"] is None  # Heroku would pick the colour
    assert result["diff"] == {"before": {"DATABASE": LEADER}, "after": {"DATABASE": FOLLOWER}}
    reporting_pool = next(a["id"] for a in sim.get("/apps/sushi/addon-attachments") if a["name"] == "REPORTING_POOL")
    assert [(c["method"], c["path"]) for c in result["api_calls"] if c["planned"]] == [
        ("PUT", f"/client/v11/databases/{sim.get(f'/addons/{FOLLOWER}')['id']}/unfollow"),
        ("POST", "/addon-attachments"),  # the old primary's spare name
        ("POST", "/addon-attachments"),  # DATABASE
        ("POST", "/addon-attachments"),  # DATABASE_CONNECTION_POOL
        ("DELETE", f"/addon-attachments/{reporting_pool}"),
        ("POST", f"/client/v11/databases/{FOLLOWER}/connection-pooling"),
    ]
    assert sim.changes_since(mark) == [] and sim.database(FOLLOWER)["following"]

    result = ansible.run("heroku_pg_promote", unfollow=True, **ARGS).ok()
    assert result["changed"] and result["unfollowed"] and result["promoted"]["name"] == FOLLOWER
    spare = result["old_primary"]["attachment"]
    assert spare.startswith("HEROKU_POSTGRESQL_")
    assert result["pools"] == [{"name": "DATABASE_CONNECTION_POOL", "action": "reattached"},
                               {"name": "REPORTING_POOL", "action": "recreated"}]
    assert result["release"]["status"] == "succeeded"
    assert "Attach DATABASE" in sim.get(f"/apps/sushi/releases/{result['release']['id']}")["description"]
    attachments = sim.attachments("sushi")
    assert attachments[("DATABASE", None)] == FOLLOWER and attachments[(spare, None)] == LEADER
    assert attachments[("DATABASE_CONNECTION_POOL", POOL_NS)] == FOLLOWER
    assert attachments[("REPORTING_POOL", POOL_NS)] == FOLLOWER
    assert not sim.database(FOLLOWER)["following"]

    mark = sim.mark()
    again = ansible.run("heroku_pg_promote", unfollow=True, **ARGS).ok()
    assert not again["changed"] and again["old_primary"] is None and sim.changes_since(mark) == []


def test_promote_as_another_name(env):
    sim, ansible = env
    args = {"app": "sushi", "database": LEADER, "as": "PRIMARY_DATABASE", **WAIT_ARGS}
    result = ansible.run("heroku_pg_promote", **args).ok()
    assert result["changed"] and result["old_primary"] is None and result["pools"] == []
    assert sim.attachments("sushi")[("PRIMARY_DATABASE", None)] == LEADER
    assert not ansible.run("heroku_pg_promote", **args).ok()["changed"]
