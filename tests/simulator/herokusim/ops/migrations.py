"""data:pg:migrate: a classic database's migration onto an Advanced one, with real data.

POST .../{target}/migrations prepares it (the target is wiped; `preparing` → `ready`), run
migrates (`migrating` → `completed`, or `failed`), cancel drops a ready one (`cancelled`).
The method decides what moves the data:

* full-load (Snapshot): at run, the source is fenced and copied with pg_dump | pg_restore, as
  pg:copy does;
* cdc (Streaming): at prepare, the schema is copied and real logical replication makes the
  initial copy, then follows the source (pg/logical.py); at run, the source is fenced, the
  target catches up to the fence point, the row counts are compared, the sequences synced and
  the stream dropped.

"Your database will be unavailable after starting the migration until the migration is
complete. If there are any issues during the migration, we end the migration and make the
source database available again", Heroku says: the source is fenced (connections refused, so
reads too; writes fail) from run until completed, and on failure. Writes the app makes to it
after that are the app's to stop (maintenance mode, workers scaled down) until it promoted the
target: promotion is no part of the migration (auto_promote false), pg:promote does it. So
`promoting` is never shown, nor `creating_target` (data:pg:migrate creates the target itself
before it configures the migration).
"""
from __future__ import annotations

import datetime as dt
import logging
import time

from .. import clock
from ..errors import invalid
from ..model import Addon, Migration
from ..pg.logical import Stream, ensure_logical, replication_gaps
from ..sim import Simulator, Stopping
from .advanced import not_found, status
from .databases import unfence
from .transfers import paced

log = logging.getLogger(__name__)

METHODS = ("full-load", "cdc")
_TIMEOUT = 600.0   # seconds for the initial copy, or the catch-up at run
EXPIRED = ("The 24-hour window to run the migration passed: it was not started within 24 hours of being "
           "ready. Configure a new migration.")


def serialize(m: Migration) -> dict:
    """The MigrationResponse of GET /data/postgres/v1/{target}/migrations."""
    return {
        "id": m.id, "source_id": m.source_id, "target_id": m.target_id, "status": m.status,
        "status_description": m.status_description, "auto_promote": False,
        "completed": m.status in ("completed", "failed", "cancelled"), "successful": m.status == "completed",
        "full_load_progress": m.full_load_progress, "cdc_lag": _lag(m), "tables_errored": m.tables_errored,
        "last_error_message": m.last_error_message, "stop_reason": m.stop_reason,
        "preassessment_results": m.preassessment,
    }


def _lag(m: Migration) -> int | None:
    """cdc_lag, in bytes: the source's WAL not yet applied on the target (pg/logical.py), measured now."""
    if m.method != "cdc":
        return None
    if m.status == "completed":
        return 0
    stream = m.stream
    try:
        return stream.lag_bytes() if stream is not None else None
    except Exception:  # the source restarting or being fenced: no measure this time
        return None


def get(target: Addon) -> Migration:
    if target.db.migration is None:
        raise not_found()
    return target.db.migration


def create(sim: Simulator, target: Addon, body: dict) -> Migration:
    """POST /data/postgres/v1/{target}/migrations {method, source_id}."""
    if body.get("method") not in METHODS:
        raise invalid("method must be full-load (Snapshot) or cdc (Streaming).")
    source = sim.store.addon(str(body.get("source_id") or ""))
    if source is None:
        raise invalid(f"Couldn't find the source database {body.get('source_id')}.")
    with sim.store.lock:  # checked and started at once: two configurations may race
        refusal = _refusal(sim, source, target)
        if refusal:
            raise invalid(refusal)
        m = Migration(clock.new_id(), source.id, target.id, body["method"])
        target.db.migration = m
    sim.submit(f"prepare migration {source.name} -> {target.name}", _prepare, sim, m, source, target)
    return m


def _refusal(sim: Simulator, source: Addon, target: Addon) -> str | None:
    if source.app != target.app:
        return (f"{source.name} belongs to {source.app} and {target.name} to {target.app}: a migration's "
                f"source and target must be owned by the same app.")
    if source.plan.advanced:
        return f"{source.name} is already an Advanced database."
    if not source.plan.production:
        return (f"{source.name} is on {source.plan.name}: only Standard, Premium, Private and Shield databases "
                f"migrate to Advanced. Change its plan to Standard first (heroku addons:upgrade).")
    if source.db.leader_id:  # UNVERIFIED whether Heroku refuses a follower; it cannot publish
        return f"{source.name} is a follower: migrate its leader."
    for addon in (source, target):
        if sim.store.active_migration(addon.id):
            return f"{addon.name} is already in an active migration."
    if not source.db.available:
        return f"{source.name} isn't available: {source.db.status}."
    if status(target) != "available":
        return f"{target.name} isn't available: {status(target)}."
    if int(source.db.version) > int(target.db.version):  # UNVERIFIED; pg_restore cannot go back a version
        return (f"{target.name} runs PostgreSQL {target.db.version}, older than {source.name}'s "
                f"{source.db.version}.")
    return None


def _prepare(sim: Simulator, m: Migration, source: Addon, target: Addon) -> None:
    started = time.time()
    old, new = source.db.cluster, target.db.cluster
    try:
        no_identity, unlogged = replication_gaps(old)
        with sim.store.lock:
            m.preassessment = _preassessment(m.method, no_identity, unlogged)
        if m.method == "cdc":
            ensure_logical(old)
            new.copy_from(old, schema_only=True)   # wipes the target first
            m.stream = Stream(old, new, "heroku_migration_" + m.id.replace("-", "")[:12])
            m.stream.start()
            _initial_copy(sim, m)
        else:
            new.wipe()
    except Stopping:  # the simulator is shutting down with every cluster
        raise
    except Exception as exc:
        _stop_stream(m)
        with sim.store.lock:
            _end(m, "failed", "error", f"Preparing the migration failed: {exc}")
        raise
    sim.pause(sim.timings.migration_prepare_seconds - (time.time() - started))
    with sim.store.lock:
        m.status = "ready"
        # UNVERIFIED: Heroku says 24 hours to run once ready, not what happens after; here it fails.
        m.expires_at = clock.now() + dt.timedelta(seconds=sim.timings.migration_ready_seconds)
    # Heroku's side of the preparation (streaming's initial copy), apart from the client's polling: make bench
    # compares it with the window.
    sim.record_operation("migration_prepare", target.name, started)
    sim.when_due(f"migration window {target.name}", lambda: m.expires_at if m.status == "ready" else None,
                 _expire, sim, m)


def _initial_copy(sim: Simulator, m: Migration) -> None:
    deadline = time.monotonic() + _TIMEOUT
    while True:
        done, total = m.stream.synced()
        m.full_load_progress = 100 * done // total if total else 100
        if done == total:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the initial copy did not finish within {_TIMEOUT:.0f}s")
        sim.pause(0.1)


def _preassessment(method: str, no_identity: list[str], unlogged: list[str]) -> list[dict]:
    """What logical replication cannot carry: warnings for a streaming migration; a snapshot
    (pg_dump) carries both."""
    checked = clock.iso(clock.now())

    def check(name: str, tables: list[str], what: str) -> dict:
        warn = bool(tables) and method == "cdc"
        return {"name": name, "description": f"{what}: {', '.join(tables)}" if warn else None,
                "checked_at": checked, "result": "warning" if warn else "passed"}
    return [check("tables-without-primary-key", no_identity,
                  "Tables without a primary key or replica identity: streaming cannot replicate their UPDATE "
                  "and DELETE, which the source refuses while the migration streams"),
            check("unlogged-tables", unlogged, "Unlogged tables: streaming does not replicate their rows")]


def run(sim: Simulator, target: Addon) -> None:
    """POST /data/postgres/v1/{target}/migrations/run: only a ready migration."""
    with sim.store.lock:
        m = target.db.migration
        if m is None or m.status != "ready":
            raise invalid(f"There is no ready migration onto {target.name} to start"
                          + (f" (it is {m.status})." if m else "."))
        source = sim.store.addons[m.source_id]
        m.status, m.status_description = "migrating", f"Stopping the connections to {source.name}"
        source.db.status = "Migrating"
    sim.submit(f"migration {source.name} -> {target.name}", _migrate, sim, m, source, target)


def _migrate(sim: Simulator, m: Migration, source: Addon, target: Addon) -> None:
    started = time.time()
    old, new = source.db.cluster, target.db.cluster
    try:
        fence_point = old.fence()
        if "migration" in target.db.fail_next:
            target.db.fail_next.discard("migration")
            raise RuntimeError("injected failure")
        if m.method == "cdc":
            _finish_stream(sim, m, fence_point)
        else:
            _step(sim, m, f"Copying {source.name}")
            m.full_load_progress = 0
            # An estimate: the archive pg_dump writes is compressed, so it jumps to 100 at the end.
            size = max(1, old.data_size())
            new.copy_from(old, paced(sim, started, lambda n: setattr(m, "full_load_progress", min(99, 100 * n // size))))
            m.tables_errored = 0
    except Stopping:
        raise
    except Exception as exc:
        _stop_stream(m)
        unfence(old)
        with sim.store.lock:
            source.db.status = "Available"
            _end(m, "failed", "error", f"The migration failed and {source.name} is available again: {exc}")
        raise
    _step(sim, m, f"Making {source.name} available again")
    old.unfence()
    with sim.store.lock:
        source.db.status = "Available"
        m.full_load_progress = 100
        _end(m, "completed", None, None)
    sim.record_operation("migration", target.name, started)


def _finish_stream(sim: Simulator, m: Migration, fence_point: str) -> None:
    _step(sim, m, "Applying the last changes")
    deadline = time.monotonic() + _TIMEOUT
    while not m.stream.caught_up(fence_point):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the target did not catch up with the source within {_TIMEOUT:.0f}s")
        time.sleep(0.02)
    errored = m.stream.differing_tables()
    m.tables_errored = len(errored)
    if errored:
        raise RuntimeError(f"rows differ between the source and the target in {', '.join(errored)}")
    _step(sim, m, "Synchronizing sequences")
    m.stream.sync_sequences()
    _stop_stream(m)


def _step(sim: Simulator, m: Migration, description: str) -> None:
    with sim.store.lock:
        m.status_description = description
    sim.pause(sim.timings.migration_step_seconds)


def cancel(sim: Simulator, target: Addon) -> None:
    """POST /data/postgres/v1/{target}/migrations/cancel: only a ready migration."""
    with sim.store.lock:
        m = target.db.migration
        if m is None or m.status != "ready":
            raise invalid(f"Only a ready migration can be cancelled; there is none onto {target.name}"
                          + (f" (it is {m.status})." if m else "."))
        _end(m, "cancelled", "cancelled", None)
    _stop_stream(m)


def _expire(sim: Simulator, m: Migration) -> None:
    with sim.store.lock:
        if m.status != "ready":
            return  # run or cancelled meanwhile
        _end(m, "failed", "expired", EXPIRED)
    _stop_stream(m)


def _end(m: Migration, outcome: str, stop_reason: str | None, error: str | None) -> None:
    m.status, m.status_description, m.stop_reason, m.last_error_message = outcome, None, stop_reason, error


def _stop_stream(m: Migration) -> None:
    """Drop a streaming migration's subscription and publication; a failure to is logged, not
    raised over the migration's own outcome."""
    stream, m.stream = m.stream, None
    if stream is None:
        return
    try:
        stream.stop()
    except Exception:
        log.exception("could not drop the stream %s", stream.name)
