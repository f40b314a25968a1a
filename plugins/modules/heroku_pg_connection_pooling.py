#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_connection_pooling
short_description: Attach a Heroku Postgres connection pool to an app
version_added: 0.1.0
description:
  - Attaches a connection pool (Heroku's PgBouncer in front of the database, default credential) to an
    app under a name, like C(heroku pg:connection-pooling:attach DATABASE --as NAME). The app then gets
    the config var C(<NAME>_URL).
  - After a cutover, C(heroku pg:promote) re-attaches only a pool named C(DATABASE_CONNECTION_POOL) to the
    new primary; pools of any other name must be attached to it again with this module.
  - A pool of that name on that app already attached to the database means no change. A pool of that
    name attached to another database is refused (detach it first).
  - Essential databases have no connection pooling and are refused.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the pool is attached to; the database is looked up on it too.
    type: str
    required: true
  database:
    description:
      - The database, in any form the Heroku CLI accepts. A config var (V(DATABASE_URL)), an attachment name
        (V(HEROKU_POSTGRESQL_WHITE)), an add-on name, or V(otherapp::NAME).
    type: str
    default: DATABASE_URL
  attachment_name:
    description:
      - Name of the pool's attachment; its config var is this name with C(_URL).
    type: str
    default: DATABASE_CONNECTION_POOL
    aliases: [as, name]
extends_documentation_fragment:
  - herokuops.postgres.heroku
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
seealso:
  - module: herokuops.postgres.heroku_pg_promote
"""

EXAMPLES = r"""
- name: Re-create a custom-named pool on the new primary after a promote
  herokuops.postgres.heroku_pg_connection_pooling:
    app: sushi
    database: DATABASE_URL
    as: REPORTING_POOL
"""

RETURN = r"""
pool:
  description: The pool's attachment after the task (as planned, in check mode, with a V(null) id).
  returned: success
  type: dict
  contains:
    id:
      description: Id of the attachment.
      type: str
    name:
      description: Attachment name.
      type: str
    namespace:
      description: Always V(connection-pooling:default).
      type: str
    app:
      description: The app it is attached to.
      type: str
    addon:
      description: Name of the database add-on behind it.
      type: str
    config_var:
      description: The config var holding the pool's URL (never its value).
      type: str
  sample: {"id": "3f1c...", "name": "REPORTING_POOL", "namespace": "connection-pooling:default", "app": "sushi",
           "addon": "postgresql-shaped-12345", "config_var": "REPORTING_POOL_URL"}
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/client/v11/databases/postgresql-shaped-12345/connection-pooling",
            "host": "data", "status": 200, "duration": 0.2, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from urllib.parse import quote

from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import (
    DEFAULT_POOL,
    DEFAULT_POOL_NAMESPACE,
    list_pg_attachments,
)
from ansible_collections.herokuops.postgres.plugins.module_utils._names import is_essential


def describe(attachment, app, addon):
    if attachment is None:
        return None
    return {"id": attachment.get("id"), "name": attachment["name"], "namespace": DEFAULT_POOL_NAMESPACE, "app": app,
            "addon": addon, "config_var": attachment["name"] + "_URL"}


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str", "default": "DATABASE_URL"},
            "attachment_name": {"type": "str", "default": DEFAULT_POOL, "aliases": ["as", "name"]},
        },
    )
    params = module.params
    name = params["attachment_name"]
    addon = module.resolve(params["app"], params["database"])["addon"]
    if is_essential(addon["plan"]["name"]):
        module.refuse(f"You can't perform this operation on Essential-tier databases ({addon['name']} is on "
                      f"{addon['plan']['name']}). Nothing was changed.")

    def find():
        attachments = module.call(f"Listing the databases of {params['app']}", list_pg_attachments,
                                  module.client, params["app"])
        return next((att for att in attachments if att["name"] == name and att.get("namespace") == DEFAULT_POOL_NAMESPACE), None)

    existing = find()
    app = existing["app"]["name"] if existing else params["app"]
    before = {name: existing["addon"]["name"] if existing else None}
    if existing and existing["addon"]["id"] != addon["id"]:
        module.refuse(f"Pool {name} on {app} belongs to {existing['addon']['name']}, not {addon['name']}. Detach it "
                      "first (heroku addons:detach), then attach it again. Nothing was changed.")
    if existing is None:
        doing = f"Attaching pool {name} of {addon['name']} to {params['app']}"
        path = f"/client/v11/databases/{quote(addon['name'], safe='')}/connection-pooling"
        body = {"app": params["app"], "credential": "default", "name": name}

        def made():
            found = find()
            if found and found["addon"]["id"] != addon["id"]:
                module.fail(doing, f"{name} on {params['app']} now belongs to {found['addon']['name']}")
            return found

        existing = module.write(doing, "POST", path, body, recover=made)
        if module.check_mode:
            existing = {"id": None, "name": name}
        else:
            app = existing["app"]["name"]
    module.set_diff(before, {name: addon["name"]})
    module.exit(pool=describe(existing, app, addon["name"]))


if __name__ == "__main__":
    main()
