# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""A migration's state machine: its phases, the one function that changes a phase, and the decisions a run takes
from what Heroku says (an observation, made by heroku_pg_migration_status) and what the state file recorded.

Pure functions, no HTTP. The recorded phase is a hint: where Heroku shows the migration further on, or shows that a
step the record knows of did not happen, the observation wins, and what would lose data is refused by construction
(nothing calls the database DATABASE_URL points at abandoned, and no rollback is declared once the switch happened).
"""

from __future__ import annotations

__metaclass__ = type

import datetime
import re
from collections import namedtuple

from ._names import major_version
from ._times import parse_time

# The phases of a migration, in order. `new` is a migration with no state file yet.
# The methods whose prepared change Heroku runs by itself when its own time comes (scheduled_for).
SCHEDULED_BY_HEROKU = ("pg_upgrade/direct", "addons_upgrade/standard")
PHASES = ("new", "preflight", "prepared", "window_entered", "cut_over", "post_cutover", "window_left", "done")

# The only moves back, all before the cutover: leaving the window without cutting over (prepared), or preparing
# again because the new database can no longer be used (preflight).
_ROLLBACKS = frozenset((("window_entered", "prepared"), ("window_entered", "preflight"), ("prepared", "preflight")))

# What each method does to Heroku, the one table a new method adds a line to (with its steps in _plan.py and its
# role). promotes: a new database becomes DATABASE_URL of the target app. follows: that database is a follower of
# the old primary until the cutover (once unfollowed it can never follow again). changes: for a method that changes
# the old database in place, what its cutover changes ("version" or "plan"). migrates: Heroku's migration into the new
# database fills it (the observed `change` is that migration's status).
Method = namedtuple("Method", "promotes follows changes migrates", defaults=(False,))
METHODS = {
    "follower_changeover": Method(True, True, None),
    "pg_upgrade/follower": Method(True, True, None),
    "pg_copy": Method(True, False, None),
    "pg_upgrade/direct": Method(False, False, "version"),
    "pg_upgrade/in_place": Method(False, False, "version"),
    "addons_upgrade/standard": Method(False, False, "plan"),
    "addons_upgrade/essential": Method(False, False, "plan"),
    "advanced_migration/snapshot": Method(True, False, None, migrates=True),
    "advanced_migration/streaming": Method(True, False, None, migrates=True),
}

# Statuses of an upgrade (heroku_pg_upgrade's states) or data maintenance once it has started: from then on
# the database is being changed and "rolled back" would be false.
_STARTED = frozenset(("running", "done", "completed"))
# Statuses of a migration to Advanced that has run (or is running): once the apps write to the old primary again
# after it, the new database misses those writes.
_MIGRATION_RAN = frozenset(("migrating", "promoting", "completed"))
_MIGRATION_PREPARED = frozenset(("creating_target", "preparing", "ready"))
_STAMP = re.compile(r"-[0-9]{12}$")
_COLOUR = re.compile(r"^HEROKU_POSTGRESQL_[A-Z0-9_]+$")


class TransitionError(ValueError):
    """A phase change the state machine does not allow."""


class Disagreement(ValueError):
    """Heroku and the state file disagree in a way no run of this collection produces: a person must look."""


def method_key(plan):
    """follower_changeover, pg_upgrade/direct, ...: the key of METHODS for a plan."""
    return plan["method"] + ("/" + plan["variant"] if plan.get("variant") else "")


def method_of(plan):
    key = method_key(plan)
    if key not in METHODS:
        raise TransitionError(f"unknown migration method {key}; the methods are {', '.join(METHODS)}")
    return METHODS[key]


def transition(current, wanted, observed=False):
    """Return wanted if a migration at phase current may move there, else raise TransitionError.

    Staying and one phase forward are always allowed; several phases forward only when Heroku was observed to be
    there (observed=True, a resume); back only before the cutover, along the rollbacks.
    """
    for phase in (current, wanted):
        if phase not in PHASES:
            raise TransitionError(f"unknown migration phase {phase!r}; the phases are {', '.join(PHASES)}")
    step = PHASES.index(wanted) - PHASES.index(current)
    if step in (0, 1) or (step > 1 and observed) or (current, wanted) in _ROLLBACKS:
        return wanted
    raise TransitionError(f"a migration at phase {current} cannot move to {wanted}"
                          + (" (back after the cutover)" if step < 0 else " (skipping phases nobody observed)"))


def reached(phase, wanted):
    return PHASES.index(phase) >= PHASES.index(wanted)


def fresh_name(name, now):
    """The name of the next attempt's new database: name with its timestamp suffix replaced by now's."""
    return _STAMP.sub("", name or "") + "-" + now.strftime("%y%m%d%H%M%S")


def database_url(plan, observed, app=None):
    """The add-on DATABASE_URL of app (the target app by default) points at, as observed."""
    return (observed["attachments"].get(app or plan["target_app"]) or {}).get("DATABASE")


def live_names(plan, observed, addon):
    """app::NAME of every name the apps use for their database (DATABASE_URL of every window app, and every name
    the old primary had) that Heroku shows pointing at addon. A new database's own colour name does not count."""
    used = {(app, "DATABASE") for app in observed["attachments"]} | {
        (att["app"], att["name"]) for att in plan["old_primary"].get("attachments") or [] if not att.get("namespace")}
    return sorted(f"{app}::{name}" for app, name in used
                  if (observed["attachments"].get(app) or {}).get(name) == addon)


def switched(plan, observed):
    """Whether Heroku shows the switch made (or under way, for a change in place), with the evidence."""
    method = method_of(plan)
    if method.promotes:
        live = database_url(plan, observed)
        return live == plan["new_database"], f"DATABASE_URL of {plan['target_app']} is {live}"
    old = observed["old"]
    if method.changes == "version":
        done = major_version(old["version"]) == major_version(plan["target"]["version"])
        what = f"{old['name']} is on PostgreSQL {old['version']}, its upgrade {old['change']}"
    else:
        done = old["plan"] == plan["target"]["plan"]
        what = f"{old['name']} is on {old['plan']}, its plan change {old['change']}"
    return done or old["change"] in _STARTED, what


def names_moved(plan, observed):
    """Whether the new primary already has every name the old one had on the other apps (post_cutover's work)."""
    if not method_of(plan).promotes:
        return True
    new = plan["new_database"]
    for attachment in plan.get("other_attachments") or []:
        names = observed["attachments"].get(attachment["app"]) or {}
        if _COLOUR.match(attachment["name"]):
            if new not in names.values():
                return False
        elif names.get(attachment["name"]) != new:
            return False
    return True


def window_restored(state, observed):
    """Whether every app of the recorded window is as recorded before it (maintenance mode, dynos)."""
    window = state.get("window") or {}
    for app in window.get("apps") or []:
        seen = observed["apps"].get(app)
        if seen is None:
            return False
        if seen["maintenance"] != window["maintenance"].get(app, False):
            return False
        for kind, quantity in (window["formations"].get(app) or {}).items():
            if quantity and seen["formation"].get(kind, 0) != quantity:
                return False
    return True


def window_held(state, observed):
    """Whether the recorded window still holds: recorded, never left, and every app still out of service."""
    window = state.get("window") or {}
    if not window.get("apps") or window.get("left_at") is not None:
        return False
    return all(observed["apps"].get(app, {}).get("maintenance") and not any(
        (observed["apps"][app]["formation"] or {}).values()) for app in window["apps"])


def _spoiled(plan, state, observed, window_kept):
    """Why the planned new database cannot be used for the cutover, or None.

    A follower that no longer follows the old primary has missed its writes since, unless the window has held
    (no writer) ever since it stopped following; then the cutover goes on with it.
    """
    method, new = method_of(plan), observed.get("new")
    if method.migrates:
        change = observed["old"].get("change")
        if new and new["exists"] and change in _MIGRATION_RAN and not window_kept:
            return (f"its migration from {plan['old_primary']['name']} is {change} while the apps may write to"
                    f" {plan['old_primary']['name']} again")
        return None
    if not method.follows or not new or not new["exists"]:
        return None
    if new["following"] and new["leader"] not in (None, plan["old_primary"]["name"]):
        return f"{new['name']} follows {new['leader']}, not {plan['old_primary']['name']}"
    # following None: still being created, as a follower.
    if new["following"] is not False or window_kept:
        return None
    return f"{new['name']} no longer follows {plan['old_primary']['name']}"


def _abandon(plan, state, observed, why, now):
    """The state update that gives up the planned new database and names the next one. Refuses (Disagreement) to
    give up a database any observed name still points at: it may hold the only copy of recent writes."""
    new = plan["new_database"]
    live = live_names(plan, observed, new)
    if live:
        raise Disagreement(f"{new} is {', '.join(live)}, yet it is not the database this migration switched to: "
                           "Heroku and the state file disagree. Nothing was changed; check the apps' databases "
                           "(heroku pg:info) and re-run once they are as the state file says, or remove the state file "
                           "to plan anew.")
    return {
        "plan": {**plan, "new_database": fresh_name(new, now)},
        "abandoned": list(state.get("abandoned") or []) + [new],
    }, f"The new database {new} will not be used ({why}): destroy it (playbook herokuops.postgres.decommission_pg)."


def _phase_from_switch(plan, state, observed):
    """Where a migration Heroku shows switched goes on from: after the window when the record says so, or when the
    apps are already back as recorded with every name moved (no second window); else after the cutover, so that the
    post-cutover steps (idempotent) verify and finish it inside the window. Switched with no window ever recorded:
    Heroku ran the prepared change by itself (its own schedule, the apps live and its changeover fenced), so there is
    no window left to hold."""
    recorded = state["phase"]
    if reached(recorded, "post_cutover"):
        return recorded
    if not state.get("window") and method_key(plan) in SCHEDULED_BY_HEROKU:
        return "window_left"
    if (state.get("window") and names_moved(plan, observed) and window_restored(state, observed)
            and not window_held(state, observed)):
        return "window_left"
    return "cut_over"


def _window_end(state, observed, now):
    """The recorded window with its end (left_at), which a run killed between restoring the apps and recording it
    did not write, and what to say of it. Heroku's own time when it has one: the latest updated_at of a process type
    the restore scaled back up (recorded above 0); else this observation's. Such a run had not written its start
    either (entered_at waits for the next write): as for any interrupted run, the window counts from when it was
    recorded, just before the apps were taken down."""
    window = state["window"]
    times = [parse_time(observed["apps"][app]["formation_updated_at"].get(kind))
             for app in window["apps"] for kind, quantity in (window["formations"].get(app) or {}).items() if quantity]
    times = [moment for moment in times if moment]
    left = max(times) if times else now
    when = left.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    note = (f"The state file had not recorded leaving the window: its end was taken from Heroku's formation times "
            f"({when}, when the apps were scaled back)." if times else
            f"The state file had not recorded leaving the window, and Heroku's formations show no time of the "
            f"restore: its end was taken as this run's observation of the apps restored ({when}).")
    return {**window, "entered_at": window["entered_at"] or window["recorded_at"], "left_at": left.timestamp()}, note


def resume(plan, state, observed, now):
    """Where a re-run goes on from: {phase, state_update (for the state file), notes (to print)}.

    Heroku decides: a switch it shows is never undone or redone, whatever the record says, and a new database that
    missed writes is given up (and named for destruction) before a window could promote it.
    """
    recorded = state["phase"]
    done, evidence = switched(plan, observed)
    notes, update = [], {}
    if done:
        phase = _phase_from_switch(plan, state, observed)
        if phase != recorded:
            notes.append(f"Heroku shows the switch made ({evidence}) where the state file says {recorded}: "
                         f"going on after {phase}.")
        if phase == "window_left" and state.get("window") and state["window"].get("left_at") is None:
            update["window"], note = _window_end(state, observed, now)
            notes.append(note)
    elif reached(recorded, "cut_over"):
        raise Disagreement(f"The state file says the migration got past its cutover ({recorded}), but Heroku shows "
                           f"otherwise ({evidence}). Nothing was changed: check the database, then re-run, or remove "
                           "the state file to plan anew.")
    else:
        live = live_names(plan, observed, plan.get("new_database")) if plan.get("new_database") else []
        if live:
            raise Disagreement(f"{plan['new_database']} is {', '.join(live)}, but DATABASE_URL of {plan['target_app']} "
                               f"is not ({evidence}). Nothing was changed: check the apps' databases (heroku pg:info), "
                               "then re-run, or remove the state file to plan anew.")
        phase = recorded
        kept = recorded == "window_entered" and window_held(state, observed)
        why = _spoiled(plan, state, observed, kept)
        if why:
            update, note = _abandon(plan, state, observed, why, now)
            phase = "preflight"
            notes.append(note + f" A new follower, {update['plan']['new_database']}, is prepared instead.")
        elif recorded == "prepared":
            notes += _stale(plan, observed)
    update["phase"] = transition(recorded, phase, observed=True)
    return {"phase": update["phase"], "state_update": update, "notes": notes, "switched": done, "evidence": evidence}


def _stale(plan, observed):
    """What a run that stopped once prepared (stop_after, a window too late) finds gone stale on Heroku since: it is
    prepared or awaited again by the prepare step, and the run says so."""
    key, change, new = method_key(plan), observed["old"].get("change"), observed.get("new")
    if key == "pg_upgrade/direct" and change not in ("preparing", "scheduled"):
        return [f"The prepared upgrade of {plan['old_primary']['name']} is no longer scheduled on Heroku ({change}): it"
                " is prepared again."]
    if key == "addons_upgrade/standard" and change not in ("preparing", "ready"):
        return [f"The data maintenance of {plan['old_primary']['name']} is no longer ready on Heroku ({change}): the plan"
                " change is prepared again."]
    if new and not new["exists"]:
        return [f"{new['name']}, prepared by an earlier run, no longer exists: it is created again."]
    if METHODS[key].migrates and change not in _MIGRATION_PREPARED:
        return [f"The migration into {new['name']} is {change} on Heroku (Heroku keeps a ready migration 24 hours): it"
                f" is prepared again before the window ({new['name']} is emptied and filled again)."]
    if new and METHODS[key].follows:
        return [f"{new['name']} was prepared by an earlier run: waiting again until it is within 200 commits."]
    return []


def after_failure(plan, state, observed, now, error=None):
    """What a run does when a step inside the window failed: {action, phase, state_update, message}.

    action is roll_back (leave the window; the old primary stays) only when Heroku shows the switch not made; with
    the switch made, or Heroku unreadable (error), the window is kept and a re-run finishes (or decides again).
    """
    recorded = state["phase"]
    keep = {"action": "keep_window", "phase": recorded, "state_update": {}}
    if observed is None:
        return {**keep, "message": (
            f"Heroku could not be read to tell whether the switch happened ({error or 'no answer'}), so nothing was "
            "rolled back.")}
    done, evidence = switched(plan, observed)
    if done:
        phase = transition(recorded, recorded if reached(recorded, "cut_over") else "cut_over", observed=True)
        return {**keep, "phase": phase, "state_update": {"phase": phase},
                "message": f"The cutover is done ({evidence}); nothing was rolled back."}
    if reached(recorded, "cut_over"):
        return {**keep, "message": (
            f"This run recorded its cutover, but Heroku shows otherwise ({evidence}), so nothing was rolled back.")}
    live = live_names(plan, observed, plan.get("new_database")) if plan.get("new_database") else []
    if live:
        return {**keep, "message": (f"{plan['new_database']} is {', '.join(live)}, yet {evidence}, so nothing was "
                                    "rolled back.")}
    update, notes = {}, []
    # Leaving the window lets the apps write to the old primary again: a follower that stopped following misses that.
    why = _spoiled(plan, state, observed, window_kept=False)
    if why:
        update, note = _abandon(plan, state, observed, why, now)
        notes.append(note + f" A re-run prepares {update['plan']['new_database']}.")
    elif plan.get("new_database"):
        notes.append(f"The new database {plan['new_database']} is kept, and a re-run uses it.")
    phase = "preflight" if why else "prepared" if reached(recorded, "window_entered") else recorded
    update["phase"] = phase = transition(recorded, phase)
    return {"action": "roll_back", "phase": phase, "state_update": update, "notes": notes,
            "message": (f"Rolled back: the switch was not made ({evidence}); {plan['old_primary']['name']} is still the "
                        f"database of {plan['old_primary']['app']}, unchanged.")}
