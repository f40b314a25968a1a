# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whichever app names it, the new database belongs to the app that owns the old one (the shipped playbook)."""

from __future__ import annotations

from playbook_support import ok, start_runner

APPS = [{"name": "shop", "formation": {"web": 1}}, {"name": "shop-admin", "formation": {"web": 1}}]
DATABASES = [
    {"addon": "pg-shop", "app": "shop", "plan": "standard-0", "seed_rows": 10, "attachments": ["DATABASE"],
     "attached_to": {"shop-admin": ["DATABASE"]}},
    {"addon": "pg-shop-follower", "app": "shop", "plan": "standard-0", "follows": "pg-shop",
     "attachments": ["HEROKU_POSTGRESQL_WHITE"]},
]
REQUEST = {"app": "shop-admin", "plan": "standard-2", "method": "follower_changeover"}


def test_a_database_named_from_a_borrowing_app_is_replaced_on_its_owner(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, DATABASES)
    sim = runner.sim

    run = ok(runner.run("change_pg_plan.yml", check=True, **REQUEST))
    assert run.changes == []
    assert "Database: pg-shop of shop, standard-0" in run.stdout and "followers: pg-shop-follower." in run.stdout
    assert "Target: PostgreSQL" in run.stdout and " on standard-2, new database shop-standard-2-" in run.stdout

    ok(runner.run("change_pg_plan.yml", **REQUEST))
    new = sim.attachments("shop")[("DATABASE", None)]
    assert new.startswith("shop-standard-2-") and sim.get(f"/addons/{new}")["app"]["name"] == "shop"
    assert sim.attachments("shop-admin")[("DATABASE", None)] == new
    assert (runner.state_dir / "shop-admin.change_pg_plan.DATABASE.standard-2.json").exists()
    runner.assert_back_as_before({app["name"]: app["formation"] for app in APPS})
