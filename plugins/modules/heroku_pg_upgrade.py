#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_upgrade
short_description: Upgrade the major PostgreSQL version of a Heroku Postgres database
version_added: 0.1.0
description:
  - Upgrades a database to a newer major PostgreSQL version with Heroku's C(pg:upgrade:*) operations, and
    waits until the upgrade has finished.
  - "O(action=run) upgrades, like C(heroku pg:upgrade:run): an Essential database in place; a follower, which
    first stops following and becomes a writable database of its own on the new version (the
    follower failover method); or a Standard-tier or higher leader whose upgrade was prepared before
    (the direct method; Heroku then re-creates its followers)."
  - O(action=prepare), O(action=dry_run) and O(action=cancel) are for Standard-tier and higher leaders,
    like C(heroku pg:upgrade:prepare), C(pg:upgrade:dryrun) and C(pg:upgrade:cancel).
  - A database already on O(version) is left alone (C(changed=false)); an older O(version) is refused.
  - A follower is upgraded only when it is 0 commits behind its leader, as Heroku requires; the module
    refuses before changing anything otherwise. Stop every writer first (maintenance mode and no dynos).
  - An upgrade already running (for example after an earlier run timed out waiting) is not started again;
    the module waits for it.
  - Legacy C(mini) and C(basic) databases cannot be upgraded this way; copy them to a new database with
    M(herokuops.postgres.heroku_pg_copy).
  - The upgrade rotates every credential of the database, so its config vars change.
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
      - The database, in any form the Heroku CLI accepts. A config var (V(HEROKU_POSTGRESQL_WHITE_URL)), an
        attachment name (V(HEROKU_POSTGRESQL_WHITE)), an add-on name, or V(otherapp::NAME).
    type: str
    required: true
  version:
    description:
      - The major PostgreSQL version to upgrade to, for example V("17").
      - Required unless O(action=cancel). There is no default, so that a re-run always knows whether the
        database has reached it; the versions Heroku offers change over time.
    type: str
  action:
    description:
      - V(run) upgrades the database (see the description for which databases).
      - V(prepare) schedules the upgrade of a Standard-tier or higher leader for its next maintenance window
        (preparation can take up to a day); with O(wait=true) the module waits until it is scheduled. It
        is left alone when an upgrade is already being prepared or scheduled. Then stop the writes and use
        V(run), or let Heroku run it in the maintenance window.
      - V(dry_run) asks Heroku to test the upgrade of a Standard-tier or higher leader on a copy; Heroku
        emails the results. It changes nothing, so it reports C(changed=false), and is not sent in check mode.
      - V(cancel) cancels an upgrade that is being prepared or scheduled; nothing to cancel means no change.
    type: str
    choices: [run, prepare, dry_run, cancel]
    default: run
  wait:
    description:
      - With O(action=run), wait until the upgrade has finished (C(pg:upgrade:wait)), and fail if Heroku
        reports an error. With O(action=prepare), wait until the upgrade is scheduled.
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
    support: partial
    details:
      - O(action=dry_run) asks Heroku for a new dry run every time.
notes:
  - Looking up O(database) asks Heroku's attachment resolver, a read-only C(POST /actions/addon-attachments/resolve).
  - Whether an upgrade is being prepared or scheduled is read from C(upgrade/wait_status), whose message
    says C(upgrade is scheduled on ...) once it is.
seealso:
  - module: herokuops.postgres.heroku_pg_follower
  - module: herokuops.postgres.heroku_pg_promote
  - module: herokuops.postgres.heroku_pg_copy
  - name: Upgrading the version of a Heroku Postgres database
    description: Heroku Dev Center article on the three upgrade methods.
    link: https://devcenter.heroku.com/articles/upgrading-heroku-postgres-databases
"""

EXAMPLES = r"""
- name: Upgrade an Essential database in place
  herokuops.postgres.heroku_pg_upgrade:
    app: sushi
    database: DATABASE_URL
    version: "17"

- name: Upgrade the caught-up follower (it stops following), during the maintenance window
  herokuops.postgres.heroku_pg_upgrade:
    app: sushi
    database: HEROKU_POSTGRESQL_WHITE
    version: "17"
    wait_timeout: 7200
  register: upgrade

- name: Schedule the direct upgrade of a Standard leader
  herokuops.postgres.heroku_pg_upgrade:
    app: sushi
    database: DATABASE_URL
    version: "17"
    action: prepare

- name: Then, with the writes stopped, run it
  herokuops.postgres.heroku_pg_upgrade:
    app: sushi
    database: DATABASE_URL
    version: "17"
"""

RETURN = r"""
database:
  description: The database upgraded.
  returned: success
  type: dict
  contains:
    addon_id:
      description: Id of the add-on.
      type: str
      sample: 01234567-89ab-cdef-0123-456789abcdef
    name:
      description: Name of the add-on.
      type: str
      sample: postgresql-curved-67890
    plan:
      description: Plan of the add-on.
      type: str
      sample: heroku-postgresql:standard-0
    following:
      description: Whether it followed a leader before the task.
      type: bool
      sample: true
version_before:
  description: PostgreSQL server version before the task, as Heroku reports it (a string, like O(version)).
  returned: success
  type: str
  sample: "16.4"
version:
  description:
    - PostgreSQL server version after the task (before it, in check mode or without O(wait)), as Heroku reports it.
  returned: success
  type: str
  sample: "17.2"
upgrade:
  description:
    - What C(upgrade/wait_status) said last. V(none) when the module did not read it.
    - One of V(none), V(preparing), V(scheduled), V(running), V(failed), V(done).
  returned: success
  type: str
  sample: done
message:
  description: Heroku's answer to the request sent, or its last status message.
  returned: success
  type: str
  sample: "upgrade is scheduled on 2026-04-17 20:30:00 UTC."
steps:
  description: The progress messages seen while waiting, in order, as C(pg:upgrade:wait) shows them.
  returned: success
  type: list
  elements: str
  sample: ["(1/7) preparing upgrade service", "(3/7) upgrading database with pg_upgrade",
           "(7/7) performing final cleanup steps after upgrade"]
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 612.3
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/client/v11/databases/01234567-89ab-cdef-0123-456789abcdef/upgrade/run",
            "host": "data", "status": 200, "duration": 0.2, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._client import (
    HerokuAPIError,
    HerokuError,
)
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._upgrade import upgrade_state
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import database_info
from ansible_collections.herokuops.postgres.plugins.module_utils._names import major_version, plan_tier

# Heroku's own refusal of a follower that is behind (data API, upgrade/run).
TOO_FAR_BEHIND = ("database must not be too far behind leader, please wait until your follower catches up "
                  "with its leader.")
LEGACY = "You can only use pg:upgrade:* commands on Essential-* and higher plans."


def progress(status):
    """A status line as pg:upgrade:wait prints it: "(3/7) message"."""
    message = status.get("message") or ""
    return f"({status['step']}) {message}" if status.get("step") else message


def step_of(status):
    """The progress line's state for a status with a step "3/7": "step 3 of 7: message" and the numbers."""
    done, _sep, steps = str(status.get("step") or "").partition("/")
    if not (done.strip().isdigit() and steps.strip().isdigit()):
        return None
    message = status.get("message")
    return {"state": f"step {int(done)} of {int(steps)}" + (f": {message}" if message else ""),
            "value": int(done), "target": int(steps), "unit": "steps"}


class UpgradeFailed(HerokuError):
    """Heroku reported the upgrade (or its preparation) failed."""


class Upgrade:
    def __init__(self, module, addon):
        self.module = module
        self.client = module.client
        self.addon = addon
        self.name = addon["name"]
        self.path = f"/client/v11/databases/{quote(addon['id'], safe='')}/upgrade"
        self.steps = []
        self.status = None

    def read_status(self):
        """upgrade/wait_status, or None when the data API knows no upgrade of this database."""
        try:
            self.status = self.client.get(f"{self.path}/wait_status")
        except HerokuAPIError as exc:
            if exc.status != 404:
                raise
            self.status = None
        return self.status

    def state(self):
        self.module.call(f"Reading the upgrade status of {self.name}", self.read_status)
        return upgrade_state(self.status)

    def post(self, action, body, started):
        """POST upgrade/<action>; on an uncertain outcome, re-read the status: go on if it took effect, else send it again."""
        doing = f"Requesting {action} of the upgrade of {self.name}"
        answer = self.module.write(doing, "POST", f"{self.path}/{action}", body,
                                   recover=lambda: (self.status or {}) if self.state() in started else None)
        return (answer or {}).get("message")

    def _poll(self, after):
        status = self.read_status() or {}
        line = progress(status)
        if line and (not self.steps or self.steps[-1] != line):
            self.steps.append(line)
        if status.get("error?"):
            raise UpgradeFailed(f"Heroku reports: {status.get('message') or 'no message'}")
        return status, (after(status) if not status.get("waiting?") else None)

    def wait(self, doing, what, after=lambda status: True):
        """Poll upgrade/wait_status until it stops waiting and after(status) is truthy; fail on error?."""
        waited = self.module.wait(doing, lambda: self._poll(after), lambda value: bool(value[1]), what,
                                  describe=lambda value: progress(value[0]) or "no status",
                                  progress=lambda value: step_of(value[0]))
        return waited.value, waited.duration


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str", "required": True},
            "version": {"type": "str"},
            "action": {"type": "str", "choices": ["run", "prepare", "dry_run", "cancel"], "default": "run"},
        },
        wait=True,
        required_if=[("action", action, ("version",)) for action in ("run", "prepare", "dry_run")],
    )
    params = module.params
    action = params["action"]
    addon = module.resolve(params["app"], params["database"])["addon"]
    name, plan = addon["name"], addon["plan"]["name"]
    tier = plan_tier(plan)
    if tier == "legacy_essential":
        module.refuse(f"{LEGACY} {name} is on {plan}: copy it to a new database with "
                      "herokuops.postgres.heroku_pg_copy instead. Nothing was changed.")
    db = module.call(f"Reading database {name}", database_info, module.client, addon["id"])
    current = major_version(db["version"])
    target = None
    if action != "cancel":
        target = major_version(params["version"])
        if target is None or params["version"].strip() != target:
            module.refuse(f"version must be a major PostgreSQL version such as 17, not {params['version']!r}.")
        if current is not None and int(target) < int(current):
            module.refuse(f"{name} is on PostgreSQL {db['version']}: version {target} is not newer. "
                          "Heroku cannot downgrade a database. Nothing was changed.")
    if action != "run" and (tier == "essential" or db["following"]):
        kind = "an Essential database" if tier == "essential" else "a follower"
        module.refuse(f"action={action} is only for Standard-tier and higher leaders; {name} is {kind}: "
                      "use action=run. Nothing was changed.")

    upgrade = Upgrade(module, addon)
    summary = {"addon_id": addon["id"], "name": name, "plan": plan, "following": db["following"]}
    # In self.result, so that a failure also reports what was seen.
    result = module.result
    result.update(database=summary, version_before=db["version"], version=db["version"], upgrade="none",
                  message=None, steps=upgrade.steps, duration=0.0)

    state = upgrade.state()
    result["upgrade"] = state
    if target is not None and current == target and state != "running":
        module.set_diff({"version": current}, {"version": current})
        module.exit(message=f"{name} is already on PostgreSQL {db['version']}")

    wait = params["wait"] and not module.check_mode
    if action == "run":
        run(module, upgrade, db, state, target, wait)
    elif action == "prepare":
        prepare(module, upgrade, state, target, wait)
    elif action == "dry_run":
        doing = f"Requesting a dry run of the upgrade of {name}"
        if module.check_mode:
            module.client.plan("POST", f"{upgrade.path}/dry_run")
        else:
            answer = module.call(doing, module.client.post, f"{upgrade.path}/dry_run", {"version": target})
            result["message"] = (answer or {}).get("message")
    elif state in ("preparing", "scheduled"):
        result["message"] = upgrade.post("cancel", {}, started=("none", "done"))
        result["upgrade"] = "none"
        module.set_diff({"upgrade": state}, {"upgrade": "none"})
    module.exit()


def run(module, upgrade, db, state, target, wait):
    name, result = upgrade.name, module.result
    if state == "preparing":
        module.refuse(f"The upgrade of {name} is still being prepared. Wait until it is scheduled (action=prepare "
                      "with wait=true), then run it. Nothing was changed.")
    if db["following"] and state != "running" and db["behind_by"] != 0:
        lag = f"{db['behind_by']} commits behind" if db["behind_by"] is not None else "of unknown lag behind"
        module.refuse(f"Refusing to upgrade follower {name}: it is {lag} its leader; Heroku refuses with "
                      f"'{TOO_FAR_BEHIND}' Stop every writer (maintenance mode and no dynos) and wait until it "
                      "is 0 commits behind. Nothing was changed.")
    if state != "running":
        result["message"] = upgrade.post("run", {"version": target}, started=("running",))
    module.set_diff({"version": major_version(db["version"])}, {"version": target})
    if not wait:
        return

    def reached(status):
        now = database_info(module.client, upgrade.addon["id"])
        return now if major_version(now["version"]) == target else None

    (status, now), result["duration"] = upgrade.wait(f"Waiting for the upgrade of {name}",
                                                     f"the upgrade of {name} to PostgreSQL {target}", after=reached)
    result.update(version=now["version"], upgrade="done", message=status.get("message") or result["message"])


def prepare(module, upgrade, state, target, wait):
    result = module.result
    if state not in ("preparing", "scheduled"):
        result["message"] = upgrade.post("prepare", {"version": target}, started=("preparing", "scheduled"))
        result["upgrade"] = "preparing"
        module.set_diff({"upgrade": state}, {"upgrade": "scheduled"})
    if not wait or state == "scheduled":
        return
    value, result["duration"] = upgrade.wait(f"Waiting for the upgrade of {upgrade.name} to be prepared",
                                             f"the upgrade of {upgrade.name} to be scheduled")
    status = value[0]
    result.update(upgrade=upgrade_state(status), message=status.get("message"))


if __name__ == "__main__":
    main()
