# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import scenario

SUSHI = {"web": 2, "worker": 1, "clock": 0, "release": 1}
JOBS = {"worker": 3}
APPS = [{"name": "sushi", "formation": SUSHI}, {"name": "sushi-jobs", "formation": JOBS}]
RECORDED = {"formations": {"sushi": SUSHI, "sushi-jobs": JOBS}, "maintenance": {"sushi": False, "sushi-jobs": False}}
STOPPED = {"formations": {"sushi": {"web": 0, "worker": 0, "clock": 0, "release": 1}, "sushi-jobs": {"worker": 0}},
           "maintenance": {"sushi": True, "sushi-jobs": True}}


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, []))
    return sim, ansible_factory(sim)


def test_enter_and_leave_every_app_in_one_task(env):
    sim, ansible = env
    apps = ["sushi", "sushi-jobs"]

    mark = sim.mark()
    planned = ansible.run("heroku_maintenance_window", check=True, diff=True, apps=apps, state="entered").ok()
    assert planned["changed"] and planned["recorded"] == RECORDED and planned["after"] == STOPPED
    assert planned["diff"] == {"before": RECORDED, "after": STOPPED}
    assert sim.changes_since(mark) == [] and sim.formation("sushi") == SUSHI and not sim.maintenance("sushi")

    mark = sim.mark()
    entered = ansible.run("heroku_maintenance_window", apps=apps, state="entered").ok()
    assert entered["changed"] and entered["recorded"] == RECORDED and entered["after"] == STOPPED
    # Every app's router stops serving before any dyno stops.
    assert sim.changes_since(mark) == [("PATCH", "/apps/sushi"), ("PATCH", "/apps/sushi-jobs"),
                                       ("PATCH", "/apps/sushi/formation"), ("PATCH", "/apps/sushi-jobs/formation")]
    assert sim.maintenance("sushi-jobs") and sim.formation("sushi-jobs") == {"worker": 0}

    mark = sim.mark()
    assert not ansible.run("heroku_maintenance_window", apps=apps, state="entered").ok()["changed"]
    assert sim.changes_since(mark) == []

    mark = sim.mark()
    left = ansible.run("heroku_maintenance_window", state="left", restore=entered["recorded"]).ok()
    assert left["changed"] and left["recorded"] == STOPPED and left["after"] == RECORDED
    # Dynos start before the router serves again; clock, recorded at 0, is not sent.
    assert sim.changes_since(mark) == [("PATCH", "/apps/sushi/formation"), ("PATCH", "/apps/sushi-jobs/formation"),
                                       ("PATCH", "/apps/sushi"), ("PATCH", "/apps/sushi-jobs")]
    assert sim.formation("sushi") == SUSHI and sim.formation("sushi-jobs") == JOBS and not sim.maintenance("sushi")

    mark = sim.mark()
    assert not ansible.run("heroku_maintenance_window", state="left", restore=entered["recorded"]).ok()["changed"]
    assert sim.changes_since(mark) == []


def test_an_app_in_maintenance_before_stays_in_maintenance(env):
    sim, ansible = env
    sim.request("PATCH", "/apps/sushi-jobs", json={"maintenance": True})
    entered = ansible.run("heroku_maintenance_window", apps=["sushi", "sushi-jobs"], state="entered").ok()
    assert entered["recorded"]["maintenance"] == {"sushi": False, "sushi-jobs": True}
    ansible.run("heroku_maintenance_window", state="left", restore=entered["recorded"]).ok()
    assert not sim.maintenance("sushi") and sim.maintenance("sushi-jobs") and sim.formation("sushi-jobs") == JOBS


def test_an_unknown_write_outcome_is_re_read_not_sent_twice(env):
    sim, ansible = env
    sim.admin("POST", "/faults", json={"method": "PATCH", "path": "^/apps/sushi/formation$", "status": 503,
                                       "times": 1, "after": True})
    result = ansible.run("heroku_maintenance_window", apps=["sushi"], state="entered").ok()
    assert result["changed"] and sim.formation("sushi")["web"] == 0
    assert [(c["method"], c["status"]) for c in result["api_calls"] if c["path"] == "/apps/sushi/formation"] == [
        ("GET", 200), ("PATCH", 503), ("GET", 200)]


REFUSALS = [
    ({"apps": ["sushi", "nope"], "state": "entered"}, "Reading app nope failed"),
    ({"state": "left", "restore": {"formations": {"sushi": {"web": 2, "scheduler": 1}},
                                   "maintenance": {"sushi": False}}}, "no longer has process type scheduler"),
    ({"state": "left", "restore": {"formations": {"sushi": {"web": "2"}}, "maintenance": {"sushi": False}}},
     "whole numbers of dynos"),
    ({"state": "left", "restore": {"formations": {"sushi": SUSHI}, "maintenance": {}}}, "no maintenance mode"),
    ({"state": "left", "apps": ["sushi"]}, "state is left but all of the following are missing: restore"),
    ({"state": "entered"}, "state is entered but all of the following are missing: apps"),
]


@pytest.mark.parametrize("args, message", REFUSALS, ids=[refusal[1] for refusal in REFUSALS])
def test_refusals_change_nothing(env, args, message):
    sim, ansible = env
    if args["state"] == "left":
        ansible.run("heroku_maintenance_window", apps=["sushi"], state="entered").ok()
    mark = sim.mark()
    ansible.run("heroku_maintenance_window", **args).refused(message)
    assert sim.changes_since(mark) == []
