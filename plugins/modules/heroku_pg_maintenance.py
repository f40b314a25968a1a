#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_maintenance
short_description: Read, run or reschedule the data maintenance of a Heroku Postgres database
version_added: 0.1.0
description:
  - Reads a database's Heroku data maintenance, like C(heroku data:maintenances:info), or runs it now and
    waits until it has finished, like C(heroku data:maintenances:run --wait).
  - A plan change on Standard and higher plans (M(herokuops.postgres.heroku_addon), C(addons:upgrade))
    completes in such a maintenance, where Heroku switches the database to the prepared replacement.
  - O(state=run) runs a maintenance that is ready. One that is already running is waited for, not
    started again; one that has completed, or none at all, means no change. One still being prepared is
    refused (read it until its status is C(ready)).
  - "Heroku runs a ready maintenance by itself at its C(scheduled_for) time (in the database's maintenance
    window, by C(required_by) at the latest), whether or not the app is in maintenance mode: a maintenance
    left ready is not under your control. O(state=scheduled) moves it, like C(heroku data:maintenances:schedule
    --weeks N), by the fewest whole weeks that put it at or after O(not_before), so that it cannot run during
    a migration planned before then. A move past C(required_by) is refused before any change."
  - As the Heroku CLI does, running is refused unless the database's app (the app it is billed to) is in
    maintenance mode or O(confirm) is that app's name, since the database is briefly unavailable. Essential
    databases have no data maintenances and are refused.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the database is attached to.
    type: str
    required: true
  database:
    description:
      - The database, in any form the Heroku CLI accepts. A config var (V(DATABASE_URL)), an attachment name
        (V(HEROKU_POSTGRESQL_WHITE)), an add-on name, or V(otherapp::NAME).
    type: str
    default: DATABASE_URL
  state:
    description:
      - V(read) only reads the maintenance. V(run) runs it (see the description). V(scheduled) moves it to
        O(not_before) or later (see the description); V(scheduled) is new in version 0.2.0.
    type: str
    choices: [read, run, scheduled]
    default: read
  not_before:
    description:
      - With O(state=scheduled), the earliest time the maintenance may run, in ISO 8601 with an offset
        (V(2026-03-10T22:00:00+00:00) or V(2026-03-10T22:00:00Z)). Required with O(state=scheduled), refused
        with the other states.
      - A maintenance already scheduled at or after it is left alone; so is none at all or a completed one.
        One still being prepared or already running is refused.
    type: str
    version_added: 0.2.0
  confirm:
    description:
      - The name of the database's billing app, to run the maintenance while that app is not in maintenance
        mode (its dynos keep running and may see errors while the database switches over).
    type: str
  wait:
    description:
      - With O(state=run), wait until the maintenance has left the ready and running states (normally
        it is then completed).
      - C(data:maintenances:run --wait) polls every 5 seconds; set O(wait_sleep=5) to do the same.
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.wait
  - herokuops.postgres.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
notes:
  - Looking up O(database) asks Heroku's attachment resolver, a read-only C(POST /actions/addon-attachments/resolve).
  - The run request carries no body, exactly as the Heroku CLI sends it; the maintenance-mode check is made
    before it.
  - The move is one C(POST /data/maintenances/v1/{addon}/schedule) with C(delay_weeks) as a string, as the Heroku
    CLI sends it. Heroku's answer is checked; a C(scheduled_for) still before O(not_before) fails the task.
seealso:
  - module: herokuops.postgres.heroku_addon
  - module: herokuops.postgres.heroku_maintenance
"""

EXAMPLES = r"""
- name: Wait until the replacement of a plan change is ready
  herokuops.postgres.heroku_pg_maintenance:
    app: sushi
    database: DATABASE_URL
  register: maintenance
  until: maintenance.maintenance.status != 'preparing'
  retries: 120
  delay: 60

- name: Run it, inside the maintenance window
  herokuops.postgres.heroku_pg_maintenance:
    app: sushi
    database: DATABASE_URL
    state: run

- name: Keep Heroku from running it by itself before the migration of 10 March is over
  herokuops.postgres.heroku_pg_maintenance:
    app: sushi
    database: DATABASE_URL
    state: scheduled
    not_before: "2026-03-11T00:00:00+00:00"
  register: moved
"""

RETURN = r"""
database:
  description: The database.
  returned: success
  type: dict
  sample: {"addon_id": "01234567-89ab-cdef-0123-456789abcdef", "name": "postgresql-shaped-12345", "app": "sushi"}
maintenance:
  description: The maintenance as Heroku describes it after the task (before it, in check mode).
  returned: success
  type: dict
  contains:
    status:
      description: One of V(none), V(pending), V(preparing), V(ready), V(running), V(completed).
      type: str
    method:
      description: How it is done, for example V(changeover).
      type: str
    reason:
      description: Why, for example V(routine_maintenance).
      type: str
    scheduled_for:
      description: When Heroku would run it by itself.
      type: str
    previously_scheduled_for:
      description: When it was scheduled before it was last moved (null if never).
      type: str
      version_added: 0.2.0
    required_by:
      description: The latest time it can be run.
      type: str
    started_at:
      description: When it started.
      type: str
    completed_at:
      description: When it completed.
      type: str
    duration_seconds:
      description: How long it took.
      type: float
    window:
      description: The database's maintenance window.
      type: str
  sample: {"status": "completed", "method": "changeover", "reason": "plan_change",
           "scheduled_for": "2026-03-05 21:30:00 +0000", "required_by": "2026-03-19 21:30:00 +0000",
           "started_at": "2026-03-02 21:30:00 +0000", "completed_at": "2026-03-02 21:31:10 +0000",
           "duration_seconds": 70.0, "window": "Thursdays 21:30 to Fridays 01:30 UTC"}
scheduled_for:
  description:
    - With O(state=scheduled), when Heroku runs the maintenance by itself after the task; in check mode, where
      the move would put it.
  returned: when state=scheduled and a maintenance is ready
  type: str
  sample: "2026-03-12 21:30:00 +0000"
  version_added: 0.2.0
previously_scheduled_for:
  description: With O(state=scheduled), when it was scheduled before the move (Heroku's value when none was made).
  returned: when state=scheduled and a maintenance is ready
  type: str
  sample: "2026-03-05 21:30:00 +0000"
  version_added: 0.2.0
required_by:
  description: With O(state=scheduled), the latest time it can be scheduled for.
  returned: when state=scheduled and a maintenance is ready
  type: str
  sample: "2026-03-19 21:30:00 +0000"
  version_added: 0.2.0
rescheduled:
  description: With O(state=scheduled), whether it was moved (would be, in check mode).
  returned: when state=scheduled
  type: bool
  sample: true
  version_added: 0.2.0
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 70.4
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/data/maintenances/v1/01234567-89ab-cdef-0123-456789abcdef/run",
            "host": "data", "status": 200, "duration": 0.1, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._names import is_essential
from ansible_collections.herokuops.postgres.plugins.module_utils._times import WEEK, data_time, delay_weeks, parse_time

TIMES = ("scheduled_for", "previously_scheduled_for", "required_by")
KEYS = ("status", "method", "reason") + TIMES + ("started_at", "completed_at", "duration_seconds", "window")
RUNNABLE = ("ready", "pending")
NOTHING_TO_RUN = ("none", "completed")


def summary(maintenance):
    return {key: maintenance.get(key) for key in KEYS}


def earliest(module):
    """not_before as an aware datetime; refused (before any API call) when unreadable or misplaced."""
    raw = module.params["not_before"]
    if raw is None:
        return None
    if module.params["state"] != "scheduled":
        module.refuse("not_before applies to state=scheduled only. Nothing was changed.")
    moment = parse_time(raw)
    if moment is None or moment.tzinfo is None:
        module.refuse(f"not_before must be an ISO 8601 time with an offset, such as 2026-03-10T22:00:00+00:00, "
                      f"not {raw!r}. Nothing was changed.")
    return moment


def reschedule(module, path, name, maintenance, not_before):
    """state=scheduled: move a ready maintenance by the fewest whole weeks to not_before or later, never
    past required_by; Heroku would otherwise run it by itself at scheduled_for, maintenance mode or not."""
    status = maintenance.get("status") or "none"
    module.result["rescheduled"] = False
    if status in NOTHING_TO_RUN:
        module.exit()
    times = {key: maintenance.get(key) for key in TIMES}
    module.result.update(times)
    scheduled, required = parse_time(times["scheduled_for"]), parse_time(times["required_by"])
    if status not in RUNNABLE or scheduled is None:
        module.refuse(f"The maintenance of {name} is {status}: only a ready maintenance with a scheduled time can be "
                      "moved. Nothing was changed.")
    weeks = delay_weeks(scheduled, not_before)
    moved = scheduled + weeks * WEEK
    after = data_time(moved) if weeks else times["scheduled_for"]
    module.set_diff({"scheduled_for": times["scheduled_for"]}, {"scheduled_for": after})
    if not weeks:
        module.exit()
    if required is not None and moved > required:
        module.refuse(f"The maintenance of {name} is required by {times['required_by']}: moving it from "
                      f"{times['scheduled_for']} to {module.params['not_before']} or later ({weeks} week(s), to "
                      f"{data_time(moved)}) would pass that. Nothing was changed. Run it before (state=run) or "
                      "plan the migration earlier.")
    module.result.update(rescheduled=True, scheduled_for=data_time(moved), previously_scheduled_for=times["scheduled_for"])

    def applied():
        # Only a time at or after not_before shows the request took effect.
        now = module.client.get(path)
        later = parse_time(now.get("scheduled_for"))
        return now if later is not None and later >= not_before else None

    doing = f"Rescheduling the maintenance of {name}"
    answer = module.write(doing, "POST", f"{path}/schedule", json={"delay_weeks": str(weeks)}, recover=applied)
    if answer is None:  # check mode: the prediction stands
        module.exit()
    answered = {key: answer.get(key, module.result[key]) for key in TIMES}
    module.result.update(answered, maintenance={**module.result["maintenance"], **answered})
    later = parse_time(answered["scheduled_for"])
    if later is None or later < not_before:
        module.fail(doing, f"Heroku scheduled it for {answered['scheduled_for']}, before not_before {module.params['not_before']}")
    module.exit()


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str", "default": "DATABASE_URL"},
            "state": {"type": "str", "choices": ["read", "run", "scheduled"], "default": "read"},
            "confirm": {"type": "str"},
            "not_before": {"type": "str"},
        },
        wait=True,
        required_if=[("state", "scheduled", ("not_before",))],
    )
    params = module.params
    not_before = earliest(module)
    addon = module.resolve(params["app"], params["database"])["addon"]
    name, billing = addon["name"], addon["app"]["name"]
    path = f"/data/maintenances/v1/{quote(addon['id'], safe='')}"
    database = {"addon_id": addon["id"], "name": name, "app": billing}
    if params["state"] == "run" and is_essential(addon["plan"]["name"]):
        module.refuse(f"You can't trigger maintenance on an Essential tier database ({name} is on "
                      f"{addon['plan']['name']}). Nothing was changed.")
    maintenance = module.call(f"Reading the maintenance of {name}", module.client.get, path)
    status = maintenance.get("status") or "none"
    # In self.result, so that refusals also show the maintenance.
    module.result.update(database=database, maintenance=summary(maintenance), duration=0.0)
    if params["state"] == "scheduled":
        reschedule(module, path, name, maintenance, not_before)
    if params["state"] == "read" or status in NOTHING_TO_RUN:
        module.set_diff({"status": status}, {"status": status})
        module.exit()
    if status == "preparing":
        module.refuse(f"The maintenance of {name} is still being prepared; run it once its status is ready. "
                      "Nothing was changed.")

    if status in RUNNABLE:
        app = module.call(f"Reading app {billing}", module.client.get, f"/apps/{quote(addon['app']['id'], safe='')}")
        if not app.get("maintenance") and params["confirm"] != app["name"]:
            module.refuse(f"Application {app['name']} is not in maintenance mode. To proceed, put the application "
                          f"into maintenance mode or set confirm to {app['name']}. Nothing was changed.")
        doing = f"Running the maintenance of {name}"

        def started():
            # Only a maintenance that has started (or finished) since shows the request took effect.
            now = module.client.get(path)
            return None if now.get("status") in RUNNABLE else now

        module.write(doing, "POST", f"{path}/run", recover=started)
        module.set_diff({"status": status}, {"status": "completed"})

    if params["wait"] and not module.check_mode:
        waited = module.wait(f"Waiting for the maintenance of {name}", lambda: module.client.get(path),
                             # Until it has left ready too: Heroku may not show it running at once.
                             lambda now: now.get("status") not in ("running",) + RUNNABLE,
                             f"the maintenance of {name} to finish",
                             describe=lambda now: now.get("status"),
                             progress=lambda now: {"state": f"status {now.get('status')}"})
        module.result.update(maintenance=summary(waited.value), duration=waited.duration)
    module.exit()


if __name__ == "__main__":
    main()
