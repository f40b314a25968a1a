"""The data API's view of a database: pg:info, wait_status, unfollow, cluster swaps."""
from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from .. import clock, plans
from ..errors import EmptyNotFound, invalid
from ..model import Addon
from ..sim import Simulator
from . import advanced

log = logging.getLogger(__name__)

_GB = 1024 ** 3
_STORAGE_GB = {"essential": (1, 10, 32), "legacy_essential": (1, 10)}


def public_url(addon: Addon | None) -> str | None:
    """The database URL without credentials, as pg:info's resolve_db_name values carry it."""
    if addon is None or addon.db.cluster is None:
        return None
    parts = urlsplit(addon.db.cluster.url)
    return f"postgres://{parts.hostname}:{parts.port}{parts.path}"


def behind_by(sim: Simulator, addon: Addon) -> int | None:
    leader = sim.store.addons.get(addon.db.leader_id) if addon.db.leader_id else None
    if leader is None or leader.db.cluster is None or addon.db.cluster is None:
        return None
    return addon.db.cluster.behind_by(leader.db.cluster)


def info(sim: Simulator, addon: Addon) -> dict:
    """GET /client/v11/databases/{id}; a 404 with an empty body until provisioned."""
    db, cluster = addon.db, addon.db.cluster
    if cluster is None:
        raise EmptyNotFound()
    store = sim.store
    leader = store.addons.get(db.leader_id) if db.leader_id else None
    forked = store.addons.get(db.forked_from_id) if db.forked_from_id else None
    followers = store.followers_of(addon.id)
    size, tables, conns = cluster.data_size(), cluster.table_count(), cluster.connections()
    lag = behind_by(sim, addon)
    production = addon.plan.production
    entries = [
        ("Plan", [addon.plan.human_name]),
        ("Status", [db.status]),
        ("Data Size", [f"{_human(size)} / {_limit(addon.plan)} (In compliance)"]),
        ("Tables", [str(tables)]),
        ("PG Version", [cluster.server_version()]),
        ("Connections", [f"{conns}/{500 if production else 20}"]),
        ("Connection Pooling", ["Available" if production else ""]),
        ("Credentials", ["1" if production else ""]),
        ("Fork/Follow", ["Available" if production else "Unsupported"]),
        ("Created", [clock.data_time(addon.created_at)]),
        ("Region", [store.apps[addon.app].region]),
        ("Data Encryption", ["In Use"]),
        ("Continuous Protection", ["On" if production else ""]),
        ("Maintenance", [db.maintenance.status if db.maintenance else "not required"]),
        ("Maintenance window", [db.window] if production else []),
        ("Followers", [u for u in (public_url(f) for f in followers) if u], True),
        ("Following", [public_url(leader)] if leader else [], True),
        ("Behind By", [f"{lag} commits"] if lag is not None else []),
        ("Forked From", [public_url(forked)] if forked else [], True),
    ]
    return {
        "addon_id": addon.id,
        "name": addon.name,
        "plan": addon.plan.human_name,
        "resource_url": public_url(addon),
        "info": [_entry(*e) for e in entries],
        "following": public_url(leader),
        "leader": {"addon_id": leader.id, "name": leader.name} if leader else None,
        "waiting?": not db.available,
        "num_bytes": size,
        "num_tables": tables,
        "num_connections": conns,
        "postgres_version": cluster.server_version(),
        "created_at": clock.data_time(addon.created_at),
        "database_name": cluster.dbname,
        "database_user": cluster.user,
        "port": cluster.port,
        "status_updated_at": clock.data_time(addon.updated_at),
        "hot_standby?": leader is not None,
        "standalone?": leader is None,
        "is_in_recovery": leader is not None,
        "formation": {"id": addon.id, "primary": leader is None},
    }


def _entry(name: str, values: list, resolve: bool = False) -> dict:
    entry = {"name": name, "values": [v for v in values if v]}
    if resolve:
        entry["resolve_db_name"] = True
    return entry


def _human(num: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if num < 1024 or unit == "GB":
            return f"{num:.1f} {unit}" if unit != "bytes" else f"{num} bytes"
        num /= 1024
    return str(num)


def _limit(plan: plans.Plan) -> str:
    limits = _STORAGE_GB.get(plan.tier)
    gb = limits[min(plan.rank, len(limits) - 1)] if limits else 64 * (plan.rank + 1)
    return f"{gb} GB"


def wait_status(addon: Addon) -> dict:
    """GET /client/v11/databases/{id}/wait_status: readiness only, never replication lag.

    pg:promote asks this of an Advanced database too (without --force). Whether Heroku answers
    that is UNVERIFIED; here it does, from the Advanced status: a target in an active migration
    is waiting ("Migrating") and cannot be promoted, a completed one can."""
    if addon.plan.advanced:
        status = advanced.wait_status(addon)
        return {"waiting?": status["waiting"], "message": status["message"] or "available"}
    db = addon.db
    if db.failure:
        return {"waiting?": False, "error?": True, "message": db.failure}
    if db.upgrade and db.upgrade.state in ("running", "failed"):
        return {"waiting?": db.upgrade.state == "running", "error?": db.upgrade.state == "failed",
                "message": db.upgrade.message, "step": db.upgrade.step}
    if db.available:
        return {"waiting?": False, "message": "available"}
    return {"waiting?": True, "message": db.status.lower()}


def unfollow(sim: Simulator, addon: Addon) -> dict:
    """PUT /client/v11/databases/{id}/unfollow: real promotion, done in the background like
    Heroku's; it never checks lag, which is why unfollowing early loses the last writes."""
    db = addon.db
    if not db.leader_id:
        raise invalid(f"{addon.name} is not a follower.")
    if not db.available:
        raise invalid(f"{addon.name} is not available: {db.status}.")
    with sim.store.lock:
        db.status = "Unfollowing"
    sim.submit(f"unfollow {addon.name}", _promote, sim, addon)
    return {"message": f"{addon.name} will stop following and become writable."}


def _promote(sim: Simulator, addon: Addon) -> None:
    started = time.time()
    addon.db.cluster.promote()
    sim.pause(sim.timings.unfollow_seconds)
    with sim.store.lock:
        addon.db.forked_from_id, addon.db.leader_id = addon.db.leader_id, None
        addon.db.forked_at = clock.now()
        addon.db.status = "Available"
        addon.updated_at = clock.now()
    sim.record_operation("unfollow", addon.name, started)


def swap_cluster(sim: Simulator, addon: Addon, cluster) -> None:
    """Put a new cluster behind an add-on; every app it is attached to gets the new URL in a
    release, as Heroku does when credentials or hardware change."""
    with sim.store.lock:
        old, addon.db.cluster = addon.db.cluster, cluster
        addon.updated_at = clock.now()
        apps = {att.app for att in sim.store.attachments_of_addon(addon.id)}
    if old is not None and old is not cluster:
        old.destroy()
    for app in sorted(apps):
        sim.release(sim.store.apps[app], f"Update config vars by {plans.SERVICE} (@ref:{addon.name})")


def unfence(cluster) -> None:
    """Lift a fence after a changeover that did not happen; a failure to do so is logged, not
    raised over the changeover's own error."""
    try:
        cluster.unfence()
    except Exception:
        log.exception("could not lift the fence of %s", cluster.name)


def rebuild_followers(sim: Simulator, leader: Addon) -> None:
    """Followers cannot stream across a new timeline or version: re-create each one."""
    for follower in sim.store.followers_of(leader.id):
        with sim.store.lock:
            follower.db.status = "Creating"
        replica = sim.pg.create_replica(follower.name, leader.db.cluster, follower.db.apply_delay_ms)
        swap_cluster(sim, follower, replica)
        with sim.store.lock:
            follower.db.status = "Available"
