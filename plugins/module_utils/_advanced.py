# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Heroku Postgres Advanced on the data API (/data/postgres/v1/...), as the CLI's data:pg:* commands use it:
a database's info and wait status, and the migration of a classic database into one."""

from __future__ import annotations

__metaclass__ = type

from urllib.parse import quote

from ._client import HerokuAPIError
from ._names import plan_tier, short_plan

# The migration's statuses (the CLI's MigrationResponse); while active, neither database can be in another one.
ACTIVE = ("creating_target", "preparing", "ready", "migrating", "promoting")
PREPARING = ("creating_target", "preparing")
RUNNING = ("migrating", "promoting")
ENDED_BADLY = ("failed", "cancelled")
METHODS = {"snapshot": "full-load", "streaming": "cdc"}
# Classic tiers a migration accepts as its source; Essential and the legacy plans are upgraded first.
SOURCE_TIERS = ("standard", "premium", "private", "shield")
MIGRATION_FIELDS = ("id", "source_id", "target_id", "status", "status_description", "auto_promote", "completed",
                    "successful", "full_load_progress", "cdc_lag", "tables_errored", "last_error_message",
                    "stop_reason", "preassessment_results")


def database_path(addon_id, rest=""):
    return f"/data/postgres/v1/{quote(addon_id, safe='')}{rest}"


def is_advanced(addon):
    return plan_tier(addon["plan"]["name"]) == "advanced"


def advanced_plan_for(source_plan):
    """The Advanced plan whose network matches a classic plan's, as data:pg:migrate picks it."""
    part = short_plan(source_plan)
    if part.startswith("shield") or "shield" in part:
        return "heroku-postgresql:advanced-shield"
    if part.startswith("private"):
        return "heroku-postgresql:advanced-private"
    return "heroku-postgresql:advanced"


def source_refusal(source, target):
    """Why a classic add-on cannot migrate into target (both add-ons with app and plan), or None."""
    tier = plan_tier(source["plan"]["name"])
    if tier not in SOURCE_TIERS:
        return (f"{source['name']} is on {source['plan']['name']}: Heroku migrates only classic Standard, Premium, "
                "Private and Shield databases to Advanced. Change its plan to Standard or higher first "
                "(change_pg_plan.yml).")
    if source["app"]["name"] != target["app"]["name"]:
        return (f"{source['name']} belongs to {source['app']['name']} and {target['name']} to "
                f"{target['app']['name']}: a migration's source and target must belong to the same app.")
    return None


def migration(client, target_id):
    """The migration into an Advanced database (one per target), or None when it is not a migration's target."""
    try:
        return client.get(database_path(target_id, "/migrations"))
    except HerokuAPIError as exc:
        if exc.status == 404:
            return None
        raise


def summary(found):
    return {key: found.get(key) for key in MIGRATION_FIELDS} if found else None


def describe(found):
    """One line of a migration's state, for waits and progress lines."""
    if not found:
        return "no migration"
    parts = [f"status {found.get('status')}"]
    if found.get("status_description"):
        parts.append(found["status_description"])
    if found.get("full_load_progress") is not None:
        parts.append(f"full load {found['full_load_progress']}%")
    if found.get("cdc_lag") is not None:
        parts.append(f"lag {found['cdc_lag']}")
    return ", ".join(parts)


def ended_badly(found):
    """Why a failed or cancelled migration ended, with Heroku's last error: what follows "<doing> failed: "."""
    why = found.get("last_error_message") or found.get("stop_reason")
    return f"Heroku reports it {found['status']}" + (f": {why}" if why else "")


def info(client, addon_id):
    return client.get(database_path(addon_id, "/info"))


def wait_status(client, addon_id):
    return client.get(database_path(addon_id, "/wait_status"))
