# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/upgrade_pg.yml, PostgreSQL 15 to 16 (a real pg_upgrade), while the app's dynos write."""

from __future__ import annotations

import sys

import pytest
import yaml
from playbook_support import ok, start_runner

OLD = "postgresql-lavender-12345"
FORMATION = {"web": 1, "worker": 1}
APPS = [{"name": "sushi", "formation": FORMATION}]
STANDARD = [{"addon": OLD, "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 1000,
             "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]}]


def major(sim, addon):
    return sim.database(addon)["postgres_version"].split(".")[0]


@pytest.fixture
def standard(start_sim, ansible_factory, tmp_path):
    return start_runner(start_sim, ansible_factory, tmp_path, APPS, STANDARD, writers=["sushi"])


def test_follower_method_changes_version_and_plan(standard):
    """auto, with a new plan: the follower method (002 A2); run by the playbook's FQCN."""
    sim = standard.sim
    variables = {"app": "sushi", "version": "16", "plan": "standard-2"}
    run = ok(standard.run("herokuops.postgres.upgrade_pg", **variables))

    new = sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD and major(sim, new) == "16" and major(sim, OLD) == "15"
    assert sim.get(f"/addons/{new}")["plan"]["name"] == "heroku-postgresql:standard-2"
    assert not sim.database(new)["following"]
    standard.assert_back_as_before({"sushi": FORMATION})
    standard.assert_nothing_lost("sushi")

    report = standard.report("sushi.upgrade_pg.DATABASE.16")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["method"] == "pg_upgrade (follower)" and report["new_primary"] == new
    print(f"\npg_upgrade (follower): window {report['window_seconds']} s, API calls {report['api_calls']} "
          f"(request log: {run.api_calls})")
    standard.assert_second_run_changes_nothing("herokuops.postgres.upgrade_pg", **variables)


def test_direct_method_upgrades_the_database_itself(standard):
    """auto, same plan: Heroku's direct method, prepared while live and run in the window."""
    sim = standard.sim
    variables = {"app": "sushi", "version": "16"}
    run = ok(standard.run("upgrade_pg.yml", **variables))

    assert sim.attachments("sushi")[("DATABASE", None)] == OLD and major(sim, OLD) == "16"
    standard.assert_back_as_before({"sushi": FORMATION})
    standard.assert_nothing_lost("sushi")

    report = standard.report("sushi.upgrade_pg.DATABASE.16")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["method"] == "pg_upgrade (direct)" and report["new_primary"] == OLD
    print(f"\npg_upgrade (direct): window {report['window_seconds']} s, API calls {report['api_calls']} "
          f"(request log: {run.api_calls})")
    standard.assert_second_run_changes_nothing("upgrade_pg.yml", **variables)


def test_pg_copy_to_a_new_database(standard):
    sim = standard.sim
    variables = {"app": "sushi", "version": "16", "method": "pg_copy"}
    run = ok(standard.run("upgrade_pg.yml", **variables))

    new = sim.attachments("sushi")[("DATABASE", None)]
    assert new != OLD and major(sim, new) == "16"
    assert sim.get(f"/addons/{new}")["plan"]["name"] == "heroku-postgresql:standard-0"
    standard.assert_back_as_before({"sushi": FORMATION})
    standard.assert_nothing_lost("sushi")

    report = standard.report("sushi.upgrade_pg.DATABASE.16")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["method"] == "pg_copy"
    assert any("default credential" in f for f in report["manual_follow_ups"])
    print(f"\npg_copy: window {report['window_seconds']} s, API calls {report['api_calls']} (request log: {run.api_calls})")
    standard.assert_second_run_changes_nothing("upgrade_pg.yml", **variables)


FLEET = {"tiny": {"web": 1}, "small": {"web": 1, "worker": 1}}


def test_essential_databases_of_a_fleet_are_upgraded_in_place_in_parallel(start_sim, ansible_factory, tmp_path):
    """One inventory host per app, --forks 2: both Essential databases upgraded in place at once."""
    runner = start_runner(
        start_sim, ansible_factory, tmp_path, [{"name": app, "formation": f} for app, f in FLEET.items()],
        [{"addon": f"pg-{app}", "app": app, "plan": "essential-0", "version": "15", "seed_rows": 100} for app in FLEET],
        writers=FLEET)
    sim = runner.sim
    inventory = tmp_path / "fleet.yml"
    inventory.write_text(yaml.safe_dump({"all": {
        "hosts": {app: {} for app in FLEET},
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "version": 16}}}))
    runner.ansible.inventory = inventory

    run = ok(runner.run("upgrade_pg.yml"))
    assert "tiny" in run.stdout and "small" in run.stdout

    for app in FLEET:
        assert major(sim, f"pg-{app}") == "16"
        report = runner.report(f"{app}.upgrade_pg.DATABASE.16")
        assert report["method"] == "pg_upgrade (in_place)"
    runner.assert_back_as_before(FLEET)
    runner.assert_nothing_lost(*FLEET)
    print(f"\npg_upgrade (in_place, Essential) x2: windows "
          f"{[runner.report(f'{app}.upgrade_pg.DATABASE.16')['window_seconds'] for app in FLEET]} s, API calls "
          f"{[runner.report(f'{app}.upgrade_pg.DATABASE.16')['api_calls'] for app in FLEET]} (request log: {run.api_calls})")
    runner.assert_second_run_changes_nothing("upgrade_pg.yml")
