#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_info
short_description: Describe the Heroku Postgres databases of an app
version_added: 0.1.0
description:
  - Returns what C(heroku pg:info) shows for every Heroku Postgres database of an app, or for one,
    as data a play can decide on. Plan and tier, status, version, size, where the database is attached
    (on every app), whether it is the app's primary, replication (following, commits behind, followers,
    forked from) and connection pools.
  - Never changes anything. Database URLs and credentials are never returned; URLs of databases the
    app cannot name are shown as C(host:port/database) only.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app whose databases to describe.
    type: str
    required: true
  database:
    description:
      - Describe only this database. Any form the Heroku CLI accepts works.
      - A config var (V(DATABASE_URL), V(HEROKU_POSTGRESQL_WHITE_URL)), an attachment name (V(DATABASE),
        V(HEROKU_POSTGRESQL_WHITE)), an add-on name (V(postgresql-shaped-12345)), or any of them prefixed
        with another app as V(otherapp::DATABASE_URL).
      - Without it, every Heroku Postgres database attached to O(app) is described.
    type: str
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.attributes
  - herokuops.postgres.attributes.info_module
notes:
  - Looking up O(database) asks Heroku's attachment resolver, a read-only C(POST /actions/addon-attachments/resolve).
"""

EXAMPLES = r"""
- name: Describe every database of the app
  herokuops.postgres.heroku_pg_info:
    app: sushi
  register: pg

- name: Show the primary's plan and version
  ansible.builtin.debug:
    msg: "{{ (pg.databases | selectattr('primary') | first).plan }}"

- name: Wait until the follower is within 200 commits
  herokuops.postgres.heroku_pg_info:
    app: sushi
    database: HEROKU_POSTGRESQL_WHITE
  register: follower
  until: follower.databases[0].behind_by is not none and follower.databases[0].behind_by <= 200
  retries: 60
  delay: 30
"""

RETURN = r"""
databases:
  description: One entry per database, the app's primary first; V([]) when the app has none.
  returned: always
  type: list
  elements: dict
  contains:
    addon_id:
      description: Add-on id, used in data API paths.
      type: str
      sample: 01234567-89ab-cdef-0123-456789abcdef
    name:
      description: Add-on name, unique across Heroku.
      type: str
      sample: postgresql-shaped-12345
    app:
      description: The app that owns (is billed for) the database.
      type: str
      sample: sushi
    plan:
      description: Plan without the service prefix.
      type: str
      sample: standard-0
    tier:
      description: C(essential), C(legacy_essential), C(standard), C(premium), C(private), C(shield) or C(advanced).
      type: str
      sample: standard
    provisioned:
      description: Whether the data API knows the database yet. When V(false), only the add-on fields are set.
      type: bool
      sample: true
    status:
      description: Status as pg:info shows it.
      type: str
      sample: Available
    waiting:
      description: Whether the database is not ready yet (being created, unfollowing, upgrading...).
      type: bool
      sample: false
    version:
      description: PostgreSQL server version as Heroku reports it, a string; its major version is the part before the dot.
      type: str
      sample: "15.7"
    num_bytes:
      description: Data size in bytes.
      type: int
      sample: 8388608
    num_tables:
      description: Number of tables.
      type: int
      sample: 12
    primary:
      description: Whether it is attached as C(DATABASE) to the app it was looked up on.
      type: bool
      sample: true
    config_vars:
      description: Names of its config vars on that app.
      type: list
      elements: str
      sample: [DATABASE_URL, HEROKU_POSTGRESQL_WHITE_URL]
    attachments:
      description: Every attachment of the database, on every app, connection pools included.
      type: list
      elements: dict
      sample: [{"app": "sushi", "name": "DATABASE", "namespace": null}]
    pools:
      description: Connection-pooling attachments (namespace C(connection-pooling:*)), on every app.
      type: list
      elements: dict
      sample: [{"app": "sushi", "name": "DATABASE_CONNECTION_POOL", "namespace": "connection-pooling:default"}]
    following:
      description: Whether it is a follower (a read-only replica).
      type: bool
      sample: false
    leader:
      description: The database it follows, or V(null).
      type: dict
      sample: {"addon_id": "01234567-89ab-cdef-0123-456789abcdef", "name": "postgresql-shaped-12345"}
    behind_by:
      description: Commits the follower is behind its leader; V(null) when not a follower.
      type: int
      sample: 0
    followers:
      description:
        - Its followers, by add-on name. Those O(app) cannot see are named from the app that owns the database
          (with C(host:port/database) where neither can see them).
      type: list
      elements: str
      sample: [postgresql-curved-67890]
    forked_from:
      description: The database it was forked or unfollowed from, or V(null).
      type: str
      sample: postgresql-shaped-12345
    info:
      description: The raw pg:info entries (C(name), C(values)), URLs reduced to C(host:port/database).
      type: list
      elements: dict
      sample: [{"name": "Plan", "values": ["Standard 0"]}]
api_calls:
  description: The Heroku API calls made, in order. Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "GET", "path": "/apps/sushi/addon-attachments", "host": "platform", "status": 200,
            "duration": 0.05, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuAPIError
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import is_pool, list_pg_attachments
from ansible_collections.herokuops.postgres.plugins.module_utils._names import short_plan
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import provisioned_database_info, url_names


def describe(module, addon, home_attachments, names):
    """One databases[] entry for an add-on, as seen from the app whose attachments are home_attachments."""
    client = module.client
    attachments = module.call(f"Listing the attachments of {addon['name']}", client.get_all,
                              f"/addons/{quote(addon['id'], safe='')}/addon-attachments")
    db = module.call(f"Reading database {addon['name']}", provisioned_database_info, client, addon["id"], names)
    mine = [att for att in home_attachments if att["addon"]["id"] == addon["id"]]
    listed = [{"app": att["app"]["name"], "name": att["name"], "namespace": att.get("namespace")} for att in attachments]
    entry = {
        "addon_id": addon["id"],
        "name": addon["name"],
        "app": addon["app"]["name"],
        "plan": short_plan(addon["plan"]["name"]),
        "provisioned": db is not None,
        "primary": any(att["name"] == "DATABASE" and not att.get("namespace") for att in mine),
        "config_vars": sorted(var for att in mine if not att.get("namespace") for var in att.get("config_vars") or ()),
        "attachments": listed,
        "pools": [att for att in listed if is_pool(att)],
    }
    if db is None:
        return {**entry, "tier": None, "status": None, "waiting": True, "version": None, "num_bytes": None,
                "num_tables": None, "following": False, "leader": None, "behind_by": None, "followers": [],
                "forked_from": None, "info": []}
    keys = ("tier", "status", "waiting", "version", "num_bytes", "num_tables", "following", "leader",
            "behind_by", "followers", "forked_from", "info")
    return {**entry, **{key: db[key] for key in keys}}


def name_by_owners(client, databases, home, names):
    """Name the followers (and forks) home cannot see from the app that owns their leader, where they are as a rule:
    a database borrowed from another app would otherwise list them as host:port/database. Where that app cannot be
    read either, host:port/database stays."""
    known, owners = set(names.values()), {}
    for entry in databases:
        owner = entry["app"]
        if owner == home or all(name in known for name in entry["followers"] + [entry["forked_from"] or ""] if name):
            continue
        if owner not in owners:
            try:
                # Config var values name databases by their URLs; they are compared here and dropped.
                config = client.get(f"/apps/{quote(owner, safe='')}/config-vars")
                owners[owner] = url_names(config, list_pg_attachments(client, owner))
                del config
            except HerokuAPIError:
                owners[owner] = {}
        entry["followers"] = [owners[owner].get(name, name) for name in entry["followers"]]
        if entry["forked_from"]:
            entry["forked_from"] = owners[owner].get(entry["forked_from"], entry["forked_from"])


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str"},
        },
    )
    app, database = module.params["app"], module.params["database"]
    client = module.client
    if database:
        attachment = module.resolve(app, database)
        home = attachment["app"]["name"]
    else:
        home = app
    home_attachments = module.call(f"Listing the databases of {home}", list_pg_attachments, client, home)
    if database:
        addons = [attachment["addon"]]
    else:
        addons = list({att["addon"]["id"]: att["addon"] for att in home_attachments}.values())
    names = {}
    if addons:
        # Config var values name followers by their URLs; they are compared here and dropped.
        config = module.call(f"Reading the config vars of {home}", client.get, f"/apps/{quote(home, safe='')}/config-vars")
        names = url_names(config, home_attachments)
        del config
    databases = [describe(module, addon, home_attachments, names) for addon in addons]
    name_by_owners(module.client, databases, home, names)
    databases.sort(key=lambda entry: (not entry["primary"], entry["name"]))
    module.exit(databases=databases)


if __name__ == "__main__":
    main()
