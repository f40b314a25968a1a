# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.herokuops.postgres.plugins.module_utils._names import (
    attachment_colour,
    attachment_name,
    config_var_name,
    full_plan,
    is_essential,
    major_version,
    plan_size,
    plan_tier,
    short_plan,
    split_app_ref,
)


@pytest.mark.parametrize("ref, app, expected", [
    ("DATABASE_URL", "app1", ("app1", "DATABASE_URL")),
    ("DATABASE", "app1", ("app1", "DATABASE")),
    ("HEROKU_POSTGRESQL_WHITE", "app1", ("app1", "HEROKU_POSTGRESQL_WHITE")),
    ("HEROKU_POSTGRESQL_WHITE_URL", None, (None, "HEROKU_POSTGRESQL_WHITE_URL")),
    ("postgresql-shaped-12345", "app1", ("app1", "postgresql-shaped-12345")),
    ("other::DATABASE_URL", "app1", ("other", "DATABASE_URL")),
    ("other::HEROKU_POSTGRESQL_WHITE", None, ("other", "HEROKU_POSTGRESQL_WHITE")),
    ("a::b::c", None, ("a", "b::c")),
    ("  DATABASE  ", "app1", ("app1", "DATABASE")),
])
def test_split_app_ref(ref, app, expected):
    assert split_app_ref(ref, app) == expected


@pytest.mark.parametrize("name, attachment, config_var", [
    ("DATABASE_URL", "DATABASE", "DATABASE_URL"),
    ("DATABASE", "DATABASE", "DATABASE_URL"),
    ("HEROKU_POSTGRESQL_WHITE_URL", "HEROKU_POSTGRESQL_WHITE", "HEROKU_POSTGRESQL_WHITE_URL"),
    ("HEROKU_POSTGRESQL_WHITE", "HEROKU_POSTGRESQL_WHITE", "HEROKU_POSTGRESQL_WHITE_URL"),
    ("postgresql-shaped-12345", "postgresql-shaped-12345", "postgresql-shaped-12345_URL"),
])
def test_attachment_and_config_var_names(name, attachment, config_var):
    assert attachment_name(name) == attachment
    assert config_var_name(name) == config_var


@pytest.mark.parametrize("name, colour", [
    ("HEROKU_POSTGRESQL_WHITE", "WHITE"),
    ("HEROKU_POSTGRESQL_CHARCOAL_URL", "CHARCOAL"),
    ("DATABASE_URL", None),
    ("DATABASE_CONNECTION_POOL", None),
    ("HEROKU_POSTGRESQL_WHITE_CONNECTION_POOL", None),
    ("postgresql-shaped-12345", None),
])
def test_attachment_colour(name, colour):
    assert attachment_colour(name) == colour


@pytest.mark.parametrize("plan, tier, size", [
    ("heroku-postgresql:essential-0", "essential", 0),
    ("essential-2", "essential", 2),
    ("heroku-postgresql:mini", "legacy_essential", None),
    ("heroku-postgresql:basic", "legacy_essential", None),
    ("heroku-postgresql:hobby-dev", "legacy_essential", None),
    ("heroku-postgresql:hobby-basic", "legacy_essential", None),
    ("heroku-postgresql:dev", "legacy_essential", None),
    ("heroku-postgresql:standard-0", "standard", 0),
    ("heroku-postgresql:standard-9", "standard", 9),
    ("Standard-4", "standard", 4),
    ("heroku-postgresql:premium-7", "premium", 7),
    ("heroku-postgresql:premium-l-9", "premium", 10),
    ("heroku-postgresql:private-xl-9", "private", 11),
    ("heroku-postgresql:shield-2xl-9", "shield", 12),
    ("heroku-postgresql:private-3", "private", 3),
    ("heroku-postgresql:shield-5", "shield", 5),
    ("heroku-postgresql:private-shield-5", "shield", 5),
    ("heroku-postgresql:advanced-beta", "advanced", None),
    ("heroku-postgresql:performance-2", "advanced", 2),
    ("heroku-postgresql:crane", None, None),
])
def test_plan_tier_and_size(plan, tier, size):
    assert plan_tier(plan) == tier
    assert plan_size(plan) == size


@pytest.mark.parametrize("plan, short, full", [
    ("standard-0", "standard-0", "heroku-postgresql:standard-0"),
    ("heroku-postgresql:private-4", "private-4", "heroku-postgresql:private-4"),
    (" essential-1 ", "essential-1", "heroku-postgresql:essential-1"),
])
def test_short_and_full_plan(plan, short, full):
    assert (short_plan(plan), full_plan(plan)) == (short, full)


@pytest.mark.parametrize("plan, essential", [
    ("essential-0", True), ("heroku-postgresql:mini", True), ("hobby-dev", True),
    ("standard-0", False), ("heroku-postgresql:private-4", False), ("shield-2", False), ("nonsense", False),
])
def test_is_essential(plan, essential):
    assert is_essential(plan) is essential


@pytest.mark.parametrize("version, major", [
    ("17.2", "17"), ("17", "17"), (17, "17"), (" 16 ", "16"), ("9.6.24", "9"), ("017", "17"),
    (None, None), ("", None), ("beta", None),
])
def test_major_version_is_a_str(version, major):
    assert major_version(version) == major
