#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_migration_status
short_description: Read where a planned Heroku Postgres migration stands on Heroku, and decide what comes next
version_added: 0.2.0
description:
  - "Reads Heroku, never changes it, for a migration planned by the role C(herokuops.postgres.preflight):
    which add-on C(DATABASE_URL) and every other name of each app of the window points at, whether the new
    database exists, follows the old primary and is available, the version, plan and upgrade or data maintenance
    status of the old primary, and the maintenance mode and formation of every app."
  - Then decides from that observation and the recorded state, as the roles of this collection do before every
    decision that matters. O(decide=resume) returns the phase a re-run goes on from. O(decide=failure) returns
    whether a run whose step failed inside the maintenance window rolls back (only when Heroku shows the switch not
    made) or keeps the window (the switch made, or Heroku unreadable).
  - A new database that can no longer be used (a follower that stopped following while the apps could write) is
    given up and a new name chosen; a database that C(DATABASE_URL) or any other name of a window app points at is
    never given up.
  - Heroku and a recorded state that disagree in a way no run produces (the state file says the cutover is done,
    Heroku shows it is not) fail the module with what was found, before any change.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  plan:
    description: The migration's plan, as the role C(herokuops.postgres.preflight) made it (C(preflight_plan)).
    type: dict
    required: true
  state:
    description: The migration's recorded state (C(migration_state_data)), with its C(phase) and C(window).
    type: dict
    required: true
  decide:
    description:
      - V(resume) decides where a re-run goes on from. A failure to read Heroku fails the module.
      - V(failure) decides how a run whose step failed inside the window ends. A failure to read Heroku is part of
        the answer (RV(observed) is V(null)), never a failure of the module.
      - V(window) decides, once the preparation is done, whether the run enters the maintenance window now, waits
        for O(window)'s start, stops with no downtime (C(stop_after=prepared), or the cutover can no longer end by
        the window's end), or must first move Heroku's own schedule of the prepared change.
    type: str
    choices: [resume, failure, window]
    required: true
  window:
    description:
      - With O(decide=window), the run's window as the role C(herokuops.postgres.preflight) checked it
        (C(preflight_window)), C(start), C(end) (ISO 8601 UTC, or V(null)), C(stop_after) and C(downtime_seconds).
    type: dict
    version_added: 0.2.0
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.attributes
  - herokuops.postgres.attributes.info_module
seealso:
  - module: herokuops.postgres.heroku_pg_info
"""

EXAMPLES = r"""
- name: Decide where to go on from, from what Heroku says
  herokuops.postgres.heroku_pg_migration_status:
    plan: "{{ preflight_plan }}"
    state: "{{ migration_state_data }}"
    decide: resume
  register: status

- name: Go on from there
  ansible.builtin.set_fact:
    migration_state_data: "{{ migration_state_data | herokuops.postgres.migration_state_update(status.decision.state_update, observed=true) }}"
"""

RETURN = r"""
observed:
  description: What Heroku said; V(null) when it could not be read (O(decide=failure) only).
  returned: always
  type: dict
  contains:
    attachments:
      description: "For every app of the window, its Heroku Postgres names (no pools) and the add-on each points at."
      type: dict
      sample: {"sushi": {"DATABASE": "postgresql-standard-2-1", "HEROKU_POSTGRESQL_LAVENDER": "postgresql-lavender-12345"}}
    apps:
      description:
        - The maintenance mode and formation of every app of the window, and when Heroku last changed each process
          type of it (C(formation_updated_at), the formation's C(updated_at)).
      type: dict
      sample: {"sushi": {"maintenance": true, "formation": {"web": 0, "worker": 0},
                         "formation_updated_at": {"web": "2026-12-04T21:30:05Z", "worker": "2026-12-04T21:30:05Z"}}}
    old:
      description:
        - The old primary's C(name), C(version), C(plan), C(change) (its upgrade or data maintenance status; for a
          migration to Advanced, the status of the migration into the new database) and
          C(schedule) (when Heroku runs a prepared upgrade or a ready data maintenance by itself, C(kind),
          C(scheduled_for), C(required_by), or V(null)).
      type: dict
      sample: {"name": "postgresql-lavender-12345", "version": "15.7", "plan": "standard-0", "change": "scheduled",
               "schedule": {"kind": "upgrade", "scheduled_for": "2026-12-05T21:30:00Z", "required_by": null}}
    new:
      description: The planned new database (C(name), C(exists), C(following), C(leader), C(available)), or V(null).
      type: dict
      sample: {"name": "postgresql-standard-2-1", "exists": true, "following": false, "leader": null, "available": true}
decision:
  description: What comes next.
  returned: success
  type: dict
  contains:
    action:
      description:
        - With O(decide=failure), V(roll_back) or V(keep_window); with O(decide=resume), V(resume).
        - With O(decide=window), V(enter), V(wait) (until C(wait_until)), V(stop), V(too_late), V(reschedule) (to
          C(not_before) or later) or V(refuse_schedule); C(usable_until) is Heroku's own time for the prepared change.
      type: str
    phase:
      description: The phase to go on from (resume), or the phase the run ends at (failure).
      type: str
    state_update:
      description: The keys of the state to change, for the filter herokuops.postgres.migration_state_update.
      type: dict
    notes:
      description: What the run should say about its decision.
      type: list
      elements: str
    message:
      description: With O(decide=failure), the truthful account of where the migration stands.
      type: str
  sample: {"action": "keep_window", "phase": "cut_over", "state_update": {"phase": "cut_over"}, "notes": [],
           "message": "The cutover is done (DATABASE_URL of sushi is postgresql-standard-2-1); nothing was rolled back."}
api_calls:
  description: The Heroku API calls made, in order. Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
"""

import datetime
from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils import _advanced as advanced
from ansible_collections.herokuops.postgres.plugins.module_utils._addons import live_addon
from ansible_collections.herokuops.postgres.plugins.module_utils._app import get_formation_times, get_maintenance
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import list_pg_attachments
from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuAPIError, HerokuError
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._names import short_plan
from ansible_collections.herokuops.postgres.plugins.module_utils._phases import (Disagreement, TransitionError,
                                                                                 after_failure, method_of, resume)
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import database_info, not_provisioned
from ansible_collections.herokuops.postgres.plugins.module_utils._upgrade import upgrade_state
from ansible_collections.herokuops.postgres.plugins.module_utils._window import decide as window_decision
from ansible_collections.herokuops.postgres.plugins.module_utils._window import heroku_time, iso, upgrade_scheduled_for


def _names(client, app):
    return {att["name"]: att["addon"]["name"] for att in list_pg_attachments(client, app) if not att.get("namespace")}


def _change(client, plan, addon):
    """(the status of the old primary's own change (upgrade or data maintenance, or its migration into the new
    Advanced database) as one word, Heroku's schedule)."""
    if method_of(plan).migrates:
        target = live_addon(client, plan["new_database"]) if plan.get("new_database") else None
        found = advanced.migration(client, target["id"]) if target else None
        return (found or {}).get("status") or "none", None
    if method_of(plan).changes == "version":
        try:
            status = client.get(f"/client/v11/databases/{quote(addon['id'], safe='')}/upgrade/wait_status")
        except HerokuAPIError as exc:
            if exc.status != 404:
                raise
            return "none", None
        state = upgrade_state(status)
        scheduled = upgrade_scheduled_for(status.get("message")) if state == "scheduled" else None
        return state, {"kind": "upgrade", "scheduled_for": iso(scheduled), "required_by": None} if scheduled else None
    if plan.get("variant") == "standard":
        maintenance = client.get(f"/data/maintenances/v1/{quote(addon['id'], safe='')}")
        status = maintenance.get("status") or "none"
        scheduled = heroku_time(maintenance.get("scheduled_for")) if status == "ready" else None
        return status, {"kind": "maintenance", "scheduled_for": iso(scheduled),
                        "required_by": iso(heroku_time(maintenance.get("required_by")))} if scheduled else None
    return "none", None


def _new(client, name):
    addon = live_addon(client, name)
    if addon is None:
        return {"name": name, "exists": False, "following": False, "leader": None, "available": False}
    try:
        db = database_info(client, addon["id"])
    except HerokuAPIError as exc:
        if not not_provisioned(exc):
            raise
        # Still being created: whatever it was created as, it has not stopped following.
        return {"name": name, "exists": True, "following": None, "leader": None, "available": False}
    return {"name": name, "exists": True, "following": db["following"],
            "leader": (db["leader"] or {}).get("name"),
            "available": db["status"] == "Available" and not db["waiting"]}


def observe(module, plan):
    """What Heroku says of the migration (see RETURN observed). Raises HerokuError."""
    client = module.client
    apps = sorted(set(plan["window_apps"]) | {plan["target_app"]})
    old_name = plan["old_primary"]["name"]
    old_addon = live_addon(client, old_name)
    if old_addon is None:
        raise HerokuError(f"The old primary {old_name} no longer exists")
    try:
        version = database_info(client, old_addon["id"])["version"]
    except HerokuAPIError as exc:
        if not not_provisioned(exc):
            raise
        version = None  # being changed in place: its upgrade's status tells
    change, schedule = _change(client, plan, old_addon)
    observed = {
        "attachments": {app: _names(client, app) for app in apps},
        "apps": {},
        "old": {"name": old_name, "version": version, "plan": short_plan(old_addon["plan"]["name"]),
                "change": change, "schedule": schedule},
        "new": _new(client, plan["new_database"]) if plan.get("new_database") else None,
    }
    for app in apps:
        formation, updated_at = get_formation_times(client, app)
        observed["apps"][app] = {"maintenance": get_maintenance(client, app), "formation": formation,
                                 "formation_updated_at": updated_at}
    return observed


def main():
    module = HerokuModule(
        {
            "plan": {"type": "dict", "required": True},
            "state": {"type": "dict", "required": True},
            "decide": {"type": "str", "choices": ["resume", "failure", "window"], "required": True},
            "window": {"type": "dict"},
        },
        required_if=[("decide", "window", ["window"])],
    )
    plan, state, decide = module.params["plan"], module.params["state"], module.params["decide"]
    now = datetime.datetime.now(datetime.timezone.utc)
    try:
        method_of(plan)
    except TransitionError as exc:
        module.refuse(str(exc))
    if decide == "window":
        observed = module.call("Reading Heroku's schedule of the migration", observe, module, plan)
        decision = window_decision(plan, module.params["window"], observed["old"]["schedule"], now)
    elif decide == "resume":
        observed = module.call("Reading where the migration stands on Heroku", observe, module, plan)
        try:
            decision = {"action": "resume", "message": None, **resume(plan, state, observed, now)}
        except (Disagreement, TransitionError) as exc:
            module.refuse(str(exc), observed=observed)
    else:
        try:
            observed, error = observe(module, plan), None
        except HerokuError as exc:
            observed, error = None, exc
        try:
            decision = {"notes": [], **after_failure(plan, state, observed, now, error)}
        except (Disagreement, TransitionError) as exc:
            decision = {"action": "keep_window", "phase": state["phase"], "state_update": {}, "notes": [],
                        "message": f"{exc} Nothing was rolled back."}
    module.exit(observed=observed, decision=decision)


if __name__ == "__main__":
    main()
