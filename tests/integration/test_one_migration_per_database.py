# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One database, one migration: shop's database is shop-admin's DATABASE_URL too. The fleet inventory selects it
once, two hosts of one run that name it migrate it once, and a second run is refused while the first holds it."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from playbook_support import PLAYBOOKS, failed, ok, start_runner
from simenv import PLAYBOOK_BIN
from test_inventory_heroku_pg import listed, source

FORMATIONS = {"shop": {"web": 1}, "shop-admin": {"web": 1}}
APPS = [{"name": app, "formation": formation} for app, formation in FORMATIONS.items()]
DATABASES = [{"addon": "pg-shop", "app": "shop", "plan": "standard-0", "version": "15", "seed_rows": 100,
              "attachments": ["DATABASE"], "attached_to": {"shop-admin": ["DATABASE"]}}]
CHANGE = {"plan": "standard-2", "method": "follower_changeover"}
LOCK = "locks/database-pg-shop.lock"


@pytest.fixture
def shared(start_sim, ansible_factory, tmp_path):
    return start_runner(start_sim, ansible_factory, tmp_path, APPS, DATABASES, writers=FORMATIONS)


def playbook(runner, inventory, playbook_name, *args, **variables):
    """ansible-playbook -i inventory playbook args... with the runner's variables."""
    command = [str(PLAYBOOK_BIN), "-i", str(inventory), str(PLAYBOOKS / playbook_name), *args,
               "-e", json.dumps(runner.extra(**variables))]
    mark = runner.sim.mark()
    run = subprocess.run(command, env={**runner.ansible.env(), "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"},
                         cwd=runner.ansible.workdir, capture_output=True, text=True, timeout=900, check=False)
    run.changes = runner.sim.changes_since(mark)
    assert not [s for s in runner.sim.secrets() if s in run.stdout], "a database password appeared in the output"
    return run


def assert_one_new_database_for_both(runner):
    """shop and shop-admin on one and the same new database, owned by shop, every write in it; no locks left."""
    sim = runner.sim
    new = sim.attachments("shop")[("DATABASE", None)]
    assert new != "pg-shop" and sim.attachments("shop-admin")[("DATABASE", None)] == new
    addon = sim.get(f"/addons/{new}")
    assert addon["app"]["name"] == "shop" and addon["plan"]["name"] == "heroku-postgresql:standard-2"
    assert not sim.database(new)["following"]
    # One migration: one new database, the old one still there for decommissioning.
    assert sorted(a["name"] for a in sim.get("/addons")) == sorted(["pg-shop", new])
    runner.assert_back_as_before(FORMATIONS)
    runner.assert_nothing_lost(*FORMATIONS)
    assert list((runner.state_dir / "locks").glob("*.lock")) == []


def test_the_readme_fleet_wave_migrates_a_shared_database_once(shared, tmp_path):
    """The README's fleet workflow: the inventory plugin, then change_pg_plan --limit pg_version_15."""
    path = source(tmp_path)
    groups, hostvars, _calls = listed(shared.ansible, path)
    assert groups["pg_version_15"] == ["shop"] and groups["pg_attached_only"] == ["shop-admin"]
    assert hostvars["shop"]["heroku_pg_attached_apps"] == ["shop-admin"]
    assert hostvars["shop-admin"]["heroku_pg_migrating_app"] == "shop"

    ok(playbook(shared, path, "change_pg_plan.yml", "--limit", "pg_version_15", "--forks", "5", **CHANGE))
    assert_one_new_database_for_both(shared)


def test_two_hosts_of_one_run_naming_one_database_migrate_it_once(shared, tmp_path):
    """shop and shop-admin given as hosts of a static inventory: caught at preflight, the database migrated once.

    Needs the planning that creates the new database on the app that owns the old one, whichever app names it:
    without it, shop-admin's run plans another target app, and the run refuses it, naming both hosts."""
    inventory = tmp_path / "fleet.yml"
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"shop": local, "shop-admin": local}}}))
    # One host's first look at Heroku answers 3 s late: the two hosts plan in different seconds, so their new
    # databases' names (which hold the time) differ, and must not tell the two hosts apart.
    shared.sim.admin("POST", "/faults", json={"method": "GET", "path": "^/apps/[^/]+/addon-attachments$", "latency": 3, "times": 1})
    run = ok(playbook(shared, inventory, "change_pg_plan.yml", "--forks", "2", **CHANGE))
    ended = [host for host in FORMATIONS if f"host {host} ends here, without change" in run.stdout]
    assert len(ended) == 1, run.stdout[-6000:]
    migrating = next(host for host in FORMATIONS if host not in ended)
    assert f"is migrated by host {migrating} of this run" in run.stdout
    # The host that ended left no state file behind: a later run of it starts afresh.
    assert [p.name for p in shared.state_dir.glob(f"{ended[0]}.*.json")] == []
    assert_one_new_database_for_both(shared)


def test_a_second_run_is_refused_while_the_first_prepares(shared):
    """Another playbook, through the other app, while the first run creates its follower: refused, naming the
    owner, before any change."""
    sim = shared.sim
    # Hold the first run inside its preparation: the follower's creation answers after 40 s (within the client's
    # 60 s request timeout).
    sim.admin("POST", "/faults", json={"method": "POST", "path": "^/apps/shop/addons$", "latency": 40, "times": 1})
    first = shared.start("change_pg_plan.yml", app="shop", **CHANGE)
    try:
        lock = shared.state_dir / LOCK
        sim.wait_until(lock.exists, "the first run's lock", timeout=120)
        owner = json.loads(lock.read_text())
        # The pid of ansible-playbook itself (the action plugin runs in a worker it forked).
        assert (owner["host"], owner["app"], owner["pid"]) == ("shop", "shop", first.pid)

        second = failed(shared.run("upgrade_pg.yml", app="shop-admin", version="16"),
                        "Database pg-shop is being migrated by another run: host shop (app shop, migration "
                        f"{owner['migration_id']}), ansible-playbook pid {first.pid} on {owner['controller']}, "
                        f"started at {owner['started_at']}.", "Wait until that run ends")
        assert second.changes == []
        assert first.poll() is None, "the first run ended before the second one was refused"
        assert json.loads(lock.read_text()) == owner
        assert [p.name for p in shared.state_dir.glob("shop-admin.*.json")] == []  # its plan was not kept
        assert first.wait(timeout=600) == 0, (shared.state_dir.parent / "killed-run.log").read_text()[-6000:]
    finally:
        if first.poll() is None:
            shared.kill(first)
    assert_one_new_database_for_both(shared)
