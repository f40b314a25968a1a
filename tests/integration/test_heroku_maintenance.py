# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import scenario

APPS = [{"name": "sushi", "formation": {"web": 1}}]


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, []))
    return sim, ansible_factory(sim)


def test_on_off_check_mode_and_idempotence(env):
    sim, ansible = env

    mark = sim.mark()
    result = ansible.run("heroku_maintenance", check=True, diff=True, app="sushi", state="on").ok()
    assert result["changed"] and result["previous"] is False and result["maintenance"] is True
    assert result["diff"] == {"before": {"maintenance": False}, "after": {"maintenance": True}}
    assert [(c["method"], c["planned"]) for c in result["api_calls"]] == [("GET", False), ("PATCH", True)]
    assert sim.changes_since(mark) == [] and sim.maintenance("sushi") is False

    sim.admin("POST", "/faults", json={"method": "PATCH", "path": "^/apps/sushi$", "status": 503, "times": 1})
    result = ansible.run("heroku_maintenance", app="sushi", state="on").ok()
    assert result["changed"] and result["previous"] is False and sim.maintenance("sushi") is True
    assert [(c["method"], c["path"], c["status"]) for c in result["api_calls"]] == [
        ("GET", "/apps/sushi", 200), ("PATCH", "/apps/sushi", 503), ("GET", "/apps/sushi", 200),
        ("PATCH", "/apps/sushi", 200)]

    mark = sim.mark()
    result = ansible.run("heroku_maintenance", app="sushi", enabled=True).ok()
    assert not result["changed"] and result["previous"] is True
    assert sim.changes_since(mark) == []

    sim.admin("POST", "/faults", json={"method": "PATCH", "path": "^/apps/sushi$", "status": 500, "times": 1,
                                       "after": True})
    result = ansible.run("heroku_maintenance", app="sushi", state="off").ok()
    assert result["changed"] and result["previous"] is True and sim.maintenance("sushi") is False
    assert [(c["method"], c["status"]) for c in result["api_calls"]] == [("GET", 200), ("PATCH", 500), ("GET", 200)]
    assert not ansible.run("heroku_maintenance", app="sushi", state="off").ok()["changed"]


def test_unknown_app_fails_clearly(env):
    ansible = env[1]
    result = ansible.run("heroku_maintenance", app="nope", state="on").refused("Reading app nope failed", "404")
    assert result["failure"]["status"] == 404 and result["failure"]["path"] == "/apps/nope"
