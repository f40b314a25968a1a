# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/change_pg_plan.yml with method=follower_changeover, while two apps write to the database."""

from __future__ import annotations

import pytest
from playbook_support import ok, start_runner

OLD, OLD_FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"
FORMATIONS = {"sushi": {"web": 2, "worker": 1}, "sushi-admin": {"worker": 1, "clock": 0}}
APPS = [{"name": app, "formation": formation} for app, formation in FORMATIONS.items()]
# The old primary is also sushi-admin's DATABASE_URL, has the default and a custom pool, and a follower.
# (herokusim numbers each app's writes from the same base, so sushi-admin's writes may collide with
# sushi's and fail: only acknowledged writes count, so `missing` stays exact for both apps.)
DATABASES = [
    {"addon": OLD, "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 1000,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"], "attached_to": {"sushi-admin": ["DATABASE"]},
     "pools": ["DATABASE_CONNECTION_POOL", "REPORTING_POOL"]},
    {"addon": OLD_FOLLOWER, "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
     "follows": OLD},
]
VARIABLES = {"app": "sushi", "plan": "standard-2", "method": "follower_changeover", "recreate_followers": True}


@pytest.fixture
def runner(start_sim, ansible_factory, tmp_path):
    return start_runner(start_sim, ansible_factory, tmp_path, APPS, DATABASES, writers=["sushi"])


def test_follower_changeover_moves_every_app_and_loses_nothing(runner):
    sim = runner.sim
    run = ok(runner.run("change_pg_plan.yml", **VARIABLES))

    new = sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD and new.startswith("sushi-standard-2-")
    assert sim.get(f"/addons/{new}")["plan"]["name"] == "heroku-postgresql:standard-2"
    assert not sim.database(new)["following"]
    # sushi-admin uses the new primary too; the old one keeps its colour name on sushi.
    assert sim.attachments("sushi-admin")[("DATABASE", None)] == new
    assert sim.attachments("sushi")[("HEROKU_POSTGRESQL_LAVENDER", None)] == OLD
    # Both pools moved to the new primary.
    pools = {(a["name"], a["addon"]["name"]) for a in sim.get("/apps/sushi/addon-attachments")
             if a["namespace"] == "connection-pooling:default"}
    assert pools == {("DATABASE_CONNECTION_POOL", new), ("REPORTING_POOL", new)}
    # A follower of the new primary replaces the old one's (which is left for the user).
    follower = f"{new}-f1"
    assert sim.database(follower)["following"] and sim.database(OLD_FOLLOWER)["following"]

    runner.assert_back_as_before(FORMATIONS)
    runner.assert_nothing_lost("sushi")
    assert sim.admin("GET", "/apps/sushi-admin/writes")["missing"] == 0

    report = runner.report("sushi.change_pg_plan.DATABASE.standard-2")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["phase"] == "done" and report["method"] == "follower_changeover"
    assert report["new_primary"] == new and report["old_primary"] == OLD
    assert report["window_apps"] == ["sushi", "sushi-admin"]
    assert 0 < report["window_seconds"] < 120
    assert [s["step"] for s in report["steps"]] == [
        "preflight", "prepare", "window_enter", "cutover", "post_cutover", "window_leave", "finish"]
    assert report["api_calls"] > 0
    assert any("dataclips" in f for f in report["manual_follow_ups"])
    assert '"window_seconds"' in run.stdout
    print(f"\nfollower changeover: window {report['window_seconds']} s, API calls {report['api_calls']} "
          f"(request log: {run.api_calls})")

    runner.assert_second_run_changes_nothing("change_pg_plan.yml", **VARIABLES)
