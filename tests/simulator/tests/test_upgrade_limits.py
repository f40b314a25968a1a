"""pg:upgrade past Heroku's documented limits (more than 1,000 schemas or 10,000 objects) fails
with Heroku's message on every path and leaves the database as it was; under them it works.
The limits are lowered (timings) so that the fixture stays small."""
from __future__ import annotations

import psycopg
from herokusim.testing import BASIC, scenario

UPGRADE_ERROR = "version upgrade error, check your Heroku email notifications for details"


def fixture() -> dict:
    return scenario(
        apps=[{"name": name, "formation": {"web": 0}} for name in ("shop", "tiny", "kiosk")],
        databases=[
            # 3 + public > 3 schemas
            {"addon": "ess-over", "app": "tiny", "plan": "essential-0", "version": "15",
             "attachments": ["DATABASE"], "seed_rows": 10, "schemas": 3},
            # 2 + public = 3 schemas; 3 (items) + 2 x 2 (tenants) + 3 (sessions) objects
            {"addon": "ess-under", "app": "kiosk", "plan": "essential-0", "version": "15",
             "attachments": ["DATABASE"], "seed_rows": 10, "schemas": 2,
             "unlogged_tables": {"sessions": 100}},
            # 3 (items) + 3 (sessions) + 40 views > 40 objects
            {"addon": "std-over", "app": "shop", "plan": "standard-0", "version": "15",
             "attachments": ["DATABASE"], "seed_rows": 10, "objects": 40,
             "unlogged_tables": {"sessions": 100}},
            {"addon": "std-follow", "app": "shop", "plan": "standard-0", "follows": "std-over",
             "attachments": ["HEROKU_POSTGRESQL_RED"]},
        ],
        timings={**BASIC["timings"], "upgrade_max_schemas": 3, "upgrade_max_objects": 40})


def url(sim, app: str, var: str = "DATABASE_URL") -> str:
    return sim.get(f"/apps/{app}/config-vars").json()[var]


def state(database_url: str) -> tuple:
    """(major version, rows of items, rows of sessions or None), over TLS as Heroku requires."""
    with psycopg.connect(database_url, sslmode="require", connect_timeout=10) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0].split(".")[0]
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        has_sessions = conn.execute("SELECT to_regclass('sessions') IS NOT NULL").fetchone()[0]
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0] if has_sessions else None
        return version, items, sessions


def upgrade_status(sim, addon: str) -> dict:
    """The upgrade's last status, once it is no longer running."""
    return sim.wait_for(lambda: (s := sim.get(f"/client/v11/databases/{addon}/upgrade/wait_status").json())
                        ["waiting?"] is False and s, timeout=120, what=f"upgrade of {addon} to end")


def caught_up(sim, addon: str) -> bool:
    info = sim.get(f"/client/v11/databases/{addon}").json()
    return next(e["values"] for e in info["info"] if e["name"] == "Behind By") == ["0 commits"]


def test_upgrades_past_the_limits_fail_and_keep_the_database(start_simulator):
    sim = start_simulator(fixture())
    with psycopg.connect(url(sim, "tiny"), sslmode="require") as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]
    sim.wait_for(lambda: caught_up(sim, "std-follow"), what="follower caught up")
    for addon in ("std-follow", "ess-over", "ess-under"):
        started = sim.post(f"/client/v11/databases/{addon}/upgrade/run", json={"version": "16"})
        assert started.status_code == 200, started.text
    assert sim.post("/client/v11/databases/std-over/upgrade/prepare", json={"version": "16"}).status_code == 200
    sim.wait_for(lambda: "scheduled" in sim.get("/client/v11/databases/std-over/upgrade/wait_status").json()["message"],
                 what="upgrade prepared")
    assert sim.post("/client/v11/databases/std-over/upgrade/run", json={}).status_code == 200

    for addon in ("std-follow", "ess-over", "std-over"):
        status = upgrade_status(sim, addon)
        assert status["error?"] is True and status["message"] == UPGRADE_ERROR, (addon, status)
        database = sim.get(f"/client/v11/databases/{addon}/wait_status").json()
        assert database == {"waiting?": False, "error?": True, "message": UPGRADE_ERROR, "step": status["step"]}
        assert sim.get(f"/client/v11/databases/{addon}").json()["postgres_version"].startswith("15.")
    assert state(url(sim, "tiny")) == ("15", 10, None)
    assert state(url(sim, "shop")) == ("15", 10, 100)
    # The follower had unfollowed before its upgrade failed: writable, its unlogged table empty as
    # PostgreSQL streams it.
    assert sim.get("/client/v11/databases/std-follow").json()["following"] is None
    assert state(url(sim, "shop", "HEROKU_POSTGRESQL_RED_URL")) == ("15", 10, 0)
    for app in ("tiny", "shop"):  # no fence left behind
        with psycopg.connect(url(sim, app), autocommit=True) as conn:
            conn.execute("INSERT INTO items (name) VALUES ('after the failed upgrade')")

    status = upgrade_status(sim, "ess-under")
    assert status["error?"] is False and status["message"] == "upgrade complete"
    assert state(url(sim, "kiosk")) == ("16", 10, 100)  # pg_upgrade keeps unlogged rows
