# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The planning, as tables: the method each request gets and why, every refusal, the id, the owner of the new
database, and the words of the plan (its use by the preflight role is covered by tests/integration)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from ansible_collections.herokuops.postgres.plugins.filter import migration_plan as filters
from ansible_collections.herokuops.postgres.plugins.module_utils import _plan

NOW = datetime(2026, 12, 4, 16, 30, 5, tzinfo=timezone.utc)
OLD, WHITE = "postgresql-lavender-12345", "postgresql-white-22222"
TIERS = {"mini": "legacy_essential", "basic": "legacy_essential", "essential": "essential", "standard": "standard",
         "premium": "premium", "private": "private", "shield": "shield"}


def att(app, name, namespace=None):
    return {"app": app, "name": name, "namespace": namespace}


def database(plan="standard-0", name=OLD, app="sushi", attachments=None, primary=True, **more):
    """A heroku_pg_info entry, as seen from sushi."""
    return {"addon_id": f"{name}-id", "name": name, "app": app, "plan": plan, "tier": TIERS[plan.split("-")[0]],
            "provisioned": True, "status": "Available", "waiting": False, "version": "15.7", "num_bytes": 50 * 2 ** 20,
            "num_tables": 3, "primary": primary, "config_vars": ["DATABASE_URL"],
            "attachments": [att("sushi", "DATABASE")] if attachments is None else attachments, "pools": [],
            "following": False, "leader": None, "behind_by": None, "followers": [], "forked_from": None, "info": [],
            **more}


def options(migration="change_pg_plan", **more):
    return {"migration": migration, "app": "sushi", "database": "DATABASE_URL", "method": "auto",
            "pg_upgrade_variant": "auto", "version": "16" if migration == "upgrade_pg" else "",
            "target_plan": "" if migration == "upgrade_pg" else "standard-2", "target_app": "",
            "supported_versions": [], "copy_max_bytes": 10737418240, "recreate_followers": False, **more}


def planned(request, databases=None):
    plan, errors = _plan.plan(request, [database()] if databases is None else databases, NOW)
    assert errors == [] and plan is not None, errors
    return plan


def refused(request, databases=None):
    plan, errors = _plan.plan(request, [database()] if databases is None else databases, NOW)
    assert plan is None and errors
    return " ".join(errors)


# (migration, plan of the old database, request) -> method, variant, the start of the reason
METHOD_CHOICES = [
    ("upgrade_pg", "mini", {}, "pg_copy", None, "mini and basic databases cannot use pg:upgrade"),
    ("upgrade_pg", "basic", {}, "pg_copy", None, "mini and basic databases cannot use pg:upgrade"),
    ("upgrade_pg", "essential-0", {}, "pg_upgrade", "in_place", "Essential databases are upgraded in place"),
    ("upgrade_pg", "essential-0", {"pg_upgrade_variant": "follower"}, "pg_upgrade", "in_place", "Essential databases"),
    ("upgrade_pg", "standard-0", {}, "pg_upgrade", "direct", "pg:upgrade is the recommended method (002 A). Direct method"),
    ("upgrade_pg", "standard-0", {"target_plan": "standard-0"}, "pg_upgrade", "direct", "pg:upgrade is the recommended"),
    ("upgrade_pg", "standard-0", {"target_plan": "standard-2"}, "pg_upgrade", "follower",
     "pg:upgrade is the recommended method (002 A). Follower method (002 A2)"),
    ("upgrade_pg", "premium-0", {"pg_upgrade_variant": "follower"}, "pg_upgrade", "follower", "pg:upgrade is the"),
    ("upgrade_pg", "standard-0", {"method": "pg_copy"}, "pg_copy", None, "Requested (method=pg_copy)."),
    ("upgrade_pg", "standard-0", {"method": "pg_upgrade", "pg_upgrade_variant": "direct"}, "pg_upgrade", "direct",
     "Requested (method=pg_upgrade). Direct method"),
    ("change_pg_plan", "standard-2", {}, "follower_changeover", None, "The same plan: a follower changeover"),
    ("change_pg_plan", "standard-0", {}, "addons_upgrade", "standard", "addons:upgrade is generally preferred"),
    ("change_pg_plan", "standard-0", {"target_plan": "premium-4"}, "addons_upgrade", "standard", "addons:upgrade is"),
    ("change_pg_plan", "essential-0", {"target_plan": "essential-1"}, "addons_upgrade", "essential", "addons:upgrade is"),
    ("change_pg_plan", "mini", {"target_plan": "essential-1"}, "addons_upgrade", "essential", "addons:upgrade is"),
    ("change_pg_plan", "standard-0", {"target_plan": "essential-1"}, "pg_copy", None,
     "Between the Essential tier and the others, pg:copy is the only way (003 B4)."),
    ("change_pg_plan", "essential-0", {"target_plan": "standard-0"}, "pg_copy", None, "Between the Essential tier"),
    ("change_pg_plan", "standard-0", {"target_plan": "private-0"}, "follower_changeover", None,
     "addons:upgrade cannot move a database between common_runtime and private_space plans; a follower changeover can"
     " (003 B3)."),
    ("change_pg_plan", "private-0", {"target_plan": "shield-0"}, "follower_changeover", None, "addons:upgrade cannot"),
    ("change_pg_plan", "standard-0", {"method": "follower_changeover"}, "follower_changeover", None, "Requested"),
    ("change_pg_plan", "standard-0", {"method": "pg_copy"}, "pg_copy", None, "Requested (method=pg_copy)."),
    ("migrate_to_private_space", "standard-0", {"target_plan": "private-2", "target_app": "sushi-ps"},
     "follower_changeover", None, "A move into a Private Space is a follower changeover across apps (000 C)."),
]


@pytest.mark.parametrize("migration, old_plan, request_, method, variant, reason", METHOD_CHOICES)
def test_the_method_and_why(migration, old_plan, request_, method, variant, reason):
    plan = planned(options(migration, **request_), [database(old_plan)])
    assert (plan["action"], plan["method"], plan["variant"]) == ("migrate", method, variant)
    assert plan["reason"].startswith(reason)
    follows = method == "follower_changeover" or variant == "follower"
    assert plan["new_database_follows"] is follows
    assert plan["creates_new_primary"] is (follows or method == "pg_copy")
    assert (plan["new_database"] is not None) is plan["creates_new_primary"]


# (migration, request, databases) -> every fragment the refusal must say
REFUSALS = [
    ("upgrade_pg", {"database": "tiny::DATABASE"}, None, ["The database is named on another app (tiny::DATABASE)"]),
    ("upgrade_pg", {"method": "addons_upgrade"}, None,
     ["method=addons_upgrade does not apply to upgrade_pg; use one of auto, pg_upgrade, pg_copy."]),
    ("migrate_to_private_space", {"method": "pg_copy", "target_plan": "private-2"}, None,
     ["method=pg_copy does not apply to migrate_to_private_space; use one of auto, follower_changeover."]),
    ("upgrade_pg", {"version": ""}, None, ["version is required: the major version to upgrade to, for example 16."]),
    ("upgrade_pg", {"version": "latest"}, None, ["version is required"]),
    ("change_pg_plan", {"target_plan": ""}, None, ["plan is required: the plan to move to"]),
    ("upgrade_pg", {"pg_upgrade_variant": "direct", "target_plan": "standard-2"}, None,
     ["pg_upgrade_variant=direct keeps the plan; use pg_upgrade_variant=follower (or pg_copy) to change the plan too."]),
    ("change_pg_plan", {"database": "HEROKU_POSTGRESQL_NOPE"}, None,
     [f"No database HEROKU_POSTGRESQL_NOPE on sushi (its databases: {OLD})."]),
    ("change_pg_plan", {}, [], ["No database DATABASE_URL on sushi (its databases: none)."]),
    ("change_pg_plan", {"database": "HEROKU_POSTGRESQL_WHITE"},
     [database(), database(name=WHITE, attachments=[att("sushi", "HEROKU_POSTGRESQL_WHITE")], primary=False,
                           following=True, leader={"addon_id": "x", "name": OLD})],
     [f"{WHITE} is a follower of {OLD}: migrate its leader."]),
    ("change_pg_plan", {}, [database(following=True)], [f"{OLD} is a follower of another database: migrate its leader."]),
    ("change_pg_plan", {}, [database(waiting=True, status="Preparing")], [f"{OLD} is not available (Preparing): wait"]),
    ("change_pg_plan", {}, [database(provisioned=False, status=None)], [f"{OLD} is not available (being created)"]),
    ("upgrade_pg", {"version": "14"}, None, [f"Version 14 is not newer than the version of {OLD} (15.7)."]),
    ("upgrade_pg", {"version": "17", "supported_versions": [15, 16]}, None,
     ["Version 17 is not one of the supported versions (15, 16)."]),
    ("change_pg_plan", {"target_plan": "gold-3"}, None,
     ["Unknown plan gold-3: expected essential-N, standard-N, premium-N, private-N or shield-N."]),
    ("upgrade_pg", {"method": "pg_upgrade"}, [database("mini")],
     [f"{OLD} is on the legacy mini plan: pg:upgrade refuses mini and basic; use method=pg_copy (002 A)."]),
    ("upgrade_pg", {"method": "pg_copy"}, [database("shield-0")],
     ["pg:copy is not available on Shield plans (no PGBackups): shield-0 to shield-0 (002 A)."]),
    ("upgrade_pg", {"method": "pg_copy", "copy_max_bytes": 1000}, None,
     [f"{OLD} holds 52428800 bytes: pg:copy is documented for databases under 1000 bytes (about 3 minutes per GB, all"
      " inside the window); use pg_upgrade."]),
    ("change_pg_plan", {"method": "pg_copy", "copy_max_bytes": 1000}, None, ["; use addons_upgrade or follower_changeover."]),
    ("change_pg_plan", {"method": "follower_changeover", "target_plan": "standard-0"}, [database("essential-0")],
     [f"Followers exist only on Standard, Premium, Private and Shield plans: {OLD} is on essential-0, so"
      " follower_changeover (follower) cannot be used; use pg_copy."]),
    ("upgrade_pg", {"method": "pg_upgrade", "target_plan": "essential-1"}, None,
     ["A follower cannot be on the essential-1 plan (followers exist only on Standard and above); use pg_copy."]),
    ("change_pg_plan", {"method": "addons_upgrade", "target_plan": "essential-0"}, None,
     [f"addons:upgrade cannot move {OLD} from standard-0 to essential-0 (another tier): use pg_copy (003 B)."]),
    ("change_pg_plan", {"method": "addons_upgrade", "target_plan": "private-0"}, None,
     ["(another tier): use follower_changeover (003 B)."]),
    ("migrate_to_private_space", {"target_app": "sushi-ps"}, None,
     ["A Private Space move needs a private-N or shield-N plan, not standard-2 (000 C)."]),
    ("change_pg_plan", {"method": "follower_changeover", "database": "HEROKU_POSTGRESQL_RED"},
     [database(attachments=[att("sushi", "HEROKU_POSTGRESQL_RED")], primary=False)],
     [f"{OLD} is the primary of no app, not of sushi: run against the app whose DATABASE_URL it is."]),
    ("change_pg_plan", {"method": "pg_copy", "database": "HEROKU_POSTGRESQL_RED", "target_app": "sushi-v2"},
     [database(attachments=[att("sushi", "HEROKU_POSTGRESQL_RED"), att("shop", "DATABASE")], primary=False)],
     [f"{OLD} is the primary of shop, not of sushi: run against the app whose DATABASE_URL it is."]),
]


@pytest.mark.parametrize("migration, request_, databases, fragments", REFUSALS)
def test_each_refusal_says_why(migration, request_, databases, fragments):
    message = refused(options(migration, **request_), databases)
    assert all(fragment in message for fragment in fragments), message


def test_the_refusals_of_one_request_come_together():
    message = refused(options("upgrade_pg", method="addons_upgrade", version="x", database="a::DATABASE"))
    assert message.count(". ") >= 2 and "does not apply" in message and "version is required" in message


def test_a_request_error_is_refused_before_heroku_is_read():
    named = filters.migration_request(options(target_plan=""), ["sushi.upgrade_pg.DATABASE.16"])
    assert named["errors"] == [
        "plan is required: the plan to move to, for example standard-2 or private-4.",
        "Migration sushi.upgrade_pg.DATABASE.16 of sushi stopped inside a maintenance window: re-run it with the same"
        " variables to finish it first."]


# (migration, old plan, request) -> the message of a plan with nothing to do
ALREADY = [
    ("upgrade_pg", "standard-0", {"version": "15"}, "already on PostgreSQL 15"),
    ("upgrade_pg", "standard-0", {"version": "15", "method": "pg_copy", "copy_max_bytes": 1}, "already on PostgreSQL 15"),
    ("change_pg_plan", "standard-2", {"method": "addons_upgrade"}, "already on standard-2"),
    ("change_pg_plan", "standard-2", {"method": "pg_copy"}, "already on standard-2"),
    ("migrate_to_private_space", "private-0", {"target_plan": "private-2"}, "already on a Private Space plan (private-0)"),
    ("migrate_to_private_space", "shield-0", {"target_plan": "shield-1"}, "already on a Private Space plan (shield-0)"),
]


@pytest.mark.parametrize("migration, old_plan, request_, message", ALREADY)
def test_nothing_to_do_when_the_database_already_is_what_was_asked_for(migration, old_plan, request_, message):
    plan = planned(options(migration, **request_), [database(old_plan)])
    assert (plan["action"], plan["message"]) == ("nothing_to_do", f"{OLD} is {message}")
    assert _plan.summary(plan) == [f"{plan['id']}: {OLD} is {message}."]


def test_the_same_plan_by_follower_changeover_is_new_hardware_not_nothing_to_do():
    plan = planned(options(method="follower_changeover"), [database("standard-2")])
    assert (plan["action"], plan["method"]) == ("migrate", "follower_changeover")


# request -> id (the state file's name): the same command line gives the same id, whatever Heroku says
IDS = [
    (options("upgrade_pg"), "sushi.upgrade_pg.DATABASE.16"),
    (options("upgrade_pg", version=""), "sushi.upgrade_pg.DATABASE."),
    (options(), "sushi.change_pg_plan.DATABASE.standard-2"),
    (options(target_plan="heroku-postgresql:standard-2"), "sushi.change_pg_plan.DATABASE.standard-2"),
    (options(database="HEROKU_POSTGRESQL_WHITE_URL"), "sushi.change_pg_plan.HEROKU_POSTGRESQL_WHITE.standard-2"),
    (options(target_app="sushi"), "sushi.change_pg_plan.DATABASE.standard-2"),
    (options("migrate_to_private_space", target_plan="private-2", target_app="sushi-ps"),
     "sushi.migrate_to_private_space.DATABASE.private-2.sushi-ps"),
    (options(app="shop-admin"), "shop-admin.change_pg_plan.DATABASE.standard-2"),
    (options(database="tiny::DATABASE"), "sushi.change_pg_plan.tiny_DATABASE.standard-2"),
]


@pytest.mark.parametrize("request_, migration_id", IDS)
def test_the_id_comes_from_the_request_alone(request_, migration_id):
    assert _plan.migration_id(request_) == filters.migration_request(request_)["id"] == migration_id


def test_the_request_is_what_a_re_run_must_repeat():
    assert _plan.request(options(target_plan="heroku-postgresql:standard-2", recreate_followers="true")) == {
        "method": "auto", "pg_upgrade_variant": "auto", "target_plan": "standard-2", "target_app": "sushi",
        "recreate_followers": "true"}


SHOP = "postgresql-shop-1"


def shop_database(attachments, primary=True):
    """shop's database, as seen from shop-admin, which has it attached too."""
    return database(name=SHOP, app="shop", attachments=attachments, primary=primary)


# (migration, app, request, attachments of the old database, primary on the app) -> target app, window apps,
# other attachments
OWNERS = [
    ("change_pg_plan", "shop-admin", {"method": "follower_changeover"},
     [att("shop", "DATABASE"), att("shop-admin", "DATABASE")], True, "shop", ["shop", "shop-admin"],
     [att("shop-admin", "DATABASE")]),
    ("change_pg_plan", "shop", {"method": "follower_changeover"},
     [att("shop", "DATABASE"), att("shop-admin", "DATABASE")], True, "shop", ["shop", "shop-admin"],
     [att("shop-admin", "DATABASE")]),
    ("upgrade_pg", "shop-admin", {"method": "pg_copy", "database": "SHOP_DB_URL"},
     [att("shop", "DATABASE"), att("shop-admin", "SHOP_DB")], False, "shop", ["shop", "shop-admin"],
     [att("shop-admin", "SHOP_DB")]),
    ("upgrade_pg", "shop-admin", {}, [att("shop", "DATABASE"), att("shop-admin", "DATABASE")], True, "shop",
     ["shop", "shop-admin"], []),
    ("change_pg_plan", "shop-admin", {"method": "pg_copy", "target_app": "shop-admin"},
     [att("shop", "HEROKU_POSTGRESQL_RED"), att("shop-admin", "DATABASE")], True, "shop-admin",
     ["shop", "shop-admin"], [att("shop", "HEROKU_POSTGRESQL_RED")]),
    ("migrate_to_private_space", "shop-admin", {"target_plan": "private-2", "target_app": "shop-ps"},
     [att("shop", "DATABASE"), att("shop-admin", "DATABASE")], True, "shop-ps", ["shop", "shop-admin", "shop-ps"], []),
    ("migrate_to_private_space", "shop-admin", {"target_plan": "private-2"},
     [att("shop", "DATABASE"), att("shop-admin", "DATABASE")], True, "shop-admin", ["shop", "shop-admin"], []),
]


@pytest.mark.parametrize("migration, app, request_, attachments, primary, target_app, window_apps, others", OWNERS)
def test_the_new_database_belongs_to_the_owner_of_the_old_one(migration, app, request_, attachments, primary, target_app,
                                                              window_apps, others):
    plan = planned(options(migration, app=app, **request_), [shop_database(attachments, primary)])
    assert (plan["app"], plan["target_app"], plan["window_apps"]) == (app, target_app, window_apps)
    assert plan["other_attachments"] == others
    if plan["creates_new_primary"]:
        assert plan["new_database"].startswith(f"{target_app}-") and f" on {target_app}" in plan["target"]["description"]
    # The id, and so the state file a re-run finds, is the command line's.
    assert plan["id"] == _plan.migration_id(options(migration, app=app, **request_)) and plan["id"].startswith(f"{app}.")


def test_a_database_that_is_not_the_primary_of_its_owner_is_refused_when_a_new_one_would_replace_it():
    old = shop_database([att("shop", "HEROKU_POSTGRESQL_RED"), att("shop-admin", "DATABASE")])
    assert refused(options(app="shop-admin", method="follower_changeover"), [old]) == (
        f"{SHOP} is the primary of shop-admin, not of shop, the app that owns it and would get the new database: set"
        " target_app=shop-admin to create the new database on shop-admin instead.")
    # Upgraded in place, nothing is promoted: no matter whose primary it is.
    assert planned(options("upgrade_pg", app="shop-admin"), [old])["method"] == "pg_upgrade"


def test_a_database_that_is_nobodys_primary_is_refused_when_a_new_one_would_replace_it():
    old = shop_database([att("shop", "HEROKU_POSTGRESQL_RED"), att("shop-admin", "SHOP_DB")], primary=False)
    assert refused(options(app="shop-admin", database="SHOP_DB", method="pg_copy"), [old]) == (
        f"{SHOP} is the primary of no app, not of shop: run against the app whose DATABASE_URL it is.")


FOLLOWER = database(name=WHITE, attachments=[att("sushi", "HEROKU_POSTGRESQL_WHITE")], primary=False, following=True,
                    leader={"addon_id": f"{OLD}-id", "name": OLD})
STANDARD = database(attachments=[att("sushi", "DATABASE"), att("sushi", "HEROKU_POSTGRESQL_LAVENDER"),
                                 att("sushi", "DATABASE_CONNECTION_POOL", "connection-pooling:default"),
                                 att("reports", "SUSHI_DB")],
                    followers=[WHITE, "postgresql-analytics-3"])
WINDOW_IN = ("Maintenance window on reports, sushi: record the formation of every app, turn maintenance mode on, scale"
             " every process type to 0.")
WINDOW_OUT = ("Restore the recorded formation of every app (process types that were at 0 stay at 0) and turn maintenance"
              " mode off.")
BEFORE = ("Before the window: disable the Heroku Scheduler jobs and pause the Heroku Connect syncs that write to"
          f" {OLD}, and stop autoscaling and one-off dynos (heroku run) on reports, sushi: scaling the formation to 0"
          " does not stop them. After the window, turn them back on.")


def test_the_words_of_a_follower_changeover():
    plan = planned(options(method="follower_changeover", recreate_followers=True), [STANDARD, FOLLOWER])
    new = "sushi-standard-2-261204163005"
    assert plan == {
        "id": "sushi.change_pg_plan.DATABASE.standard-2", "migration": "change_pg_plan", "action": "migrate",
        "message": "planned", "app": "sushi", "target_app": "sushi", "method": "follower_changeover", "variant": None,
        "reason": "Requested (method=follower_changeover).",
        "old_primary": {key: STANDARD[key] for key in ("name", "app", "plan", "tier", "version", "num_bytes",
                                                       "attachments", "pools", "followers")},
        "target": {"version": "15", "plan": "standard-2",
                   "description": f"PostgreSQL 15 on standard-2, new database {new} on sushi"},
        "new_database": new, "copy_max_bytes": 10737418240, "inside": None, "new_database_follows": True, "creates_new_primary": True,
        "window_apps": ["reports", "sushi"], "other_attachments": [att("reports", "SUSHI_DB")],
        "followers": [{"name": WHITE, "app": "sushi", "plan": "standard-0"}],
        "preparation": "hours with the app live (create the follower ideally 24 hours ahead); waited on up to"
                       " wait_timeout",
        "downtime": "under a minute at the switch (Heroku's estimate), plus the catch-up of the last commits",
        "steps": [
            f"Prepare while live: create follower {new} on standard-2 in sushi, following {OLD}; wait until it is"
            " available and within 200 commits.",
            WINDOW_IN,
            f"Wait until {new} is 0 commits behind; unfollow it; promote it to DATABASE_URL of sushi.",
            f"Post-cutover: attach {new} where {OLD} was attached on other apps (reports); check the connection pools;"
            f" verify that DATABASE_URL of sushi is {new}, available and not following, on standard-2.",
            WINDOW_OUT,
            f"After the window: create followers of {new} like those of {OLD} ({WHITE}).",
        ],
        "manual_follow_ups": [
            BEFORE,
            f"Applications outside Heroku that use the database URL must be given the new one (the config var of {new};"
            " it changes).",
            f"Re-assign the dataclips of {OLD} to {new} (dataclip recovery, or a support ticket).",
            f"Destroy {OLD} when satisfied, to stop paying for it: playbook herokuops.postgres.decommission_pg with"
            f" app=sushi database={OLD} confirm={OLD}.",
            f"Followers of {OLD} on other apps (postgresql-analytics-3) are not re-created: do it by hand.",
        ],
    }
    assert filters.migration_plan_summary(plan) == [
        "sushi.change_pg_plan.DATABASE.standard-2: planned.",
        f"Database: {OLD} of sushi, standard-0, PostgreSQL 15.7, 50.0 MB, followers: {WHITE}, postgresql-analytics-3.",
        "Method: follower_changeover. Requested (method=follower_changeover).",
        f"Target: PostgreSQL 15 on standard-2, new database {new} on sushi.",
        "Preparation: hours with the app live (create the follower ideally 24 hours ahead); waited on up to"
        " wait_timeout.",
        "Expected downtime: under a minute at the switch (Heroku's estimate), plus the catch-up of the last commits.",
        "Steps:",
    ] + [f"{number}. {step}" for number, step in enumerate(plan["steps"], 1)] + [
        "Manual follow-ups:"] + [f"- {text}" for text in plan["manual_follow_ups"]]


# (migration, old plan, request) -> steps, without the window's two, and the downtime
TEXTS = [
    ("upgrade_pg", "standard-0", {"target_plan": "standard-2"}, [
        "Prepare while live: create follower sushi-pg16-261204163005 on standard-2 in sushi, following"
        f" {OLD}; wait until it is available and within 200 commits.",
        "Wait until sushi-pg16-261204163005 is 0 commits behind; upgrade it to PostgreSQL 16 (pg:upgrade:run: it stops"
        " following, then upgrades); promote it to DATABASE_URL.",
        "Post-cutover: attach sushi-pg16-261204163005 where",
    ], "about 20 to 30 minutes (the upgrade of the follower; it varies with the number of objects)"),
    ("upgrade_pg", "standard-0", {}, [
        f"Prepare while live: pg:upgrade:prepare {OLD} to PostgreSQL 16; wait until the upgrade is scheduled.",
        "Run the prepared upgrade (pg:upgrade:run) and wait until it has finished; Heroku re-creates the followers.",
        f"Post-cutover: attach {OLD} where {OLD} was attached on other apps (reports); check the connection pools; verify"
        f" that DATABASE_URL of sushi is {OLD}, available and not following, on PostgreSQL 16.",
    ], "about 10 minutes (Heroku's estimate for the direct method; it varies with the number of objects)"),
    ("upgrade_pg", "essential-0", {}, [
        f"Upgrade {OLD} in place to PostgreSQL 16 (pg:upgrade:run) and wait until it has finished.",
        "Post-cutover:",
    ], "about 10 minutes (Heroku's estimate for the direct method; it varies with the number of objects)"),
    ("upgrade_pg", "standard-0", {"method": "pg_copy"}, [
        "Prepare while live: create sushi-pg16-261204163005 on standard-0 with PostgreSQL 16 in sushi; wait until it is"
        " available.",
        f"Copy {OLD} onto sushi-pg16-261204163005 (pg:copy); promote sushi-pg16-261204163005 to DATABASE_URL.",
        "Post-cutover:",
    ], "about 1 minute (about 3 minutes per GB; 0.05 GB)"),
    ("change_pg_plan", "standard-0", {}, [
        f"Prepare while live: addons:upgrade {OLD} to standard-2; wait until its data maintenance is ready.",
        "Run the data maintenance (data:maintenances:run) and wait until it has completed; Heroku re-points the"
        " followers.",
        "Post-cutover:",
    ], "under a minute at the switch (Heroku's estimate)"),
    ("change_pg_plan", "essential-0", {"target_plan": "essential-1"}, [
        f"addons:upgrade {OLD} to essential-1: Heroku changes it at once (read-only meanwhile); wait until it has"
        " finished.",
        "Post-cutover:",
    ], "a few minutes at most; Heroku changes the plan at once and the database is read-only meanwhile"),
]


@pytest.mark.parametrize("migration, old_plan, request_, steps, downtime", TEXTS)
def test_the_steps_and_the_downtime_of_each_method(migration, old_plan, request_, steps, downtime):
    old = {**STANDARD, "plan": old_plan, "tier": TIERS[old_plan.split("-")[0]], "followers": []}
    plan = planned(options(migration, **request_), [old])
    inside = [step for step in plan["steps"] if step not in (WINDOW_IN, WINDOW_OUT)]
    assert len(inside) == len(steps) and all(step.startswith(text) for step, text in zip(inside, steps)), inside
    assert WINDOW_IN in plan["steps"] and plan["steps"][-1] == WINDOW_OUT
    assert plan["downtime"] == downtime


def test_pg_copy_takes_three_minutes_a_gigabyte():
    plan = planned(options("upgrade_pg", method="pg_copy"), [database(num_bytes=int(2.5 * 2 ** 30))])
    assert plan["downtime"] == "about 8 minutes (about 3 minutes per GB; 2.50 GB)"
    assert "pg:copy copies only what the default credential can read: re-create the other credentials and their" \
           f" grants on {plan['new_database']}." in plan["manual_follow_ups"]


# request -> the follow-ups that depend on it (besides the two every plan has)
FOLLOW_UPS = [
    (options("upgrade_pg"), [
        "pg:upgrade may fail on more than 1,000 schemas or 10,000 objects: test it first (heroku pg:upgrade:dryrun, or a"
        " fork). Rails before 5.0 does not work with PostgreSQL 10 and later."]),
    (options(method="follower_changeover"), [
        f"Re-assign the dataclips of {OLD} to sushi-standard-2-261204163005 (dataclip recovery, or a support ticket).",
        f"Destroy {OLD} when satisfied, to stop paying for it: playbook herokuops.postgres.decommission_pg with app=sushi"
        f" database={OLD} confirm={OLD}.",
        f"Followers of {OLD} ({WHITE}, postgresql-analytics-3) do not follow sushi-standard-2-261204163005: re-create"
        " them (recreate_followers=true) and destroy the old ones."]),
    (options("migrate_to_private_space", target_plan="private-2", target_app="sushi-ps", recreate_followers="false"), [
        "Re-assign the dataclips of",
        "Destroy",
        f"Followers of {OLD} ({WHITE}, postgresql-analytics-3) do not follow",
        f"sushi still uses {OLD} as DATABASE: a Private Space database cannot be reached from there; move that app into"
        " the space too.",
        f"sushi still uses {OLD} as HEROKU_POSTGRESQL_LAVENDER: a Private Space",
        f"reports still uses {OLD} as SUSHI_DB: a Private Space"]),
]


@pytest.mark.parametrize("request_, follow_ups", FOLLOW_UPS)
def test_the_manual_follow_ups(request_, follow_ups):
    texts = planned(request_, [STANDARD, FOLLOWER])["manual_follow_ups"]
    assert texts[0].startswith("Before the window:") and texts[1].startswith("Applications outside Heroku")
    assert len(texts[2:]) == len(follow_ups) and all(t.startswith(f) for t, f in zip(texts[2:], follow_ups)), texts
    assert ("its credentials rotate" in texts[1]) is (request_["migration"] == "upgrade_pg")


def test_backups_of_an_essential_database_are_scheduled_again_after_leaving_the_tier():
    texts = planned(options(target_plan="standard-0"), [database("essential-0")])["manual_follow_ups"]
    assert "Backups scheduled on an Essential database are not carried over to standard-0: schedule them again (heroku" \
           " pg:backups:schedule)." in texts


def test_a_private_space_move_keeps_the_other_attachments_for_the_follow_ups():
    plan = planned(options("migrate_to_private_space", target_plan="private-2", target_app="sushi-ps"), [STANDARD])
    assert plan["other_attachments"] == [] and plan["window_apps"] == ["reports", "sushi", "sushi-ps"]
    assert plan["steps"][3] == ("Post-cutover: check the connection pools; verify that DATABASE_URL of sushi-ps is"
                                " sushi-ps-private-2-261204163005, available and not following, on private-2.")


# -- migrate_to_advanced (issue 14) ------------------------------------------------------------------------------
LEVEL = "4G-Performance"
CLEAN = {"inspected": True, "size_bytes": 1 << 20, "schemas": 1, "objects": 3, "unlogged_tables": []}
UNLOGGED = {**CLEAN, "unlogged_tables": [{"schema": "public", "name": "sessions", "rows": 10, "bytes": 8192}]}
KEYLESS = {**CLEAN, "tables_without_key": [{"schema": "public", "name": "audit", "bytes": 16384}]}
PG_POOL = att("sushi", "DATABASE_CONNECTION_POOL", "connection-pooling:default")


def advanced(**more):
    return options("migrate_to_advanced", **{"target_plan": "", "level": LEVEL, "advanced_method": "auto",
                                             "high_availability": True, "follower_pools": None, **more})


def advanced_plan(request, databases=None, inside=None):
    plan, errors = _plan.plan(request, [database()] if databases is None else databases, NOW, inside)
    return plan, errors


# (old plan, request, what the inspection found) -> variant, a fragment of the reason, the Advanced plan
ADVANCED_CHOICES = [
    ("standard-0", {}, None, "streaming", "Streaming (cdc): Heroku copies the database while live", "advanced"),
    ("premium-2", {}, None, "streaming", "Heroku's migration to Advanced (data:pg:migrate)", "advanced"),
    ("private-0", {}, None, "streaming", "minimal downtime", "advanced-private"),
    ("shield-0", {}, None, "streaming", "minimal downtime", "advanced-shield"),
    ("standard-0", {}, CLEAN, "streaming", "Nothing inside the database rules it out (no unlogged table, every table"
     " has a primary key or replica identity).", "advanced"),
    ("standard-0", {}, UNLOGGED, "snapshot", f"Snapshot, not streaming: {OLD} has unlogged tables (public.sessions"
     " (10 rows, 8 kB)), whose rows logical replication never sends; the snapshot (pg_dump) carries them.", "advanced"),
    ("standard-0", {"accept_unlogged_loss": True}, UNLOGGED, "streaming", "minimal downtime", "advanced"),
    ("standard-0", {}, KEYLESS, "snapshot", f"Snapshot, not streaming: {OLD} has tables without a primary key or"
     " replica identity (public.audit (16 kB)), whose UPDATE and DELETE logical replication cannot carry; the snapshot"
     " (pg_dump) carries them.", "advanced"),
    # Accepting the loss of unlogged rows does not make streaming carry a table without a key.
    ("standard-0", {"accept_unlogged_loss": True}, {**UNLOGGED, "tables_without_key": KEYLESS["tables_without_key"]}, "snapshot",
     "Snapshot, not streaming: postgresql-lavender-12345 has tables without a primary key", "advanced"),
    ("standard-0", {}, {**UNLOGGED, "tables_without_key": KEYLESS["tables_without_key"]}, "snapshot", "whose rows logical replication never sends and tables"
     " without a primary key or replica identity (public.audit (16 kB))", "advanced"),
    ("standard-0", {"advanced_method": "snapshot"}, CLEAN, "snapshot", "Snapshot (full-load)", "advanced"),
    ("standard-0", {"method": "advanced_migration", "advanced_method": "streaming"}, None, "streaming",
     "Requested (method=advanced_migration). Streaming (cdc)", "advanced"),
]


@pytest.mark.parametrize("old_plan, request_, inside, variant, reason, plan_name", ADVANCED_CHOICES)
def test_the_advanced_method_and_why(old_plan, request_, inside, variant, reason, plan_name):
    plan, errors = advanced_plan(advanced(**request_), [database(old_plan)], inside)
    assert errors == [], errors
    assert (plan["action"], plan["method"], plan["variant"], plan["advanced"]["method"]) == (
        "migrate", "advanced_migration", variant, variant)
    assert reason in plan["reason"], plan["reason"]
    assert plan["target"]["plan"] == plan_name and plan["new_database"] == f"sushi-{plan_name}-261204163005"
    assert (plan["creates_new_primary"], plan["new_database_follows"], plan["target_app"]) == (True, False, "sushi")


# (request, databases, inside) -> every fragment the refusal must say
ADVANCED_REFUSALS = [
    ({"level": ""}, None, None, ["level is required: the level of the Advanced database's leader"]),
    ({"advanced_method": "fast"}, None, None, ["advanced_method=fast is not known; use one of auto, snapshot, streaming."]),
    ({"target_plan": "standard-2"}, None, None, ["plan and target_app do not apply to migrate_to_advanced"]),
    ({"method": "pg_copy"}, None, None,
     ["method=pg_copy does not apply to migrate_to_advanced; use one of auto, advanced_migration."]),
    ({"follower_pools": "readers"}, None, None, ["follower_pools is a list of {name, count, level}"]),
    ({"follower_pools": [{"name": "Readers"}, {}]}, None, None,
     ["follower_pools names Readers, (no name): a pool's name is 3 to 32 lowercase letters and digits."]),
    ({"follower_pools": [{"name": "readers"}, {"name": "readers"}]}, None, None,
     ["follower_pools names readers more than once."]),
    ({"follower_pools": [{"name": "readers", "count": 0}]}, None, None, ["a pool's count is 1 to 13 instances."]),
    ({"follower_pools": [{"name": f"pool{n}"} for n in range(6)]}, None, None, ["an Advanced database has at most 5."]),
    ({}, [database("essential-0")], None,
     [f"{OLD} is on essential-0: Heroku migrates only classic Standard, Premium, Private and Shield databases to"
      " Advanced. Change its plan to Standard first: change_pg_plan.yml (for example -e app=sushi -e plan=standard-0)"]),
    ({}, [database("mini")], None, [f"{OLD} is on mini", "Change its plan to Standard first: change_pg_plan.yml"]),
    ({}, [database(attachments=[att("sushi", "DATABASE"), PG_POOL], pools=[PG_POOL])], None,
     [f"{OLD} has server-side connection pools (sushi::DATABASE_CONNECTION_POOL): Heroku Postgres Advanced does not"
      " support PgBouncer connection pooling", "detach them first"]),
    ({}, [database(followers=[WHITE])], None,
     [f"{OLD} has followers ({WHITE}), which the migration does not re-create", "follower_pools=[] to migrate without"]),
    ({}, [database(app="shop")], None,
     [f"{OLD} belongs to shop, not sushi: Heroku migrates a database into an Advanced database of the app that owns"
      " it. Run against shop (app=shop)."]),
    ({"database": "HEROKU_POSTGRESQL_WHITE"},
     [database(), database(name=WHITE, attachments=[att("sushi", "HEROKU_POSTGRESQL_WHITE")], primary=False,
                           following=True, leader={"addon_id": "x", "name": OLD})],
     None, [f"{WHITE} is a follower of {OLD}: migrate its leader."]),
    ({"advanced_method": "streaming"}, None, UNLOGGED,
     [f"{OLD} has unlogged tables: public.sessions (10 rows, 8 kB). Logical replication never sends their rows",
      "Use advanced_method=snapshot (or auto)", "accept_unlogged_loss=true"]),
    ({"advanced_method": "streaming", "accept_unlogged_loss": True}, None, KEYLESS,
     [f"{OLD} has tables without a primary key or replica identity: public.audit (16 kB). Logical replication cannot"
      " carry their UPDATE and DELETE", "Give each a primary key (or ALTER TABLE ... REPLICA IDENTITY FULL), or use"
      " advanced_method=snapshot (or auto)."]),
]


@pytest.mark.parametrize("request_, databases, inside, fragments", ADVANCED_REFUSALS)
def test_each_advanced_refusal_says_why(request_, databases, inside, fragments):
    plan, errors = advanced_plan(advanced(**request_), databases, inside)
    message = " ".join(errors)
    assert plan is None and all(fragment in message for fragment in fragments), message


def test_followers_are_left_behind_only_when_follower_pools_says_so():
    for pools, named in (([], "(no follower pools)"), ([{"name": "readers", "count": 2}], "(readers)")):
        plan, errors = advanced_plan(advanced(follower_pools=pools), [database(followers=[WHITE])])
        assert errors == [], errors
        assert plan["followers"] == [] and plan["advanced"]["follower_pools"] == [
            {"name": p["name"], "count": p["count"], "level": None} for p in pools]
        texts = "\n".join(plan["manual_follow_ups"])
        assert f"Followers of {OLD} ({WHITE}) are not migrated" in texts and named in texts, texts
        assert "recreate_followers" not in texts


def test_a_database_already_on_advanced_has_nothing_to_do():
    plan, errors = advanced_plan(advanced(), [{**database(), "plan": "advanced", "tier": "advanced"}])
    assert errors == [] and (plan["action"], plan["message"]) == ("nothing_to_do", f"{OLD} is already on Advanced (advanced)")


def test_the_advanced_id_request_and_words():
    request_ = advanced(high_availability="false", follower_pools=[{"name": "readers", "count": 1, "level": "8G-Performance"}])
    assert _plan.migration_id(request_) == filters.migration_request(request_)["id"] == \
        "sushi.migrate_to_advanced.DATABASE.4G-Performance"
    assert _plan.request(request_) == {
        "method": "auto", "pg_upgrade_variant": "auto", "target_plan": "", "target_app": "sushi",
        "recreate_followers": False, "advanced_method": "auto", "level": LEVEL, "high_availability": "false",
        "follower_pools": [{"name": "readers", "count": 1, "level": "8G-Performance"}]}
    # The other migrations' requests (recorded in their state files) do not change.
    assert "level" not in _plan.request(options())
    plan, errors = advanced_plan(request_)
    assert errors == [] and plan["advanced"] == {"method": "streaming", "level": LEVEL, "high_availability": False,
                                                 "follower_pools": [{"name": "readers", "count": 1,
                                                                     "level": "8G-Performance"}]}
    assert plan["target"]["description"] == (
        "Heroku Postgres Advanced on advanced, level 4G-Performance, high availability off, follower pools: readers"
        " (1 x 8G-Performance), new database sushi-advanced-261204163005 on sushi")
    assert plan["steps"][0].startswith("Prepare while live: create sushi-advanced-261204163005 in sushi, Heroku Postgres")
    assert "(streaming: Heroku copies the data and replicates every change)" in plan["steps"][0]
    assert plan["steps"][2].startswith("Run the migration (data:pg:migrate; postgresql-lavender-12345 is unavailable")
    assert plan["downtime"].startswith("a few minutes: Heroku applies the last changes")
    snapshot, _errors = advanced_plan(advanced(advanced_method="snapshot"))
    assert snapshot["downtime"].startswith("about 1 minute (the snapshot copies the whole database inside the window")
    assert any("no PgBouncer connection pooling" in text for text in plan["manual_follow_ups"])
