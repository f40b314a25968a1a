"""Add-ons: provisioning databases and followers on real clusters, and destroying them."""
from __future__ import annotations

import datetime as dt
import time

from .. import clock, plans
from ..errors import confirmation_required, invalid, not_found
from ..model import Addon, App, Database
from ..naming import APP_SPLIT, colour_attachment, free_colour, new_addon_name, resolve_addons
from ..sim import Simulator
from . import advanced
from .attachments import attach, detach

PROVISION_MESSAGE = "The database should be available in 3-5 minutes. Use `heroku pg:wait` to track status."
ADVANCED_MESSAGE = "The database is being provisioned. Use `heroku data:pg:wait` to track status."
FOLLOWER_MESSAGE = "Follower will become available for read-only queries when up-to-date."
FORK_COOLDOWN = dt.timedelta(seconds=0)   # Heroku refuses followers of a fresh fork for a while


def find_plan(raw) -> plans.Plan:
    plan = plans.find(raw)
    if plan is None:
        shown = raw.get("name") if isinstance(raw, dict) else raw
        raise invalid(f"Couldn't find either the add-on service or the add-on plan of \"{shown}\".")
    return plan


def resolve_database(sim: Simulator, app: App, ref: str) -> Addon:
    """A database named the way `--follow` accepts it: a config var or attachment on the
    app (`DATABASE_URL`, `HEROKU_POSTGRESQL_WHITE`), an add-on name, or `app::name`."""
    target_app = app.name
    match = APP_SPLIT.match(ref)
    if match:
        target_app, ref = match.groups()
    found = [a for a in resolve_addons(sim.store, ref, target_app) if a.plan.full_name.startswith(plans.SERVICE)]
    if not found and sim.store.addon(ref):
        found = [sim.store.addon(ref)]
    if len(found) != 1:
        raise invalid(f"Couldn't find a database matching {ref} on {target_app}.")
    return found[0]


def create(sim: Simulator, app: App, body: dict) -> Addon:
    """POST /apps/{app}/addons. Checks everything before anything is created."""
    plan = find_plan(body.get("plan"))
    if plan.needs_space and not app.space:
        raise invalid(f"The {plan.name} plan is only available for apps in a Private Space.")
    config = body.get("config") or {}
    version = config.get("version")
    leader = None
    if config.get("follow"):
        leader = resolve_database(sim, app, str(config["follow"]))
        _check_follower(leader, plan, version)
        version = leader.db.version
    pool = advanced.leader_pool(config) if plan.advanced else None
    if plan.advanced and config.get("from"):
        # data:pg:migrate names the source of the migration it creates this for (what Heroku does
        # with it is UNVERIFIED): here it must be a database of the app, whose version is the default.
        version = version or resolve_database(sim, app, str(config["from"])).db.version
    if version is not None and str(version) not in sim.versions:
        raise invalid(f"Postgres version {version} is not available. "
                      f"Supported versions: {', '.join(sim.versions)}.")
    name = body.get("name")
    if name and sim.store.addon(name):
        raise invalid(f"The add-on name {name} is already taken.")
    att_name = (body.get("attachment") or {}).get("name")
    if att_name and sim.store.attachment_named(app.name, att_name) and body.get("confirm") != app.name:
        raise confirmation_required(f"{att_name} is already attached to {app.name}. Confirm to replace it.")
    addon = register(sim, app, plan, str(version or sim.versions[-1]), name=name,
                     leader=leader, apply_delay_ms=sim.timings.apply_delay_ms)
    if pool:
        addon.db.pools, addon.provision_message = [pool], ADVANCED_MESSAGE
    _attach_new(sim, addon, app, att_name, body.get("confirm"))
    sim.submit(f"provision {addon.name}", provision, sim, addon)
    return addon


def _check_follower(leader: Addon, plan: plans.Plan, version) -> None:
    refusal = plans.follower_refusal(leader.plan, plan)
    if refusal:
        raise invalid(refusal)
    if leader.db.leader_id:
        raise invalid(f"{leader.name} is itself a follower: chained followers are not supported. "
                      f"Follow its leader instead.")
    if not leader.db.available:
        raise invalid(f"{leader.name} is not available yet; wait for it before creating a follower.")
    if leader.db.forked_at and clock.now() - leader.db.forked_at < FORK_COOLDOWN:
        raise invalid(f"{leader.name} was recently forked or unfollowed; try again later.")
    if version is not None and str(version) != leader.db.version:
        raise invalid(f"A follower runs its leader's version ({leader.db.version}), not {version}.")


def register(sim: Simulator, app: App, plan: plans.Plan, version: str, name: str | None = None,
             leader: Addon | None = None, apply_delay_ms: int = 0) -> Addon:
    with sim.store.lock:
        db = Database(version=version, leader_id=leader.id if leader else None,
                      apply_delay_ms=apply_delay_ms)
        addon = Addon(clock.new_id(), name or new_addon_name(sim.store), app.name, plan,
                      free_colour(sim.store, app.name), db,
                      provision_message=FOLLOWER_MESSAGE if leader else PROVISION_MESSAGE)
        sim.store.addons[addon.id] = addon
    return addon


def _attach_new(sim: Simulator, addon: Addon, app: App, att_name: str | None, confirm) -> None:
    if att_name:
        attach(sim, addon, app, att_name, confirm=app.name if confirm else None)
        return
    attach(sim, addon, app, colour_attachment(addon.colour), restart=False)
    if sim.store.attachment_named(app.name, "DATABASE") is None:
        attach(sim, addon, app, "DATABASE", restart=False)


def provision(sim: Simulator, addon: Addon, seed_rows: int = 0) -> None:
    """Create the real cluster (a streaming replica for a follower), then mark it available."""
    started = time.time()
    db = addon.db
    try:
        if db.leader_id:
            leader = sim.store.addons[db.leader_id]
            cluster = sim.pg.create_replica(addon.name, leader.db.cluster, db.apply_delay_ms)
            wait = sim.timings.follower_provision_seconds
        else:
            cluster = sim.pg.create_primary(addon.name, db.version)
            if seed_rows:
                cluster.seed(seed_rows)
            wait = sim.timings.provision_seconds
    except Exception as exc:
        with sim.store.lock:
            db.failure = f"Provisioning failed: {exc}"
            db.status = "Errored"
        raise
    sim.pause(wait - (time.time() - started))
    with sim.store.lock:
        if addon.state == "deprovisioned":
            cluster.destroy()
            return
        db.cluster = cluster
        db.status = "Available"
        if db.pools:
            db.pools[0].status = "available"
        addon.state = "provisioned"
        addon.updated_at = clock.now()
    sim.record_operation("provision", addon.name, started)
    for att in sim.store.attachments_of_addon(addon.id):
        if att.name == "DATABASE":
            sim.release(sim.store.apps[att.app], f"Update DATABASE by {plans.SERVICE}")


def destroy(sim: Simulator, app: App, addon: Addon) -> Addon:
    """DELETE /apps/{app}/addons/{addon}: detach everywhere, remove the real cluster."""
    if addon.app != app.name:
        raise not_found("add-on", "add_on")
    if sim.store.active_migration(addon.id):
        raise invalid(f"{addon.name} is in an active migration: cancel it or let it finish first.")
    with sim.store.lock:
        attachments = sim.store.attachments_of_addon(addon.id)
        addon.state = "deprovisioned"
        addon.updated_at = clock.now()
        orphans = sim.store.followers_of(addon.id)
    for att in attachments:
        detach(sim, att)
    for follower in orphans:   # followers of a destroyed leader become standalone databases
        if follower.db.cluster is not None:
            follower.db.cluster.promote()
        with sim.store.lock:
            follower.db.leader_id = None
            follower.db.forked_from_id = addon.id
    if addon.db.cluster is not None:
        addon.db.cluster.destroy()
    return addon


def require(sim: Simulator, ident: str) -> Addon:
    addon = sim.store.addon(ident)
    if addon is None:
        raise not_found("add-on", "add_on")
    return addon
