#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_advanced
short_description: Create a Heroku Postgres Advanced database, size its pools and wait until it is available
version_added: 0.2.0
description:
  - Ensures a Heroku Postgres Advanced database exists on an app, like C(heroku data:pg:create --level), with
    its leader pool's level and high availability and the follower pools listed, like C(heroku data:pg:update),
    and waits until it is available (C(heroku data:pg:wait)).
  - "How it is found: by O(name) when given, otherwise as the add-on attached to O(app) under O(attachment_name)."
  - Follower pools that are not listed are left alone. A different PostgreSQL version of an existing database
    is only warned about.
  - Destroying a database is M(herokuops.postgres.heroku_addon)'s job.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the database is created on and billed to.
    type: str
    required: true
  name:
    description:
      - Name of the add-on, unique across Heroku. Given at creation, and used to find the add-on.
    type: str
  attachment_name:
    description:
      - Attachment name on O(app) at creation (its config var is this name with C(_URL)), for example
        V(NEW_DATABASE). Used to find the add-on when O(name) is not set.
    type: str
    aliases: [as]
  level:
    description:
      - The leader pool's level, such as V(4G-Performance) (C(heroku data:pg:levels)). Required to create the
        database; an existing database on another level is changed to it.
    type: str
  high_availability:
    description:
      - A standby instance in the leader pool (Heroku's default for Advanced).
    type: bool
    default: true
  version:
    description:
      - Major PostgreSQL version of a new database; Heroku's default when not set.
    type: str
  network:
    description:
      - V(common) (plan C(advanced)), V(private) (C(advanced-private)) or V(shield) (C(advanced-shield)).
      - Without it, the network of O(source) when given (as C(heroku data:pg:migrate) picks it), otherwise
        V(common).
    type: str
    choices: [common, private, shield]
  source:
    description:
      - A classic database of O(app) that this one will replace (migrate from). Heroku is told at creation
        (C(config.from)), as C(heroku data:pg:migrate) does, and its network is matched.
    type: str
  follower_pools:
    description:
      - Follower pools the database must have (up to five), by name; each is created or resized.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The pool's name, 3 to 32 lowercase letters and digits.
        type: str
        required: true
      count:
        description:
          - Instances in the pool.
        type: int
        default: 1
      level:
        description:
          - The pool's level; the leader's when not set.
        type: str
  wait:
    description:
      - Wait until the database (and its pools) are available.
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
  - module: herokuops.postgres.heroku_pg_advanced_migration
  - module: herokuops.postgres.heroku_addon
"""

EXAMPLES = r"""
- name: An Advanced database to migrate the app's primary into, on the source's network, with a follower pool
  herokuops.postgres.heroku_pg_advanced:
    app: sushi
    attachment_name: NEW_DATABASE
    level: 4G-Performance
    source: DATABASE_URL
    follower_pools:
      - name: readers
        count: 2
"""

RETURN = r"""
addon:
  description: The add-on after the task (in check mode, what it would be).
  returned: success
  type: dict
  sample: {"id": "89ab...", "name": "postgresql-advanced-12345", "app": "sushi", "plan": "heroku-postgresql:advanced",
           "state": "provisioned"}
database:
  description: The database as C(/data/postgres/v1/{id}/info) shows it (status, version, pools); V(null) in check
    mode before it exists.
  returned: success
  type: dict
  sample: {"status": "available", "version": "17.4", "tier": "advanced",
           "pools": [{"name": "leader", "status": "available", "expected_level": "4G-Performance", "expected_count": 2}]}
created:
  description: Whether the database was created.
  returned: success
  type: bool
  sample: true
pools_changed:
  description: The pools created or changed, by name.
  returned: success
  type: list
  elements: str
  sample: ["leader", "readers"]
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 120.5
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/apps/sushi/addons", "host": "platform", "status": 201,
            "duration": 0.1, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils import _advanced as adv
from ansible_collections.herokuops.postgres.plugins.module_utils._addons import addon_state, find_pg_addon
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._names import major_version

PLANS = {"common": "heroku-postgresql:advanced", "private": "heroku-postgresql:advanced-private",
         "shield": "heroku-postgresql:advanced-shield"}
INFO_KEYS = ("status", "version", "tier", "region")
POOL_KEYS = ("id", "name", "status", "expected_level", "expected_count")


def q(value):
    return quote(value, safe="")


def find(module):
    params = module.params
    addon = find_pg_addon(module, params["app"], params["name"], params["attachment_name"])
    if addon and not adv.is_advanced(addon):
        module.refuse(f"{addon['name']} is on {addon['plan']['name']}, not Heroku Postgres Advanced. Nothing was changed.")
    return addon


def create(module, source):
    params = module.params
    plan = PLANS[params["network"]] if params["network"] else (
        adv.advanced_plan_for(source["plan"]["name"]) if source else PLANS["common"])
    config = {"level": params["level"], "high-availability": params["high_availability"]}
    if params["version"]:
        config["version"] = params["version"]
    if source:
        config["from"] = source["id"]
    body = {"plan": {"name": plan}, "config": config}
    if params["name"]:
        body["name"] = params["name"]
    if params["attachment_name"]:
        body["attachment"] = {"name": params["attachment_name"]}
    addon = module.write(f"Creating a {plan} database on {params['app']}", "POST", f"/apps/{q(params['app'])}/addons",
                         body, headers={"Accept-Expansion": "plan"}, recover=lambda: find(module))
    return addon or {"id": None, "name": params["name"], "app": {"name": params["app"]}, "plan": {"name": plan},
                     "state": "provisioning"}


def readiness(module, addon):
    """(add-on state, wait_status): the platform's state first, as data:pg:create --wait polls it."""
    state = addon_state(module.client, addon["id"])
    if state == "deprovisioned":
        module.fail(f"Creating {addon['name']}", "Heroku could not provision it (deprovisioned)")
    if state == "provisioning":
        return state, {"waiting": True, "message": "Provisioning"}
    return state, adv.wait_status(module.client, addon["id"])


def wait_available(module, addon):
    waited = module.wait(f"Waiting for database {addon['name']}", lambda: readiness(module, addon),
                         lambda value: not value[1].get("waiting"), f"{addon['name']} to be available",
                         describe=lambda value: value[1].get("message") or value[0],
                         progress=lambda value: {"state": value[1].get("message") or value[0]})
    return waited.duration


def size_pools(module, addon, db):
    """PATCH the leader's level and standby, create or resize the follower pools; the names changed."""
    params = module.params
    pools = {pool["name"]: pool for pool in db.get("pools") or ()}
    leader = pools.get("leader") or {}
    wanted = {"leader": {"level": params["level"] or leader.get("expected_level"),
                         "count": 2 if params["high_availability"] else 1}}
    for pool in params["follower_pools"]:
        wanted[pool["name"]] = {"level": pool["level"] or wanted["leader"]["level"], "count": pool["count"]}
    changed = []
    for name, want in wanted.items():
        have = pools.get(name)
        if have is None:
            module.write(f"Creating follower pool {name} of {addon['name']}", "POST",
                         adv.database_path(addon["id"], "/pools"), {"name": name, **want})
            changed.append(name)
            continue
        for key, field in (("level", "expected_level"), ("count", "expected_count")):
            if want[key] is not None and want[key] != have.get(field):
                module.write(f"Changing the {key} of pool {name} of {addon['name']}", "PATCH",
                             adv.database_path(addon["id"], f"/pools/{q(have['id'])}"), {key: want[key]})
                changed.append(name)
    return sorted(set(changed))


def summary(db):
    if not db:
        return None
    return {**{key: db.get(key) for key in INFO_KEYS},
            "pools": [{key: pool.get(key) for key in POOL_KEYS} for pool in db.get("pools") or ()]}


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "name": {"type": "str"},
            "attachment_name": {"type": "str", "aliases": ["as"]},
            "level": {"type": "str"},
            "high_availability": {"type": "bool", "default": True},
            "version": {"type": "str"},
            "network": {"type": "str", "choices": list(PLANS)},
            "source": {"type": "str"},
            "follower_pools": {"type": "list", "elements": "dict", "default": [], "options": {
                "name": {"type": "str", "required": True},
                "count": {"type": "int", "default": 1},
                "level": {"type": "str"},
            }},
        },
        wait=True,
        required_one_of=[("name", "attachment_name")],
    )
    params = module.params
    source = module.resolve(params["app"], params["source"])["addon"] if params["source"] else None
    if source and adv.is_advanced(source):
        module.refuse(f"source {source['name']} is already an Advanced database. Nothing was changed.")
    addon = find(module)
    result = {"created": False, "pools_changed": [], "duration": 0.0}
    before = summary(module.call("Reading the database", adv.info, module.client, addon["id"])) if addon else None
    wait = params["wait"] and not module.check_mode
    if addon is None:
        if not params["level"]:
            module.refuse(f"No such database on {params['app']}: set level to create it (heroku data:pg:levels).")
        addon = create(module, source)
        result["created"] = True
        if wait:
            result["duration"] += wait_available(module, addon)
    elif wait and addon["state"] == "provisioning":  # created by an earlier run that did not wait
        result["duration"] += wait_available(module, addon)
    db = None
    if addon.get("id") and (wait or addon.get("state") != "provisioning"):
        db = module.call(f"Reading database {addon['name']}", adv.info, module.client, addon["id"])
    if db:
        result["pools_changed"] = size_pools(module, addon, db)
        if params["version"] and not result["created"] and major_version(db.get("version")) != params["version"].strip():
            module.module.warn(f"{addon['name']} runs PostgreSQL {db.get('version')}, not {params['version']}: version "
                               "is only used at creation.")
        if result["pools_changed"] and wait:
            result["duration"] += wait_available(module, addon)
        if module.result["changed"] and not module.check_mode:
            db = module.call(f"Reading database {addon['name']}", adv.info, module.client, addon["id"])
    after = summary(db)
    module.set_diff(before, after)
    module.exit(addon={"id": addon.get("id"), "name": addon.get("name"), "app": addon["app"]["name"],
                       "plan": addon["plan"]["name"], "state": addon.get("state")},
                database=after, **result)


if __name__ == "__main__":
    main()
