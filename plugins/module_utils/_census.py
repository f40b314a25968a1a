# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The proof that a new primary holds what the old one held: a census of every table (exact rows, and with
`checksum` a digest of the rows' contents), taken once writes have stopped, and the differences of two censuses.
"""

from __future__ import annotations

__metaclass__ = type

try:
    from psycopg import sql
except ImportError:
    pass  # _inspect reports psycopg missing before any census is taken

from ._inspect import USER_SCHEMA

# Leaf tables only: a partitioned table's rows are its partitions' (counted once, there).
_TABLES = ("SELECT n.nspname, c.relname, c.relpersistence = 'u' FROM pg_class c JOIN pg_namespace n ON n.oid ="
           f" c.relnamespace WHERE c.relkind = 'r' AND {USER_SCHEMA} ORDER BY 1, 2")
# Order-independent: the sum of a 64-bit hash of each row's text (hash functions are stable across major versions,
# as hash partitioning needs). NULL for an empty table, hence coalesce.
_CHECKSUM = "SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text FROM {} t"
_ROWS = "SELECT count(*), NULL FROM {} t"


def census(cursor, checksum=False):
    """{"schema.table": {"rows": n, "unlogged": bool, "checksum": str or None}} of every table."""
    tables = cursor.execute(_TABLES).fetchall()
    found = {}
    for schema, table, is_unlogged in tables:
        query = sql.SQL(_CHECKSUM if checksum else _ROWS).format(sql.Identifier(schema, table))
        rows, digest = cursor.execute(query).fetchone()
        found[f"{schema}.{table}"] = {"rows": rows, "unlogged": is_unlogged, "checksum": digest}
    return found


def differences(before, after, expected_empty=()):
    """Sentences, one per table of `before` whose rows (or checksum, where both have one) differ in `after`.

    expected_empty: tables the method is known to leave empty (unlogged tables after a follower, accepted)."""
    found = []
    for table, old in sorted(before.items()):
        new = after.get(table)
        if new is None:
            found.append(f"{table} is missing ({old['rows']} rows before)")
        elif table in expected_empty and new["rows"] == 0:
            continue
        elif new["rows"] != old["rows"]:
            why = " (unlogged: a follower never has its rows)" if old["unlogged"] and not new["rows"] else ""
            found.append(f"{table} has {new['rows']} rows, {old['rows']} before{why}")
        elif old["checksum"] is not None and new["checksum"] is not None and new["checksum"] != old["checksum"]:
            found.append(f"{table} has the same {old['rows']} rows, but their contents differ (checksum)")
    return found
