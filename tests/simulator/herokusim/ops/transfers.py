"""pg:copy: a real pg_dump | pg_restore between two of the simulator's clusters."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from .. import clock
from ..errors import invalid, not_found
from ..model import Addon, Transfer
from ..sim import Simulator

SHIELD = "pg:copy is not available for Shield-tier databases: PGBackups does not support them."


def _by_url(sim: Simulator, url: str) -> Addon | None:
    want = urlsplit(url or "")
    for addon in sim.store.live_addons():
        cluster = addon.db.cluster
        if cluster is None:
            continue
        have = urlsplit(cluster.url)
        if (have.hostname, have.port, have.path) == (want.hostname, want.port, want.path):
            return addon
    return None


def create(sim: Simulator, addon: Addon, body: dict) -> Transfer:
    """POST /client/v11/databases/{target}/transfers."""
    source, target = _by_url(sim, body.get("from_url")), _by_url(sim, body.get("to_url"))
    if source is None or target is None:
        raise invalid("The source and the target must both be Heroku Postgres databases "
                      "reachable from this account.")
    if source.id == target.id:
        raise invalid("Cannot copy database onto itself.")
    if "shield" in (source.plan.tier, target.plan.tier):
        raise invalid(SHIELD)
    if target.db.leader_id:
        raise invalid(f"{target.name} is a follower and read-only; unfollow it before copying onto it.")
    with sim.store.lock:
        transfer = Transfer(clock.new_id(), sim.store.next_transfer_num(), target.app,
                            body.get("from_name") or source.name, body.get("to_name") or target.name,
                            source.id, target.id)
        sim.store.transfers[transfer.uuid] = transfer
    sim.submit(f"transfer {transfer.num}", _copy, sim, transfer, source, target)
    return transfer


def _copy(sim: Simulator, transfer: Transfer, source: Addon, target: Addon) -> None:
    started = time.time()
    time.sleep(sim.timings.copy_start_seconds)
    transfer.started_at = clock.now()
    transfer.log(f"Copying {transfer.from_name} to {transfer.to_name} with pg_dump | pg_restore")

    def progress(processed: int) -> None:
        transfer.processed_bytes = processed

    try:
        if "copy" in target.db.fail_next:
            target.db.fail_next.discard("copy")
            raise RuntimeError("pg_restore: error: could not execute query: injected failure")
        target.db.cluster.copy_from(source.db.cluster, paced(sim, started, progress))
        transfer.succeeded = True
        transfer.log("Copy completed")
    except Exception as exc:
        transfer.succeeded = False
        for line in str(exc).splitlines()[-5:]:
            transfer.log(line, "error")
        raise
    finally:
        transfer.finished_at = clock.now()
        sim.record_operation("copy", target.name, started)


def paced(sim: Simulator, started: float, report):
    """A copy's progress callback held to the timings' copy_bytes_per_second (0: no cap)."""
    rate = sim.timings.copy_bytes_per_second

    def progress(processed: int) -> None:
        report(processed)
        if rate > 0:  # called while the archive is relayed: sleeping here holds the pipe to the cap
            time.sleep(max(0.0, processed / rate - (time.time() - started)))
    return progress


def find(sim: Simulator, app: str, ident: str) -> Transfer:
    transfer = sim.store.transfers.get(ident) or next(
        (t for t in sim.store.transfers.values() if str(t.num) == ident), None)
    if transfer is None or transfer.app != app:
        raise not_found("transfer")
    return transfer


def serialize(transfer: Transfer, verbose: bool) -> dict:
    body = {
        "uuid": transfer.uuid, "num": transfer.num,
        "from_name": transfer.from_name, "from_type": "pg_dump",
        "to_name": transfer.to_name, "to_type": "pg_restore",
        "options": {}, "processed_bytes": transfer.processed_bytes,
        "succeeded": transfer.succeeded, "warnings": 0,
        "created_at": clock.data_time(transfer.created_at),
        "started_at": clock.data_time(transfer.started_at),
        "finished_at": clock.data_time(transfer.finished_at),
        "updated_at": clock.data_time(transfer.finished_at or transfer.started_at or transfer.created_at),
        "canceled_at": None, "deleted_at": None, "purged_at": None,
    }
    if verbose:
        body["logs"] = list(transfer.logs)
    return body
