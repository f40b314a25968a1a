# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The plan of a migration, from the request and what heroku_pg_info read: the method, the refusals, the steps.

No HTTP and no clock: the caller passes the databases and the time, so a table of cases tests every decision.
Documents: 002 (version upgrades), 003 (plan changes), 000 (Private Space), digested in the repository's
reference/procedures.md. `options` holds the preflight role's variables without their prefix.
"""

from __future__ import annotations

__metaclass__ = type

import math
import re

from ansible.module_utils.parsing.convert_bool import boolean

from . import _findings
from ._phases import METHODS as STEPS

UPGRADE, CHANGE, SPACE, ADVANCED = "upgrade_pg", "change_pg_plan", "migrate_to_private_space", "migrate_to_advanced"
METHODS = {
    UPGRADE: ("auto", "pg_upgrade", "pg_copy"),
    CHANGE: ("auto", "addons_upgrade", "follower_changeover", "pg_copy"),
    SPACE: ("auto", "follower_changeover"),
    ADVANCED: ("auto", "advanced_migration"),
}
# How Heroku's migration to Advanced copies the data: auto takes streaming unless it would lose unlogged tables.
ADVANCED_METHODS = ("auto", "snapshot", "streaming")
# Classic tiers Heroku migrates to Advanced (data:pg:migrate); Essential and the legacy plans change plan first.
ADVANCED_SOURCE_TIERS = ("standard", "premium", "private", "shield")
_POOL_NAME = re.compile(r"^[a-z0-9]{3,32}$")
_MAX_FOLLOWER_POOLS = 5
# Tiers, and the families addons:upgrade cannot move a database between.
FAMILIES = {
    "legacy_essential": "essential",
    "essential": "essential",
    "standard": "common_runtime",
    "premium": "common_runtime",
    "private": "private_space",
    "shield": "shield",
}
_LEGACY_PLANS = {"mini": "essential-0", "basic": "essential-1"}
_PRIVATE_FAMILIES = ("private_space", "shield")

_VARIANT_WHY = {
    "streaming": "Streaming (cdc): Heroku copies the database while live and replicates every change until the run,"
                 " so the window only applies the last changes (minimal downtime).",
    "snapshot": "Snapshot (full-load): Heroku copies the whole database (pg_dump) when the migration runs, inside the"
                " window; the downtime grows with the size.",
    "direct": "Direct method (Heroku's recommendation since 2025): the upgrade of the database itself is prepared while"
              " live and run in the window, about 10 minutes; Heroku re-creates its followers.",
    "follower": "Follower method (002 A2): a follower on the target plan is upgraded once it has caught up, then"
                " promoted; it changes plan and version together.",
}
_FOLLOWER_WAIT = "hours with the app live (create the follower ideally 24 hours ahead); waited on up to wait_timeout"
_PREPARATION = {
    "follower_changeover": _FOLLOWER_WAIT,
    "pg_upgrade/follower": _FOLLOWER_WAIT,
    "pg_upgrade/direct": "up to a day with the app live (pg:upgrade:prepare); waited on up to wait_timeout",
    "pg_upgrade/in_place": "none",
    "pg_copy": "3 to 5 minutes with the app live (the new database)",
    "addons_upgrade/standard": "hours with the app live (Heroku prepares the replacement); waited on up to wait_timeout",
    "addons_upgrade/essential": "none",
    "advanced_migration/snapshot": "a few minutes with the app live (the new Advanced database, then the migration"
                                   " prepared); waited on up to wait_timeout",
    "advanced_migration/streaming": "the new Advanced database, then the full copy and the replication until it is"
                                    " caught up, with the app live; waited on up to wait_timeout",
}
_DIRECT_DOWNTIME = "about 10 minutes (Heroku's estimate for the direct method; it varies with the number of objects)"
_DOWNTIME = {
    "follower_changeover": "under a minute at the switch (Heroku's estimate), plus the catch-up of the last commits",
    "pg_upgrade/follower": "about 20 to 30 minutes (the upgrade of the follower; it varies with the number of objects)",
    "pg_upgrade/direct": _DIRECT_DOWNTIME,
    "pg_upgrade/in_place": _DIRECT_DOWNTIME,
    "addons_upgrade/standard": "under a minute at the switch (Heroku's estimate)",
    "addons_upgrade/essential": "a few minutes at most; Heroku changes the plan at once and the database is read-only"
                                " meanwhile",
    "advanced_migration/streaming": "a few minutes: Heroku applies the last changes and syncs the sequences (the"
                                    " source is unavailable meanwhile), then the promote",
}
_GB, _MB = 1073741824, 1048576


def database_ref(database):
    """How the database is named on the app, without the config var's _URL: DATABASE, HEROKU_POSTGRESQL_WHITE..."""
    return re.sub(r"_URL$", "", database)


def target_plan(options):
    """The requested plan without the service prefix; "" when none was asked for."""
    return re.sub(r"^heroku-postgresql:", "", options.get("target_plan") or "")


def requested_target_app(options):
    """The target app as asked for (the app itself when none was given): part of the id and the request, so that
    they are known before Heroku is read, and stay the same for the same command line."""
    return options.get("target_app") or options["app"]


def migration_id(options):
    """The migration's name, and the state file's: the same command line always gives the same id."""
    migration = options["migration"]
    target_app = requested_target_app(options)
    last = {UPGRADE: options.get("version") or "", ADVANCED: options.get("level") or ""}.get(migration)
    parts = [options["app"], migration, database_ref(options["database"]),
             target_plan(options) if last is None else last]
    if target_app != options["app"]:
        parts.append(target_app)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", ".".join(str(part) for part in parts))


def request(options):
    """What a re-run must ask for again to resume the migration (compared with the state file's `request`)."""
    asked = {
        "method": options["method"],
        "pg_upgrade_variant": options["pg_upgrade_variant"],
        "target_plan": target_plan(options),
        "target_app": requested_target_app(options),
        "recreate_followers": options["recreate_followers"],
    }
    if options["migration"] == ADVANCED:
        # Only this migration's: the requests recorded by the other migrations stay as they were.
        keys = ("advanced_method", "level", "high_availability", "follower_pools")
        asked.update({key: options.get(key) for key in keys})
    return asked


def request_errors(options, unfinished=()):
    """Refusals that need no more than the request and the other migrations of the app left inside a window."""
    migration, method, database = options["migration"], options["method"], options["database"]
    errors = []
    if "::" in database:
        errors.append(f"The database is named on another app ({database}): run against that app (app=...).")
    if method not in METHODS[migration]:
        errors.append(f"method={method} does not apply to {migration}; use one of {', '.join(METHODS[migration])}.")
    if migration == UPGRADE and not _is_major(options.get("version")):
        errors.append("version is required: the major version to upgrade to, for example 16.")
    if migration in (CHANGE, SPACE) and not target_plan(options):
        errors.append("plan is required: the plan to move to, for example standard-2 or private-4.")
    if migration == ADVANCED:
        errors.extend(_advanced_request_errors(options))
    if options["pg_upgrade_variant"] == "direct" and target_plan(options):
        errors.append("pg_upgrade_variant=direct keeps the plan; use pg_upgrade_variant=follower (or pg_copy) to change"
                      " the plan too.")
    if unfinished:
        errors.append(f"Migration {', '.join(unfinished)} of {options['app']} stopped inside a maintenance window:"
                      " re-run it with the same variables to finish it first.")
    return errors


def _advanced_request_errors(options):
    """Refusals of a migration to Advanced that need only the request."""
    errors = []
    if not options.get("level"):
        errors.append("level is required: the level of the Advanced database's leader, for example 4G-Performance"
                      " (heroku data:pg:levels).")
    if (options.get("advanced_method") or "auto") not in ADVANCED_METHODS:
        errors.append(f"advanced_method={options.get('advanced_method')} is not known; use one of"
                      f" {', '.join(ADVANCED_METHODS)}.")
    if options.get("target_plan") or options.get("target_app"):
        errors.append("plan and target_app do not apply to migrate_to_advanced: Heroku migrates into an Advanced"
                      " database of the app that owns the source, on the Advanced plan of its network.")
    pools = options.get("follower_pools")
    if pools is None:
        return errors
    if not isinstance(pools, list) or not all(isinstance(pool, dict) for pool in pools):
        return errors + ["follower_pools is a list of {name, count, level} (an empty list: no follower pools)."]
    if len(pools) > _MAX_FOLLOWER_POOLS:
        errors.append(f"follower_pools lists {len(pools)} pools: an Advanced database has at most"
                      f" {_MAX_FOLLOWER_POOLS}.")
    names = [str(pool.get("name") or "") for pool in pools]
    bad = [name or "(no name)" for name in names if not _POOL_NAME.match(name)]
    if bad:
        errors.append(f"follower_pools names {', '.join(bad)}: a pool's name is 3 to 32 lowercase letters and digits.")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        errors.append(f"follower_pools names {', '.join(twice)} more than once.")
    counts = [pool.get("count", 1) for pool in pools]
    if not all(isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 13 for count in counts):
        errors.append("follower_pools: a pool's count is 1 to 13 instances.")
    return errors


def follower_pools(options):
    """The follower pools asked for, as heroku_pg_advanced takes them ({name, count, level}); [] when none."""
    return [{"name": str(pool["name"]), "count": int(pool.get("count", 1)), "level": pool.get("level") or None}
            for pool in options.get("follower_pools") or []]


def _advanced_plan(tier):
    """The Advanced plan on the network of a classic tier, as data:pg:migrate picks it."""
    return {"private": "advanced-private", "shield": "advanced-shield"}.get(tier, "advanced")


def _is_major(version):
    return version is not None and re.fullmatch(r"[0-9]+", str(version)) is not None


def find_database(options, databases):
    """The database the request names, among heroku_pg_info's: by add-on name, or by its name on the app."""
    ref = database_ref(options["database"])
    by_name = [db for db in databases if db["name"] == ref]
    on_app = [db for db in databases if {"app": options["app"], "name": ref, "namespace": None} in db["attachments"]]
    return (by_name + on_app or [None])[0]


def resolution_errors(options, old, databases):
    """Refusals of a database that cannot be migrated at all."""
    if old is None:
        names = ", ".join(db["name"] for db in databases) or "none"
        return [f"No database {options['database']} on {options['app']} (its databases: {names})."]
    if old["following"]:
        leader = (old.get("leader") or {}).get("name") or "another database"
        return [f"{old['name']} is a follower of {leader}: migrate its leader."]
    if old["waiting"] or not old["provisioned"]:
        return [f"{old['name']} is not available ({old.get('status') or 'being created'}): wait until it is."]
    return []


class _Facts:
    """What the decisions read: the request, the old primary and what follows from them."""

    def __init__(self, options, old):
        self.options, self.old = options, old
        self.migration = options["migration"]
        self.upgrade = self.migration == UPGRADE
        self.space = self.migration == SPACE
        self.advanced = self.migration == ADVANCED
        self.target_plan = target_plan(options)
        self.old_major = re.sub(r"[.].*$", "", old.get("version") or "0")
        self.new_plan = self.target_plan or _LEGACY_PLANS.get(old["plan"], old["plan"])
        if self.advanced:
            self.new_plan = _advanced_plan(old.get("tier"))
        self.new_tier = "legacy_essential" if self.new_plan in _LEGACY_PLANS else re.sub(r"-.*$", "", self.new_plan)
        self.old_family = FAMILIES.get(old.get("tier"), "unknown")
        self.new_family = "advanced" if self.advanced else FAMILIES.get(self.new_tier, "unknown")
        # An Advanced database gets Heroku's default version (data:pg:migrate asks for none).
        self.new_version = options.get("version") if self.upgrade else None if self.advanced else self.old_major
        # The request keeps the value as given (the state file compares it); "false" from -e is false.
        self.recreate = boolean(options["recreate_followers"], strict=False)
        # Outside a Private Space move, the new database belongs to the app that owns the old one, whichever
        # app named it: creating it elsewhere would move its billing and ownership silently.
        self.target_app = requested_target_app(options) if self.space else options.get("target_app") or old["app"]


def auto_method(facts):
    """The method `auto` chooses, and why."""
    old, plan = facts.old, facts.target_plan
    if facts.advanced:
        return "advanced_migration", "Heroku's migration to Advanced (data:pg:migrate): a new Advanced database is" \
                                     " prepared while live, the migration runs in the window, then the promote."
    if facts.upgrade and old.get("tier") == "legacy_essential":
        return "pg_copy", "mini and basic databases cannot use pg:upgrade: a pg:copy to a new Essential database is the" \
                          " only way (002 A)."
    if facts.upgrade and facts.old_family == "essential":
        return "pg_upgrade", "Essential databases are upgraded in place with pg:upgrade:run (002 A1)."
    if facts.upgrade:
        return "pg_upgrade", "pg:upgrade is the recommended method (002 A)."
    if facts.space:
        return "follower_changeover", "A move into a Private Space is a follower changeover across apps (000 C)."
    if old["plan"] == plan:
        return "follower_changeover", "The same plan: a follower changeover moves the database to new hardware (003 B3)."
    if (facts.old_family == "essential") != (facts.new_family == "essential"):
        return "pg_copy", "Between the Essential tier and the others, pg:copy is the only way (003 B4)."
    if facts.old_family == facts.new_family:
        return "addons_upgrade", "addons:upgrade is generally preferred: hours of preparation while live, under a" \
                                 " minute at the switch, followers kept (003 B)."
    return "follower_changeover", f"addons:upgrade cannot move a database between {facts.old_family} and" \
                                  f" {facts.new_family} plans; a follower changeover can (003 B3)."


def variant(facts, method):
    """How pg_upgrade or addons_upgrade goes about it; None for the other methods."""
    if method == "addons_upgrade":
        return "essential" if facts.old_family == "essential" else "standard"
    if method == "advanced_migration":
        chosen = facts.options.get("advanced_method") or "auto"
        return "streaming" if chosen == "auto" else chosen
    if method != "pg_upgrade":
        return None
    if facts.old_family == "essential":
        return "in_place"
    if facts.options["pg_upgrade_variant"] != "auto":
        return facts.options["pg_upgrade_variant"]
    return "follower" if facts.new_plan != facts.old["plan"] else "direct"


def already(facts, method):
    """What already is the result asked for ("already on ..."), or ""."""
    old = facts.old
    if facts.upgrade and facts.old_major == facts.options.get("version"):
        return f"already on PostgreSQL {facts.old_major}"
    if facts.migration == CHANGE and old["plan"] == facts.target_plan and method != "follower_changeover":
        return f"already on {old['plan']}"
    if facts.space and facts.old_family in _PRIVATE_FAMILIES:
        return f"already on a Private Space plan ({old['plan']})"
    if facts.advanced and old.get("tier") == "advanced":
        return f"already on Advanced ({old['plan']})"
    return ""


def method_errors(facts, method, chosen_variant, follows, promotes):
    """Refusals that depend on the method: what Heroku's documents rule out."""
    options, old, name = facts.options, facts.old, facts.old["name"]
    version, supported = options.get("version"), [str(v) for v in options.get("supported_versions") or []]
    copy_max = options["copy_max_bytes"]
    checks = [
        (facts.upgrade and _is_major(version) and int(version) < int(facts.old_major),
         f"Version {version} is not newer than the version of {name} ({old.get('version')})."),
        (facts.upgrade and supported and version not in supported,
         f"Version {version} is not one of the supported versions ({', '.join(supported)})."),
        (facts.new_family == "unknown",
         f"Unknown plan {facts.new_plan}: expected essential-N, standard-N, premium-N, private-N or shield-N."),
        (method == "pg_upgrade" and old.get("tier") == "legacy_essential",
         f"{name} is on the legacy {old['plan']} plan: pg:upgrade refuses mini and basic; use method=pg_copy (002 A)."),
        (method == "pg_copy" and "shield" in (old.get("tier"), facts.new_tier),
         f"pg:copy is not available on Shield plans (no PGBackups): {old['plan']} to {facts.new_plan} (002 A)."),
        (method == "pg_copy" and (old.get("num_bytes") or 0) >= copy_max,
         f"{name} holds {old.get('num_bytes')} bytes: pg:copy is documented for databases under {copy_max} bytes"
         f" (about 3 minutes per GB, all inside the window); use"
         f" {'pg_upgrade' if facts.upgrade else 'addons_upgrade or follower_changeover'}."),
        (follows and facts.old_family == "essential",
         f"Followers exist only on Standard, Premium, Private and Shield plans: {name} is on {old['plan']}, so"
         f" {method} ({chosen_variant or 'follower'}) cannot be used; use pg_copy."),
        (follows and facts.new_family == "essential",
         f"A follower cannot be on the {facts.new_plan} plan (followers exist only on Standard and above); use pg_copy."),
        (method == "addons_upgrade" and facts.old_family != facts.new_family,
         f"addons:upgrade cannot move {name} from {old['plan']} to {facts.new_plan} (another tier): use"
         f" {'pg_copy' if 'essential' in (facts.old_family, facts.new_family) else 'follower_changeover'} (003 B)."),
        (facts.space and facts.new_family not in _PRIVATE_FAMILIES,
         f"A Private Space move needs a private-N or shield-N plan, not {facts.new_plan} (000 C)."),
    ]
    errors = [message for failed, message in checks if failed]
    if facts.advanced:
        errors.extend(_advanced_errors(facts))
    if promotes and not facts.space:
        errors.extend(_promotion_errors(facts))
    return errors


def _advanced_errors(facts):
    """What Heroku's migration to Advanced rules out, or leaves behind unless the request says so."""
    old, options, name = facts.old, facts.options, facts.old["name"]
    errors = []
    if old.get("tier") not in ADVANCED_SOURCE_TIERS:
        errors.append(f"{name} is on {old['plan']}: Heroku migrates only classic Standard, Premium, Private and Shield"
                      " databases to Advanced. Change its plan to Standard first: change_pg_plan.yml (for example"
                      f" -e app={old['app']} -e plan=standard-0), then migrate it.")
    if old["app"] != options["app"]:
        errors.append(f"{name} belongs to {old['app']}, not {options['app']}: Heroku migrates a database into an"
                      f" Advanced database of the app that owns it. Run against {old['app']} (app={old['app']}).")
    pools = old.get("pools") or []
    if pools:
        named = ", ".join(_unique(f"{pool['app']}::{pool['name']}" for pool in pools))
        errors.append(f"{name} has server-side connection pools ({named}): Heroku Postgres Advanced does not support"
                      " PgBouncer connection pooling. Point their users at the database itself, detach them first"
                      " (heroku addons:detach NAME -a APP), then migrate.")
    if old.get("followers") and options.get("follower_pools") is None:
        errors.append(f"{name} has followers ({', '.join(old['followers'])}), which the migration does not re-create:"
                      " set follower_pools (a list of {name, count, level}) to give the Advanced database read"
                      " replicas, or follower_pools=[] to migrate without them.")
    return errors


def _promotion_errors(facts):
    """A new database is promoted to DATABASE_URL of the target app: it must replace the old one there."""
    old, options = facts.old, facts.options
    primary_of = [att["app"] for att in old["attachments"] if att["name"] == "DATABASE"]
    if options.get("target_app"):
        # An explicit target app gets the new database whatever it had: the old one must be the primary of the app
        # it was named on.
        if old["primary"]:
            return []
        not_of = options["app"]
    elif {"app": facts.target_app, "name": "DATABASE", "namespace": None} in old["attachments"]:
        return []
    elif old["primary"]:
        return [f"{old['name']} is the primary of {', '.join(primary_of)}, not of {facts.target_app}, the app that owns"
                f" it and would get the new database: set target_app={options['app']} to create the new database on"
                f" {options['app']} instead."]
    else:
        not_of = facts.target_app
    return [f"{old['name']} is the primary of {', '.join(primary_of) or 'no app'}, not of {not_of}: run against the app"
            " whose DATABASE_URL it is."]


def _copy_keeps_unlogged(facts, method, chosen_variant, inside):
    """Whether `auto` should take pg:copy instead of its choice: that loses unlogged tables, and a copy applies."""
    old = facts.old
    return (_findings.loses_unlogged(_findings.method_key(method, chosen_variant), inside, facts.options) and not facts.space
            and not facts.advanced
            and (old.get("num_bytes") or 0) < facts.options["copy_max_bytes"]
            and "shield" not in (old.get("tier"), facts.new_tier))


# What the plan keeps of heroku_pg_inspect's result (its api_calls and the like stay out of the state file).
INSIDE_KEYS = ("inspected", "reason", "database", "server_version", "size_bytes", "schemas", "objects",
               "over_upgrade_limits", "unlogged_tables", "tables_without_key", "extensions", "logical_replication_slots",
               "publications", "subscriptions", "large_objects")


def plan(options, databases, now, inside=None):
    """(the plan, the refusals): the plan is None when the request is refused.

    options are the preflight role's variables without their prefix; databases heroku_pg_info's list for the app;
    now a datetime (UTC), which names the new database; inside what heroku_pg_inspect found in the database (None
    when it was skipped)."""
    errors = request_errors(options)
    old = find_database(options, databases) if not errors else None
    errors = errors or resolution_errors(options, old, databases)
    if errors:
        return None, errors
    facts = _Facts(options, old)
    auto = auto_method(facts) if options["method"] == "auto" else None
    method = auto[0] if auto else options["method"]
    chosen_variant = variant(facts, method)
    if auto and _copy_keeps_unlogged(facts, method, chosen_variant, inside):
        auto = ("pg_copy", f"{auto[1]} Yet {old['name']} has unlogged tables, which a follower never receives: pg:copy"
                           " keeps them (002 A3, 003 B4).")
        method, chosen_variant = auto[0], None
    why_variant = _VARIANT_WHY.get(chosen_variant, "")
    auto_variant = method == "advanced_migration" and (options.get("advanced_method") or "auto") == "auto"
    ruled_out = auto_variant and _findings.streaming_ruled_out(inside, options)
    if ruled_out:
        chosen_variant = "snapshot"
        why_variant = (f"{_VARIANT_WHY['snapshot']} Snapshot, not streaming: {old['name']} has {ruled_out}; the"
                       " snapshot (pg_dump) carries them.")
    elif auto_variant and (inside or {}).get("inspected"):
        why_variant = (f"{why_variant} Nothing inside the database rules it out (no unlogged table, every table has"
                       " a primary key or replica identity).")
    # What the method does to Heroku: the state machine's table (_phases.METHODS), the one place a method is declared.
    steps = STEPS[_findings.method_key(method, chosen_variant)]
    follows, promotes = steps.follows, steps.promotes
    done = already(facts, method)
    if not done:
        errors = (method_errors(facts, method, chosen_variant, follows, promotes)
                  + _findings.errors(_findings.method_key(method, chosen_variant), old["name"], inside, options))
        if errors:
            return None, errors
    reason = " ".join(text for text in (auto[1] if auto else f"Requested (method={method}).", why_variant) if text)
    new_database = _new_database_name(facts, now) if promotes else None
    inside = {key: inside[key] for key in INSIDE_KEYS if key in inside} if inside is not None else None
    texts = _Texts(facts, databases, method, chosen_variant, new_database, promotes, inside)
    advanced = {"advanced": {"method": chosen_variant, "level": options.get("level"),
                             "high_availability": boolean(options.get("high_availability", True), strict=False),
                             "follower_pools": follower_pools(options)}} if facts.advanced else {}
    return {
        "id": migration_id(options),
        "migration": facts.migration,
        "action": "nothing_to_do" if done else "migrate",
        "message": f"{old['name']} is {done}" if done else "planned",
        "app": options["app"],
        "target_app": facts.target_app,
        "method": method,
        "variant": chosen_variant,
        "reason": reason,
        "old_primary": {key: old.get(key) for key in ("name", "app", "plan", "tier", "version", "num_bytes",
                                                      "attachments", "pools", "followers")},
        "target": {"version": facts.new_version, "plan": facts.new_plan, "description": texts.target()},
        "new_database": new_database,
        "copy_max_bytes": options["copy_max_bytes"],
        "inside": inside,
        "new_database_follows": follows,
        "creates_new_primary": promotes,
        "window_apps": texts.window_apps,
        "other_attachments": texts.other_attachments if promotes and not facts.space else [],
        "followers": texts.followers if promotes and facts.recreate else [],
        "preparation": _PREPARATION[texts.key],
        "downtime": texts.downtime(),
        "steps": texts.steps(),
        "manual_follow_ups": texts.follow_ups(),
        **advanced,
    }, []


def _new_database_name(facts, now):
    """<target app>-<pg16 or the plan>-<UTC time>: a re-run finds it by this name."""
    what = f"pg{facts.new_version}" if facts.upgrade else facts.new_plan
    return re.sub(r"[^a-z0-9-]+", "-", f"{facts.target_app}-{what}-{now.strftime('%y%m%d%H%M%S')}".lower())


class _Texts:
    """The plan's words: the steps, the downtime and the manual follow-ups."""

    def __init__(self, facts, databases, method, chosen_variant, new_database, promotes, inside):
        self.facts, self.method, self.new_database, self.promotes = facts, method, new_database, promotes
        self.inside = inside
        old = facts.old
        self.key = _findings.method_key(method, chosen_variant)
        self.new_name = new_database or old["name"]
        self.window_apps = sorted(set([att["app"] for att in old["attachments"]] + [facts.target_app]))
        self.other_attachments = [att for att in old["attachments"]
                                  if att["namespace"] is None and att["app"] != facts.target_app]
        self.followers = [{"name": db["name"], "app": db["app"], "plan": db["plan"]}
                          for db in databases if db["name"] in old["followers"]]

    def target(self):
        facts = self.facts
        if facts.advanced:
            return f"{self.advanced()}, new database {self.new_database} on {facts.target_app}"
        text = f"PostgreSQL {facts.new_version} on {facts.new_plan}"
        return text + (f", new database {self.new_database} on {facts.target_app}" if self.promotes else "")

    def advanced(self):
        facts, options = self.facts, self.facts.options
        ha = boolean(options.get("high_availability", True), strict=False)
        pools = ", ".join(f"{p['name']} ({p['count']} x {p['level'] or options.get('level')})"
                          for p in follower_pools(options)) or "none"
        return (f"Heroku Postgres Advanced on {facts.new_plan}, level {options.get('level')}, high availability"
                f" {'on' if ha else 'off'}, follower pools: {pools}")

    def downtime(self):
        if self.key not in ("pg_copy", "advanced_migration/snapshot"):
            return _DOWNTIME[self.key]
        gb = (self.facts.old.get("num_bytes") or 0) / _GB
        minutes = max(1, math.ceil(gb * 3))
        about = f"about {minutes} minute{'' if minutes == 1 else 's'}"
        if self.key == "advanced_migration/snapshot":
            # No figure from Heroku: pg:copy's (a dump and restore too) is the estimate.
            return (f"{about} (the snapshot copies the whole database inside the window; estimated like pg:copy,"
                    f" about 3 minutes per GB; {gb:.2f} GB), then the promote")
        return f"{about} (about 3 minutes per GB; {gb:.2f} GB)"

    def steps(self):
        facts, new, old = self.facts, self.new_database, self.facts.old["name"]
        version, plan, target_app = facts.new_version, facts.new_plan, facts.target_app
        window_in = (f"Maintenance window on {', '.join(self.window_apps)}: record the formation of every app, turn"
                     " maintenance mode on, scale every process type to 0.")
        window_out = ("Restore the recorded formation of every app (process types that were at 0 stay at 0) and turn"
                      " maintenance mode off.")
        follower = (f"Prepare while live: create follower {new} on {plan} in {target_app}, following {old}; wait until"
                    " it is available and within 200 commits.")
        advanced = (f"Prepare while live: create {new} in {target_app}, {self.advanced() if facts.advanced else ''},"
                    f" from {old} (data:pg:create); wait until it is available. Prepare the migration of")
        run = (f"Run the migration (data:pg:migrate; {old} is unavailable until it ends) and wait until it has"
               f" completed; prove that {new} holds what {old} held; promote {new} to DATABASE_URL.")
        middle = {
            "follower_changeover": [
                follower, window_in,
                f"Wait until {new} is 0 commits behind; unfollow it; promote it to DATABASE_URL of {target_app}."],
            "pg_upgrade/follower": [
                follower, window_in,
                f"Wait until {new} is 0 commits behind; upgrade it to PostgreSQL {version} (pg:upgrade:run: it stops"
                " following, then upgrades); promote it to DATABASE_URL."],
            "pg_upgrade/direct": [
                f"Prepare while live: pg:upgrade:prepare {old} to PostgreSQL {version}; wait until the upgrade is"
                " scheduled.", window_in,
                "Run the prepared upgrade (pg:upgrade:run) and wait until it has finished; Heroku re-creates the"
                " followers."],
            "pg_upgrade/in_place": [
                window_in,
                f"Upgrade {old} in place to PostgreSQL {version} (pg:upgrade:run) and wait until it has finished."],
            "pg_copy": [
                f"Prepare while live: create {new} on {plan} with PostgreSQL {version} in {target_app}; wait until it"
                " is available.", window_in,
                f"Copy {old} onto {new} (pg:copy); promote {new} to DATABASE_URL."],
            "advanced_migration/snapshot": [
                f"{advanced} {old} into {new} (snapshot: the data is copied when it runs) and wait until Heroku has it"
                " ready (Heroku keeps it ready 24 hours).", window_in, run],
            "advanced_migration/streaming": [
                f"{advanced} {old} into {new} (streaming: Heroku copies the data and replicates every change) and wait"
                " until Heroku has it ready and caught up (within max_lag; Heroku keeps it ready 24 hours).",
                window_in, run],
            "addons_upgrade/standard": [
                f"Prepare while live: addons:upgrade {old} to {plan}; wait until its data maintenance is ready.",
                window_in,
                "Run the data maintenance (data:maintenances:run) and wait until it has completed; Heroku re-points"
                " the followers."],
            "addons_upgrade/essential": [
                window_in,
                f"addons:upgrade {old} to {plan}: Heroku changes it at once (read-only meanwhile); wait until it has"
                " finished."],
        }[self.key]
        steps = middle + [self._post_cutover(), window_out]
        if self.promotes and facts.recreate and self.followers:
            steps.append(f"After the window: create followers of {self.new_name} like those of {old}"
                         f" ({', '.join(f['name'] for f in self.followers)}).")
        return steps

    def _post_cutover(self):
        facts = self.facts
        attach = ""
        if self.other_attachments and not facts.space:
            apps = ", ".join(_unique(att["app"] for att in self.other_attachments))
            attach = f"attach {self.new_name} where {facts.old['name']} was attached on other apps ({apps}); "
        on = f", on PostgreSQL {facts.new_version}" if facts.upgrade else f", on {facts.new_plan}"
        return (f"Post-cutover: {attach}check the connection pools; verify that DATABASE_URL of {facts.target_app} is"
                f" {self.new_name}, available and not following{on}.")

    def follow_ups(self):
        facts, new, method, promotes = self.facts, self.new_name, self.method, self.promotes
        old = facts.old
        name, followers, recreate = old["name"], old["followers"], facts.recreate
        texts = [
            f"Before the window: disable the Heroku Scheduler jobs and pause the Heroku Connect syncs that write to"
            f" {name}, and stop autoscaling and one-off dynos (heroku run) on {', '.join(self.window_apps)}: scaling"
            " the formation to 0 does not stop them. After the window, turn them back on.",
            f"Applications outside Heroku that use the database URL must be given the new one (the config var of"
            f" {new}; {'its credentials rotate' if method == 'pg_upgrade' else 'it changes'}).",
        ]
        if promotes:
            texts += [f"Re-assign the dataclips of {name} to {new} (dataclip recovery, or a support ticket).",
                      f"Destroy {name} when satisfied, to stop paying for it: playbook herokuops.postgres.decommission_pg"
                      f" with app={old['app']} database={name} confirm={name}."]
        if facts.advanced and followers:
            pools = ", ".join(p["name"] for p in follower_pools(facts.options))
            texts.append(f"Followers of {name} ({', '.join(followers)}) are not migrated and keep following {name}:"
                         f" {'the follower pools of ' + new + ' (' + pools + ')' if pools else new + ' (no follower pools)'}"
                         " now serve the reads; re-point their users, then destroy the old followers.")
        elif promotes and followers and not recreate:
            texts.append(f"Followers of {name} ({', '.join(followers)}) do not follow {new}: re-create them"
                         " (recreate_followers=true) and destroy the old ones.")
        if promotes and recreate and len(followers) > len(self.followers):
            recreated = [f["name"] for f in self.followers]
            elsewhere = _unique(f for f in followers if f not in recreated)
            texts.append(f"Followers of {name} on other apps ({', '.join(elsewhere)}) are not re-created: do it by hand.")
        if facts.advanced:
            texts.append(f"Heroku Postgres Advanced has no PgBouncer connection pooling: applications connect to {new}"
                         " directly (its follower pools for reads).")
        if method == "pg_copy":
            texts.append("pg:copy copies only what the default credential can read: re-create the other credentials and"
                         f" their grants on {new}.")
        if facts.old_family == "essential" and facts.new_family != "essential":
            texts.append(f"Backups scheduled on an Essential database are not carried over to {facts.new_plan}: schedule"
                         " them again (heroku pg:backups:schedule).")
        if method == "pg_upgrade":
            texts.append("pg:upgrade may fail on more than 1,000 schemas or 10,000 objects: test it first (heroku"
                         " pg:upgrade:dryrun, or a fork). Rails before 5.0 does not work with PostgreSQL 10 and later.")
        texts += _findings.follow_ups(self.key, name, new, self.inside, facts.options)
        if facts.space:
            texts += [f"{att['app']} still uses {name} as {att['name']}: a Private Space database cannot be reached"
                      " from there; move that app into the space too." for att in self.other_attachments]
        return texts


def _unique(items):
    return list(dict.fromkeys(items))


def summary(plan):
    """The lines the preflight role prints, from the plan alone (so a resumed migration shows the same)."""
    lines = [f"{plan['id']}: {plan['message']}."]
    if plan["action"] != "migrate":
        return lines
    old = plan["old_primary"]
    size = (old.get("num_bytes") or 0) / _MB
    return lines + [
        f"Database: {old['name']} of {old['app']}, {old['plan']}, PostgreSQL {old['version']}, {size:.1f} MB,"
        f" followers: {', '.join(old['followers']) or 'none'}.",
    ] + [line for line in [_findings.summary_line(plan.get("inside"))] if line] + [
        f"Method: {plan['method']}{' (' + plan['variant'] + ')' if plan['variant'] else ''}. {plan['reason']}",
        f"Target: {plan['target']['description']}.",
        f"Preparation: {plan['preparation']}.",
        f"Expected downtime: {plan['downtime']}.",
        "Steps:",
    ] + [f"{number}. {step}" for number, step in enumerate(plan["steps"], 1)] + [
        "Manual follow-ups:",
    ] + [f"- {text}" for text in plan["manual_follow_ups"]]
