"""Major version upgrades: upgrade/run, prepare, dry_run, cancel and wait_status.

Essential databases upgrade in place; a follower is unfollowed then upgraded (the seeds'
procedure); a Standard+ leader runs an upgrade prepared earlier and then re-creates its
followers (Heroku's direct method). Every version change is a real pg_upgrade. Past the
limits Heroku documents (timings upgrade_max_schemas/objects), every path fails as an upgrade
that ran out of memory would: `UPGRADE_ERROR`, the database as it was.
"""
from __future__ import annotations

import datetime as dt
import time

from .. import clock
from ..errors import invalid
from ..model import Addon, Upgrade
from ..sim import Simulator, Stopping
from .databases import behind_by, rebuild_followers, swap_cluster, unfence

TOO_FAR_BEHIND = ("database must not be too far behind leader, please wait until your follower "
                  "catches up with its leader.")
UPGRADE_ERROR = "version upgrade error, check your Heroku email notifications for details"
_LEGACY = "You can only use pg:upgrade:* commands on Essential-* and higher plans."


def _target(sim: Simulator, addon: Addon, version) -> str:
    if addon.plan.tier == "legacy_essential":
        raise invalid(_LEGACY)
    target = str(version) if version else sim.versions[-1]
    if target not in sim.versions:
        raise invalid(f"Postgres version {target} is not available. "
                      f"Supported versions: {', '.join(sim.versions)}.")
    if int(target) <= int(addon.db.version):
        raise invalid(f"{addon.name} is already on version {addon.db.version}; "
                      f"choose a newer version than {target}.")
    return target


def _busy(addon: Addon) -> bool:
    up = addon.db.upgrade
    return up is not None and up.state in ("preparing", "running")


def run(sim: Simulator, addon: Addon, version) -> dict:
    with sim.store.lock:  # checked and started at once: a client's run and Heroku's schedule may meet
        return _run(sim, addon, version)


def _run(sim: Simulator, addon: Addon, version) -> dict:
    db = addon.db
    if _busy(addon) and db.upgrade.state == "running":
        raise invalid(f"An upgrade of {addon.name} is already running.")
    if not db.available and not (db.upgrade and db.upgrade.state == "failed"):
        raise invalid(f"{addon.name} is not available: {db.status}.")
    if not addon.plan.production or db.leader_id:
        target = _target(sim, addon, version)
        if db.leader_id and behind_by(sim, addon):
            raise invalid(TOO_FAR_BEHIND)
    elif db.upgrade and db.upgrade.state in ("scheduled", "failed"):
        target = _target(sim, addon, version or db.upgrade.target)
    else:
        raise invalid(f"There is no prepared upgrade for {addon.name}. "
                      f"Run pg:upgrade:prepare first, or upgrade a follower.")
    with sim.store.lock:
        db.upgrade = Upgrade(target, "running", "1/7", "preparing upgrade service")
        db.status = "Upgrading"
    sim.submit(f"upgrade {addon.name}", _upgrade, sim, addon, target)
    return {"message": f"Started the upgrade of {addon.name} to version {target}. "
                       f"Use `heroku pg:upgrade:wait` to track the status."}


def _upgrade(sim: Simulator, addon: Addon, target: str) -> None:
    started = time.time()
    db, up = addon.db, addon.db.upgrade
    steps = iter(range(2, 8))

    def step(message: str) -> None:
        with sim.store.lock:
            up.step, up.message = f"{next(steps)}/7", message
        sim.pause(sim.timings.upgrade_step_seconds)

    if db.leader_id:
        step("unfollowing leader")
        db.cluster.promote()
        with sim.store.lock:
            db.forked_from_id, db.leader_id, db.forked_at = db.leader_id, None, clock.now()
        fence = False
    else:
        step("stopping writes")
        fence = True
    try:
        if fence:  # Heroku stops the applications' writes first: they fail from here on
            db.cluster.fence()
        step("upgrading database with pg_upgrade")
        if "upgrade" in db.fail_next:
            db.fail_next.discard("upgrade")
            raise RuntimeError("injected failure")
        _check_catalog(sim, addon)
        db.cluster.upgrade(target)
    except Stopping:  # the simulator is shutting down with every cluster
        raise
    except Exception:
        if fence:
            unfence(db.cluster)  # still the old version, writable again
        with sim.store.lock:
            up.state, up.message, db.status = "failed", UPGRADE_ERROR, "Available"
        raise
    # pg_upgrade's new data directory starts from a template, so the fence is gone already;
    # lifting it here does not rely on that.
    db.cluster.unfence()
    step("analyzing database")
    step("rotating credentials")
    db.cluster.rotate_credentials()
    with sim.store.lock:
        db.version = target
    swap_cluster(sim, addon, db.cluster)
    step("recreating followers")
    rebuild_followers(sim, addon)
    step("performing final cleanup steps after upgrade")
    with sim.store.lock:
        up.state, up.message, db.status = "done", "upgrade complete", "Available"
        addon.updated_at = clock.now()
    sim.record_operation("upgrade", addon.name, started)


def _check_catalog(sim: Simulator, addon: Addon) -> None:
    """Fail as pg_upgrade running out of memory would, before anything changed: Heroku documents
    that risk past 1,000 schemas or 10,000 objects."""
    schemas, objects = addon.db.cluster.catalog_size()
    if schemas > sim.timings.upgrade_max_schemas or objects > sim.timings.upgrade_max_objects:
        raise RuntimeError(f"pg_upgrade of {addon.name} out of memory: {schemas} schemas (limit "
                           f"{sim.timings.upgrade_max_schemas}), {objects} objects (limit "
                           f"{sim.timings.upgrade_max_objects})")


def prepare(sim: Simulator, addon: Addon, version) -> dict:
    _leader_only(addon, "prepare")
    target = _target(sim, addon, version)
    if _busy(addon) or (addon.db.upgrade and addon.db.upgrade.state == "scheduled"):
        raise invalid(f"An upgrade of {addon.name} is already prepared or in progress.")
    with sim.store.lock:
        addon.db.upgrade = Upgrade(target, "preparing", None, "preparing upgrade service")
    sim.submit(f"prepare upgrade {addon.name}", _prepare, sim, addon)
    return {"message": f"Preparing the upgrade of {addon.name} to version {target}. "
                       f"Use `heroku pg:upgrade:wait` to track the status."}


def _prepare(sim: Simulator, addon: Addon) -> None:
    sim.pause(sim.timings.upgrade_prepare_seconds)
    with sim.store.lock:
        up = addon.db.upgrade
        if up is None or up.state != "preparing":
            return
        up.state = "scheduled"
        up.scheduled_for = clock.now() + dt.timedelta(seconds=sim.timings.schedule_after_seconds)
        up.message = (f"upgrade is scheduled on {up.scheduled_for:%Y-%m-%d %H:%M:%S} UTC. You could "
                      f"also run the upgrade immediately using `heroku pg:upgrade:run`.")
    # Heroku runs the prepared upgrade by itself at scheduled_for, in or out of maintenance mode.
    sim.when_due(f"scheduled upgrade {addon.name}",
                 lambda: up.scheduled_for if addon.db.upgrade is up and up.state == "scheduled" else None,
                 _run_scheduled, sim, addon, up)


def _run_scheduled(sim: Simulator, addon: Addon, up: Upgrade) -> None:
    with sim.store.lock:
        if addon.db.upgrade is not up or up.state != "scheduled":
            return  # run by the client or cancelled since
        run(sim, addon, None)


def dry_run(sim: Simulator, addon: Addon, version) -> dict:
    _leader_only(addon, "dryrun")
    target = _target(sim, addon, version)
    return {"message": f"Started a dry run of the upgrade of {addon.name} to version {target}. "
                       f"The results will be emailed to you."}


def cancel(sim: Simulator, addon: Addon) -> dict:
    _leader_only(addon, "cancel")
    with sim.store.lock:
        up = addon.db.upgrade
        if up is None or up.state not in ("preparing", "scheduled"):
            raise invalid(f"There is no scheduled upgrade of {addon.name} to cancel.")
        up.state, up.message = "cancelled", "upgrade cancelled"
    return {"message": f"Cancelled the scheduled upgrade of {addon.name}."}


def _leader_only(addon: Addon, command: str) -> None:
    if addon.plan.tier == "legacy_essential":
        raise invalid(_LEGACY)
    if not addon.plan.production:
        raise invalid(f"pg:upgrade:{command} is only available on Standard-tier and higher "
                      f"databases; use pg:upgrade:run on Essential databases.")
    if addon.db.leader_id:
        raise invalid(f"{addon.name} is a follower: use pg:upgrade:run instead.")


def wait_status(addon: Addon) -> dict:
    up = addon.db.upgrade
    if up is None:
        return {"waiting?": False, "message": "no upgrade in progress"}
    status = {"waiting?": up.state in ("preparing", "running"), "message": up.message,
              "error?": up.state == "failed"}
    if up.step:
        status["step"] = up.step
    return status
