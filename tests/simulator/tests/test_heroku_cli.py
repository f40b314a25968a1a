"""The official Heroku CLI (npm `heroku` v11) pointed at the simulator carries out the command
sequences of the three source documents end to end."""
from __future__ import annotations

import re
import time

import pytest
from herokusim.testing import scenario


@pytest.fixture
def heroku(sim, heroku_for):
    return heroku_for(sim)


def new_addon(sim, app: str, before: set[str]) -> dict:
    return next(a for a in sim.get(f"/apps/{app}/addons").json() if a["name"] not in before)


def addon_names(sim, app: str) -> set[str]:
    return {a["name"] for a in sim.get(f"/apps/{app}/addons").json()}


def colour_of(sim, app: str, addon: str) -> str:
    names = [a["name"] for a in sim.get(f"/addons/{addon}/addon-attachments").json()
             if a["app"]["name"] == app and a["name"].startswith("HEROKU_POSTGRESQL_")]
    return names[0]


def create_database(heroku, app: str, plan: str, *config: str) -> tuple[str, str]:
    """addons:create + pg:wait; returns the new add-on's name and colour attachment."""
    before = addon_names(heroku.sim, app)
    heroku("addons:create", f"heroku-postgresql:{plan}", "-a", app, "--", *config)
    name = new_addon(heroku.sim, app, before)["name"]
    heroku("pg:wait", "-a", app)
    return name, colour_of(heroku.sim, app, name)


def enter_window(heroku, app: str, *scale: str) -> None:
    heroku("maintenance:on", "-a", app)
    heroku("ps:scale", *scale, "-a", app)


def leave_window(heroku, app: str, *scale: str) -> None:
    heroku("ps:scale", *scale, "-a", app)
    heroku("maintenance:off", "-a", app)


def wait_caught_up(heroku, db: str, app: str) -> None:
    heroku.sim.wait_for(lambda: re.search(r"Behind By:\s+0 commits", heroku("pg:info", db, "-a", app)),
                        timeout=60, interval=1, what="0 commits behind")


def test_follower_changeover_003(heroku):
    sim = heroku.sim
    out = heroku("pg:info", "-a", "sushi")
    assert re.search(r"^=== (.+, )?DATABASE_URL(,|$)", out, re.M) and "Standard 0" in out
    follower, colour = create_database(heroku, "sushi", "standard-2", "--follow", "DATABASE_URL")
    heroku("addons:wait", follower, "-a", "sushi")
    out = heroku("pg:info", colour, "-a", "sushi")
    assert "Following:" in out and "Behind By:" in out
    enter_window(heroku, "sushi", "web=0", "worker=0")
    wait_caught_up(heroku, colour, "sushi")
    heroku("pg:unfollow", colour + "_URL", "--confirm", "sushi", "-a", "sushi")
    sim.wait_for(lambda: "Forked From:" in heroku("pg:info", colour, "-a", "sushi"), timeout=30, interval=1,
                 what="Forked From")
    heroku("pg:promote", colour, "-a", "sushi")
    leave_window(heroku, "sushi", "web=1", "worker=1")
    assert heroku("maintenance", "-a", "sushi").strip().endswith("off")
    url = heroku("config:get", "DATABASE_URL", "-a", "sushi").strip()
    assert url == sim.get("/apps/sushi/config-vars").json()[colour + "_URL"]
    out = heroku("pg:connection-pooling:attach", "DATABASE_URL", "--as", "REPORTING_POOL", "-a", "sushi")
    assert "REPORTING_POOL" in out
    heroku("addons:attach", follower, "-a", "private-spaces-example", "--as", "REPLICA")
    assert "REPLICA_URL" in sim.get("/apps/private-spaces-example/config-vars").json()
    sim.wait_for(lambda: sim.writes("sushi")["acknowledged"] > 0, what="writes on the new primary")
    heroku("addons:destroy", "postgresql-lavender-12345", "--confirm", "sushi", "-a", "sushi")
    assert "postgresql-lavender-12345" not in addon_names(sim, "sushi")
    assert sim.writes("sushi")["missing"] == 0


def test_private_space_migration_000(heroku):
    sim = heroku.sim
    target = "private-spaces-example"
    heroku("pg:info", "-a", "sushi")
    follower, colour = create_database(heroku, target, "private-0", "--follow", "postgresql-lavender-12345")
    enter_window(heroku, "sushi", "web=0", "worker=0")
    enter_window(heroku, target, "web=0")
    wait_caught_up(heroku, colour, target)
    heroku("pg:unfollow", colour, "--confirm", target, "-a", target)
    sim.wait_for(lambda: "Forked From:" in heroku("pg:info", colour, "-a", target), timeout=30, interval=1,
                 what="Forked From")
    heroku("pg:promote", colour, "-a", target)
    leave_window(heroku, target, "web=1")
    out = heroku("pg:info", "DATABASE_URL", "-a", target)
    assert "Private 0" in out and follower in out


def test_version_upgrade_002(heroku):
    sim = heroku.sim
    _name, colour = create_database(heroku, "sushi", "standard-0", "--follow", "DATABASE_URL")
    enter_window(heroku, "sushi", "web=0", "worker=0")
    wait_caught_up(heroku, colour, "sushi")
    heroku("pg:upgrade:run", colour, "--version", "16", "--confirm", "sushi", "-a", "sushi")
    out = heroku("pg:upgrade:wait", colour, "--wait-interval", "1", "-a", "sushi")
    assert "final cleanup" in out or "upgrade complete" in out
    heroku("pg:promote", colour, "-a", "sushi")
    leave_window(heroku, "sushi", "web=1", "worker=1")
    assert re.search(r"PG Version:\s+16", heroku("pg:info", "DATABASE_URL", "-a", "sushi"))
    # The direct method on the remaining 15 database: prepare, wait, run, wait.
    heroku("pg:upgrade:prepare", "HEROKU_POSTGRESQL_GREEN", "--version", "16", "--confirm", "sushi", "-a", "sushi")
    out = heroku("pg:upgrade:wait", "HEROKU_POSTGRESQL_GREEN", "--wait-interval", "1", "-a", "sushi")
    assert "scheduled" in out
    heroku("pg:upgrade:run", "HEROKU_POSTGRESQL_GREEN", "--confirm", "sushi", "-a", "sushi")
    heroku("pg:upgrade:wait", "HEROKU_POSTGRESQL_GREEN", "--wait-interval", "1", "-a", "sushi")
    assert re.search(r"PG Version:\s+16", heroku("pg:info", "HEROKU_POSTGRESQL_GREEN", "-a", "sushi"))
    assert sim.writes("sushi")["missing"] == 0
    # GREEN is the DATABASE of private-spaces-example, whose web dyno kept writing: the upgrade
    # fenced it (writes failed) and the dyno writes to the upgraded database afterwards.
    upgraded = time.time()
    sim.wait_for(lambda: (sim.writes("private-spaces-example")["last_at"] or 0) > upgraded, timeout=60,
                 what="writes to the upgraded database")
    assert sim.writes("private-spaces-example")["missing"] == 0


def test_pg_copy_002(heroku):
    sim = heroku.sim
    _name, colour = create_database(heroku, "sushi", "standard-0", "--version", "16")
    enter_window(heroku, "sushi", "web=0", "worker=0")
    out = heroku("pg:copy", "DATABASE_URL", colour, "--confirm", colour.replace("HEROKU_POSTGRESQL_", ""),
                 "-a", "sushi")
    assert "Copying" in out or "done" in out.lower()
    heroku("pg:promote", colour, "-a", "sushi")
    leave_window(heroku, "sushi", "web=1", "worker=1")
    assert re.search(r"PG Version:\s+16", heroku("pg:info", "DATABASE_URL", "-a", "sushi"))
    sim.wait_for(lambda: sim.writes("sushi")["acknowledged"] > 0, what="writes")
    assert sim.writes("sushi")["missing"] == 0


def test_plan_change_addons_upgrade_003(heroku):
    sim = heroku.sim
    heroku("addons:upgrade", "postgresql-lavender-12345", "heroku-postgresql:standard-2", "-a", "sushi")
    sim.wait_for(lambda: "ready" in heroku("data:maintenances:info", "postgresql-lavender-12345", "-a", "sushi"),
                 timeout=60, interval=1, what="maintenance ready")
    enter_window(heroku, "sushi", "web=0", "worker=0")
    heroku("data:maintenances:run", "postgresql-lavender-12345", "--wait", "-a", "sushi")
    sim.wait_for(lambda: "completed" in heroku("data:maintenances:info", "postgresql-lavender-12345", "-a", "sushi"),
                 timeout=60, interval=1, what="maintenance completed")
    leave_window(heroku, "sushi", "web=1", "worker=1")
    assert "Standard 2" in heroku("pg:info", "DATABASE_URL", "-a", "sushi")
    sim.wait_for(lambda: sim.writes("sushi")["acknowledged"] > 0, what="writes")
    assert sim.writes("sushi")["missing"] == 0


def fence_refusals(sim, app: str, dyno: str) -> list[str]:
    """The dyno's log lines of writes the fenced old primary refused."""
    lines = [line for log in sorted(sim.data_dir.glob(f"dynos/{app}/dynos/*.{dyno}.log"))
             for line in log.read_text(errors="replace").splitlines()]
    return [line for line in lines if "write failed" in line
            and ("rejects connection" in line or "read-only transaction" in line)]


def test_plan_change_dynos_running_003(heroku):
    """The document's sequence as it is written: it puts the app in maintenance mode but does not
    scale the dynos down, so the worker keeps writing through the changeover. Heroku fences the
    old primary first; the simulator too: the worker's writes fail meanwhile, none that was
    acknowledged is lost, and the worker writes to the new primary afterwards."""
    sim = heroku.sim
    addon = "postgresql-lavender-12345"
    heroku("addons:upgrade", addon, "heroku-postgresql:standard-2", "-a", "sushi")
    sim.wait_for(lambda: "ready" in heroku("data:maintenances:info", addon, "-a", "sushi"),
                 timeout=60, interval=1, what="maintenance ready")
    heroku("maintenance:on", "-a", "sushi")
    heroku("data:maintenances:run", addon, "--wait", "-a", "sushi")
    sim.wait_for(lambda: "completed" in heroku("data:maintenances:info", addon, "-a", "sushi"),
                 timeout=60, interval=1, what="maintenance completed")
    completed = time.time()
    sim.wait_for(lambda: (sim.writes("sushi")["last_at"] or 0) > completed + 1, timeout=60,
                 what="the worker writing to the new primary")
    heroku("maintenance:off", "-a", "sushi")
    assert "Standard 2" in heroku("pg:info", "DATABASE_URL", "-a", "sushi")
    writes = sim.writes("sushi")
    assert writes["missing"] == 0, writes
    assert writes["by_dyno"].get("worker.1", 0) > 0, writes
    assert fence_refusals(sim, "sushi", "worker.1"), "no write of the worker met the fence"


def test_essential_in_place(start_simulator, heroku_for):
    sim = start_simulator(scenario(
        apps=[{"name": "tiny", "formation": {"web": 1}}],
        databases=[{"addon": "essential-db", "app": "tiny", "plan": "essential-0", "version": "15",
                    "attachments": ["DATABASE"], "seed_rows": 100}]))
    heroku = heroku_for(sim)
    heroku("pg:upgrade:run", "DATABASE_URL", "--version", "16", "--confirm", "tiny", "-a", "tiny")
    heroku("pg:upgrade:wait", "DATABASE_URL", "--wait-interval", "1", "-a", "tiny")
    assert re.search(r"PG Version:\s+16", heroku("pg:info", "-a", "tiny"))
    refused = len(fence_refusals(sim, "tiny", "web.1"))
    heroku("addons:upgrade", "essential-db", "heroku-postgresql:essential-1", "-a", "tiny")
    sim.wait_for(lambda: re.search(r"Plan:\s+Essential 1\s.*Status:\s+Available", heroku("pg:info", "-a", "tiny"),
                                   re.S), timeout=60, interval=1, what="essential-1 available")
    # The web dyno kept writing: the plan change fenced the old database (writes failed), copied
    # it, and the dyno writes to the new one afterwards with nothing acknowledged lost.
    changed = time.time()
    sim.wait_for(lambda: (sim.writes("tiny")["last_at"] or 0) > changed, timeout=60, what="writes")
    assert sim.writes("tiny")["missing"] == 0
    assert len(fence_refusals(sim, "tiny", "web.1")) > refused


def test_maintenance_schedule_and_window(heroku):
    """data:maintenances:schedule moves a ready maintenance by weeks, up to its required_by;
    data:maintenances:window reads and changes the window the maintenance shows."""
    sim = heroku.sim
    addon = "postgresql-lavender-12345"
    heroku("addons:upgrade", addon, "heroku-postgresql:standard-2", "-a", "sushi")
    sim.wait_for(lambda: "ready" in heroku("data:maintenances:info", addon, "-a", "sushi"),
                 timeout=60, interval=1, what="maintenance ready")
    out = heroku("data:maintenances:schedule", addon, "--weeks", "1", "-a", "sushi")
    moved = sim.get(f"/data/maintenances/v1/{addon}").json()
    assert f"changed from {moved['previously_scheduled_for']} to {moved['scheduled_for']}" in out
    info = heroku("data:maintenances:info", addon, "-a", "sushi")
    assert re.search(rf"\bscheduled_for:\s+{re.escape(moved['scheduled_for'])}", info)
    assert re.search(rf"previously_scheduled_for:\s+{re.escape(moved['previously_scheduled_for'])}", info)
    refused = heroku("data:maintenances:schedule", addon, "--weeks", "1", "-a", "sushi", check=False)
    refused = " ".join(refused.replace("›", " ").split())  # the CLI wraps its error lines
    assert f"is required by {moved['required_by']}" in refused and "Error ID: invalid_params" in refused
    assert sim.get(f"/data/maintenances/v1/{addon}").json()["scheduled_for"] == moved["scheduled_for"]

    assert re.search(r"window:\s+Thursdays 21:30 to Fridays 01:30 UTC",
                     heroku("data:maintenances:window", addon, "-a", "sushi"))
    out = heroku("data:maintenances:window:update", addon, "tuesday", "5:30PM", "-a", "sushi")
    assert re.search(r"previous_window:\s+Thursdays 21:30 to Fridays 01:30 UTC", out)
    assert re.search(r"\bwindow:\s+Tuesdays 17:30 to 21:30 UTC", out)
    assert re.search(r"\bwindow:\s+Tuesdays 17:30 to 21:30 UTC", heroku("data:maintenances:info", addon, "-a", "sushi"))
