# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the plan makes of a look inside the database, as tables: every method against unlogged tables, pg:upgrade's
limits, an inspection that could not connect or was skipped, and the follow-ups (the SQL side is tested against
real PostgreSQL in tests/integration/test_heroku_pg_inspect.py)."""

from __future__ import annotations

import pytest
from ansible_collections.herokuops.postgres.plugins.module_utils import _plan
from test_plan import NOW, OLD, database, options

SESSIONS = {"schema": "public", "name": "sessions", "rows": 1000, "bytes": 106496}


def inside(**more):
    return {"inspected": True, "database": OLD, "server_version": "15.7", "size_bytes": 50 * 2 ** 20, "schemas": 1,
            "objects": 12, "over_upgrade_limits": [], "unlogged_tables": [], "extensions": [],
            "logical_replication_slots": [], "publications": [], "subscriptions": [], "large_objects": 0,
            "api_calls": [], "changed": False, **more}


def plan_with(found, db=None, **request):
    migration = request.pop("migration", "change_pg_plan")
    return _plan.plan(options(migration, **request), [db or database()], NOW, found)


UNLOGGED = inside(unlogged_tables=[SESSIONS])
# (migration, old plan, request) -> the method a database with unlogged tables gets, or the refusal's start
UNLOGGED_CASES = [
    # auto: pg:copy where its choice would lose them and a copy applies
    ("change_pg_plan", "standard-0", {}, "pg_copy", None),
    ("change_pg_plan", "standard-2", {}, "pg_copy", None),  # same plan: a follower changeover otherwise
    ("upgrade_pg", "standard-0", {"target_plan": "standard-2"}, "pg_copy", None),
    # auto's choice keeps them: unchanged
    ("upgrade_pg", "standard-0", {}, "pg_upgrade", None),  # direct: the database itself is upgraded
    ("upgrade_pg", "essential-0", {}, "pg_upgrade", None),
    ("change_pg_plan", "essential-0", {"target_plan": "essential-1"}, "addons_upgrade", None),
    # explicit methods that lose them: refused
    ("change_pg_plan", "standard-0", {"method": "follower_changeover"}, None, "has unlogged tables: public.sessions"
     " (1000 rows, 104 kB). PostgreSQL never writes them to the WAL, so the new primary of follower_changeover"),
    ("change_pg_plan", "standard-0", {"method": "addons_upgrade"}, None, "the new primary of addons_upgrade (standard)"),
    ("upgrade_pg", "standard-0", {"method": "pg_upgrade", "pg_upgrade_variant": "follower"}, None,
     "the new primary of pg_upgrade (follower)"),
    # no copy to fall back to: refused
    ("migrate_to_private_space", "standard-0", {"target_plan": "private-0", "target_app": "sushi-ps"}, None,
     "the new primary of follower_changeover"),
    ("change_pg_plan", "standard-0", {"copy_max_bytes": 1000}, None, "the new primary of addons_upgrade (standard)"),
    ("change_pg_plan", "shield-0", {"target_plan": "shield-2"}, None, "the new primary of addons_upgrade (standard)"),
]


@pytest.mark.parametrize("migration, old_plan, request_, method, refusal", UNLOGGED_CASES)
def test_unlogged_tables(migration, old_plan, request_, method, refusal):
    plan, errors = plan_with(UNLOGGED, database(old_plan), migration=migration, **request_)
    if refusal:
        assert plan is None and refusal in " ".join(errors), errors
        assert "accept the loss with accept_unlogged_loss=true" in errors[0]
        # Accepted: planned as asked, the loss named in the follow-ups
        accepted, errors = plan_with(UNLOGGED, database(old_plan), migration=migration, accept_unlogged_loss=True,
                                     **request_)
        assert errors == [] and any(t.startswith("Unlogged tables will be empty on") and "public.sessions" in t
                                    for t in accepted["manual_follow_ups"])
    else:
        assert errors == [] and plan["method"] == method, errors
        assert ("Yet postgresql-lavender-12345 has unlogged tables" in plan["reason"]) == (method == "pg_copy")
        assert not any(t.startswith("Unlogged tables will be empty") for t in plan["manual_follow_ups"])


@pytest.mark.parametrize("found", [inside(), None, {"inspected": False, "database": OLD, "reason": "timeout"}])
def test_no_unlogged_table_found_changes_nothing(found):
    plan, errors = plan_with(found)
    assert errors == [] and (plan["method"], plan["variant"]) == ("addons_upgrade", "standard")


def test_an_empty_unlogged_table_still_counts():
    """Empty at preflight says nothing of the window: a cache or session table fills up meanwhile."""
    empty = inside(unlogged_tables=[{**SESSIONS, "rows": 0}])
    assert plan_with(empty, method="follower_changeover")[0] is None


OVER = inside(schemas=1204, over_upgrade_limits=["1204 schemas (the documented limit is 1,000)"])


@pytest.mark.parametrize("db, request_, refused", [
    (database(), {"migration": "upgrade_pg"}, True),  # direct
    (database("essential-0"), {"migration": "upgrade_pg"}, True),  # in place
    (database(), {"migration": "upgrade_pg", "target_plan": "standard-2"}, True),  # follower
    (database(), {"migration": "upgrade_pg", "upgrade_tested": True}, False),
    (database(), {"migration": "upgrade_pg", "method": "pg_copy"}, False),
    (database(), {}, False),  # addons:upgrade: no pg:upgrade
])
def test_upgrade_limits(db, request_, refused):
    plan, errors = plan_with(OVER, db, **request_)
    if refused:
        assert plan is None and errors == [
            f"{OLD} has 1204 schemas (the documented limit is 1,000): pg:upgrade may fail out of memory beyond these"
            " (002 A). Test it first (heroku pg:upgrade:dryrun, or an upgrade of a fork), then set"
            " upgrade_tested=true; or use method=pg_copy."]
    else:
        assert errors == []
        tested = any("tested first, as upgrade_tested=true says" in t for t in plan["manual_follow_ups"])
        assert tested == bool(request_.get("upgrade_tested"))


def test_what_the_plan_says_of_the_inspection():
    found = inside(unlogged_tables=[SESSIONS], extensions=[{"name": "hstore", "version": "1.8"}], large_objects=2,
                   logical_replication_slots=[{"name": "debezium", "plugin": "pgoutput"}], publications=["outbox"],
                   subscriptions=["feed"], tables_without_key=[{"schema": "public", "name": "audit", "bytes": 16384}])
    plan, errors = plan_with(found, method="pg_copy")
    assert errors == [] and "api_calls" not in plan["inside"] and plan["inside"]["unlogged_tables"] == [SESSIONS]
    lines = _plan.summary(plan)
    assert ("Inside the database: 50.0 MB, 1 schemas, 12 objects; unlogged tables: public.sessions (1000 rows, 104 kB);"
            " tables without a primary key: public.audit (16 kB); extensions: hstore 1.8; 2 large objects.") in lines
    new = plan["new_database"]
    follow_ups = plan["manual_follow_ups"]
    assert (f"Logical replication slots on {OLD} (debezium) do not survive the migration: re-create them on {new} and"
            " re-point their consumers.") in follow_ups
    assert f"Subscribers of the publications of {OLD} (outbox) must be re-pointed to {new}." in follow_ups
    assert any(t.startswith(f"Subscriptions of {OLD} (feed): check on {new}") for t in follow_ups)


def test_not_inspected_is_said_in_the_plan():
    plan, errors = plan_with({"inspected": False, "database": OLD, "reason": "connection timeout expired"})
    assert errors == []
    assert "Inside the database: not inspected (connection timeout expired)." in _plan.summary(plan)
    assert any(t.startswith(f"{OLD} could not be inspected (connection timeout expired): check yourself for unlogged")
               for t in plan["manual_follow_ups"])


def test_skipped_says_nothing():
    plan = plan_with(None)[0]
    assert plan["inside"] is None and not any(line.startswith("Inside") for line in _plan.summary(plan))
