"""data:pg:migrate's data API with real data: a classic database's Snapshot (full-load) and
Streaming (cdc) migrations onto an Advanced one, the fence, the refusals, cancel and the
24-hour window; then pg:promote's attachment onto the target."""
from __future__ import annotations

import time

import psycopg
import pytest
from herokusim.testing import BASIC, scenario
from test_heroku_cli import fence_refusals

V1 = "/data/postgres/v1"
SOURCE = {"addon": "postgresql-lavender-12345", "app": "sushi", "plan": "standard-0", "version": "15",
          "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"], "seed_rows": 1000}
TARGET = {"addon": "advanced-db", "app": "sushi", "plan": "advanced", "level": "4G-Performance", "version": "16",
          "attachments": ["HEROKU_POSTGRESQL_AMBER"]}


def migration_scenario(formation: dict, databases: list, **timings) -> dict:
    return scenario(apps=[{"name": "sushi", "formation": formation}, {"name": "other"}],
                    databases=databases, timings={**BASIC["timings"], **timings})


def url(sim, addon: str) -> str:
    return sim.admin("GET", f"/databases/{addon}").json()["url"]


def addon_id(sim, addon: str) -> str:
    return sim.get(f"/addons/{addon}").json()["id"]


def query(sim, addon: str, sql: str, params=()):
    with psycopg.connect(url(sim, addon), autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchone()[0]


def refuses_connections(sim, addon: str) -> bool:
    try:
        query(sim, addon, "SELECT 1")
    except psycopg.OperationalError as exc:
        return "rejects connection" in str(exc)
    return False


def configure(sim, method: str, source: str = SOURCE["addon"], target: str = "advanced-db"):
    return sim.post(f"{V1}/{target}/migrations", json={"method": method, "source_id": addon_id(sim, source)})


def migration(sim, target: str = "advanced-db") -> dict:
    return sim.get(f"{V1}/{target}/migrations").json()


def reaches(sim, status: str, target: str = "advanced-db", timeout: float = 60) -> dict:
    def there():
        found = migration(sim, target)
        return found if found["status"] == status else None

    return sim.wait_for(there, timeout=timeout, interval=0.1, what=f"migration {status}")


def promote(sim, addon: str) -> None:
    """What pg:promote does once the classic wait_status says the database is not waiting."""
    assert sim.get(f"/client/v11/databases/{addon}/wait_status").json()["waiting?"] is False
    done = sim.post("/addon-attachments", json={"addon": {"name": addon}, "app": {"name": "sushi"},
                                                "name": "DATABASE", "confirm": "sushi"})
    assert done.status_code == 201, done.text


def test_snapshot_fence_failure_and_promote(start_simulator):
    sim = start_simulator(migration_scenario({"worker": 1}, [SOURCE, TARGET], migration_step_seconds=1.0))
    with psycopg.connect(url(sim, "advanced-db"), autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover AS SELECT 1 AS n")

    created = configure(sim, "full-load")
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "preparing" and created.json()["auto_promote"] is False
    assert sim.get(f"{V1}/advanced-db/info").json()["status"] == "migrating"
    assert sim.get(f"{V1}/advanced-db/wait_status").json() == {"waiting": True, "message": "Migrating"}
    assert sim.get("/client/v11/databases/advanced-db/wait_status").json()["waiting?"] is True
    ready = reaches(sim, "ready")
    assert [c["result"] for c in ready["preassessment_results"]] == ["passed", "passed"]
    assert ready["full_load_progress"] is None and ready["cdc_lag"] is None
    assert query(sim, "advanced-db", "SELECT to_regclass('leftover')") is None   # prepared = wiped

    # A failure at run: the source is made available again.
    sim.admin("POST", "/databases/advanced-db/fail-next", json={"operation": "migration"})
    assert sim.post(f"{V1}/advanced-db/migrations/run").status_code == 202
    failed = reaches(sim, "failed")
    assert "injected failure" in failed["last_error_message"] and failed["stop_reason"] == "error"
    assert failed["completed"] is True and failed["successful"] is False
    assert query(sim, SOURCE["addon"], "SELECT count(*) FROM items") == 1000
    assert sim.get(f"{V1}/advanced-db/info").json()["status"] == "available"

    assert configure(sim, "full-load").status_code == 200
    reaches(sim, "ready")
    run = sim.post(f"{V1}/advanced-db/migrations/run")
    assert run.status_code == 202 and run.json() == {}
    assert migration(sim)["status"] == "migrating"
    sim.wait_for(lambda: refuses_connections(sim, SOURCE["addon"]), timeout=30, what="the source fenced")
    assert sim.get(f"/client/v11/databases/{SOURCE['addon']}/wait_status").json()["waiting?"] is True
    done = reaches(sim, "completed")
    assert done["successful"] and done["full_load_progress"] == 100 and done["tables_errored"] == 0
    assert done["status_description"] is None and done["last_error_message"] is None
    assert query(sim, "advanced-db", "SELECT count(*) FROM items") == 1000
    assert not refuses_connections(sim, SOURCE["addon"])   # available again once complete
    assert fence_refusals(sim, "sushi", "worker.1"), "no write of the worker met the fence"
    assert sim.get(f"{V1}/advanced-db/info").json()["status"] == "available"

    promote(sim, "advanced-db")
    assert sim.database_url("sushi") == url(sim, "advanced-db")


def test_streaming_nothing_lost(start_simulator):
    source = {**SOURCE, "unlogged_tables": {"sessions": 10}, "keyless_tables": {"audit": 2}}
    sim = start_simulator(migration_scenario({"web": 1, "worker": 1}, [source, TARGET], migration_step_seconds=1.0))
    sim.wait_for(lambda: sim.writes("sushi")["acknowledged"] > 20, what="writes on the source")

    assert configure(sim, "cdc").status_code == 200
    ready = reaches(sim, "ready")
    warnings = {c["name"]: c["description"] for c in ready["preassessment_results"] if c["result"] == "warning"}
    assert "audit" in warnings["tables-without-primary-key"] and "sessions" in warnings["unlogged-tables"]
    assert ready["full_load_progress"] == 100
    # The target follows the source: rows written since arrive, with a lag measured in bytes of WAL.
    streamed = query(sim, "advanced-db", "SELECT count(*) FROM sim_writes")
    lags = []
    while len(lags) < 10:
        lags.append(migration(sim)["cdc_lag"])
        time.sleep(0.2)
    print(f"cdc_lag under two writing dynos (bytes): {lags}")
    assert all(isinstance(lag, int) and 0 <= lag < 1 << 20 for lag in lags)
    assert query(sim, "advanced-db", "SELECT count(*) FROM sim_writes") > streamed
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="replica identity"):
        query(sim, SOURCE["addon"], "UPDATE audit SET data = 'changed'")

    # Maintenance mode stops the web dyno; the worker writes until the fence stops it.
    sim.patch("/apps/sushi", json={"maintenance": True})
    assert sim.post(f"{V1}/advanced-db/migrations/run").status_code == 202
    sim.wait_for(lambda: fence_refusals(sim, "sushi", "worker.1"), timeout=30, what="the worker meeting the fence")
    assert migration(sim)["status"] == "migrating"
    sim.patch("/apps/sushi/formation/worker", json={"quantity": 0})
    done = reaches(sim, "completed")
    assert done["successful"] and done["tables_errored"] == 0 and done["cdc_lag"] == 0
    assert query(sim, "advanced-db", "SELECT count(*) FROM audit") == 2
    assert query(sim, "advanced-db", "SELECT count(*) FROM sessions") == 0   # unlogged: not streamed
    # Sequences synced: the target's next id follows the source's last.
    assert query(sim, "advanced-db", "INSERT INTO items (name) VALUES ('next') RETURNING id") == 1001
    assert query(sim, SOURCE["addon"], "SELECT count(*) FROM pg_publication") == 0
    assert query(sim, SOURCE["addon"], "SELECT count(*) FROM pg_replication_slots") == 0
    # Heroku's own time, preparing (the initial copy) and running (the catch-up inside the window), apart.
    operations = [op for op in sim.admin("GET", "/operations").json() if op["addon"] == "advanced-db"]
    assert [op["operation"] for op in operations] == ["migration_prepare", "migration"], operations
    assert operations[0]["seconds"] >= BASIC["timings"]["migration_prepare_seconds"]
    assert operations[1]["started_at"] >= operations[0]["started_at"] + operations[0]["seconds"]

    promote(sim, "advanced-db")
    promoted = time.time()
    sim.patch("/apps/sushi/formation/worker", json={"quantity": 1})
    sim.patch("/apps/sushi", json={"maintenance": False})
    sim.wait_for(lambda: (sim.writes("sushi")["last_at"] or 0) > promoted, timeout=60, what="writes on the target")
    writes = sim.writes("sushi")
    assert writes["missing"] == 0, writes


def test_refusals_cancel_and_the_24_hour_window(start_simulator):
    databases = [SOURCE, TARGET,
                 {"addon": "green-db", "app": "sushi", "plan": "standard-0", "version": "16"},
                 {"addon": "essential-db", "app": "sushi", "plan": "essential-0", "version": "15"},
                 {"addon": "mini-db", "app": "sushi", "plan": "mini", "version": "15"},
                 {"addon": "other-db", "app": "other", "plan": "standard-0", "version": "15"},
                 {"addon": "advanced-2", "app": "sushi", "plan": "advanced", "level": "4G-Performance"}]
    sim = start_simulator(migration_scenario({}, databases, migration_ready_seconds=4))

    def refused(response, message: str) -> None:
        assert response.status_code == 422 and response.json()["id"] == "invalid_params", response.text
        assert message in response.json()["message"], response.json()["message"]

    refused(sim.post(f"{V1}/advanced-db/migrations", json={"method": "dms", "source_id": addon_id(sim, "green-db")}),
            "full-load")
    refused(sim.post(f"{V1}/advanced-db/migrations", json={"method": "cdc", "source_id": "nope"}), "Couldn't find")
    refused(configure(sim, "cdc", "essential-db"), "essential-0")
    refused(configure(sim, "cdc", "mini-db"), "on mini")
    refused(configure(sim, "cdc", "other-db"), "owned by the same app")
    refused(configure(sim, "cdc", "advanced-2"), "already an Advanced")
    refused(configure(sim, "cdc", "green-db", SOURCE["addon"]), "classic")
    fresh = sim.post("/apps/sushi/addons", json={"plan": {"name": "heroku-postgresql:advanced"},
                                                 "config": {"level": "4G-Performance"}}).json()
    refused(configure(sim, "cdc", "green-db", fresh["id"]), "isn't available: provisioning")
    older = sim.post("/apps/sushi/addons", json={"plan": {"name": "heroku-postgresql:advanced"},
                                                 "config": {"level": "4G-Performance", "version": "15"}}).json()
    sim.wait_for(lambda: sim.get(f"{V1}/{older['id']}/info").json()["status"] == "available", what="a 15 target")
    refused(configure(sim, "cdc", "green-db", older["id"]), "runs PostgreSQL 15, older than green-db's 16")

    assert configure(sim, "cdc").json()["status"] == "preparing"
    refused(sim.post(f"{V1}/advanced-db/migrations/run"), "(it is preparing)")
    refused(sim.post(f"{V1}/advanced-db/migrations/cancel"), "(it is preparing)")
    refused(configure(sim, "cdc", "green-db"), "advanced-db is already in an active migration")
    refused(configure(sim, "cdc", SOURCE["addon"], "advanced-2"), "postgresql-lavender-12345 is already in an active")
    refused(sim.delete("/apps/sushi/addons/advanced-db"), "active migration")

    reaches(sim, "ready")
    cancelled = sim.post(f"{V1}/advanced-db/migrations/cancel")
    assert cancelled.status_code == 202 and cancelled.json() == {}
    gone = migration(sim)
    assert gone["status"] == "cancelled" and gone["stop_reason"] == "cancelled" and not gone["successful"]
    assert sim.get(f"{V1}/advanced-db/info").json()["status"] == "available"
    assert query(sim, SOURCE["addon"], "SELECT count(*) FROM pg_replication_slots") == 0

    # The 24-hour window, time-scaled to 4 s: a ready migration not run by then fails.
    assert configure(sim, "cdc").status_code == 200
    reaches(sim, "ready")
    expired = reaches(sim, "failed", timeout=30)
    assert "24-hour window" in expired["last_error_message"] and expired["stop_reason"] == "expired"
    assert sim.get(f"{V1}/advanced-db/info").json()["status"] == "available"
    assert query(sim, SOURCE["addon"], "SELECT count(*) FROM pg_publication") == 0
    refused(sim.post(f"{V1}/advanced-db/migrations/run"), "(it is failed)")
