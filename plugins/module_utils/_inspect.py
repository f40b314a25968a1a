# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""A read-only look inside a database (psycopg): what only the database can tell before a migration.

Unlogged tables (never written to the WAL, so a follower never has their rows), the counts pg:upgrade's
documented limits speak of, and what a cutover breaks (replication slots, publications, subscriptions).
"""

from __future__ import annotations

__metaclass__ = type

import re
import traceback

try:
    import psycopg
    from psycopg import sql
except ImportError:
    HAS_PSYCOPG, PSYCOPG_IMPORT_ERROR = False, traceback.format_exc()
else:
    HAS_PSYCOPG, PSYCOPG_IMPORT_ERROR = True, None

# 002 A: pg:upgrade "may fail out of memory with more than 1,000 schemas or 10,000 objects: test it first".
UPGRADE_LIMITS = {"schemas": 1000, "objects": 10000}

USER_SCHEMA = ("n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
               "AND n.nspname NOT LIKE 'pg\\_temp\\_%'")
# Objects: the relations (tables, indexes, sequences, views, types' relations) and functions of the user's schemas,
# those an extension created left out: pg_upgrade dumps and restores each of them (an extension is one statement).
_NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = {catalog}::regclass AND d.objid = {oid}" \
                        " AND d.deptype = 'e')"
QUERIES = {
    "server_version": "SELECT current_setting('server_version')",
    "size_bytes": "SELECT pg_database_size(current_database())",
    "schemas": f"SELECT count(*) FROM pg_namespace n WHERE {USER_SCHEMA}",
    "objects": "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
               f"{USER_SCHEMA} AND {_NOT_EXTENSION_MEMBER.format(catalog=repr('pg_class'), oid='c.oid')})"
               " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE "
               f"{USER_SCHEMA} AND {_NOT_EXTENSION_MEMBER.format(catalog=repr('pg_proc'), oid='p.oid')})",
    "large_objects": "SELECT count(*) FROM pg_largeobject_metadata",
}
LISTS = {
    "unlogged_tables": "SELECT n.nspname, c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n"
                       f" ON n.oid = c.relnamespace WHERE c.relpersistence = 'u' AND c.relkind IN ('r', 'p')"
                       f" AND {USER_SCHEMA} ORDER BY 1, 2",
    # Permanent tables whose UPDATE and DELETE logical replication cannot identify: replica identity NOTHING, or
    # DEFAULT without a primary key.
    "tables_without_key": "SELECT n.nspname, c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace"
                          " n ON n.oid = c.relnamespace WHERE c.relpersistence = 'p' AND c.relkind = 'r' AND"
                          " (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i"
                          f" WHERE i.indrelid = c.oid AND i.indisprimary))) AND {USER_SCHEMA} ORDER BY 1, 2",
    "extensions": "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
    "logical_replication_slots": "SELECT slot_name, plugin FROM pg_replication_slots WHERE slot_type = 'logical'"
                                 " AND database = current_database() ORDER BY 1",
    "publications": "SELECT pubname FROM pg_publication ORDER BY 1",
    "subscriptions": "SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname ="
                     " current_database()) ORDER BY 1",
}


class InspectError(Exception):
    """The database could not be inspected. str() never contains a credential."""


def scrub(text, url):
    """text without the URL's user, password and the URL itself (psycopg's messages name the user)."""
    match = re.match(r"^[a-z]+://(?P<user>[^:@/]*)(?::(?P<password>[^@/]*))?@", url or "")
    for secret in (url, match and match["password"], match and match["user"]):
        if secret:
            text = text.replace(secret, "***")
    return text


def connect(url, sslmode, connect_timeout, statement_timeout):
    """A read-only session on the database at url (TLS as sslmode says; Heroku requires it)."""
    options = f"-c statement_timeout={int(statement_timeout * 1000)} -c default_transaction_read_only=on"
    try:
        connection = psycopg.connect(url, sslmode=sslmode, connect_timeout=connect_timeout, options=options,
                                     autocommit=True, application_name="herokuops.postgres inspect")
    except psycopg.Error as exc:
        raise InspectError(scrub(str(exc).strip(), url)) from None
    connection.read_only = True
    return connection


def inspect(connection, url="", census=None):
    """What the database holds, as a dict of plain data; census(cursor), if given, adds `tables`. Raises InspectError
    (a query refused or timed out)."""
    try:
        with connection.cursor() as cursor:
            tables = census(cursor) if census else None
            found = {key: cursor.execute(query).fetchone()[0] for key, query in QUERIES.items()}
            rows = {key: cursor.execute(query).fetchall() for key, query in LISTS.items()}
            unlogged = []
            for schema, table, size in rows["unlogged_tables"]:
                count = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
                unlogged.append({"schema": schema, "name": table, "rows": cursor.execute(count).fetchone()[0],
                                 "bytes": size})
    except psycopg.Error as exc:
        raise InspectError(scrub(str(exc).strip(), url)) from None
    over = [f"{found[key]} {key} (the documented limit is {limit:,})"
            for key, limit in UPGRADE_LIMITS.items() if found[key] > limit]
    return {
        **found,
        "unlogged_tables": unlogged,
        "tables_without_key": [{"schema": schema, "name": name, "bytes": size}
                               for schema, name, size in rows["tables_without_key"]],
        "extensions": [{"name": name, "version": version} for name, version in rows["extensions"]],
        "logical_replication_slots": [{"name": name, "plugin": plugin}
                                      for name, plugin in rows["logical_replication_slots"]],
        "publications": [name for (name,) in rows["publications"]],
        "subscriptions": [name for (name,) in rows["subscriptions"]],
        "upgrade_limits": dict(UPGRADE_LIMITS),
        "over_upgrade_limits": over,
        **({"tables": tables} if census else {}),
    }
