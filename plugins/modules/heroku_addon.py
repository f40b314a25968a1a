#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_addon
short_description: Create, re-plan, attach or destroy a Heroku Postgres add-on
version_added: 0.1.0
description:
  - Ensures a Heroku Postgres add-on exists on an app with a plan, like C(heroku addons:create), and waits
    until the database is available; or destroys it, like C(heroku addons:destroy).
  - An existing add-on on another plan gets that plan, like C(heroku addons:upgrade). On Essential plans the
    change happens at once (the database is read-only meanwhile) and the module waits for it. On Standard
    and higher plans Heroku prepares a replacement, and the change completes when the data maintenance it
    schedules runs (M(herokuops.postgres.heroku_pg_maintenance)); while a maintenance is pending the plan
    change is not requested again. Heroku cannot change plans between the Essential and the other tiers;
    the module refuses that (copy to a new database instead).
  - O(attach_to) attaches the add-on to other apps as well (C(heroku addons:attach)). Attachments that are
    not listed are left alone.
  - "How the add-on is found: by O(name) when given, otherwise as the add-on attached to O(app) under
    O(attachment_name)."
  - Destroying refuses a database that is the primary (C(DATABASE_URL)) of any app it is attached to, or
    that still has followers, unless O(force=true).
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the add-on is created on and billed to.
    type: str
    required: true
  name:
    description:
      - Name of the add-on, unique across Heroku. Given at creation, and used to find the add-on.
      - Without it Heroku picks a name, and the add-on is found by O(attachment_name).
    type: str
  attachment_name:
    description:
      - Attachment name on O(app) at creation (its config var is this name with C(_URL)), for example
        V(NEW_DATABASE). Without it Heroku names it C(HEROKU_POSTGRESQL_<COLOUR>), and also
        C(DATABASE) when the app has no primary yet.
      - Used to find the add-on when O(name) is not set.
    type: str
    aliases: [as]
  plan:
    description:
      - Heroku Postgres plan, with or without the C(heroku-postgresql:) prefix, for example V(standard-0).
      - Required to create the add-on. For an existing one, a different plan is a plan change.
    type: str
  version:
    description:
      - Major PostgreSQL version of a new database, for example V("17"); Heroku's default when not set.
      - Only used at creation. An existing database on another version is reported in a warning;
        upgrade it with M(herokuops.postgres.heroku_pg_upgrade).
    type: str
  attach_to:
    description:
      - Other apps to attach the add-on to (in the default credential's namespace).
      - An app counts as attached when the add-on has an attachment on it with that name (with any name
        when the name is not set).
    type: list
    elements: dict
    default: []
    suboptions:
      app:
        description:
          - Name or id of the app.
        type: str
        required: true
      attachment_name:
        description:
          - Attachment name on that app. Heroku picks C(HEROKU_POSTGRESQL_<COLOUR>) when not set.
          - A name another add-on uses there is refused by Heroku; making a database the primary of an app
            is M(herokuops.postgres.heroku_pg_promote)'s job.
        type: str
        aliases: [as]
  state:
    description:
      - V(present) creates, re-plans and attaches; V(absent) destroys.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), destroy even a database that is an app's primary or has followers.
    type: bool
    default: false
  wait:
    description:
      - Wait until a new database is available, an Essential plan change has finished, or a destroyed
        add-on is gone.
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
  - module: herokuops.postgres.heroku_pg_maintenance
  - module: herokuops.postgres.heroku_pg_copy
  - module: herokuops.postgres.heroku_pg_follower
"""

EXAMPLES = r"""
- name: Provision a new database on the target plan and version
  herokuops.postgres.heroku_addon:
    app: sushi
    name: sushi-db-17
    plan: standard-2
    version: "17"
    as: NEW_DATABASE

- name: Change the plan in place (Standard and above complete it in a data maintenance)
  herokuops.postgres.heroku_addon:
    app: sushi
    name: postgresql-shaped-12345
    plan: standard-2

- name: Make the database reachable from a second app
  herokuops.postgres.heroku_addon:
    app: sushi
    name: sushi-db-17
    attach_to:
      - app: sushi-worker
        as: SUSHI_DB

- name: Decommission the old primary
  herokuops.postgres.heroku_addon:
    app: sushi
    name: postgresql-shaped-12345
    state: absent
"""

RETURN = r"""
addon:
  description: The add-on after the task (as planned, in check mode); V(null) once destroyed.
  returned: success
  type: dict
  contains:
    id:
      description: Id of the add-on; V(null) in check mode before it exists.
      type: str
    name:
      description: Name of the add-on.
      type: str
    app:
      description: The app it is billed to.
      type: str
    plan:
      description:
        - Its plan. After a plan change was requested, the new plan; on Standard and higher plans it takes
          effect when the data maintenance runs.
      type: str
    state:
      description: V(provisioning), V(provisioned) or V(deprovisioning).
      type: str
    attachments:
      description: Where it is attached, as C(APP::NAME) (C(APP::NAMESPACE::NAME) outside the default namespace).
      type: list
      elements: str
  sample: {"id": "01234567-89ab-cdef-0123-456789abcdef", "name": "sushi-db-17", "app": "sushi",
           "plan": "heroku-postgresql:standard-2", "state": "provisioned",
           "attachments": ["sushi::NEW_DATABASE", "sushi-worker::SUSHI_DB"]}
created:
  description: Whether the add-on was created by this task (or would be, in check mode).
  returned: success
  type: bool
destroyed:
  description: Whether the add-on was destroyed by this task (or would be, in check mode).
  returned: success
  type: bool
plan_change:
  description:
    - V(none), V(done) (an Essential change, finished), V(requested) (this task asked for it; on Standard and
      higher it completes in a data maintenance), or V(pending) (a data maintenance is pending, so it was not
      asked again).
  returned: success
  type: str
  sample: requested
maintenance:
  description: Status of the add-on's data maintenance when the task read it (plan changes on Standard and above).
  returned: when the plan differs on Standard and higher plans
  type: str
  sample: ready
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 184.2
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/apps/sushi/addons", "host": "platform", "status": 201,
            "duration": 0.4, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

import time
from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._addons import addon_state, destroy_addon, find_pg_addon, live_addon
from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuError
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import list_pg_attachments
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import (
    database_info,
    provisioned_database_info,
    readiness,
    url_names,
)
from ansible_collections.herokuops.postgres.plugins.module_utils._names import full_plan, is_essential, major_version

PENDING_MAINTENANCE = ("pending", "preparing", "ready", "running")


def label(attachment):
    namespace = attachment.get("namespace")
    return "::".join([attachment["app"]["name"]] + ([namespace] if namespace else []) + [attachment["name"]])


def q(value):
    return quote(value, safe="")


class ProvisionFailed(HerokuError):
    """Heroku reported that the database could not be provisioned or changed."""


class Addon:
    def __init__(self, module):
        self.module = module
        self.client = module.client
        self.params = module.params
        self.app = self.params["app"]
        self.started = time.monotonic()

    def remaining(self):
        return max(0, self.params["wait_timeout"] - (time.monotonic() - self.started))

    def get(self, ident):
        """The add-on by name or id, or None when Heroku does not know it (any more)."""
        return self.module.call(f"Reading add-on {ident}", live_addon, self.client, ident)

    def find(self):
        return find_pg_addon(self.module, self.app, self.params["name"], self.params["attachment_name"])

    def attachments(self, addon):
        if not addon.get("id"):
            return []
        return self.module.call(f"Listing the attachments of {addon['name']}", self.client.get_all,
                                f"/addons/{q(addon['id'])}/addon-attachments")

    def create(self):
        params = self.params
        body = {"plan": {"name": full_plan(params["plan"])}}
        if params["name"]:
            body["name"] = params["name"]
        if params["attachment_name"]:
            body["attachment"] = {"name": params["attachment_name"]}
        if params["version"]:
            body["config"] = {"version": params["version"]}
        doing = f"Creating a {body['plan']['name']} database on {self.app}"
        path = f"/apps/{q(self.app)}/addons"
        # Heroku may have made it: an add-on found by name or attachment name is ours.
        addon = self.module.write(doing, "POST", path, body, recover=self.find)
        if self.module.check_mode:
            return {"id": None, "name": params["name"], "app": {"name": self.app}, "plan": body["plan"],
                    "state": "provisioning"}
        return addon

    def _readiness(self, addon):
        """(state, wait_status) of a database being created or changed; raises when Heroku gave up."""
        state = addon_state(self.client, addon["id"])
        if state == "deprovisioned":
            raise ProvisionFailed(f"the add-on was unable to be created, with status {state}")
        if state == "provisioning":
            return state, {"waiting?": True, "message": "provisioning"}
        return state, readiness(self.client, addon["id"])

    def wait_available(self, addon):
        waited = self.module.wait(f"Waiting for database {addon['name']}", lambda: self._readiness(addon),
                                  lambda value: not value[1].get("waiting?"), f"{addon['name']} to be available",
                                  describe=lambda value: value[1].get("message"), timeout=self.remaining())
        return waited.duration

    def change_plan(self, addon, plan):
        """PATCH the plan unless a data maintenance is pending; return (plan_change, maintenance status)."""
        current = addon["plan"]["name"]
        essential = is_essential(current)
        if essential != is_essential(plan):
            self.module.refuse(f"Heroku cannot change {addon['name']} from {current} to {plan}: plan changes stay "
                               "within the Essential tier or within the Standard and higher tiers. Copy the data to "
                               "a new database instead (herokuops.postgres.heroku_pg_copy). Nothing was changed.")
        maintenance = None
        if not essential:
            maintenance = self.module.call(f"Reading the maintenance of {addon['name']}", self.client.get,
                                           f"/data/maintenances/v1/{q(addon['id'])}").get("status")
            if maintenance in PENDING_MAINTENANCE:
                self.module.module.warn(
                    f"{addon['name']} has a {maintenance} data maintenance, so the change to {plan} was not "
                    "requested again; it completes when the maintenance runs (herokuops.postgres.heroku_pg_maintenance).")
                return "pending", maintenance

        def applied():
            # Essential plans change at once; other tiers start preparing a maintenance (none was pending).
            now = self.client.get(f"/addons/{q(addon['id'])}")
            if now["plan"]["name"] == plan:
                return now
            if essential:
                return None
            status = self.client.get(f"/data/maintenances/v1/{q(addon['id'])}").get("status")
            return now if status in PENDING_MAINTENANCE else None

        self.module.write(f"Changing the plan of {addon['name']} to {plan}", "PATCH",
                          f"/apps/{q(addon['app']['name'])}/addons/{q(addon['name'])}", {"plan": {"name": plan}},
                          recover=applied)
        return "requested", maintenance

    def attach(self, addon, existing, app, name):
        """POST /addon-attachments unless addon already has one on app (named name, when given)."""
        if any(app in (att["app"]["name"], att["app"]["id"]) and not att.get("namespace")
               and (name is None or att["name"] == name) for att in existing):
            return None
        body = {"addon": {"name": addon["name"]}, "app": {"name": app}}
        if name:
            body["name"] = name
        doing = f"Attaching {addon['name'] or 'the new database'} to {app} as {name or 'a new colour name'}"
        known = {att["id"] for att in existing}

        def made():
            new = [att for att in self.attachments(addon) if att["id"] not in known
                   and app in (att["app"]["name"], att["app"]["id"]) and (name is None or att["name"] == name)]
            if len(new) > 1:
                self.module.fail(doing, f"{len(new)} new attachments of {addon['name']} on {app} appeared meanwhile")
            return new[0] if new else None

        attachment = self.module.write(doing, "POST", "/addon-attachments", body, recover=made)
        if self.module.check_mode:
            return {"app": {"name": app}, "name": name or "HEROKU_POSTGRESQL_<COLOUR>", "namespace": None}
        return attachment

    def names(self, app):
        """url_key -> add-on name for the databases app can see, to name followers in messages."""
        attachments = self.module.call(f"Listing the databases of {app}", list_pg_attachments, self.client, app)
        config = self.module.call(f"Reading the config vars of {app}", self.client.get, f"/apps/{q(app)}/config-vars")
        return url_names(config, attachments)

    def destroy(self, addon):
        attachments = self.attachments(addon)
        primary_of = sorted(att["app"]["name"] for att in attachments
                            if att["name"] == "DATABASE" and not att.get("namespace"))
        db = self.module.call(f"Reading database {addon['name']}", provisioned_database_info, self.client, addon["id"])
        followers = db["followers"] if db else []
        if (primary_of or followers) and not self.params["force"]:
            why = []
            if primary_of:
                why.append(f"it is DATABASE_URL of {', '.join(primary_of)}")
            if followers:
                names = self.names(addon["app"]["name"])
                why.append(f"it has followers ({', '.join(names.get(f, f) for f in followers)})")
            self.module.refuse(f"Refusing to destroy {addon['name']}: {' and '.join(why)}. Promote another database "
                               "and destroy the followers first, or set force=true. Nothing was changed.")
        return destroy_addon(self.module, addon, f"Destroying {addon['name']}")


def describe(addon, attachments):
    if addon is None:
        return None
    return {"id": addon.get("id"), "name": addon.get("name"), "app": addon["app"]["name"],
            "plan": addon["plan"]["name"], "state": addon.get("state"),
            "attachments": sorted(label(att) for att in attachments)}


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "name": {"type": "str"},
            "attachment_name": {"type": "str", "aliases": ["as"]},
            "plan": {"type": "str"},
            "version": {"type": "str"},
            "attach_to": {"type": "list", "elements": "dict", "default": [], "options": {
                "app": {"type": "str", "required": True},
                "attachment_name": {"type": "str", "aliases": ["as"]},
            }},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "force": {"type": "bool", "default": False},
        },
        wait=True,
        required_one_of=[("name", "attachment_name")],
    )
    params = module.params
    manager = Addon(module)
    addon = manager.find()
    result = {"created": False, "destroyed": False, "plan_change": "none", "duration": 0.0}

    if params["state"] == "absent":
        if addon is None:
            module.set_diff({"addon": None}, {"addon": None})
            module.exit(addon=None, **result)
        duration = manager.destroy(addon)
        module.set_diff({"addon": addon["name"]}, {"addon": None})
        module.exit(addon=None, **{**result, "destroyed": True, "duration": duration})

    before = describe(addon, manager.attachments(addon) if addon else [])
    wait = params["wait"] and not module.check_mode
    plan = full_plan(params["plan"]) if params["plan"] else None
    if addon is None:
        if not plan:
            module.refuse(f"No such add-on on {params['app']}: set plan to create it.")
        addon = manager.create()
        result["created"] = True
        if wait:
            result["duration"] += manager.wait_available(addon)
    elif plan and plan != addon["plan"]["name"]:
        result["plan_change"], maintenance = manager.change_plan(addon, plan)
        if maintenance:
            result["maintenance"] = maintenance
        if wait and result["plan_change"] == "requested" and is_essential(plan):
            result["duration"] += manager.wait_available(addon)
            result["plan_change"] = "done"
    elif wait and addon["state"] == "provisioning":  # created by an earlier run that did not wait
        result["duration"] += manager.wait_available(addon)
    if params["version"] and not result["created"]:
        db = module.call(f"Reading database {addon['name']}", database_info, module.client, addon["id"])
        if major_version(db["version"]) != params["version"].strip():
            module.module.warn(f"{addon['name']} runs PostgreSQL {db['version']}, not {params['version']}: version "
                               "is only used at creation; upgrade it with herokuops.postgres.heroku_pg_upgrade.")

    attachments = manager.attachments(addon)
    for item in params["attach_to"]:
        made = manager.attach(addon, attachments, item["app"], item["attachment_name"])
        if made:
            attachments.append(made)
    if module.result["changed"] and not module.check_mode:
        addon = manager.get(addon["id"]) or addon
    after = describe(addon, attachments)
    if result["plan_change"] != "none":
        after["plan"] = plan
    module.set_diff(before, after)
    module.exit(addon=after, **result)


if __name__ == "__main__":
    main()
