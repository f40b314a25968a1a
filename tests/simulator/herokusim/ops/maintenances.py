"""Plan changes (addons:upgrade) and the data maintenances that finish them."""
from __future__ import annotations

import datetime as dt
import time

from .. import clock
from ..errors import invalid
from ..model import Addon, Maintenance
from ..sim import Simulator, Stopping
from .addons import find_plan
from .databases import rebuild_followers, swap_cluster, unfence

_CATCH_UP_TIMEOUT = 600.0


def change_plan(sim: Simulator, addon: Addon, raw_plan) -> Addon:
    """PATCH /apps/{app}/addons/{addon}: Essential changes at once (read-only meanwhile);
    Standard and above prepare a replacement and finish in a data maintenance."""
    plan = find_plan(raw_plan)
    db = addon.db
    if plan.name == addon.plan.name:
        raise invalid(f"{addon.name} is already on {plan.full_name}.")
    if addon.plan.advanced or plan.advanced:
        raise invalid("addons:upgrade cannot move a database to or from Advanced: migrate it with "
                      "heroku data:pg:migrate, or change an Advanced one with heroku data:pg:update.")
    if addon.plan.production != plan.production:
        raise invalid("addons:upgrade cannot move a database between the Essential tier and "
                      "the production tiers; use pg:copy to a new database instead.")
    if plan.needs_space and not sim.store.apps[addon.app].space:
        raise invalid(f"The {plan.name} plan is only available for apps in a Private Space.")
    if not db.available or db.leader_id:
        raise invalid(f"{addon.name} must be an available primary database to change its plan.")
    if db.maintenance and db.maintenance.status in ("preparing", "ready", "running"):
        raise invalid(f"A plan change of {addon.name} is already under way.")
    if not plan.production:
        with sim.store.lock:
            db.read_only, db.status = True, "Changing plan"
            old_plan, addon.plan = addon.plan, plan
        sim.submit(f"plan change {addon.name}", _essential_change, sim, addon, old_plan)
        addon.provision_message = f"Changing {addon.name} to {plan.name}; it is read-only meanwhile."
        return addon
    with sim.store.lock:
        db.maintenance = Maintenance("preparing", "changeover", "plan_change", plan.name)
        addon.provision_message = (f"A replacement database on {plan.name} is being prepared. When it "
                                   f"is ready, run `heroku data:maintenances:run {addon.name}`.")
    sim.submit(f"prepare plan change {addon.name}", _prepare, sim, addon)
    return addon


def _essential_change(sim: Simulator, addon: Addon, old_plan) -> None:
    """Fenced first (writes fail meanwhile), so the copy holds every acknowledged write."""
    started = time.time()
    db = addon.db
    old, replacement = db.cluster, None
    try:
        old.fence()
        replacement = sim.pg.create_primary(addon.name, db.version)
        replacement.copy_from(old, lambda _: None)
        sim.pause(sim.timings.essential_change_seconds - (time.time() - started))
    except Stopping:  # the simulator is shutting down with every cluster
        raise
    except Exception:
        unfence(old)
        if replacement is not None:
            replacement.destroy()
        with sim.store.lock:
            db.read_only, db.status, addon.plan = False, "Available", old_plan
        raise
    swap_cluster(sim, addon, replacement)
    with sim.store.lock:
        db.read_only, db.status = False, "Available"
    sim.record_operation("plan_change", addon.name, started)


def _prepare(sim: Simulator, addon: Addon) -> None:
    started = time.time()
    maint = addon.db.maintenance
    maint.replacement = sim.pg.create_replica(addon.name, addon.db.cluster, 0)
    sim.pause(sim.timings.maintenance_prepare_seconds - (time.time() - started))
    ready = clock.now()
    with sim.store.lock:
        maint.status = "ready"
        maint.scheduled_for = ready + dt.timedelta(seconds=sim.timings.schedule_after_seconds)
        maint.required_by = ready + dt.timedelta(seconds=sim.timings.required_after_seconds)
    # Heroku runs a ready maintenance by itself at scheduled_for, in or out of maintenance mode.
    sim.when_due(f"scheduled maintenance {addon.name}",
                 lambda: maint.scheduled_for if maint.status == "ready" else None,
                 _run_scheduled, sim, addon, maint)


def run(sim: Simulator, addon: Addon) -> dict:
    """POST /data/maintenances/v1/{id}/run: `running` at once, then the changeover.

    The real endpoint takes no body: refusing to run outside maintenance mode unless
    confirmed is the client's job (the CLI's `--confirm`), so it is not checked here."""
    if not addon.plan.production:
        raise invalid("You can't trigger maintenance on an Essential tier database.")
    if not _start(sim, addon.db.maintenance):
        raise invalid(f"There is no maintenance ready to run for {addon.name}.")
    sim.submit(f"maintenance {addon.name}", _changeover, sim, addon)
    return serialize(addon)


def _start(sim: Simulator, maint: Maintenance | None) -> bool:
    """ready → running, once: a client's run and Heroku's schedule may meet."""
    with sim.store.lock:
        if maint is None or maint.status != "ready":
            return False
        maint.status, maint.started_at = "running", clock.now()
    return True


def _run_scheduled(sim: Simulator, addon: Addon, maint: Maintenance) -> None:
    if _start(sim, maint):
        _changeover(sim, addon)


def schedule(sim: Simulator, addon: Addon, delay_weeks) -> dict:
    """POST /data/maintenances/v1/{id}/schedule `{"delay_weeks": "<n>"}` (a string from the CLI):
    moves a ready maintenance n weeks later (earlier when negative), never past required_by nor
    into the past."""
    try:
        weeks = int(str(delay_weeks).strip())
    except ValueError:
        raise invalid(f"delay_weeks must be a whole number of weeks, not {delay_weeks!r}.") from None
    with sim.store.lock:
        maint = addon.db.maintenance
        if maint is None or maint.status != "ready":
            raise invalid(f"There is no maintenance scheduled for {addon.name}.")
        moved = maint.scheduled_for + dt.timedelta(seconds=weeks * sim.timings.week_seconds)
        if moved > maint.required_by:
            raise invalid(f"The maintenance of {addon.name} is required by {clock.data_time(maint.required_by)}: "
                          f"it cannot be scheduled for {clock.data_time(moved)}.")
        if moved < clock.now():
            raise invalid(f"The maintenance of {addon.name} cannot be scheduled in the past "
                          f"({clock.data_time(moved)}).")
        maint.previously_scheduled_for, maint.scheduled_for = maint.scheduled_for, moved
    return serialize(addon)


def _changeover(sim: Simulator, addon: Addon) -> None:
    started = time.time()
    maint, db = addon.db.maintenance, addon.db
    old, replacement = db.cluster, maint.replacement
    # Heroku's changeover: fence the old primary, let the replacement replay up to the fence,
    # promote it. Writes fail in between; none acknowledged by the old primary is lost.
    try:
        fence_point = old.fence()
        deadline = time.monotonic() + _CATCH_UP_TIMEOUT
        while not replacement.replayed_past(fence_point):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replacement of {addon.name} did not catch up with the "
                                   f"old primary within {_CATCH_UP_TIMEOUT:.0f}s")
            time.sleep(0.02)
        replacement.promote()
    except Exception:
        unfence(old)
        with sim.store.lock:
            maint.status, maint.started_at = "ready", None
        raise
    swap_cluster(sim, addon, replacement)
    with sim.store.lock:
        addon.plan = find_plan(maint.target_plan)
        maint.replacement = None
    rebuild_followers(sim, addon)
    with sim.store.lock:
        maint.status, maint.completed_at = "completed", clock.now()
    sim.record_operation("maintenance", addon.name, started)


def serialize(addon: Addon) -> dict:
    maint = addon.db.maintenance
    app = addon.app
    base = {
        "addon": {"name": addon.name, "kind": "heroku-postgresql", "plan": addon.plan.full_name,
                  "uuid": addon.id, "attachments": [], "window": addon.db.window},
        "app": {"name": app},
        "window": addon.db.window,
    }
    if maint is None:
        return {**base, "status": "none", "method": None, "reason": None}
    duration = ((maint.completed_at - maint.started_at).total_seconds()
                if maint.completed_at and maint.started_at else None)
    return {
        **base, "status": maint.status, "method": maint.method, "reason": maint.reason,
        "scheduled_for": clock.data_time(maint.scheduled_for),
        "previously_scheduled_for": clock.data_time(maint.previously_scheduled_for),
        "required_by": clock.data_time(maint.required_by),
        "server_created_at": clock.data_time(maint.server_created_at),
        "started_at": clock.data_time(maint.started_at),
        "completed_at": clock.data_time(maint.completed_at),
        "duration_seconds": duration,
    }
