# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The heroku_pg inventory plugin through ansible-inventory and ansible-playbook, against herokusim."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from playbook_support import PLAYBOOKS, ok, start_runner
from simenv import TOKEN, Ansible, running_simulator, scenario

INVENTORY_BIN = Path(sys.executable).with_name("ansible-inventory")
PLAYBOOK_BIN = Path(sys.executable).with_name("ansible-playbook")

APPS = [
    {"name": "sushi", "formation": {"web": 1}},
    {"name": "modern", "team": "acme", "space": "acme-space", "region": "eu", "formation": {}},
    {"name": "analytics", "team": "acme", "formation": {}},
    {"name": "nodb", "team": "acme", "formation": {}},
]
DATABASES = [
    {"addon": "pg-sushi", "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 10,
     "attachments": ["DATABASE", "HEROKU_POSTGRESQL_RED"], "pools": ["DATABASE_CONNECTION_POOL"],
     "attached_to": {"analytics": ["DATABASE"]}},
    {"addon": "pg-sushi-follower", "app": "sushi", "plan": "standard-0", "follows": "pg-sushi",
     "attachments": ["HEROKU_POSTGRESQL_WHITE"]},
    {"addon": "pg-modern", "app": "modern", "plan": "essential-1", "version": "16"},
]
# 1 list of apps + 1 attachment list per app + 1 data API read per database.
FULL_READ = 1 + len(APPS) + len(DATABASES)


def source(directory: Path, name="fleet", **options) -> Path:
    path = directory / f"{name}.heroku_pg.yml"
    path.write_text(yaml.safe_dump({"plugin": "herokuops.postgres.heroku_pg", **options}, sort_keys=False))
    return path


def inventory(ansible, path, *args, env=None):
    """ansible-inventory -i path args... (with these environment variables added); an inventory source that
    fails to parse fails the command. The result also tells the API calls it made (api_calls: method and path).
    """
    env = {**ansible.env(), "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1", "ANSIBLE_INVENTORY_ENABLED": "auto", **(env or {})}
    mark = ansible.sim.mark()
    completed = subprocess.run([str(INVENTORY_BIN), "-i", str(path), *args], env=env, cwd=ansible.workdir,
                               capture_output=True, text=True, timeout=120, check=False)
    completed.api_calls = [(r["method"], r["path"]) for r in ansible.sim.requests_since(mark)
                           if not r["path"].startswith("/__sim/")]
    secrets = [s for s in ansible.sim.secrets() | {TOKEN} if s in completed.stdout + completed.stderr]
    assert not secrets, "a secret appeared in ansible-inventory's output"
    return completed


def plain(value):
    """JSON from ansible-inventory with Ansible's {"__ansible_unsafe": ...} marks of API-sourced strings removed."""
    if isinstance(value, dict):
        return value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else {k: plain(v) for k, v in value.items()}
    return [plain(item) for item in value] if isinstance(value, list) else value


def listed(ansible, path, *args, env=None):
    """ansible-inventory --list: (groups -> sorted hosts, hostvars, API calls made)."""
    completed = inventory(ansible, path, "--list", *args, env=env)
    assert completed.returncode == 0, completed.stderr
    data = plain(json.loads(completed.stdout))
    groups = {name: sorted(body.get("hosts", [])) for name, body in data.items() if name != "_meta"}
    return groups, data["_meta"]["hostvars"], completed.api_calls


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """One simulator for the read-only tests."""
    with running_simulator(scenario(APPS, DATABASES)) as sim:
        yield sim, Ansible(sim, tmp_path_factory.mktemp("inventory"))


def test_one_host_per_app_with_its_databases_and_groups(fleet):
    ansible = fleet[1]
    path = source(ansible.workdir)
    graph = inventory(ansible, path, "--graph")
    assert graph.returncode == 0, graph.stderr
    assert "@pg_version_15:" in graph.stdout and "@space_acme_space:" in graph.stdout

    groups, hostvars, calls = listed(ansible, path)
    assert len(calls) == FULL_READ and all(method == "GET" for method, _path in calls), calls
    assert sorted(hostvars) == ["analytics", "modern", "sushi"]  # nodb has no database
    # pg-sushi is analytics' DATABASE_URL too: the groups select it once, through sushi, which owns it.
    assert groups["pg_version_15"] == ["sushi"] and groups["pg_version_16"] == ["modern"]
    assert groups["tier_standard"] == ["sushi"] and groups["tier_essential"] == ["modern"]
    assert groups["plan_standard_0"] == ["sushi"] and groups["plan_essential_1"] == ["modern"]
    assert groups["space_acme_space"] == ["modern"] and groups["pg_attached_only"] == ["analytics"]

    sushi = hostvars["sushi"]
    assert (sushi["heroku_app"], sushi["heroku_team"], sushi["heroku_space"], sushi["heroku_region"]) == (
        "sushi", None, None, "us")
    assert (sushi["heroku_pg_database"], sushi["heroku_pg_plan"], sushi["heroku_pg_tier"], sushi["heroku_pg_major_version"]) == (
        "pg-sushi", "standard-0", "standard", 15)
    assert sushi["heroku_pg_version"].startswith("15.")
    assert (sushi["heroku_pg_attached_apps"], sushi["heroku_pg_migrating_app"]) == (["analytics"], "sushi")
    assert (sushi["ansible_connection"], sushi["ansible_python_interpreter"]) == ("local", "{{ ansible_playbook_python }}")
    leader, follower = sushi["heroku_pg_databases"]
    assert leader["name"] == "pg-sushi" and leader["primary"] and leader["app"] == "sushi"
    assert leader["attachments"] == ["DATABASE", "HEROKU_POSTGRESQL_RED"] and leader["pools"] == ["DATABASE_CONNECTION_POOL"]
    assert leader["followers"] == ["pg-sushi-follower"] and leader["num_bytes"] > 0 and leader["num_tables"] >= 1
    assert (follower["name"], follower["primary"], follower["following"], follower["leader"]) == (
        "pg-sushi-follower", False, True, "pg-sushi")
    assert isinstance(follower["behind_by"], int) and follower["major_version"] == 15

    # A database billed to another app, attached here as DATABASE.
    analytics = hostvars["analytics"]
    assert analytics["heroku_team"] == "acme" and analytics["heroku_pg_database"] == "pg-sushi"
    assert [(db["name"], db["app"], db["attachments"]) for db in analytics["heroku_pg_databases"]] == [
        ("pg-sushi", "sushi", ["DATABASE"])]
    assert (analytics["heroku_pg_attached_apps"], analytics["heroku_pg_migrating_app"]) == (["sushi"], "sushi")
    modern = hostvars["modern"]
    assert (modern["heroku_space"], modern["heroku_region"], modern["heroku_pg_tier"]) == ("acme-space", "eu", "essential")
    assert (modern["heroku_pg_attached_apps"], modern["heroku_pg_migrating_app"]) == ([], "modern")


def test_team_compose_groups_keyed_groups_and_filters(fleet):
    ansible = fleet[1]
    path = source(
        ansible.workdir, "team", team="acme", strict=True, local_connection=False,
        api_key="{{ lookup('ansible.builtin.env', 'FLEET_TOKEN') }}",
        filters=["heroku_pg_major_version is not none", "heroku_pg_databases | length == 1"],
        compose={"plan": "'standard-2' if heroku_pg_tier == 'standard' else heroku_pg_plan",
                 "ansible_connection": "'local'"},
        groups={"shares_a_database": "heroku_pg_databases | rejectattr('app', 'eq', heroku_app) | list | length > 0"},
        keyed_groups=[{"key": "heroku_region", "prefix": "region"},
                      {"key": "heroku_pg_databases | map(attribute='major_version') | list", "prefix": "any_version"}])
    # The templated api_key wins over HEROKU_API_KEY.
    groups, hostvars, calls = listed(ansible, path, env={"HEROKU_API_KEY": "not-a-token", "FLEET_TOKEN": TOKEN})
    assert ("GET", "/teams/acme/apps") in calls
    assert sorted(hostvars) == ["analytics", "modern"]  # sushi is no team app, nodb has no database
    assert {host: vars_["plan"] for host, vars_ in hostvars.items()} == {"analytics": "standard-2", "modern": "essential-1"}
    assert hostvars["modern"]["ansible_connection"] == "local" and "ansible_python_interpreter" not in hostvars["modern"]
    assert groups["shares_a_database"] == ["analytics"]
    assert groups["region_us"] == ["analytics"] and groups["region_eu"] == ["modern"]
    assert groups["any_version_15"] == ["analytics"] and groups["any_version_16"] == ["modern"]
    # sushi, which owns analytics' database, is no team app: the team's fleet migrates it through analytics.
    assert groups["pg_version_15"] == ["analytics"] and "pg_attached_only" not in groups
    assert (hostvars["analytics"]["heroku_pg_migrating_app"], hostvars["analytics"]["heroku_pg_attached_apps"]) == (
        "analytics", [])

    filtered = source(ansible.workdir, "filtered", filters=["heroku_pg_tier == 'standard'", "heroku_space is none"])
    assert sorted(listed(ansible, filtered)[1]) == ["analytics", "sushi"]

    broken = inventory(ansible, source(ansible.workdir, "broken", strict=True, filters=["undefined_variable > 1"]), "--list")
    assert broken.returncode != 0 and "undefined_variable" in broken.stderr
    unknown = inventory(ansible, source(ansible.workdir, "unknown", team="nope"), "--list")
    assert unknown.returncode != 0 and "GET /teams/nope/apps failed with HTTP 404" in unknown.stderr, unknown.stderr


def test_inventory_cache(fleet):
    ansible = fleet[1]
    path = source(ansible.workdir, "cached", cache=True, cache_plugin="ansible.builtin.jsonfile",
                  cache_connection=str(ansible.workdir / "cache"), cache_timeout=600)
    groups, hostvars, calls = listed(ansible, path)
    assert len(calls) == FULL_READ
    cached = list((ansible.workdir / "cache").iterdir())
    assert len(cached) == 1 and "postgres://" not in cached[0].read_text()

    assert listed(ansible, path) == (groups, hostvars, [])
    flushed = listed(ansible, path, "--flush-cache")
    assert (flushed[0], flushed[2]) == (groups, calls)


FLEET = {"tiny": {"web": 1}, "small": {"web": 1, "worker": 1}, "modern": {"web": 1}}


def test_upgrade_playbook_migrates_the_pg_version_15_group_in_parallel(start_sim, ansible_factory, tmp_path):
    """ansible-playbook -i fleet.heroku_pg.yml upgrade_pg.yml --limit pg_version_15 --forks 2, Essential in place."""
    runner = start_runner(
        start_sim, ansible_factory, tmp_path, [{"name": app, "formation": f} for app, f in FLEET.items()],
        [{"addon": f"pg-{app}", "app": app, "plan": "essential-0", "version": "16" if app == "modern" else "15",
          "seed_rows": 100} for app in FLEET],
        writers=FLEET)
    sim, ansible = runner.sim, runner.ansible
    path = source(tmp_path)
    groups = listed(ansible, path)[0]
    assert groups["pg_version_15"] == ["small", "tiny"] and groups["pg_version_16"] == ["modern"]

    mark = sim.mark()
    command = [str(PLAYBOOK_BIN), "-i", str(path), str(PLAYBOOKS / "upgrade_pg.yml"), "--limit", "pg_version_15",
               "--forks", "2", "-e", json.dumps(runner.extra(version=16))]
    run = ok(subprocess.run(command, env={**ansible.env(), "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"},
                            cwd=ansible.workdir, capture_output=True, text=True, timeout=900, check=False))
    assert not [s for s in sim.secrets() if s in run.stdout], "a database password appeared in the playbook's output"
    untouched = ("modern", sim.get("/addons/pg-modern")["id"])  # outside the limit
    assert not [change for change in sim.changes_since(mark) if any(name in change[1] for name in untouched)]

    for app in ("tiny", "small"):
        assert runner.report(f"{app}.upgrade_pg.DATABASE.16")["method"] == "pg_upgrade (in_place)"
    runner.assert_back_as_before(FLEET)
    runner.assert_nothing_lost(*FLEET)
    groups = listed(ansible, path)[0]
    assert "pg_version_15" not in groups and groups["pg_version_16"] == ["modern", "small", "tiny"]
    print(f"\nfleet upgrade, --limit pg_version_15 --forks 2: windows "
          f"{[runner.report(f'{app}.upgrade_pg.DATABASE.16')['window_seconds'] for app in ('tiny', 'small')]} s")
