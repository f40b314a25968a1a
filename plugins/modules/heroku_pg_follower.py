#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_follower
short_description: Create or destroy a Heroku Postgres follower
version_added: 0.1.0
description:
  - Ensures a follower (a read-only replica that streams from a leader database) exists on an app, like
    C(heroku addons:create heroku-postgresql:PLAN --follow LEADER), and optionally waits until it is
    available and has caught up; or destroys it.
  - The follower may live on another app than its leader, for example an app in a Private Space following
    a Common Runtime database.
  - "How a follower is recognised, so that a re-run finds the one it created instead of adding a second
    one. With O(name), it is the add-on of that name on O(app). Without O(name), it is an add-on billed to
    O(app) on plan O(plan) that follows O(leader). Several such add-ons make the module fail: set O(name)."
  - An add-on that is still being created cannot tell yet whom it follows. With O(wait=true) the module
    waits until it can; otherwise it fails rather than guess.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the follower belongs to (is billed to).
    type: str
    required: true
  leader:
    description:
      - The database to follow, in any form the Heroku CLI accepts. A config var or attachment on O(app)
        (V(DATABASE_URL), V(HEROKU_POSTGRESQL_WHITE)), V(otherapp::DATABASE_URL), or an add-on name such as
        V(postgresql-shaped-12345), which also finds a database not attached to O(app).
      - Heroku is given the leader's add-on name.
      - Required with O(state=present); with O(state=absent) it is required unless O(name) is set.
    type: str
  plan:
    description:
      - Plan of the follower, with or without the service prefix (V(standard-2), V(heroku-postgresql:private-4)).
      - Heroku refuses plans too small for the leader, and followers of Essential databases.
      - Required with O(state=present); with O(state=absent) it is required unless O(name) is set.
    type: str
  name:
    description:
      - Add-on name of the follower, unique across Heroku. Heroku picks one when it is not set.
      - Setting it makes the follower unambiguous, see the description.
    type: str
  state:
    description:
      - V(present) creates the follower unless it exists; V(absent) destroys it if it exists.
      - O(state=absent) only ever destroys a database that is still a follower. A database that was
        unfollowed or promoted may hold the only copy of data, so the module refuses.
    type: str
    choices: [present, absent]
    default: present
  max_behind:
    description:
      - With O(wait=true), also wait until the follower is at most this many commits behind its leader.
      - Heroku counts a follower within 200 commits as caught up; a cut-over needs 0.
    type: int
    default: 200
  wait:
    description:
      - With O(state=present), wait until the follower is available (Heroku's C(pg:wait)) and then until it
        is at most O(max_behind) commits behind. With O(state=absent), wait until it is deprovisioned.
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
    details:
      - A follower created by an earlier run is recognised by the rule in the description.
seealso:
  - module: herokuops.postgres.heroku_pg_unfollow
  - module: herokuops.postgres.heroku_pg_promote
"""

EXAMPLES = r"""
- name: Create a follower on the target plan and wait until it is within 200 commits
  herokuops.postgres.heroku_pg_follower:
    app: sushi
    leader: DATABASE_URL
    plan: standard-2
  register: follower

- name: Follow a Common Runtime database from an app in a Private Space
  herokuops.postgres.heroku_pg_follower:
    app: sushi-private
    leader: postgresql-shaped-12345
    plan: private-4
    name: sushi-private-db

- name: Wait until the follower has caught up completely
  herokuops.postgres.heroku_pg_follower:
    app: sushi
    leader: DATABASE_URL
    plan: standard-2
    max_behind: 0

- name: Destroy the follower
  herokuops.postgres.heroku_pg_follower:
    app: sushi
    name: "{{ follower.follower.name }}"
    state: absent
"""

RETURN = r"""
follower:
  description:
    - The follower, or V(null) when there is none (after O(state=absent), or in check mode before it exists).
    - In check mode a follower that would be created has C(addon_id=null) and the O(name) given (or V(null)).
  returned: success
  type: dict
  contains:
    addon_id:
      description: Add-on id.
      type: str
    name:
      description: Add-on name.
      type: str
      sample: postgresql-curved-67890
    app:
      description: The app it belongs to.
      type: str
      sample: sushi
    plan:
      description: Its plan, without the service prefix.
      type: str
      sample: standard-2
    leader:
      description: The database it follows.
      type: dict
      sample: {"addon_id": "01234567-89ab-cdef-0123-456789abcdef", "name": "postgresql-shaped-12345"}
    status:
      description: Status as pg:info shows it, V(null) while Heroku is still creating it.
      type: str
      sample: Available
    behind_by:
      description: Commits behind the leader, V(null) while unknown.
      type: int
      sample: 12
created:
  description: Whether the follower was created by this task (or would be, in check mode).
  returned: success
  type: bool
destroyed:
  description: Whether the follower was destroyed by this task (or would be, in check mode).
  returned: success
  type: bool
duration:
  description: Seconds the task took, waiting included.
  returned: success
  type: float
  sample: 312.5
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

from ansible_collections.herokuops.postgres.plugins.module_utils._addons import destroy_addon, live_addon
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import (
    database_info,
    follows,
    provisioned_database_info,
    readiness,
)
from ansible_collections.herokuops.postgres.plugins.module_utils._names import full_plan, short_plan


class Follower:
    """Finding, creating, awaiting and destroying the one follower the task is about."""

    def __init__(self, module):
        self.module = module
        self.client = module.client
        params = module.params
        self.app = params["app"]
        self.name = params["name"]
        self.plan = full_plan(params["plan"]) if params["plan"] else None
        self.leader = None
        self.leader_db = None
        self.seen = set()
        self.started = time.monotonic()

    def elapsed(self):
        return round(time.monotonic() - self.started, 3)

    def _database(self, addon):
        """database_info of an add-on, or None while the data API does not know it yet."""
        return self.module.call(f"Reading database {addon['name']}", provisioned_database_info, self.client, addon["id"])

    def _is_ours(self, addon):
        return addon["app"]["name"] == self.app or addon["app"]["id"] == self.app

    def candidates(self):
        """Add-ons that may be the follower: by name, or billed to app on the plan (never the leader)."""
        if self.name:
            addon = self.module.call(f"Looking for add-on {self.name} on {self.app}", live_addon, self.client,
                                     self.name, self.app)
            return [addon] if addon and self._is_ours(addon) else []
        addons = self.module.call(f"Listing the add-ons of {self.app}", self.client.get_all,
                                  f"/apps/{quote(self.app, safe='')}/addons")
        return [addon for addon in addons
                if self._is_ours(addon) and addon["plan"]["name"] == self.plan
                and addon["id"] != self.leader["id"] and addon["state"] != "deprovisioned"]

    def _wait_known(self, addon):
        """Wait until the data API knows a new add-on, so that whom it follows can be read."""
        waited = self.module.wait(
            f"Waiting for {addon['name']} to be created", lambda: self._database(addon),
            lambda db: db is not None, f"{addon['name']} to be known to the data API", describe=lambda db: "creating")
        return waited.value

    def find(self):
        """The existing follower as (add-on, database_info), or (None, None); refuses what it cannot decide."""
        found = []
        candidates = self.candidates()
        self.seen = {addon["id"] for addon in candidates}
        for addon in candidates:
            db = self._database(addon)
            if db is None:
                if not self.module.params["wait"] or self.module.check_mode:
                    self.module.refuse(
                        f"Add-on {addon['name']} on {self.app} is still being created, so whether it follows "
                        f"{self.leader['name'] if self.leader else 'a leader'} cannot be told yet. "
                        f"Re-run with wait=true, or later.")
                db = self._wait_known(addon)
            if self.leader_db is None or follows(db, self.leader_db):
                found.append((addon, db))
            elif self.name:
                self.module.refuse(f"Add-on {self.name} on {self.app} exists but does not follow {self.leader['name']}"
                                   f" ({'it follows ' + db['leader']['name'] if db['leader'] else 'it is not a follower'})."
                                   " Nothing was changed.")
        if len(found) > 1:
            names = ", ".join(addon["name"] for addon, db in found)
            self.module.refuse(f"Several add-ons on {self.app} follow {self.leader['name']} on plan {self.plan}: "
                               f"{names}. Set name to choose one.")
        return found[0] if found else (None, None)

    def create(self):
        """POST the follower once; if the outcome is unknown, look before sending it again."""
        path = f"/apps/{quote(self.app, safe='')}/addons"
        body = {"plan": {"name": self.plan}, "config": {"follow": self.leader["name"]}}
        if self.name:
            body["name"] = self.name
        doing = f"Creating a {self.plan} follower of {self.leader['name']} on {self.app}"

        def made():
            # Heroku may have created it: an add-on that was not there before is ours.
            new = [addon for addon in self.candidates() if addon["id"] not in self.seen]
            if len(new) > 1:
                self.module.fail(doing, f"{len(new)} new followers of {self.leader['name']} appeared meanwhile")
            return new[0] if new else None

        return self.module.write(doing, "POST", path, body, recover=made)

    def wait_caught_up(self, addon):
        """Wait for pg:wait's "available", then until within max_behind commits; return database_info."""
        module = self.module

        def remaining():
            return max(0, module.params["wait_timeout"] - (time.monotonic() - self.started))

        module.wait(f"Waiting for follower {addon['name']}", lambda: readiness(self.client, addon["id"]),
                    lambda value: not value.get("waiting?"), f"{addon['name']} to be available",
                    describe=lambda value: value.get("message"), timeout=remaining())
        max_behind = module.params["max_behind"]
        return module.wait(
            f"Waiting for follower {addon['name']} to catch up", lambda: database_info(self.client, addon["id"]),
            lambda db: db["behind_by"] is not None and db["behind_by"] <= max_behind,
            f"{addon['name']} to be at most {max_behind} commits behind {self.leader['name']}",
            describe=lambda db: f"{db['behind_by']} commits behind" if db["behind_by"] is not None else db["status"],
            timeout=remaining(),
            progress=lambda db: ({"value": db["behind_by"], "target": max_behind, "unit": "commits"}
                                 if db["behind_by"] is not None else None)).value

    def destroy(self, addon):
        destroy_addon(self.module, addon, f"Destroying follower {addon['name']} on {self.app}")


def summary(addon, db, leader):
    return {
        "addon_id": addon.get("id"),
        "name": addon.get("name"),
        "app": addon["app"]["name"],
        "plan": short_plan(addon["plan"]["name"]),
        "leader": {"addon_id": leader["id"], "name": leader["name"]} if leader else (db or {}).get("leader"),
        "status": db["status"] if db else None,
        "behind_by": db["behind_by"] if db else None,
    }


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "leader": {"type": "str"},
            "plan": {"type": "str"},
            "name": {"type": "str"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "max_behind": {"type": "int", "default": 200},
        },
        wait=True,
        required_if=[("state", "present", ("leader", "plan"))],
    )
    params = module.params
    if not params["name"] and not (params["leader"] and params["plan"]):
        module.refuse("Set name, or both leader and plan, to tell which follower to destroy.")
    if params["max_behind"] < 0:
        module.refuse("max_behind cannot be negative.")
    follower = Follower(module)
    if params["leader"]:
        follower.leader = module.find_database(params["app"], params["leader"])
        follower.leader_db = module.call(f"Reading leader {follower.leader['name']}", database_info,
                                         module.client, follower.leader["id"])
        if params["state"] == "present" and follower.leader_db["following"]:
            chained = follower.leader_db["leader"]
            module.refuse(f"{follower.leader['name']} is itself a follower; Heroku does not chain followers. "
                          f"Follow its leader{' ' + chained['name'] if chained else ''} instead.")
    addon, db = follower.find()

    if params["state"] == "absent":
        if addon is None:
            module.set_diff({"follower": None}, {"follower": None})
            module.exit(follower=None, created=False, destroyed=False, duration=follower.elapsed())
        if not db["following"]:
            module.refuse(f"{addon['name']} on {params['app']} is not a follower any more (it was unfollowed or "
                          "promoted and may hold the only copy of its data). It was not destroyed.")
        follower.destroy(addon)
        module.set_diff({"follower": addon["name"]}, {"follower": None})
        module.exit(follower=None, created=False, destroyed=True, duration=follower.elapsed())

    created = addon is None
    if created:
        addon, db = follower.create(), None
        if addon is None:  # check mode
            planned = {"name": params["name"], "app": {"name": params["app"]}, "plan": {"name": follower.plan}}
            module.set_diff({"follower": None}, {"follower": params["name"] or "(new follower)"})
            module.exit(follower=summary(planned, None, follower.leader), created=True, destroyed=False,
                        duration=follower.elapsed())
    elif addon["plan"]["name"] != follower.plan:
        module.refuse(f"Follower {addon['name']} is on plan {addon['plan']['name']}, not {follower.plan}. "
                      "Changing its plan is not this module's job. Nothing was changed.")
    if params["wait"] and not module.check_mode:
        db = follower.wait_caught_up(addon)
    module.set_diff({"follower": None if created else addon["name"]}, {"follower": addon["name"]})
    module.exit(follower=summary(addon, db, follower.leader), created=created, destroyed=False,
                duration=follower.elapsed())


if __name__ == "__main__":
    main()
