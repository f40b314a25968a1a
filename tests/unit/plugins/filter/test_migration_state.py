# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The state bookkeeping filters (their use by the roles is covered by the playbook tests)."""

from __future__ import annotations

import re
import time

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.herokuops.postgres.plugins.filter.migration_state import (
    FilterModule, migration_phases_reached, migration_state_update)

STATE = {"id": "sushi.upgrade_pg", "phase": "preflight", "plan": {"method": "pg_copy"},
         "stats": {"preflight": {"seconds": 1.2, "api_calls": 3, "waited": 0.0}}}


def test_update_replaces_top_level_keys_whole_and_stamps_the_time():
    new = migration_state_update(STATE, {"phase": "prepared", "plan": {"new_database": "x"}})
    assert new["phase"] == "prepared"
    assert new["plan"] == {"new_database": "x"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", new["updated_at"])
    assert new["stats"] == STATE["stats"]
    assert STATE["phase"] == "preflight", "the input must not change"


def test_a_step_adds_seconds_made_calls_per_attempt_and_waiting():
    made, planned = {"method": "POST"}, {"method": "POST", "planned": True}
    results = [
        {"api_calls": [made, made, planned], "duration": 2.5, "attempts": 3},  # an until loop: 2 calls x 3
        {"results": [{"api_calls": [made]}, {"skipped": True}]},                  # a loop
        {"skipped": True, "changed": False},                                    # a skipped task
    ]
    new = migration_state_update(STATE, {"phase": "prepared"}, "prepare", time.time() - 4, results)
    assert new["stats"]["preflight"] == STATE["stats"]["preflight"]
    prepare = new["stats"]["prepare"]
    assert prepare["api_calls"] == 7
    assert prepare["waited"] == 2.5
    assert 4.0 <= prepare["seconds"] < 6


def test_a_re_run_step_accumulates():
    first = migration_state_update(STATE, {}, "preflight", time.time() - 1, [{"api_calls": [{}], "duration": 0.5}])
    assert first["stats"]["preflight"]["api_calls"] == 4
    assert first["stats"]["preflight"]["waited"] == 0.5
    assert 2.2 <= first["stats"]["preflight"]["seconds"] < 4


@pytest.mark.parametrize("state, update", [(None, {}), (STATE, "phase=done")])
def test_update_refuses_what_is_not_a_state(state, update):
    with pytest.raises(AnsibleFilterError, match="dictionaries"):
        migration_state_update(state, update)


def test_phases_reached_in_order():
    assert migration_phases_reached({"phase": "new"}) == ["new"]
    assert migration_phases_reached({"phase": "cut_over"}) == [
        "new", "preflight", "prepared", "window_entered", "cut_over"]
    assert migration_phases_reached({"phase": "done"})[-2:] == ["window_left", "done"]


def test_an_unknown_phase_is_named():
    with pytest.raises(AnsibleFilterError, match="unknown migration phase 'finished'"):
        migration_phases_reached({"phase": "finished"})


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"migration_state_update", "migration_phases_reached"}
