# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from simenv import scenario

APPS = [{"name": "sushi", "formation": {"web": 2, "worker": 1, "clock": 0, "release": 1}}]
ORIGINAL = {"web": 2, "worker": 1, "clock": 0, "release": 1}
# The release phase's process type is never a running dyno: scaling to zero leaves it.
ZERO = {"web": 0, "worker": 0, "clock": 0, "release": 1}


@pytest.fixture
def env(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, []))
    return sim, ansible_factory(sim)


def test_scale_to_zero_and_restore(env):
    sim, ansible = env

    mark = sim.mark()
    result = ansible.run("heroku_formation", check=True, diff=True, app="sushi", scale_to_zero=True).ok()
    assert result["changed"] and result["before"] == ORIGINAL
    assert result["after"] == ZERO
    assert result["updates"] == [{"type": "web", "quantity": 0}, {"type": "worker", "quantity": 0}]
    assert result["diff"]["after"] == {"quantities": result["after"]}
    assert result["api_calls"][-1]["planned"] and result["api_calls"][-1]["method"] == "PATCH"
    assert sim.changes_since(mark) == [] and sim.formation("sushi") == ORIGINAL

    down = ansible.run("heroku_formation", app="sushi", scale_to_zero=True).ok()
    assert down["changed"] and down["before"] == ORIGINAL and down["after"] == ZERO
    assert sim.formation("sushi") == ZERO

    mark = sim.mark()
    again = ansible.run("heroku_formation", app="sushi", scale_to_zero=True).ok()
    assert not again["changed"] and again["updates"] == [] and sim.changes_since(mark) == []

    restored = ansible.run("heroku_formation", app="sushi", quantities=down["before"]).ok()
    assert restored["changed"] and restored["after"] == ORIGINAL and sim.formation("sushi") == ORIGINAL
    # Only the types that differed were sent: clock was already 0, release never changed.
    assert restored["updates"] == [{"type": "web", "quantity": 2}, {"type": "worker", "quantity": 1}]
    assert not ansible.run("heroku_formation", app="sushi", quantities=ORIGINAL).ok()["changed"]


def test_partial_quantities_leave_other_types_alone(env):
    sim, ansible = env
    result = ansible.run("heroku_formation", app="sushi", quantities={"worker": "3"}).ok()
    assert result["changed"] and result["after"] == {**ORIGINAL, "worker": 3}
    assert sim.formation("sushi") == {**ORIGINAL, "worker": 3}


REFUSALS = [
    ({"quantities": {"web": 0, "scheduler": 0}}, "has no process type scheduler"),
    ({"quantities": {"web": -1}}, "must be a whole number"),
    ({"quantities": {"web": "+1"}}, "must be a whole number"),
    ({"quantities": {"web": 1}, "scale_to_zero": True}, "not both"),
    ({}, "not neither"),
]


def test_refusals_change_nothing(env):
    sim, ansible = env
    mark = sim.mark()
    for args, message in REFUSALS:
        ansible.run("heroku_formation", app="sushi", **args).refused(message)
    assert sim.changes_since(mark) == [] and sim.formation("sushi") == ORIGINAL
