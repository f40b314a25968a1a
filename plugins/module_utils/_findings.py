# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""What the plan makes of a look inside the database (heroku_pg_inspect): refusals, a method that keeps unlogged
tables, the plan's lines and follow-ups. No HTTP and no SQL: the caller passes what the inspection returned.

`inside` is heroku_pg_inspect's result (inspected or not), or None when the inspection was skipped.
"""

from __future__ import annotations

__metaclass__ = type

# Methods whose new primary was a follower: PostgreSQL never writes unlogged tables to the WAL, so it has them empty.
# addons:upgrade on Standard and above prepares its replacement as a follower too. Logical replication (the streaming
# migration to Advanced) never sends their rows either.
LOSES_UNLOGGED = ("follower_changeover", "pg_upgrade/follower", "addons_upgrade/standard", "advanced_migration/streaming")
_STREAMING = "advanced_migration/streaming"
_KB = 1024


def unlogged(inside):
    return (inside or {}).get("unlogged_tables") or []


def keyless(inside):
    """Tables without a primary key or replica identity: logical replication cannot carry their UPDATE and DELETE."""
    return (inside or {}).get("tables_without_key") or []


def describe_keyless(tables):
    return ", ".join(f"{t['schema']}.{t['name']} ({_size(t['bytes'])})" for t in tables)


def streaming_ruled_out(inside, options):
    """Why a streaming migration to Advanced cannot be used on this database (None when nothing rules it out): what
    the auto choice says when it takes the snapshot instead."""
    why = []
    if loses_unlogged(_STREAMING, inside, options):
        why.append(f"unlogged tables ({describe_tables(unlogged(inside))}), whose rows logical replication never sends")
    if keyless(inside):
        why.append(f"tables without a primary key or replica identity ({describe_keyless(keyless(inside))}), whose"
                   " UPDATE and DELETE logical replication cannot carry")
    return " and ".join(why) or None


def _size(num_bytes):
    return f"{num_bytes / _KB / _KB:.1f} MB" if num_bytes >= _KB * _KB else f"{num_bytes / _KB:.0f} kB"


def describe_tables(tables):
    return ", ".join(f"{t['schema']}.{t['name']} ({t['rows']} rows, {_size(t['bytes'])})" for t in tables)


def method_key(method, variant):
    """method/variant, as the state machine's table (_phases.METHODS) names a method: pg_upgrade/follower."""
    return method + ("/" + variant if variant else "")


def accepted_empty(plan):
    """The tables (schema.table) the plan accepted to find empty on the new primary: its unlogged tables, when its
    method's new primary was a follower."""
    key = method_key(plan["method"], plan.get("variant"))
    return [f"{t['schema']}.{t['name']}" for t in unlogged(plan.get("inside"))] if key in LOSES_UNLOGGED else []


def loses_unlogged(key, inside, options):
    """Whether the method (key: method/variant) would empty unlogged tables the user has not accepted to lose."""
    return key in LOSES_UNLOGGED and bool(unlogged(inside)) and not options.get("accept_unlogged_loss")


def errors(key, name, inside, options):
    """Refusals from what the inspection found (or could not find) for the method `key` on database `name`."""
    found = []
    if key == _STREAMING and loses_unlogged(key, inside, options):
        found.append(
            f"{name} has unlogged tables: {describe_tables(unlogged(inside))}. Logical replication never sends their"
            " rows, so the streaming migration would leave them empty on the Advanced database. Use"
            " advanced_method=snapshot (or auto), which keeps them, or accept the loss with accept_unlogged_loss=true.")
    elif loses_unlogged(key, inside, options):
        found.append(
            f"{name} has unlogged tables: {describe_tables(unlogged(inside))}. PostgreSQL never writes them to the"
            f" WAL, so the new primary of {key.replace('/', ' (') + (')' if '/' in key else '')} (a follower) would"
            " have them empty. Use method=pg_copy (or pg_upgrade of the database itself), or accept the loss with"
            " accept_unlogged_loss=true.")
    if key == _STREAMING and keyless(inside):
        found.append(
            f"{name} has tables without a primary key or replica identity: {describe_keyless(keyless(inside))}."
            " Logical replication cannot carry their UPDATE and DELETE: with a publication of every table, PostgreSQL"
            " refuses them on the source while the migration streams (the apps' writes to these tables would fail),"
            " and Heroku's preassessment flags them. Give each a primary key (or ALTER TABLE ... REPLICA IDENTITY"
            " FULL), or use advanced_method=snapshot (or auto).")
    over = (inside or {}).get("over_upgrade_limits") or []
    if key.startswith("pg_upgrade") and over and not options.get("upgrade_tested"):
        found.append(
            f"{name} has {' and '.join(over)}: pg:upgrade may fail out of memory beyond these (002 A). Test it first"
            " (heroku pg:upgrade:dryrun, or an upgrade of a fork), then set upgrade_tested=true; or use method=pg_copy.")
    return found


def summary_line(inside):
    """The plan's line on the inspection, or None when it was skipped."""
    if inside is None:
        return None
    if not inside.get("inspected"):
        return f"Inside the database: not inspected ({inside.get('reason')})."
    parts = [f"{_size(inside['size_bytes'])}, {inside['schemas']} schemas, {inside['objects']} objects"]
    parts.append(f"unlogged tables: {describe_tables(unlogged(inside)) or 'none'}")
    if keyless(inside):
        parts.append(f"tables without a primary key: {describe_keyless(keyless(inside))}")
    if inside.get("extensions"):
        parts.append("extensions: " + ", ".join(f"{e['name']} {e['version']}" for e in inside["extensions"]))
    if inside.get("large_objects"):
        parts.append(f"{inside['large_objects']} large objects")
    return f"Inside the database: {'; '.join(parts)}."


def follow_ups(key, name, new, inside, options):
    """Manual follow-ups from the inspection: what the cutover breaks, and what could not be checked."""
    if inside is None:
        return []
    if not inside.get("inspected"):
        return [f"{name} could not be inspected ({inside.get('reason')}): check yourself for unlogged tables (a"
                " follower never receives their rows) and, for pg:upgrade, the numbers of schemas and objects."]
    texts = []
    if key in LOSES_UNLOGGED and unlogged(inside):
        texts.append(f"Unlogged tables will be empty on {new} (accepted with accept_unlogged_loss=true):"
                     f" {describe_tables(unlogged(inside))}.")
    if key.startswith("pg_upgrade") and inside.get("over_upgrade_limits") and options.get("upgrade_tested"):
        texts.append(f"{name} is beyond pg:upgrade's documented limits ({' and '.join(inside['over_upgrade_limits'])});"
                     " tested first, as upgrade_tested=true says.")
    slots = inside.get("logical_replication_slots") or []
    if slots:
        texts.append(f"Logical replication slots on {name} ({', '.join(s['name'] for s in slots)}) do not survive the"
                     f" migration: re-create them on {new} and re-point their consumers.")
    if inside.get("publications") and new != name:
        texts.append(f"Subscribers of the publications of {name} ({', '.join(inside['publications'])}) must be"
                     f" re-pointed to {new}.")
    if inside.get("subscriptions"):
        texts.append(f"Subscriptions of {name} ({', '.join(inside['subscriptions'])}): check on {new} that they are"
                     " enabled and replicating (their slots live on the publishers).")
    return texts
