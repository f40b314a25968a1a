#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_advanced_migration
short_description: Prepare, run or cancel the migration of a classic Heroku Postgres database to Advanced
version_added: 0.2.0
description:
  - The migration that C(heroku data:pg:migrate) configures and starts through its prompts, without them, and
    waiting for each status as the CLI does not. The migration belongs to its target, an Advanced database
    (M(herokuops.postgres.heroku_pg_advanced)); its source is a classic Standard, Premium, Private or Shield
    database of the same app.
  - O(state=prepared) configures it (method V(snapshot) copies the data when it runs; V(streaming) replicates
    changes from now until it runs) and waits until Heroku has it C(ready). Preparing deletes all data on the
    target. A migration already being prepared, C(ready), running or completed from the same source is left
    alone (Heroku does not show its method; cancel it to prepare it with another); one that failed or was
    cancelled is prepared again.
  - Heroku keeps a C(ready) migration for 24 hours; run it within them.
  - O(state=completed) runs a C(ready) migration and waits until it is C(completed). The source is unavailable
    from then until the migration ends, and the run cannot be cancelled. The app must be in maintenance mode
    (or O(confirm) set to its name), as the Dev Center article asks.
  - O(state=cancelled) cancels a C(ready) migration; Heroku cancels nothing else.
  - The migration does not promote the target; M(herokuops.postgres.heroku_pg_promote) does, afterwards.
  - A migration that fails or is cancelled fails the task with Heroku's C(last_error_message).
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app that owns both databases.
    type: str
    required: true
  target:
    description:
      - The Advanced database the migration fills, in any form the Heroku CLI accepts (attachment name, config
        var, add-on name).
    type: str
    required: true
  source:
    description:
      - The classic database to migrate, in any form the Heroku CLI accepts. Required with O(state=prepared).
    type: str
  method:
    description:
      - V(snapshot) (C(full-load)) copies the data when the migration runs; the downtime grows with the size.
      - V(streaming) (C(cdc)) copies it while preparing and replicates every change until the run; minimal
        downtime. Heroku may not have it enabled for every account yet.
      - Required with O(state=prepared).
    type: str
    choices: [snapshot, streaming]
  max_lag:
    description:
      - With V(streaming), O(state=prepared) also waits until Heroku reports a C(cdc_lag) at most this.
    type: int
  state:
    description:
      - V(read) reports the migration; V(prepared), V(completed) and V(cancelled) as described above.
    type: str
    choices: [read, prepared, completed, cancelled]
    default: read
  confirm:
    description:
      - The app's name, to run the migration while the app is not in maintenance mode.
    type: str
  wait:
    description:
      - Wait until the migration is C(ready) (O(state=prepared)) or C(completed) (O(state=completed)).
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
seealso:
  - module: herokuops.postgres.heroku_pg_advanced
  - module: herokuops.postgres.heroku_pg_promote
  - name: Migrating to Heroku Postgres Advanced
    description: The Dev Center article this module follows.
    link: https://devcenter.heroku.com/articles/heroku-postgres-advanced-migration
"""

EXAMPLES = r"""
- name: Prepare a streaming migration while the app runs
  herokuops.postgres.heroku_pg_advanced_migration:
    app: sushi
    source: DATABASE_URL
    target: NEW_DATABASE
    method: streaming
    state: prepared

- name: Run it inside the maintenance window
  herokuops.postgres.heroku_pg_advanced_migration:
    app: sushi
    target: NEW_DATABASE
    state: completed
"""

RETURN = r"""
migration:
  description:
    - The migration as Heroku reports it after the task (before it, in check mode); V(null) when the target has
      none.
  returned: success
  type: dict
  sample: {"id": "5b3e...", "source_id": "01234567-89ab-cdef-0123-456789abcdef", "target_id": "89ab...",
           "status": "ready", "status_description": null, "auto_promote": false, "completed": false,
           "successful": false, "full_load_progress": 100, "cdc_lag": 0, "tables_errored": 0,
           "last_error_message": null, "stop_reason": null,
           "preassessment_results": [{"name": "primary-keys", "result": "passed"}]}
  contains:
    status:
      description: creating_target, preparing, ready, migrating, promoting, completed, failed, cancelled or unknown.
      type: str
      returned: always
    cdc_lag:
      description: With V(streaming), how far the target is behind the source, as Heroku reports it.
      type: int
      returned: always
    preassessment_results:
      description: Heroku's checks of the source while preparing (name, description, result).
      type: list
      elements: dict
      returned: always
target:
  description: The target database.
  returned: success
  type: dict
  sample: {"addon_id": "89ab...", "name": "postgresql-advanced-12345", "plan": "heroku-postgresql:advanced"}
source:
  description: The source database, when the migration or O(source) names one.
  returned: success
  type: dict
  sample: {"addon_id": "0123...", "name": "postgresql-shaped-12345", "plan": "heroku-postgresql:standard-0"}
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 42.0
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/data/postgres/v1/89ab.../migrations/run", "host": "data", "status": 202,
            "duration": 0.1, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils import _advanced as adv
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule


def short(addon):
    return {"addon_id": addon["id"], "name": addon["name"], "plan": addon["plan"]["name"]}


def prepare(module, target, found):
    """Configure the migration unless the same one is already being prepared or ready."""
    params = module.params
    source = module.resolve(params["app"], params["source"])["addon"]
    module.result["source"] = short(source)
    why = adv.source_refusal(source, target)
    if why:
        module.refuse(why + " Nothing was changed.")
    wanted = adv.METHODS[params["method"]]
    status = (found or {}).get("status")
    if status in adv.ACTIVE + ("completed",):
        if found.get("source_id") != source["id"]:
            module.refuse(f"{target['name']} is already the target of a migration from {found.get('source_id')} "
                          f"({status}). Nothing was changed.")
        return found
    module.set_diff({"status": status}, {"status": "ready"})
    path = adv.database_path(target["id"], "/migrations")

    def configured():
        now = adv.migration(module.client, target["id"])
        return now if now and now.get("status") in adv.ACTIVE else None

    module.write(f"Preparing the migration of {source['name']} into {target['name']}", "POST", path,
                 json={"method": wanted, "source_id": source["id"]}, recover=configured)
    return None


def ready(module, target, found):
    """Wait until ready (and, streaming, within max_lag); a failed or cancelled migration fails the task."""
    max_lag = module.params["max_lag"]

    def done(now):
        if now is None:
            module.fail(f"Preparing the migration into {target['name']}", f"{target['name']} has no migration any more")
        if now["status"] in adv.ENDED_BADLY:
            module.fail(f"Preparing the migration into {target['name']}", adv.ended_badly(now),
                        migration=adv.summary(now))
        if now["status"] in adv.RUNNING + ("completed",):
            return True
        return now["status"] == "ready" and (max_lag is None or (now.get("cdc_lag") or 0) <= max_lag)

    return module.wait(f"Waiting for the migration into {target['name']} to be ready",
                       lambda: adv.migration(module.client, target["id"]), done,
                       f"the migration into {target['name']} to be ready", describe=adv.describe,
                       progress=lambda now: progress(now, max_lag))


PREPARING_OR_RUNNING = adv.PREPARING + adv.RUNNING


def progress(now, max_lag=None):
    if not now:
        return None
    if now.get("status") in PREPARING_OR_RUNNING and now.get("full_load_progress") is not None:
        return {"value": now["full_load_progress"], "target": 100, "unit": "percent", "state": adv.describe(now)}
    if now.get("cdc_lag") is not None and max_lag is not None:
        return {"value": now["cdc_lag"], "target": max_lag, "state": adv.describe(now)}
    return {"state": adv.describe(now)}


def run(module, target, found):
    status = (found or {}).get("status")
    name = target["name"]
    if status is None or status in adv.PREPARING:
        module.refuse(f"The migration into {name} is {status or 'not configured'}: only a ready migration runs "
                      "(state=prepared first). Nothing was changed.")
    if status in adv.ENDED_BADLY:
        module.fail(f"Running the migration into {name}", adv.ended_badly(found), migration=adv.summary(found))
    if status != "ready":
        return
    app = module.call(f"Reading app {target['app']['name']}", module.client.get,
                      f"/apps/{quote(target['app']['id'], safe='')}")
    if not app.get("maintenance") and module.params["confirm"] != app["name"]:
        module.refuse(f"Application {app['name']} is not in maintenance mode. To proceed, put the application "
                      f"into maintenance mode or set confirm to {app['name']}. Nothing was changed.")
    module.set_diff({"status": status}, {"status": "completed"})

    def started():
        now = adv.migration(module.client, target["id"])
        return None if not now or now.get("status") == "ready" else now

    module.write(f"Running the migration into {name}", "POST", adv.database_path(target["id"], "/migrations/run"),
                 recover=started)


def completed(module, target):
    def done(now):
        if now and now["status"] in adv.ENDED_BADLY:
            module.fail(f"Running the migration into {target['name']}", adv.ended_badly(now),
                        migration=adv.summary(now))
        return bool(now) and now["status"] == "completed"

    return module.wait(f"Waiting for the migration into {target['name']} to complete",
                       lambda: adv.migration(module.client, target["id"]), done,
                       f"the migration into {target['name']} to complete", describe=adv.describe, progress=progress)


def cancel(module, target, found):
    status = (found or {}).get("status")
    if status in (None, "cancelled"):
        return
    if status != "ready":
        module.refuse(f"The migration into {target['name']} is {status}: Heroku cancels only a ready migration. "
                      "Nothing was changed.")
    module.set_diff({"status": status}, {"status": "cancelled"})

    def cancelled():
        now = adv.migration(module.client, target["id"])
        return now if now and now.get("status") != "ready" else None

    module.write(f"Cancelling the migration into {target['name']}", "POST",
                 adv.database_path(target["id"], "/migrations/cancel"), recover=cancelled)


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "target": {"type": "str", "required": True},
            "source": {"type": "str"},
            "method": {"type": "str", "choices": list(adv.METHODS)},
            "max_lag": {"type": "int"},
            "state": {"type": "str", "choices": ["read", "prepared", "completed", "cancelled"], "default": "read"},
            "confirm": {"type": "str"},
        },
        wait=True,
        required_if=[("state", "prepared", ("source", "method"))],
    )
    params = module.params
    target = module.resolve(params["app"], params["target"])["addon"]
    module.result.update(target=short(target), duration=0.0)
    if not adv.is_advanced(target):
        module.refuse(f"{target['name']} is on {target['plan']['name']}, not Heroku Postgres Advanced: a migration's "
                      "target is an Advanced database. Nothing was changed.")
    found = module.call(f"Reading the migration into {target['name']}", adv.migration, module.client, target["id"])
    module.result["migration"] = adv.summary(found)
    state, waited = params["state"], None
    if state == "prepared":
        found = prepare(module, target, found) or found
        if params["wait"] and not module.check_mode:
            waited = ready(module, target, found)
    elif state == "completed":
        run(module, target, found)
        if params["wait"] and not module.check_mode and found and found["status"] != "completed":
            waited = completed(module, target)
    elif state == "cancelled":
        cancel(module, target, found)
    if waited:
        module.result.update(migration=adv.summary(waited.value), duration=waited.duration)
    elif module.result["changed"] and not module.check_mode:
        module.result["migration"] = adv.summary(module.call(f"Reading the migration into {target['name']}", adv.migration,
                                                             module.client, target["id"]))
    if module.result["migration"] and "source" not in module.result:
        module.result["source"] = {"addon_id": module.result["migration"]["source_id"]}
    module.exit()


if __name__ == "__main__":
    main()
