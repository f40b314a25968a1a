# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migration state's bookkeeping, in one templating call: a save is one set_fact (and one write), not a role
include of several tasks, which kept the maintenance window and every crash-and-re-run longer."""

from __future__ import annotations

__metaclass__ = type

import time

from ansible.errors import AnsibleFilterError
from ansible_collections.herokuops.postgres.plugins.module_utils._phases import PHASES, TransitionError, transition


def migration_state_update(state, update, step=None, started=None, results=None, observed=False):
    """`state` with the keys of `update` set (each replaced whole), `updated_at` now, and, for a `step`, its
    seconds since `started`, API calls and seconds waited added to those recorded (re-runs accumulate).

    A new `phase` must be one the state machine allows from the current one (_phases.transition; `observed` for a
    jump that heroku_pg_migration_status observed on Heroku)."""
    if not isinstance(state, dict) or not isinstance(update, dict):
        raise AnsibleFilterError("migration_state_update needs the state and the update as dictionaries")
    if "phase" in update:
        try:
            transition(state.get("phase", "new"), update["phase"], observed=bool(observed))
        except TransitionError as exc:
            raise AnsibleFilterError(f"migration {state.get('id')}: {exc}") from exc
    now = time.time()
    new = {**state, **update, "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
    if step is not None:
        before = (state.get("stats") or {}).get(step) or {"seconds": 0, "api_calls": 0, "waited": 0}
        api_calls, waited = _count(results or [])
        new["stats"] = {**(state.get("stats") or {}), step: {
            "seconds": round(before["seconds"] + now - float(started or now), 1),
            "api_calls": before["api_calls"] + api_calls,
            "waited": round(before["waited"] + waited, 1),
        }}
    return new


def _count(results):
    """API calls made (planned ones, in check mode, excluded) and seconds spent waiting, over registered results
    (loop results included). An `until` loop's result holds its last attempt's calls: counted once per attempt."""
    api_calls, waited = 0, 0.0
    for registered in results:
        for one in registered.get("results", [registered]) if isinstance(registered, dict) else []:
            made = [call for call in one.get("api_calls") or [] if not call.get("planned")]
            api_calls += len(made) * int(one.get("attempts", 1))
            waited += float(one.get("duration") or 0)
    return api_calls, waited


def migration_phases_reached(state):
    """The phases a migration has gone through, in order, up to its current one."""
    phase = state.get("phase") if isinstance(state, dict) else None
    if phase not in PHASES:
        raise AnsibleFilterError(f"unknown migration phase {phase!r}; the phases are {', '.join(PHASES)}")
    return list(PHASES[: PHASES.index(phase) + 1])


class FilterModule:
    """herokuops.postgres.migration_state_update and herokuops.postgres.migration_phases_reached."""

    def filters(self):
        return {"migration_state_update": migration_state_update, "migration_phases_reached": migration_phases_reached}
