# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/change_pg_plan.yml with addons:upgrade, while the app's dynos write."""

from __future__ import annotations

from playbook_support import ok, start_runner

OLD = "postgresql-lavender-12345"
FORMATION = {"web": 1, "worker": 2}
APPS = [{"name": "sushi", "formation": FORMATION}]


def test_addons_upgrade_on_standard_prepares_live_and_runs_the_maintenance_in_the_window(
        start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS,
                          [{"addon": OLD, "app": "sushi", "plan": "standard-0", "seed_rows": 500}], writers=["sushi"])
    sim = runner.sim
    variables = {"app": "sushi", "plan": "standard-2"}
    run = ok(runner.run("change_pg_plan.yml", **variables))

    assert sim.attachments("sushi")[("DATABASE", None)] == OLD
    assert sim.get(f"/addons/{OLD}")["plan"]["name"] == "heroku-postgresql:standard-2"
    runner.assert_back_as_before({"sushi": FORMATION})
    runner.assert_nothing_lost("sushi")

    report = runner.report("sushi.change_pg_plan.DATABASE.standard-2")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["method"] == "addons_upgrade (standard)"
    assert "preferred" in report["reason"]
    print(f"\naddons_upgrade (standard): window {report['window_seconds']} s, API calls {report['api_calls']} "
          f"(request log: {run.api_calls})")
    runner.assert_second_run_changes_nothing("change_pg_plan.yml", **variables)


def test_addons_upgrade_on_essential_runs_at_once_inside_the_window(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS,
                          [{"addon": OLD, "app": "sushi", "plan": "essential-0", "seed_rows": 100}], writers=["sushi"])
    sim = runner.sim
    variables = {"app": "sushi", "plan": "essential-1"}
    run = ok(runner.run("change_pg_plan.yml", **variables))

    assert sim.get(f"/addons/{OLD}")["plan"]["name"] == "heroku-postgresql:essential-1"
    runner.assert_back_as_before({"sushi": FORMATION})
    runner.assert_nothing_lost("sushi")
    report = runner.report("sushi.change_pg_plan.DATABASE.essential-1")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["method"] == "addons_upgrade (essential)"
    print(f"\naddons_upgrade (essential): window {report['window_seconds']} s, API calls {report['api_calls']} "
          f"(request log: {run.api_calls})")
    runner.assert_second_run_changes_nothing("change_pg_plan.yml", **variables)
