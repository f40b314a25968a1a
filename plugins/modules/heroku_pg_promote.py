#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_promote
short_description: Make a Heroku Postgres database an app's primary (DATABASE_URL)
version_added: 0.1.0
description:
  - Attaches a database to an app as C(DATABASE), so that it becomes C(DATABASE_URL), like C(heroku pg:promote).
    Heroku releases the app and restarts its dynos.
  - The outgoing primary keeps a colour attachment (C(HEROKU_POSTGRESQL_<COLOUR>)); when it has none, one is
    created first, as the Heroku CLI does, so that it stays reachable. Its name is returned.
  - Connection pools follow the new primary. The default pool C(DATABASE_CONNECTION_POOL) is re-attached to it,
    as the CLI does. Pools with other names, which the CLI leaves on the old primary, are detached from it and
    re-created on the new primary under the same name.
  - When the app has a C(release) process type, waits for the release phase of the promotion to finish and fails
    if it fails (the promotion itself has then already happened).
  - A follower is refused, since promoting it would give the app a read-only primary, unless O(unfollow=true).
    The module then unfollows it first, with the same refusal as M(herokuops.postgres.heroku_pg_unfollow) while it
    is behind its leader.
  - Nothing is done (C(changed=false)) when the database already is the app's C(DATABASE).
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app.
    type: str
    required: true
  database:
    description:
      - The database to promote, in any form the Heroku CLI accepts. A config var (V(HEROKU_POSTGRESQL_WHITE_URL)),
        an attachment name (V(HEROKU_POSTGRESQL_WHITE)), an add-on name, or V(otherapp::NAME).
    type: str
    required: true
  attachment_name:
    description:
      - The attachment name to promote it to. V(DATABASE) makes it C(DATABASE_URL).
    type: str
    default: DATABASE
    aliases: [as]
  unfollow:
    description:
      - If the database is still a follower, unfollow it first instead of refusing.
    type: bool
    default: false
  force:
    description:
      - With O(unfollow=true), unfollow even when the follower is behind its leader, losing the commits it has
        not replayed.
    type: bool
    default: false
  wait:
    description:
      - Wait for the release phase of the promotion to finish, when the app has one.
      - Unfollowing (O(unfollow=true)) is always awaited, since promoting a database that is still read-only
        would break the app.
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.wait
  - herokuops.postgres.attributes
attributes:
  check_mode:
    support: full
    details:
      - The name Heroku would give the spare attachment of the outgoing primary is not known in check mode.
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: herokuops.postgres.heroku_pg_unfollow
  - module: herokuops.postgres.heroku_pg_info
"""

EXAMPLES = r"""
- name: Promote the caught-up follower, unfollowing it first
  herokuops.postgres.heroku_pg_promote:
    app: sushi
    database: HEROKU_POSTGRESQL_WHITE
    unfollow: true
  register: promoted

- name: Show where the old primary went
  ansible.builtin.debug:
    msg: "The old primary is now {{ promoted.old_primary.attachment }}"
"""

RETURN = r"""
promoted:
  description: The database that is now the app's O(attachment_name).
  returned: success
  type: dict
  sample: {"addon_id": "89abcdef-0123-4567-89ab-cdef01234567", "name": "postgresql-curved-67890"}
old_primary:
  description:
    - The database that was O(attachment_name) before, or V(null) when there was none or nothing changed.
    - C(attachment) is the attachment name it keeps on the app (V(null) in check mode when Heroku would pick it).
  returned: success
  type: dict
  sample: {"addon_id": "01234567-89ab-cdef-0123-456789abcdef", "name": "postgresql-shaped-12345",
           "attachment": "HEROKU_POSTGRESQL_LAVENDER"}
unfollowed:
  description: Whether the database was unfollowed first (or would be, in check mode).
  returned: success
  type: bool
pools:
  description: Connection pools moved to the new primary, with C(action) V(reattached) or V(recreated).
  returned: success
  type: list
  elements: dict
  sample: [{"name": "DATABASE_CONNECTION_POOL", "action": "reattached"}]
release:
  description: The release of the promotion whose release phase was awaited, or V(null).
  returned: success
  type: dict
  sample: {"id": "5e6f...", "version": 42, "status": "succeeded"}
duration:
  description: Seconds spent waiting (unfollowing and release phase).
  returned: success
  type: float
  sample: 12.5
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/addon-attachments", "host": "platform", "status": 201,
            "duration": 0.3, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

import re
from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._app import RELEASE, read_formation
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import DEFAULT_POOL, DEFAULT_POOL_NAMESPACE, is_pool
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import database_info
from ansible_collections.herokuops.postgres.plugins.module_utils._unfollow import unfollow

RELEASE_DONE = ("succeeded", "failed", "expired")
# Enough to reach the promotion's release past the alias, detach, attach and pool releases.
RELEASES_RANGE = "version ..; max=10, order=desc"


class Promotion:
    def __init__(self, module):
        self.module = module
        self.client = module.client
        self.app = module.params["app"]
        self.name = module.params["attachment_name"]
        self.app_path = f"/apps/{quote(self.app, safe='')}"
        self.attachments = []

    def read_attachments(self):
        return self.module.call(f"Listing the attachments of {self.app}", self.client.get_all,
                                f"{self.app_path}/addon-attachments")

    def attach(self, addon_name, name, namespace):
        """POST /addon-attachments (replacing a name in use, confirmed); None in check mode.

        If the outcome is unknown, re-read the app's attachments: send again only if it is not there.
        """
        body = {"addon": {"name": addon_name}, "app": {"name": self.app}, "confirm": self.app, "namespace": namespace}
        if name:
            body["name"] = name
        doing = f"Attaching {addon_name} to {self.app} as {name or 'a new colour name'}"
        return self.module.write(doing, "POST", "/addon-attachments", body,
                                 recover=lambda: self.made(doing, addon_name, name, namespace))

    def made(self, doing, addon_name, name, namespace):
        """The attachment a POST with an unknown outcome made, or None when there is none."""
        known = {att["id"] for att in self.attachments}
        new = [att for att in self.read_attachments() if att["id"] not in known
               and att["addon"]["name"] == addon_name and att.get("namespace") == namespace
               and (name is None or att["name"] == name)]
        if len(new) > 1:
            self.module.fail(doing, f"{len(new)} new attachments of {addon_name} appeared meanwhile")
        return new[0] if new else None

    def keep_old_reachable(self, current):
        """The attachment name the outgoing primary keeps, creating a spare one when it has no other."""
        others = [att["name"] for att in self.attachments if att["addon"]["id"] == current["addon"]["id"]
                  and att["id"] != current["id"] and not att.get("namespace")]
        if others:
            return sorted(others)[0]
        spare = self.attach(current["addon"]["name"], None, None)
        return spare["name"] if spare else None

    def move_pools(self, current, target):
        """Pools of the outgoing primary onto the new one: the default re-attached, custom ones re-created."""
        moved = []
        pools = [att for att in self.attachments if att["addon"]["id"] == current["addon"]["id"] and is_pool(att)]
        for att in sorted(pools, key=lambda att: (att["name"] != DEFAULT_POOL, att["name"])):
            if att["name"] == DEFAULT_POOL and att["namespace"] == DEFAULT_POOL_NAMESPACE:
                self.attach(target["name"], DEFAULT_POOL, DEFAULT_POOL_NAMESPACE)
                moved.append({"name": DEFAULT_POOL, "action": "reattached"})
                continue
            # The name is taken by the old pool, and the pooling endpoint cannot confirm a replacement.
            self.module.write(f"Detaching pool {att['name']} from {current['addon']['name']}", "DELETE",
                              f"/addon-attachments/{quote(att['id'], safe='')}")
            doing = f"Re-creating pool {att['name']} on {target['name']}"
            self.module.write(doing, "POST", f"/client/v11/databases/{quote(target['name'], safe='')}/connection-pooling",
                              {"app": self.app, "credential": "default", "name": att["name"]},
                              recover=lambda: self.made(doing, target["name"], att["name"], DEFAULT_POOL_NAMESPACE))
            moved.append({"name": att["name"], "action": "recreated"})
        return moved

    def wait_release(self, target):
        """With a release phase, wait for the promotion's release; return it, or None without one."""
        if RELEASE not in read_formation(self.module, self.app):
            return None
        releases = self.module.call(f"Listing the releases of {self.app}", self.client.get,
                                    f"{self.app_path}/releases", headers={"Range": RELEASES_RANGE})
        attach = re.compile(rf"^Attach {re.escape(self.name)}\b")
        found = [r for r in releases if attach.match(r.get("description") or "")]
        release = next((r for r in found if target["name"] in r["description"]), found[0] if found else None)
        if release is None:
            self.module.fail(f"Checking the release phase of {self.app}",
                             f"no 'Attach {self.name}' release among the latest; {target['name']} is promoted, "
                             f"check the app's releases")
        waited = self.module.wait(
            f"Waiting for release v{release['version']} of {self.app}",
            lambda: self.client.get(f"{self.app_path}/releases/{quote(release['id'], safe='')}"),
            lambda value: value["status"] in RELEASE_DONE, f"the release phase of v{release['version']}",
            describe=lambda value: value["status"])
        release = waited.value
        if release["status"] != "succeeded":
            self.module.fail(f"The release phase of v{release['version']} of {self.app}",
                             f"it {release['status']}. {target['name']} is {self.name} on {self.app} all the same; "
                             "fix the release command and release again, or promote the old primary back")
        return {"id": release["id"], "version": release["version"], "status": release["status"], "waited": waited.duration}


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str", "required": True},
            "attachment_name": {"type": "str", "default": "DATABASE", "aliases": ["as"]},
            "unfollow": {"type": "bool", "default": False},
            "force": {"type": "bool", "default": False},
        },
        wait=True,
    )
    params = module.params
    promotion = Promotion(module)
    target = module.resolve(params["app"], params["database"])["addon"]
    promoted = {"addon_id": target["id"], "name": target["name"]}
    promotion.attachments = promotion.read_attachments()
    current = next((att for att in promotion.attachments
                    if att["name"] == promotion.name and not att.get("namespace")), None)
    before = current["addon"]["name"] if current else None
    module.set_diff({promotion.name: before}, {promotion.name: target["name"]})
    if current and current["addon"]["id"] == target["id"]:
        module.exit(promoted=promoted, old_primary=None, unfollowed=False, pools=[], release=None, duration=0.0)

    db = module.call(f"Reading database {target['name']}", database_info, module.client, target["id"])
    unfollowed, duration = db["following"], 0.0
    if db["following"] and not params["unfollow"]:
        module.refuse(f"Refusing to promote {target['name']}: it still follows "
                      f"{db['leader']['name'] if db['leader'] else 'a leader'}, so {params['app']} would get a "
                      "read-only primary. Unfollow it first, or set unfollow=true. Nothing was changed.")
    if db["following"]:
        db, duration = unfollow(module, db, params["force"], wait=True)
    elif db["waiting"]:
        module.refuse(f"Refusing to promote {target['name']} while it is {db['status']}. Nothing was changed.")

    old_primary = None
    if current:
        old_primary = {"addon_id": current["addon"]["id"], "name": current["addon"]["name"],
                       "attachment": promotion.keep_old_reachable(current)}
    promotion.attach(target["name"], promotion.name, None)
    pools = promotion.move_pools(current, target) if current else []
    release = None
    if params["wait"] and not module.check_mode:
        release = promotion.wait_release(target)
        duration += release.pop("waited") if release else 0.0
    module.exit(promoted=promoted, old_primary=old_primary, unfollowed=unfollowed, pools=pools,
                release=release, duration=round(duration, 3))


if __name__ == "__main__":
    main()
