"""Heroku Postgres semantics on real clusters: lag, unfollow, upgrades, pg:copy, the writes
ledger, and start/stop speed with no process left behind."""
from __future__ import annotations

import time

import psycopg
from herokusim.testing import BASIC, scenario


SEED_TABLE = "items"


def info_value(info: dict, name: str) -> list[str]:
    return next((e["values"] for e in info["info"] if e["name"] == name), [])


def behind_by(sim, addon: str) -> int | None:
    values = info_value(sim.get(f"/client/v11/databases/{addon}").json(), "Behind By")
    return int(values[0].split()[0]) if values else None


def query(url: str, sql: str):
    with psycopg.connect(url, connect_timeout=10) as conn:
        return conn.execute(sql).fetchone()


def wait_available(sim, addon: str, timeout: float = 120) -> None:
    sim.wait_for(lambda: not sim.get(f"/client/v11/databases/{addon}/wait_status").json()["waiting?"],
                 timeout=timeout, what=f"{addon} available")


def test_follower_lag_is_real_and_unfollow_makes_it_writable(start_simulator):
    sim = start_simulator(scenario(
        apps=[{"name": "sushi", "formation": {"web": 1, "worker": 2}}],
        databases=[
            {"addon": "leader-db", "app": "sushi", "plan": "standard-0", "version": "15",
             "attachments": ["DATABASE"]},
            {"addon": "follower-db", "app": "sushi", "plan": "standard-0", "follows": "leader-db",
             "attachments": ["HEROKU_POSTGRESQL_RED"], "apply_delay_ms": 1500},
        ],
        timings={"write_interval": 0.01}))
    peak = sim.wait_for(lambda: (behind_by(sim, "follower-db") or 0) > 5 and behind_by(sim, "follower-db"),
                        timeout=30, what="lag under write load")
    assert peak > 5
    sim.patch("/apps/sushi", json={"maintenance": True})
    sim.patch("/apps/sushi/formation", json={"updates": [{"type": "web", "quantity": 0},
                                                         {"type": "worker", "quantity": 0}]})
    sim.wait_for(lambda: behind_by(sim, "follower-db") == 0, timeout=30, what="follower caught up")
    info = sim.get("/client/v11/databases/follower-db").json()
    assert info["following"] and info_value(info, "Following")

    assert sim.put("/client/v11/databases/follower-db/unfollow").status_code == 200
    sim.wait_for(lambda: sim.get("/client/v11/databases/follower-db").json()["following"] is None,
                 timeout=30, what="unfollowed")
    info = sim.get("/client/v11/databases/follower-db").json()
    assert info_value(info, "Forked From") and not info_value(info, "Behind By")
    url = sim.get("/apps/sushi/config-vars").json()["HEROKU_POSTGRESQL_RED_URL"]
    assert query(url, "SELECT pg_is_in_recovery()")[0] is False
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE after_unfollow (id int)")
        conn.execute("INSERT INTO after_unfollow VALUES (1)")
    # Promote: every write acknowledged by the old primary had reached the follower.
    promoted = sim.post("/addon-attachments", json={"addon": {"name": "follower-db"}, "app": {"name": "sushi"},
                                                    "name": "DATABASE", "confirm": "sushi"})
    assert promoted.status_code == 201, promoted.text
    assert sim.database_url("sushi") == url
    report = sim.writes("sushi")
    assert report["acknowledged"] > 0 and report["missing"] == 0


def test_follower_upgrade_runs_real_pg_upgrade(start_simulator):
    sim = start_simulator(scenario(
        apps=[{"name": "sushi", "formation": {"web": 0}}],
        databases=[
            {"addon": "leader-db", "app": "sushi", "plan": "standard-0", "version": "15",
             "attachments": ["DATABASE"], "seed_rows": 5000},
            {"addon": "follower-db", "app": "sushi", "plan": "standard-2", "follows": "leader-db",
             "attachments": ["HEROKU_POSTGRESQL_RED"]},
        ]))
    sim.wait_for(lambda: behind_by(sim, "follower-db") == 0, what="caught up")
    resp = sim.post("/client/v11/databases/follower-db/upgrade/run", json={"version": "16"})
    assert resp.status_code == 200, resp.text
    steps = set()

    def done():
        status = sim.get("/client/v11/databases/follower-db/upgrade/wait_status").json()
        steps.add(status.get("step"))
        assert not status.get("error?"), status
        return not status["waiting?"]

    sim.wait_for(done, timeout=120, interval=0.05, what="upgrade")
    assert len(steps - {None}) >= 3
    url = sim.get("/apps/sushi/config-vars").json()["HEROKU_POSTGRESQL_RED_URL"]
    assert query(url, "SHOW server_version")[0].startswith("16")
    assert query(url, f"SELECT count(*) FROM {SEED_TABLE}")[0] == 5000
    info = sim.get("/client/v11/databases/follower-db").json()
    assert info["following"] is None and info_value(info, "PG Version")[0].startswith("16")


def test_follower_upgrade_refused_while_behind(start_simulator):
    sim = start_simulator(scenario(
        apps=[{"name": "sushi", "formation": {"worker": 1}}],
        databases=[
            {"addon": "leader-db", "app": "sushi", "plan": "standard-0", "version": "15", "attachments": ["DATABASE"]},
            {"addon": "follower-db", "app": "sushi", "plan": "standard-0", "follows": "leader-db"},
        ]))
    sim.admin("POST", "/databases/follower-db/replay", json={"paused": True})
    sim.wait_for(lambda: (behind_by(sim, "follower-db") or 0) > 0, what="lag")
    refused = sim.post("/client/v11/databases/follower-db/upgrade/run", json={"version": "16"})
    assert refused.status_code == 422
    assert refused.json()["message"].startswith("database must not be too far behind leader")


def test_pg_copy_keeps_rows(sim):
    created = sim.post("/apps/sushi/addons", json={"plan": "heroku-postgresql:standard-0",
                                                   "config": {"version": "16"}}).json()
    wait_available(sim, created["id"])
    config = sim.get("/apps/sushi/config-vars").json()
    target_var = next(v for v in created["config_vars"] if v != "DATABASE_URL")
    resp = sim.post(f"/client/v11/databases/{created['id']}/transfers", json={
        "from_name": "DATABASE", "from_url": config["DATABASE_URL"],
        "to_name": target_var[:-4], "to_url": config[target_var]})
    assert resp.status_code == 201, resp.text
    transfer = sim.wait_for(lambda: (t := sim.get(f"/client/v11/apps/sushi/transfers/{resp.json()['uuid']}").json())
                            ["finished_at"] and t, timeout=60, what="copy")
    assert transfer["succeeded"] is True and transfer["processed_bytes"] > 0
    assert query(config[target_var], f"SELECT count(*) FROM {SEED_TABLE}")[0] == 1000
    assert query(config[target_var], "SHOW server_version")[0].startswith("16")


def test_pg_copy_starts_after_copy_start_seconds(start_simulator):
    """A transfer waits copy_start_seconds (Heroku starts a backup worker first), not started meanwhile."""
    sim = start_simulator(scenario(timings={**BASIC["timings"], "copy_start_seconds": 2.0}))
    created = sim.post("/apps/sushi/addons", json={"plan": "heroku-postgresql:standard-0"}).json()
    wait_available(sim, created["id"])
    config = sim.get("/apps/sushi/config-vars").json()
    target_var = next(v for v in created["config_vars"] if v != "DATABASE_URL")
    asked = time.monotonic()
    uuid = sim.post(f"/client/v11/databases/{created['id']}/transfers", json={
        "from_name": "DATABASE", "from_url": config["DATABASE_URL"],
        "to_name": target_var[:-4], "to_url": config[target_var]}).json()["uuid"]
    queued = sim.get(f"/client/v11/apps/sushi/transfers/{uuid}").json()
    assert (queued["started_at"], queued["finished_at"], queued["processed_bytes"]) == (None, None, 0)
    done = sim.wait_for(lambda: (t := sim.get(f"/client/v11/apps/sushi/transfers/{uuid}").json())["finished_at"] and t,
                        timeout=60, what="copy")
    assert done["succeeded"] is True and time.monotonic() - asked >= 2.0


def test_writes_ledger_catches_a_lost_write(sim):
    sim.wait_for(lambda: sim.writes("sushi")["acknowledged"] > 20, what="writes")
    url = sim.database_url("sushi")
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM sim_writes WHERE id = (SELECT min(id) FROM sim_writes)")
    report = sim.writes("sushi")
    assert report["missing"] == 1 and report["acknowledged"] > 20


def test_injected_upgrade_failure_is_reported_and_resumable(start_simulator):
    sim = start_simulator(scenario(
        apps=[{"name": "tiny", "formation": {"web": 0}}],
        databases=[{"addon": "essential-db", "app": "tiny", "plan": "essential-0", "version": "15",
                    "attachments": ["DATABASE"], "seed_rows": 10}]))
    sim.admin("POST", "/databases/essential-db/fail-next", json={"operation": "upgrade"})
    assert sim.post("/client/v11/databases/essential-db/upgrade/run", json={"version": "16"}).status_code == 200
    status = sim.wait_for(lambda: (s := sim.get("/client/v11/databases/essential-db/upgrade/wait_status").json())
                          ["waiting?"] is False and s, what="upgrade to end")
    assert status["error?"] is True
    assert status["message"] == "version upgrade error, check your Heroku email notifications for details"
    assert query(sim.database_url("tiny"), "SHOW server_version")[0].startswith("15")
    assert sim.post("/client/v11/databases/essential-db/upgrade/run", json={"version": "16"}).status_code == 200
    sim.wait_for(lambda: not sim.get("/client/v11/databases/essential-db/upgrade/wait_status").json()["waiting?"],
                 what="resumed upgrade")
    assert query(sim.database_url("tiny"), f"SELECT count(*) FROM {SEED_TABLE}")[0] == 10


def test_promote_with_release_phase(start_simulator):
    sim = start_simulator(scenario(
        apps=[{"name": "sushi", "formation": {"web": 1, "release": 0}}],
        databases=[
            {"addon": "old-db", "app": "sushi", "plan": "standard-0", "attachments": ["DATABASE"]},
            {"addon": "new-db", "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_RED"]},
        ]))
    old_url = sim.database_url("sushi")
    sim.wait_for(lambda: sim.writes("sushi")["acknowledged"] > 0, what="writes on the old primary")
    resp = sim.post("/addon-attachments", json={"addon": {"name": "new-db"}, "app": {"name": "sushi"},
                                                "name": "DATABASE", "confirm": "sushi"})
    assert resp.status_code == 201
    latest = sim.get("/apps/sushi/releases", headers={"Range": "version ..; max=2, order=desc"}).json()
    assert [r["description"] for r in latest] == ["Attach DATABASE (@ref:new-db)", "Detach DATABASE (@ref:old-db)"]
    assert latest[0]["status"] == "pending"
    sim.wait_for(lambda: sim.get(f"/apps/sushi/releases/{latest[0]['id']}").json()["status"] == "succeeded",
                 what="release phase")
    assert sim.database_url("sushi") != old_url
    # Dynos restart onto the new DATABASE_URL once the release phase succeeded.
    new_url = sim.database_url("sushi")
    sim.wait_for(lambda: query(new_url, "SELECT to_regclass('sim_writes') IS NOT NULL")[0] and
                 query(new_url, "SELECT count(*) FROM sim_writes")[0] > 0, what="writes on the new primary")
    unconfirmed = sim.post("/addon-attachments", json={"addon": {"name": "old-db"}, "app": {"name": "sushi"},
                                                       "name": "DATABASE"})
    assert unconfirmed.status_code == 422 and unconfirmed.json()["id"] == "confirmation_required"


def test_injected_copy_failure_is_reported_with_logs(sim):
    created = sim.post("/apps/sushi/addons", json={"plan": "heroku-postgresql:standard-0"}).json()
    wait_available(sim, created["id"])
    sim.admin("POST", f"/databases/{created['name']}/fail-next", json={"operation": "copy"})
    config = sim.get("/apps/sushi/config-vars").json()
    target_var = next(v for v in created["config_vars"] if v != "DATABASE_URL")
    uuid = sim.post(f"/client/v11/databases/{created['id']}/transfers", json={
        "from_name": "DATABASE", "from_url": config["DATABASE_URL"],
        "to_name": target_var[:-4], "to_url": config[target_var]}).json()["uuid"]
    done = sim.wait_for(lambda: (t := sim.get(f"/client/v11/apps/sushi/transfers/{uuid}?verbose=true").json())
                        ["finished_at"] and t, what="copy to end")
    assert done["succeeded"] is False
    assert any("injected failure" in line["message"] for line in done["logs"])
