#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_inspect
short_description: Look inside a Heroku Postgres database, read-only, before a migration
version_added: 0.2.0
description:
  - Connects to the database from the controller with the app's own credentials (the database's config var, as
    C(heroku pg:psql) does) and reports what only the database can tell, and Heroku's APIs do not.
  - "Unlogged tables, with their rows and size: PostgreSQL does not write them to the WAL, so a follower never
    receives their rows, and a promoted follower starts them empty. Every method built on a follower loses them
    (follower changeover, the follower pg:upgrade, a Private Space move, addons:upgrade on Standard and above);
    pg:copy and pg:upgrade of the database itself keep them."
  - The size, and the schemas and objects counted against pg:upgrade's documented limits (it may fail out of
    memory with more than 1,000 schemas or 10,000 objects). Objects are the relations and functions of the
    user's schemas, those created by extensions left out.
  - Extensions and their versions, logical replication slots, publications, subscriptions and large objects.
  - "Read-only by construction: the session is read-only (C(default_transaction_read_only)), every statement has a
    timeout, and the module never changes anything. The URL and its credentials never appear in the result, a
    failure message or a log."
  - A database the controller cannot reach (a Private Space or Shield database, no network, a refused login) is
    reported with RV(inspected=false) and the reason, unless O(required) makes that a failure.
author:
  - herokuops.postgres contributors (@herokuops)
requirements:
  - psycopg (version 3)
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
  required:
    description:
      - Fail when the database cannot be reached or inspected, instead of returning RV(inspected=false).
    type: bool
    default: false
  sslmode:
    description:
      - libpq's C(sslmode). Heroku requires TLS; its certificates are not signed by a public authority, so
        V(require) (encrypted, certificate not verified) is what Heroku's own tools use.
    type: str
    choices: [require, verify-ca, verify-full]
    default: require
  connect_timeout:
    description:
      - Seconds to wait for the connection.
    type: int
    default: 10
  statement_timeout:
    description:
      - Seconds each query may take; a query that takes longer ends the inspection (see O(required)).
    type: float
    default: 30
  census:
    description:
      - Also count the rows of every table (V(rows)), and with V(checksum) digest their contents too (the sum of a
        64-bit hash of each row's text, independent of the rows' order), into RV(tables). A full read of every
        table; the migration roles take one of the old primary once writes have stopped, and one of the new, to
        prove it holds the same.
    type: str
    choices: [none, rows, checksum]
    default: none
  compare_with:
    description:
      - Another database to take the same census of first, in the same run, into RV(reference). The migration
        roles count the old primary with it, then the new one, once writes have stopped, and compare the two.
      - Needs O(census). O(required) applies to it too.
    type: dict
    suboptions:
      app:
        description:
          - Name or id of the app that database is attached to.
        type: str
        required: true
      database:
        description:
          - The database, in any form O(database) takes.
        type: str
        default: DATABASE_URL
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.attributes
  - herokuops.postgres.attributes.info_module
notes:
  - The connection goes from the host that runs the module (the controller, with a local connection) to the
    database's host, port 5432 or the one in the URL. Private Space and Shield databases accept connections only
    from inside their space (and trusted IP ranges).
"""

EXAMPLES = r"""
- name: Look inside the primary before choosing a method
  herokuops.postgres.heroku_pg_inspect:
    app: sushi
  register: inside

- name: Stop if a follower would lose unlogged rows
  ansible.builtin.assert:
    that: inside.unlogged_tables | length == 0
    fail_msg: "Unlogged tables: {{ inside.unlogged_tables | map(attribute='name') | join(', ') }}"
  when: inside.inspected
"""

RETURN = r"""
inspected:
  description: Whether the database could be inspected. When V(false), only RV(database) and RV(reason) are set.
  returned: always
  type: bool
  sample: true
reason:
  description: Why the database was not inspected (credentials never appear in it).
  returned: when not inspected
  type: str
  sample: "connection timeout expired"
database:
  description: The add-on name of the database inspected.
  returned: always
  type: str
  sample: postgresql-shaped-12345
server_version:
  description: The server's version, as PostgreSQL reports it.
  returned: when inspected
  type: str
  sample: "15.7"
size_bytes:
  description: The database's size (C(pg_database_size)).
  returned: when inspected
  type: int
  sample: 8388608
schemas:
  description: User schemas (not C(pg_catalog), C(information_schema), TOAST or temporary schemas).
  returned: when inspected
  type: int
  sample: 3
objects:
  description: Relations and functions in the user schemas, those created by extensions left out.
  returned: when inspected
  type: int
  sample: 42
upgrade_limits:
  description: The limits pg:upgrade is documented to fail beyond (out of memory).
  returned: when inspected
  type: dict
  sample: {"schemas": 1000, "objects": 10000}
over_upgrade_limits:
  description: The counts beyond those limits, as sentences; V([]) within them.
  returned: when inspected
  type: list
  elements: str
  sample: ["1204 schemas (the documented limit is 1,000)"]
unlogged_tables:
  description: Unlogged tables (and partitioned tables), with their exact rows and total size in bytes.
  returned: when inspected
  type: list
  elements: dict
  sample: [{"schema": "public", "name": "sessions", "rows": 1000, "bytes": 106496}]
tables_without_key:
  description:
    - Permanent tables without a primary key whose replica identity is DEFAULT or NOTHING, with their total size in
      bytes. Logical replication (the streaming migration to Advanced) cannot carry their UPDATE and DELETE; a table
      with REPLICA IDENTITY FULL or USING INDEX is not listed.
  returned: when inspected
  type: list
  elements: dict
  sample: [{"schema": "public", "name": "audit", "bytes": 16384}]
  version_added: 0.2.0
extensions:
  description: Installed extensions and their versions (C(plpgsql) left out).
  returned: when inspected
  type: list
  elements: dict
  sample: [{"name": "hstore", "version": "1.8"}]
logical_replication_slots:
  description: Logical replication slots of this database; a promoted follower or a copy does not have them.
  returned: when inspected
  type: list
  elements: dict
  sample: [{"name": "debezium", "plugin": "pgoutput"}]
publications:
  description: Names of the publications.
  returned: when inspected
  type: list
  elements: str
  sample: [outbox]
subscriptions:
  description: Names of the subscriptions of this database.
  returned: when inspected
  type: list
  elements: str
  sample: []
tables:
  description: The census of every table (leaf tables; a partitioned table's rows are its partitions'), by C(schema.table).
  returned: when inspected and O(census) is not V(none)
  type: dict
  sample: {"public.orders": {"rows": 1000, "unlogged": false, "checksum": "-1234567890123"}}
reference:
  description:
    - The census of O(compare_with), taken before this database's. RV(reference.tables) is set when it was
      inspected, RV(reference.reason) when it was not.
  returned: when O(compare_with) is set
  type: dict
  sample: {"database": "postgresql-shaped-12345", "inspected": true, "tables": {"public.orders": {"rows": 1000,
           "unlogged": false, "checksum": null}}}
  contains:
    database:
      description: The add-on name of O(compare_with).
      type: str
      returned: always
    inspected:
      description: Whether it could be inspected.
      type: bool
      returned: always
    tables:
      description: Its census, as RV(tables).
      type: dict
      returned: when inspected
    reason:
      description: Why it was not inspected.
      type: str
      returned: when not inspected
large_objects:
  description: Number of large objects.
  returned: when inspected
  type: int
  sample: 0
api_calls:
  description: The Heroku API calls made, in order. Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/actions/addon-attachments/resolve", "host": "platform", "status": 200,
            "duration": 0.05, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from functools import partial

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.herokuops.postgres.plugins.module_utils._census import census

from ansible_collections.herokuops.postgres.plugins.module_utils._inspect import (
    HAS_PSYCOPG,
    PSYCOPG_IMPORT_ERROR,
    InspectError,
    connect,
    inspect,
)
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule


def look(module, app, database, counted):
    """(add-on name, what inspect() found or None, why not)."""
    params = module.params
    attachment = module.resolve(app, database)
    name = attachment["addon"]["name"]
    url = module.database_url(attachment)
    try:
        with connect(url, params["sslmode"], params["connect_timeout"], params["statement_timeout"]) as connection:
            return name, inspect(connection, url, counted), None
    except InspectError as exc:
        if params["required"]:
            module.refuse(f"Inspecting {name} failed: {exc}", database=name, inspected=False)
        return name, None, str(exc)


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str", "default": "DATABASE_URL"},
            "required": {"type": "bool", "default": False},
            "sslmode": {"type": "str", "choices": ["require", "verify-ca", "verify-full"], "default": "require"},
            "connect_timeout": {"type": "int", "default": 10},
            "statement_timeout": {"type": "float", "default": 30},
            "census": {"type": "str", "choices": ["none", "rows", "checksum"], "default": "none"},
            "compare_with": {"type": "dict", "options": {
                "app": {"type": "str", "required": True},
                "database": {"type": "str", "default": "DATABASE_URL"},
            }},
        },
    )
    params = module.params
    if not HAS_PSYCOPG:
        module.module.fail_json(msg=missing_required_lib("psycopg"), exception=PSYCOPG_IMPORT_ERROR)
    if params["compare_with"] and params["census"] == "none":
        module.refuse("compare_with needs a census (census=rows or census=checksum) to compare.")
    counted = partial(census, checksum=params["census"] == "checksum") if params["census"] != "none" else None
    result = {}
    if params["compare_with"]:
        other = params["compare_with"]
        name, found, reason = look(module, other["app"], other["database"], counted)
        result["reference"] = {"database": name, "inspected": found is not None,
                               **({"tables": found["tables"]} if found else {"reason": reason})}
    name, found, reason = look(module, params["app"], params["database"], counted)
    if found is None:
        module.exit(database=name, inspected=False, reason=reason, **result)
    module.exit(database=name, inspected=True, **found, **result)


if __name__ == "__main__":
    main()
