# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migration's state machine, as tables: every method x recorded phase x observed Heroku state.

The invariants hold for every combination, including those no single fault produces (a record that says one
thing while Heroku shows another); the rows after them pin the decisions of the cases that lost writes before.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from ansible_collections.herokuops.postgres.plugins.module_utils._phases import (METHODS, PHASES, Disagreement,
                                                                                 TransitionError, after_failure,
                                                                                 fresh_name, live_names, resume,
                                                                                 switched, transition)

NOW = datetime.datetime(2026, 12, 4, 17, 0, 0, tzinfo=datetime.timezone.utc)
OLD, NEW = "postgresql-lavender-12345", "sushi-standard-2-261204160000"
APPS = ["sushi", "sushi-admin"]
FORMATIONS = {"sushi": {"web": 2, "worker": 1}, "sushi-admin": {"worker": 1, "clock": 0}}
RESTORED = "2026-12-04T16:58:20Z"  # the formations' updated_at, as the restore (or the window) scaled them


def plan_for(key):
    method, _sep, variant = key.partition("/")
    promotes = METHODS[key].promotes
    return {
        "method": method, "variant": variant or None, "app": "sushi", "target_app": "sushi",
        "old_primary": {"name": OLD, "app": "sushi", "attachments": [
            {"app": "sushi", "name": "DATABASE", "namespace": None},
            {"app": "sushi", "name": "HEROKU_POSTGRESQL_LAVENDER", "namespace": None},
            {"app": "sushi-admin", "name": "DATABASE", "namespace": None}]},
        "target": {"version": "16" if method == "pg_upgrade" else "15", "plan": "standard-2"},
        "new_database": NEW if promotes else None, "window_apps": APPS,
        "other_attachments": [{"app": "sushi-admin", "name": "DATABASE", "namespace": None}] if promotes else [],
    }


def window(left=False):
    return {"apps": APPS, "formations": FORMATIONS, "maintenance": {app: False for app in APPS},
            "recorded_at": 1.0, "entered_at": 2.0, "left_at": 3.0 if left else None}


def state_at(phase, key):
    state = {"id": "sushi.x", "phase": phase, "plan": plan_for(key)}
    if PHASES.index(phase) >= PHASES.index("window_entered"):
        state["window"] = window(left=phase in ("window_left", "done"))
    return state


# The observed situations: (label, switch made, names moved, apps held in the window, new database following).
SITUATIONS = [
    ("untouched", False, False, False, True),
    ("in window, follower following", False, False, True, True),
    ("in window, follower unfollowed", False, False, True, False),
    ("out of window, follower unfollowed", False, False, False, False),
    ("switched, in window, names not moved", True, False, True, False),
    ("switched, in window, names moved", True, True, True, False),
    ("switched, apps back, names moved", True, True, False, False),
    ("switched, apps back, names not moved", True, False, False, False),
]


def observe(key, switch, moved, held, following):
    method = METHODS[key]
    plan = plan_for(key)
    admin = {"DATABASE": NEW if (switch and moved and method.promotes) else OLD}
    apps = {app: {"maintenance": held, "formation": {kind: 0 if held else n for kind, n in FORMATIONS[app].items()},
                  "formation_updated_at": {kind: RESTORED for kind in FORMATIONS[app]}} for app in APPS}
    return {
        # The new database's own colour name on the target app, as heroku_pg_follower and heroku_addon leave it.
        "attachments": {"sushi": {"DATABASE": NEW if (switch and method.promotes) else OLD,
                                  "HEROKU_POSTGRESQL_LAVENDER": OLD,
                                  **({"HEROKU_POSTGRESQL_RED": NEW} if method.promotes else {})},
                        "sushi-admin": admin},
        "apps": apps,
        "old": {"name": OLD, "version": "16.4" if switch and method.changes == "version" else "15.7",
                "plan": "standard-2" if switch and method.changes == "plan" else "standard-0",
                "change": "done" if switch and not method.promotes else "none"},
        "new": ({"name": NEW, "exists": True, "following": following and method.follows and not switch,
                 "leader": OLD if following and not switch else None, "available": True}
                if plan["new_database"] else None),
    }


CASES = list(itertools.product(METHODS, PHASES[1:-1], SITUATIONS))


def setting(key, phase, situation):
    """(plan, recorded state, observation, whether Heroku shows the switch made) of one case."""
    plan, observed = plan_for(key), observe(key, *situation[1:])
    return plan, state_at(phase, key), observed, switched(plan, observed)[0]


EVERY_CASE = pytest.mark.parametrize("key,phase,situation", CASES, ids=[f"{k}|{p}|{s[0]}" for k, p, s in CASES])


@EVERY_CASE
def test_resume_never_undoes_the_switch_nor_gives_up_a_live_database(key, phase, situation):
    plan, state, observed, made = setting(key, phase, situation)
    try:
        decision = resume(plan, state, observed, NOW)
    except Disagreement:
        # Only a record past its cutover that Heroku contradicts is left to a person.
        assert not made and PHASES.index(phase) >= PHASES.index("cut_over")
        return
    new_phase = decision["phase"]
    assert (PHASES.index(new_phase) >= PHASES.index("cut_over")) == made
    for abandoned in decision["state_update"].get("abandoned", []):
        assert not live_names(plan, observed, abandoned), "a database in use was given up"
    if new_phase == "preflight" and phase != "preflight":
        assert decision["state_update"]["abandoned"] == [NEW] and decision["state_update"]["plan"]["new_database"] != NEW
    assert transition(phase, new_phase, observed=True) == new_phase


@EVERY_CASE
def test_a_failure_rolls_back_only_when_heroku_shows_the_switch_not_made(key, phase, situation):
    plan, state, observed, made = setting(key, phase, situation)
    decision = after_failure(plan, state, observed, NOW)
    if decision["action"] == "roll_back":
        assert not made and PHASES.index(phase) < PHASES.index("cut_over")
        assert decision["message"].startswith("Rolled back")
        assert observed["attachments"]["sushi"]["DATABASE"] != NEW
        assert decision["phase"] in ("preflight", "prepared") or phase == "preflight"
    else:
        assert "Rolled back" not in decision["message"]
        assert made or PHASES.index(phase) >= PHASES.index("cut_over")
    for abandoned in decision["state_update"].get("abandoned", []):
        assert not live_names(plan, observed, abandoned)


@pytest.mark.parametrize("key", METHODS)
def test_an_unreadable_heroku_keeps_the_window(key):
    decision = after_failure(plan_for(key), state_at("window_entered", key), None, NOW, error="403 forbidden")
    assert decision["action"] == "keep_window" and decision["state_update"] == {}
    assert "403 forbidden" in decision["message"] and "nothing was rolled back" in decision["message"]


# The rows that lost writes, or would: (method, recorded phase, situation label, resume phase, failure action).
ROWS = [
    # Killed right after the promote, then one 403 in the re-run: the switch is made, so go forward, never back.
    ("follower_changeover", "window_entered", "switched, in window, names not moved", "cut_over", "keep_window"),
    ("pg_copy", "window_entered", "switched, in window, names not moved", "cut_over", "keep_window"),
    ("pg_upgrade/follower", "window_entered", "switched, in window, names not moved", "cut_over", "keep_window"),
    # A false rollback already happened (apps back on the promoted database): finish the switch, never give it up.
    ("follower_changeover", "preflight", "switched, apps back, names not moved", "cut_over", "keep_window"),
    # Everything done but the record of leaving: no second window.
    ("follower_changeover", "post_cutover", "switched, apps back, names moved", "post_cutover", "keep_window"),
    ("follower_changeover", "window_entered", "switched, apps back, names moved", "window_left", "keep_window"),
    # Unfollowed inside a window that held ever since: it has every write, promote it.
    ("follower_changeover", "window_entered", "in window, follower unfollowed", "window_entered", "roll_back"),
    # Unfollowed, then the apps wrote to the old primary: it missed writes, give it up.
    ("follower_changeover", "window_entered", "out of window, follower unfollowed", "preflight", "roll_back"),
    ("follower_changeover", "prepared", "out of window, follower unfollowed", "preflight", "roll_back"),
    # Changes in place that started cannot be "rolled back".
    ("pg_upgrade/direct", "window_entered", "switched, in window, names moved", "cut_over", "keep_window"),
    ("addons_upgrade/standard", "window_entered", "switched, in window, names moved", "cut_over", "keep_window"),
    ("pg_upgrade/direct", "window_entered", "in window, follower following", "window_entered", "roll_back"),
]


@pytest.mark.parametrize("key,phase,label,resumed,action", ROWS)
def test_decisions(key, phase, label, resumed, action):
    situation = next(s for s in SITUATIONS if s[0] == label)
    plan, state, observed = plan_for(key), state_at(phase, key), observe(key, *situation[1:])
    assert resume(plan, state, observed, NOW)["phase"] == resumed
    assert after_failure(plan, state, observed, NOW)["action"] == action


# Killed between restoring the apps and recording it: the re-run goes on after window_left and records its end.
# (recorded left_at, apps held, recorded formations, the formations' updated_at) -> left_at recorded (None: the
# window is not updated), a note.
EARLIER, LATER = "2026-12-04T16:58:10Z", "2026-12-04T16:59:00Z"
WINDOW_END = [
    # Heroku's time: the latest of the process types scaled back up; clock, recorded at 0, was not.
    (None, False, FORMATIONS, {"sushi": {"web": EARLIER, "worker": RESTORED}, "sushi-admin": {"worker": EARLIER, "clock": LATER}},
     datetime.datetime(2026, 12, 4, 16, 58, 20, tzinfo=datetime.timezone.utc).timestamp(),
     "its end was taken from Heroku's formation times (2026-12-04T16:58:20Z"),
    (None, False, FORMATIONS, {"sushi": {"web": None, "worker": None}, "sushi-admin": {"worker": None, "clock": None}},
     NOW.timestamp(), "Heroku's formations show no time of the restore: its end was taken as this run's observation"),
    (None, False, {"sushi": {"web": 0}, "sushi-admin": {"clock": 0}}, {"sushi": {"web": RESTORED}, "sushi-admin": {"clock": RESTORED}},
     NOW.timestamp(), "show no time of the restore"),
    (3.0, False, FORMATIONS, {}, None, None),
    (None, True, FORMATIONS, {}, None, None),
]


@pytest.mark.parametrize("key", METHODS)
@pytest.mark.parametrize("left_at, held, formations, updated_at, recorded, note", WINDOW_END)
def test_a_window_left_but_not_recorded_gets_its_end(key, left_at, held, formations, updated_at, recorded, note):
    state = {**state_at("cut_over", key), "window": {**window(), "formations": formations, "left_at": left_at}}
    observed = observe(key, True, True, held, False)
    for app, times in updated_at.items():
        observed["apps"][app]["formation_updated_at"] = times
    decision = resume(plan_for(key), state, observed, NOW)
    assert decision["phase"] == ("cut_over" if held else "window_left")
    if recorded is None:
        assert "window" not in decision["state_update"]
        assert not [n for n in decision["notes"] if "leaving the window" in n], decision["notes"]
    else:
        assert decision["state_update"]["window"] == {**state["window"], "left_at": recorded}
        assert [n for n in decision["notes"] if note in n], decision["notes"]


def test_a_window_whose_start_was_not_written_counts_from_when_it_was_recorded():
    key = "pg_copy"
    state = {**state_at("cut_over", key), "window": {**window(), "entered_at": None}}
    decision = resume(plan_for(key), state, observe(key, True, True, False, False), NOW)
    assert decision["state_update"]["window"]["entered_at"] == state["window"]["recorded_at"]


def test_a_rollback_after_the_unfollow_gives_up_the_follower_and_names_the_next():
    key = "follower_changeover"
    observed = observe(key, False, False, True, False)
    decision = after_failure(plan_for(key), state_at("window_entered", key), observed, NOW)
    assert decision["state_update"]["phase"] == "preflight"
    assert decision["state_update"]["abandoned"] == [NEW]
    assert decision["state_update"]["plan"]["new_database"] == "sushi-standard-2-261204170000"
    assert any("destroy it" in note for note in decision["notes"])


def test_a_database_in_use_is_never_given_up():
    key = "follower_changeover"
    observed = observe(key, False, False, False, False)
    observed["attachments"]["sushi-admin"]["DATABASE"] = NEW  # split: another app already writes to it
    with pytest.raises(Disagreement, match="sushi-admin::DATABASE"):
        resume(plan_for(key), state_at("prepared", key), observed, NOW)
    observed["new"]["following"] = True  # even one that still follows: nothing may be copied or promoted over it
    with pytest.raises(Disagreement, match="sushi-admin::DATABASE"):
        resume(plan_for(key), state_at("window_entered", key), observed, NOW)


def test_a_follower_of_another_leader_is_given_up():
    key = "pg_upgrade/follower"
    observed = observe(key, False, False, False, True)
    observed["new"]["leader"] = "postgresql-other-1"
    decision = resume(plan_for(key), state_at("prepared", key), observed, NOW)
    assert decision["phase"] == "preflight" and "follows postgresql-other-1" in decision["notes"][0]


def test_a_follower_still_being_created_is_kept():
    key = "follower_changeover"
    observed = observe(key, False, False, False, True)
    observed["new"].update(following=None, available=False)
    assert resume(plan_for(key), state_at("preflight", key), observed, NOW)["state_update"] == {"phase": "preflight"}


@pytest.mark.parametrize("current,wanted,observed,allowed", [
    ("new", "preflight", False, True),
    ("preflight", "prepared", False, True),
    ("prepared", "prepared", False, True),
    ("window_entered", "prepared", False, True),
    ("window_entered", "preflight", False, True),
    ("prepared", "preflight", False, True),
    ("cut_over", "prepared", False, False),
    ("cut_over", "preflight", True, False),
    ("post_cutover", "window_entered", True, False),
    ("window_left", "cut_over", True, False),
    ("done", "preflight", True, False),
    ("preflight", "cut_over", False, False),
    ("preflight", "cut_over", True, True),
    ("window_entered", "window_left", True, True),
    ("prepared", "new", False, False),
    ("prepared", "somewhere", True, False),
])
def test_transitions(current, wanted, observed, allowed):
    if allowed:
        assert transition(current, wanted, observed) == wanted
    else:
        with pytest.raises(TransitionError):
            transition(current, wanted, observed)


def test_fresh_name_replaces_the_timestamp():
    assert fresh_name("sushi-standard-2-261204160000", NOW) == "sushi-standard-2-261204170000"
    assert fresh_name("postgresql-new", NOW) == "postgresql-new-261204170000"


def test_no_rollback_while_another_app_already_uses_the_new_database():
    key = "pg_copy"
    observed = observe(key, False, False, True, False)
    observed["attachments"]["sushi-admin"]["DATABASE"] = NEW
    decision = after_failure(plan_for(key), state_at("window_entered", key), observed, NOW)
    assert decision["action"] == "keep_window" and "sushi-admin::DATABASE" in decision["message"]


@pytest.mark.parametrize("key, change, new_exists, note", [
    ("pg_upgrade/direct", "scheduled", None, None),
    ("pg_upgrade/direct", "none", None, "is no longer scheduled on Heroku (none): it is prepared again"),
    ("addons_upgrade/standard", "ready", None, None),
    ("addons_upgrade/standard", "none", None, "is no longer ready on Heroku (none)"),
    ("follower_changeover", "none", True, "waiting again until it is within 200 commits"),
    ("pg_copy", "none", True, None),
    ("pg_copy", "none", False, "no longer exists: it is created again"),
    ("addons_upgrade/essential", "none", None, None),
])
def test_a_run_resuming_a_stopped_preparation_says_what_went_stale(key, change, new_exists, note):
    observed = observe(key, False, False, False, True)
    observed["old"]["change"] = change
    if new_exists is False:
        observed["new"] = {**observed["new"], "exists": False, "following": False, "available": False}
    decision = resume(plan_for(key), state_at("prepared", key), observed, NOW)
    assert decision["phase"] == "prepared"
    assert [n for n in decision["notes"] if note and note in n] if note else decision["notes"] == [], decision["notes"]


@pytest.mark.parametrize("key, resumed", [
    ("pg_upgrade/direct", "window_left"),
    ("addons_upgrade/standard", "window_left"),
    ("addons_upgrade/essential", "cut_over"),  # Heroku never runs it by itself: the window's own steps finish it
])
def test_a_change_heroku_ran_by_itself_while_stopped_needs_no_window(key, resumed):
    """Stopped once prepared (stop_after), then Heroku ran its scheduled change with the apps live: no window was
    ever recorded, and none is entered for a change already made."""
    observed = observe(key, True, True, False, False)
    decision = resume(plan_for(key), state_at("prepared", key), observed, NOW)
    assert decision["phase"] == resumed and decision["switched"]


# -- the migration to Advanced: `change` is the status of the migration into the new database ---------------------
# (recorded phase, apps held in the window, migration status) -> resumed phase, failure action, abandoned, a note
ADVANCED = [
    # Killed after the migration completed, before the promote, the window held: the re-run promotes it.
    ("window_entered", True, "completed", "window_entered", "roll_back", False, None),
    # Completed, then the apps wrote to the old primary again (window left): it missed writes, give it up.
    ("prepared", False, "completed", "preflight", "roll_back", True, "destroy it"),
    ("window_entered", False, "migrating", "preflight", "roll_back", True, "is migrating while the apps may write"),
    # A ready migration stays; one that failed, was cancelled or expired is prepared again, and the run says so.
    ("prepared", False, "ready", "prepared", "roll_back", False, None),
    ("prepared", False, "failed", "prepared", "roll_back", False, "is failed on Heroku (Heroku keeps a ready migration"
     " 24 hours): it is prepared again before the window"),
    ("prepared", False, "cancelled", "prepared", "roll_back", False, "is cancelled on Heroku"),
    ("preflight", False, "preparing", "preflight", "roll_back", False, None),
]


@pytest.mark.parametrize("variant", ["snapshot", "streaming"])
@pytest.mark.parametrize("phase, held, status, resumed, action, abandoned, note", ADVANCED)
def test_advanced_migration_decisions(variant, phase, held, status, resumed, action, abandoned, note):
    key = f"advanced_migration/{variant}"
    plan, state = plan_for(key), state_at(phase, key)
    observed = observe(key, False, False, held, False)
    observed["old"]["change"] = status
    decision = resume(plan, state, observed, NOW)
    assert decision["phase"] == resumed
    assert ("abandoned" in decision["state_update"]) is abandoned, decision
    assert [n for n in decision["notes"] if note in n] if note else decision["notes"] == [], decision["notes"]
    if phase == "window_entered":
        failure = after_failure(plan, state, observed, NOW)
        assert failure["action"] == action
        # A failure after the migration ran gives the database up: leaving the window lets the apps write again.
        assert ("abandoned" in failure["state_update"]) is (status in ("migrating", "completed")), failure


def test_advanced_after_the_promote_goes_forward():
    key = "advanced_migration/streaming"
    observed = observe(key, True, True, True, False)
    observed["old"]["change"] = "completed"
    assert resume(plan_for(key), state_at("window_entered", key), observed, NOW)["phase"] == "cut_over"
    assert after_failure(plan_for(key), state_at("window_entered", key), observed, NOW)["action"] == "keep_window"
