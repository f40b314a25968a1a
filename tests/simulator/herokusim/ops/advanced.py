"""Heroku Postgres Advanced on the data API: levels, /info, wait_status and instance pools.

An Advanced add-on is one real cluster, the leader pool's leader; its HA standby and its
follower pools are modelled without replicas (see model.Pool)."""
from __future__ import annotations

import re
import secrets
import uuid

from .. import clock, plans
from ..errors import HerokuError, invalid
from ..model import Addon, Pool
from ..sim import Simulator

MAX_FOLLOWER_POOLS, MAX_FOLLOWER_INSTANCES = 5, 13
TABLE_LIMIT, STORAGE_LIMIT_GB = 4000, 128000
_POOL_NAME = re.compile(r"^[a-z0-9]{3,32}$")
_WAIT_MESSAGES = {"provisioning": "Provisioning", "migrating": "Migrating", "modifying": "Updating"}


def not_found() -> HerokuError:
    """The data API's 404 for an id it does not know as an Advanced database or migration target."""
    return HerokuError(404, "not_found", "Add-on not found")


def require(sim: Simulator, ident: str) -> Addon:
    addon = sim.store.addon(ident)
    if addon is None:
        raise not_found()
    if not addon.plan.advanced:
        raise invalid(f"{addon.name} is a classic database: this is only available on Advanced databases.")
    return addon


def level(name) -> plans.Level:
    found = plans.LEVELS.get(str(name)) if name else None
    if found is None:
        known = ", ".join(plans.LEVELS)
        raise invalid(f"Unknown level {name}. Levels: {known}." if name else f"A level is required. Levels: {known}.")
    return found


def levels() -> dict:
    """GET /data/postgres/v1/levels/advanced."""
    return {"items": [{"name": lvl.name, "vcpu": lvl.vcpu, "memory_in_gb": lvl.memory_in_gb,
                       "connection_limit": lvl.connection_limit} for lvl in plans.LEVELS.values()]}


def leader_pool(config: dict) -> Pool:
    """The leader pool POST /apps/{app}/addons asks for with config {level, high-availability}."""
    ha = config.get("high-availability")
    if isinstance(ha, str):  # --provision-option values come as strings
        ha = ha.strip().lower() != "false"
    # Heroku provisions the HA standby unless told not to.
    return Pool(clock.new_id(), "leader", level(config.get("level")).name, 1 if ha is False else 2)


def status(addon: Addon) -> str:
    """/info's status: provisioning | unavailable | migrating | modifying | available."""
    db = addon.db
    if db.failure:
        return "unavailable"
    if db.cluster is None:
        return "provisioning"
    if db.migration and db.migration.active:
        return "migrating"
    if any(pool.status != "available" for pool in db.pools):
        return "modifying"
    return "available"


def wait_status(addon: Addon) -> dict:
    """GET /data/postgres/v1/{id}/wait_status."""
    current = status(addon)
    if current == "unavailable":
        return {"waiting": False, "message": addon.db.failure}
    return {"waiting": current in _WAIT_MESSAGES, "message": _WAIT_MESSAGES.get(current)}


def info(sim: Simulator, addon: Addon) -> dict:
    """GET /data/postgres/v1/{id}/info."""
    db, app, cluster = addon.db, sim.store.apps[addon.app], addon.db.cluster
    tables = cluster.table_count() if cluster else 0
    size_gb = round(cluster.data_size() / 1e9, 6) if cluster else 0
    connections = cluster.connections() if cluster else None
    leader = db.pools[0]
    return {
        "addon": {"id": addon.id, "name": addon.name}, "app": {"id": app.id, "name": app.name},
        "created_at": clock.iso(addon.created_at), "status": status(addon), "tier": "advanced",
        "version": db.version, "region": app.region,
        "features": {"continuous_protection": {"enabled": True},
                     "credentials": {"current_count": 1, "enabled": True},
                     "data_encryption": {"enabled": True}, "fork": {"enabled": False},
                     "highly_available": {"enabled": leader.count > 1},
                     "rollback": {"enabled": False, "earliest_time": None, "latest_time": None}},
        "forked_from": None,
        "plan_limits": [{"name": "table-limit", "current": tables, "limit": TABLE_LIMIT},
                        {"name": "storage-limit-in-gb", "current": size_gb, "limit": STORAGE_LIMIT_GB},
                        {"name": "connection-limit", "current": connections or 0,
                         "limit": plans.LEVELS[leader.level].connection_limit}],
        "quotas": [{"type": "storage", "warning_gb": None, "critical_gb": None, "current_gb": size_gb,
                    "enforcement_action": "none", "enforcement_active": False}],
        "pools": [pool_json(addon, pool, connections) for pool in db.pools],
    }


def pool_json(addon: Addon, pool: Pool, connections: int | None = None) -> dict:
    leader = pool.name == "leader"
    roles = ["leader", "standby"][:pool.count] if leader else ["follower"] * pool.count
    instance_status = "up" if pool.status == "available" else pool.status
    instances = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"herokusim/instance/{pool.id}/{n}"))[:8],
                  "name": f"{role}-{n}", "level": pool.level, "role": role, "status": instance_status,
                  "updated_at": clock.iso(addon.updated_at)} for n, role in enumerate(roles, 1)]
    cluster = addon.db.cluster
    # Only the leader has a server to reach; a follower pool has no replica behind it.
    endpoints = [{"host": cluster.host, "port": cluster.port, "status": "available"}] if leader and cluster else []
    waiting = pool.status != "available"
    return {"id": pool.id, "name": pool.name, "status": pool.status, "expected_count": pool.count,
            "expected_level": pool.level, "expected_connection_limit": plans.LEVELS[pool.level].connection_limit,
            "connections_used": connections if leader else None, "compute_instances": instances,
            "endpoints": endpoints, "metrics_sources": {"cluster": None, "database": None, "leader": None},
            "wait_status": {"waiting": waiting,
                            "message": ("Provisioning" if pool.status == "provisioning" else "Updating") if waiting else None}}


def create_pool(sim: Simulator, addon: Addon, body: dict) -> Pool:
    """POST /data/postgres/v1/{id}/pools {count, level, name?}: a follower pool."""
    lvl = level(body.get("level"))
    name = body.get("name") or f"follower{secrets.token_hex(2)}"
    with sim.store.lock:
        followers = [p for p in addon.db.pools[1:] if not p.removing]
        if len(followers) >= MAX_FOLLOWER_POOLS:
            raise invalid(f"{addon.name} already has {MAX_FOLLOWER_POOLS} follower pools, the most it can have.")
        if not _POOL_NAME.match(str(name)) or name == "leader":
            raise invalid(f"Invalid pool name {name}: use 3-32 lowercase letters and numbers.")
        if any(p.name == name for p in addon.db.pools):
            raise invalid(f"{addon.name} already has a pool named {name}.")
        count = _follower_count(addon, body.get("count"), None)
        pool = Pool(clock.new_id(), name, lvl.name, count, "modifying")
        addon.db.pools.append(pool)
    sim.submit(f"pool {addon.name}/{name}", _settle, sim, addon, pool)
    return pool


def update_pool(sim: Simulator, addon: Addon, ident: str, body: dict) -> Pool:
    """PATCH /data/postgres/v1/{id}/pools/{pool} {level} or {count} (the leader's count: 2 with
    high availability, 1 without)."""
    with sim.store.lock:
        pool = _changeable(addon, ident)
        if "level" in body:
            lvl = level(body["level"])
            if lvl.name == pool.level:
                raise invalid(f"The {pool.name} pool is already at level {lvl.name}.")
            pool.level = lvl.name
        elif "count" in body:
            if pool.name == "leader":
                if body["count"] not in (1, 2):
                    raise invalid("The leader pool has 1 instance, or 2 with high availability.")
                pool.count = body["count"]
            else:
                pool.count = _follower_count(addon, body["count"], pool)
        else:
            raise invalid("Give the pool's new level or count.")
        pool.status = "modifying"
    sim.submit(f"pool {addon.name}/{pool.name}", _settle, sim, addon, pool)
    return pool


def destroy_pool(sim: Simulator, addon: Addon, ident: str) -> Pool:
    """DELETE /data/postgres/v1/{id}/pools/{pool}: a follower pool, gone once settled."""
    with sim.store.lock:
        pool = _changeable(addon, ident)
        if pool.name == "leader":
            raise invalid("The leader pool can't be destroyed: destroy the database instead.")
        pool.status, pool.removing = "modifying", True
    sim.submit(f"pool {addon.name}/{pool.name}", _settle, sim, addon, pool)
    return pool


def _changeable(addon: Addon, ident: str) -> Pool:
    pool = next((p for p in addon.db.pools if ident in (p.id, p.name) and not p.removing), None)
    if pool is None:
        raise HerokuError(404, "not_found", "Pool not found")
    if pool.status != "available":
        raise invalid(f"The {pool.name} pool of {addon.name} is {pool.status}: wait until it is available.")
    return pool


def _follower_count(addon: Addon, raw, pool: Pool | None) -> int:
    others = sum(p.count for p in addon.db.pools[1:] if p is not pool and not p.removing)
    room = MAX_FOLLOWER_INSTANCES - others
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= room:
        raise invalid(f"A follower pool of {addon.name} can have 1 to {room} instances "
                      f"({MAX_FOLLOWER_INSTANCES} follower instances in all), not {raw}.")
    return raw


def _settle(sim: Simulator, addon: Addon, pool: Pool) -> None:
    sim.pause(sim.timings.pool_change_seconds)
    with sim.store.lock:
        if pool.removing:
            addon.db.pools.remove(pool)
        else:
            pool.status = "available"
        addon.updated_at = clock.now()
