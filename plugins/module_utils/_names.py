# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Heroku's names for databases and plans. Pure functions: no HTTP here."""

from __future__ import annotations

__metaclass__ = type

import re

# The add-on service of Heroku Postgres: plans are "heroku-postgresql:<plan>".
PG_SERVICE = "heroku-postgresql"
ESSENTIAL_TIERS = ("essential", "legacy_essential")

# The Heroku CLI's app override: "app::DATABASE_URL" (non-greedy, so the first "::" splits).
_APP_REF = re.compile(r"^(.+?)::(.+)")
_COLOUR = re.compile(r"^HEROKU_POSTGRESQL_([A-Z]+)$")
# "standard-4" -> 4; the larger "-l-9", "-xl-9", "-2xl-9" plans sort after "-9".
_SIZE = re.compile(r"-(?:(l|xl|2xl)-)?(\d+)$")
_LARGE_SIZES = {"l": 10, "xl": 11, "2xl": 12}
_MAJOR = re.compile(r"^\s*(\d+)")

# Checked in order: prefixes of the plan part after "heroku-postgresql:".
_TIER_PREFIXES = (
    ("advanced", "advanced"),
    ("performance", "advanced"),
    ("mini", "legacy_essential"),
    ("basic", "legacy_essential"),
    ("dev", "legacy_essential"),
    ("hobby", "legacy_essential"),
    ("essential", "essential"),
)
_NAMED_TIERS = ("private", "premium", "standard")


def split_app_ref(ref, app=None):
    """Split a database reference into (app, name).

    "app::NAME" names the app itself and wins over the app given, as in the Heroku CLI. The name
    is kept verbatim: DATABASE_URL, DATABASE, HEROKU_POSTGRESQL_WHITE(_URL) or an add-on name.
    """
    ref = ref.strip()
    match = _APP_REF.match(ref)
    if match:
        return match.group(1), match.group(2)
    return app, ref


def attachment_name(name):
    """Attachment form of a config var name (DATABASE_URL -> DATABASE); other names are unchanged."""
    return name[:-len("_URL")] if name.endswith("_URL") else name


def config_var_name(name):
    """Config var form of an attachment name (DATABASE -> DATABASE_URL)."""
    return name if name.endswith("_URL") else name + "_URL"


def attachment_colour(name):
    """WHITE for HEROKU_POSTGRESQL_WHITE or HEROKU_POSTGRESQL_WHITE_URL; None for other names."""
    match = _COLOUR.match(attachment_name(name))
    return match.group(1) if match else None


def short_plan(plan):
    """standard-0 from heroku-postgresql:standard-0 (or from standard-0 itself), case kept."""
    return plan.rpartition(":")[2].strip()


def full_plan(plan):
    """heroku-postgresql:standard-0 from standard-0 (or from heroku-postgresql:standard-0 itself)."""
    return f"{PG_SERVICE}:{short_plan(plan)}"


def _plan_part(plan):
    """standard-0 from heroku-postgresql:standard-0 (or from standard-0 itself)."""
    return short_plan(plan).lower()


def plan_tier(plan):
    """Tier of a Heroku Postgres plan name, with or without the heroku-postgresql: prefix.

    One of essential, legacy_essential (mini, basic, dev, hobby), standard, premium, private,
    shield, advanced (advanced*, performance*); None when not recognised.
    """
    part = _plan_part(plan)
    for prefix, tier in _TIER_PREFIXES:
        if part.startswith(prefix):
            return tier
    # As in the Heroku CLI, any plan naming shield is Shield (shield-0, private-shield-...).
    if "shield" in part:
        return "shield"
    for tier in _NAMED_TIERS:
        if part.startswith(tier):
            return tier
    return None


def plan_size(plan):
    """Size index within a tier: standard-0 -> 0 ... premium-9 -> 9, -l-9/-xl-9/-2xl-9 -> 10/11/12.

    None for plans without a size (hobby-dev, mini).
    """
    match = _SIZE.search(_plan_part(plan))
    if not match:
        return None
    large, number = match.groups()
    return _LARGE_SIZES[large] if large else int(number)


def is_essential(plan):
    """Whether a plan is in an Essential tier (essential-*, or the legacy mini, basic, dev and hobby plans)."""
    return plan_tier(plan) in ESSENTIAL_TIERS


def major_version(version):
    """The major PostgreSQL version as Heroku writes it, a str: "17" from "17.2", "17" or 17; None when unknown.

    Compare two of them as int(): "9" sorts after "17" as text.
    """
    match = _MAJOR.match(str(version if version is not None else ""))
    return str(int(match.group(1))) if match else None
