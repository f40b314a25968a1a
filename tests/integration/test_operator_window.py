# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The operator owns the window (issue 13): prepare ahead and cut over in a second run (stop_after=prepared), a
window that opens later (window_start) and one that must end by a time (window_end), while dynos write."""

from __future__ import annotations

import datetime

from methods import ADDONS_UPGRADE_ESSENTIAL, ADDONS_UPGRADE_STANDARD, CHANGEOVER, assert_migrated
from playbook_support import Runner, failed, ok, start_runner, wait_for_writes
from simenv import app_updates, scenario


def later(seconds):
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)).isoformat()


def scheduled_runner(start_sim, ansible_factory, tmp_path, method, **timings):
    """A runner whose simulated Heroku schedules its prepared changes `timings` ahead (time-scaled)."""
    apps, databases = method.fixture_parts()
    fixture = scenario(apps, databases)
    fixture["timings"].update(timings)
    sim = start_sim(fixture)
    wait_for_writes(sim, *method.writers)
    return Runner(sim, ansible_factory(sim), tmp_path / "state")


def no_window(run):
    """Nothing that takes the apps down: no maintenance mode, no scaling."""
    return [(verb, path) for verb, path in run.changes
            if verb == "PATCH" and (path.count("/") == 2 or path.endswith("/formation"))]


def test_prepare_ahead_then_cut_over(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, *CHANGEOVER.fixture_parts(), writers=CHANGEOVER.writers)

    prepared = ok(runner.run(CHANGEOVER.playbook, stop_after="prepared", **CHANGEOVER.variables))
    assert "prepared, stopped before the window (stop_after=prepared), no downtime" in prepared.stdout
    assert "is within 200 commits; it stays usable while it follows" in prepared.stdout
    assert no_window(prepared) == [] and runner.sim.maintenance("sushi") is False
    assert prepared.changes == [("POST", "/apps/sushi/addons")]  # the follower, nothing else
    state = runner.state(CHANGEOVER.migration_id)
    assert state["phase"] == "prepared" and state["before_window"]["decision"] == "stop"
    assert not (runner.state_dir / "locks").exists() or not list((runner.state_dir / "locks").glob("*.lock"))

    # The same command without stop_after cuts over at once, with the follower prepared by the first run.
    cut = ok(runner.run(CHANGEOVER.playbook, **CHANGEOVER.variables))
    assert "resuming after phase prepared" in cut.stdout
    assert ("POST", "/apps/sushi/addons") not in cut.changes
    assert_migrated(CHANGEOVER, runner.sim)
    runner.assert_back_as_before(CHANGEOVER.formations)
    runner.assert_nothing_lost(*CHANGEOVER.writers)


def test_window_start_waits_with_progress_then_cuts_over(start_sim, ansible_factory, tmp_path):
    method = ADDONS_UPGRADE_ESSENTIAL
    runner = start_runner(start_sim, ansible_factory, tmp_path, *method.fixture_parts(), writers=method.writers)
    opens = later(45)  # well after the preflight, even on a loaded machine
    mark = runner.sim.mark()
    run = ok(runner.run(method.playbook, window_start=opens, herokuops_progress_interval=5, **method.variables))
    assert "waiting for the window to open at" in run.stdout
    first_down = app_updates(runner.sim.requests_since(mark))[0]
    assert first_down["time"] >= datetime.datetime.fromisoformat(opens).timestamp() - 0.5, first_down
    assert_migrated(method, runner.sim)
    runner.assert_back_as_before(method.formations)
    runner.assert_nothing_lost(*method.writers)


def test_window_end_refused_before_any_change_and_check_says_so(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, *CHANGEOVER.fixture_parts())
    checked = ok(runner.run(CHANGEOVER.playbook, check=True, window_start=later(3600), window_end=later(7200),
                            **CHANGEOVER.variables))
    assert "it fits if the preparation is done by then" in checked.stdout
    refused = failed(runner.run(CHANGEOVER.playbook, window_end=later(60), **CHANGEOVER.variables),
                     "The window cannot fit")
    assert refused.changes == []
    bad = failed(runner.run(CHANGEOVER.playbook, window_start="tonight", **CHANGEOVER.variables),
                 "window_start=tonight is not an ISO 8601 time")
    assert bad.changes == []


def test_too_late_after_preparation_stops_with_no_downtime(start_sim, ansible_factory, tmp_path):
    """The follower takes longer to prepare than the window allows: the run keeps it and takes no downtime."""
    apps, databases = CHANGEOVER.fixture_parts()
    fixture = scenario(apps, databases)
    fixture["timings"]["follower_provision_seconds"] = 45.0
    sim = start_sim(fixture)
    wait_for_writes(sim, "sushi")
    runner = Runner(sim, ansible_factory(sim), tmp_path / "state")
    run = ok(runner.run(CHANGEOVER.playbook, window_end=later(100), window_downtime_seconds=70, **CHANGEOVER.variables))
    assert "the window can no longer be entered in time" in run.stdout
    assert no_window(run) == [] and sim.maintenance("sushi") is False
    state = runner.state(CHANGEOVER.migration_id)
    assert state["phase"] == "prepared" and state["before_window"]["decision"] == "too_late"
    # A later window uses what was prepared.
    cut = ok(runner.run(CHANGEOVER.playbook, **CHANGEOVER.variables))
    assert ("POST", "/apps/sushi/addons") not in cut.changes
    assert_migrated(CHANGEOVER, sim)
    runner.assert_back_as_before(CHANGEOVER.formations)
    runner.assert_nothing_lost("sushi")


def test_heroku_maintenance_before_the_window_is_moved_after_it(start_sim, ansible_factory, tmp_path):
    """Heroku would run the data maintenance by itself (without maintenance mode) before the window opens: the run
    moves it after the window (data:maintenances:schedule), then runs it itself inside the window."""
    method = ADDONS_UPGRADE_STANDARD
    runner = scheduled_runner(start_sim, ansible_factory, tmp_path, method, schedule_after_seconds=40)
    run = ok(runner.run(method.playbook, window_start=later(25), **method.variables))
    assert "Heroku would run the data maintenance by itself at" in run.stdout and "moving it to" in run.stdout
    assert any(path.endswith("/schedule") for _verb, path in run.changes), run.changes
    report = runner.report(method.migration_id)
    assert report["before_window"]["rescheduled_from"] and report["before_window"]["decision"] == "enter"
    assert_migrated(method, runner.sim)
    runner.assert_back_as_before(method.formations)
    runner.assert_nothing_lost(*method.writers)


def test_heroku_maintenance_that_cannot_be_moved_stops_with_no_downtime(start_sim, ansible_factory, tmp_path):
    method = ADDONS_UPGRADE_STANDARD
    runner = scheduled_runner(start_sim, ansible_factory, tmp_path, method, schedule_after_seconds=40,
                              required_after_seconds=120)
    run = ok(runner.run(method.playbook, window_start=later(90), **method.variables))
    assert "and it can only be moved up to" in run.stdout
    assert no_window(run) == [] and runner.sim.maintenance("sushi") is False
    assert runner.state(method.migration_id)["before_window"]["decision"] == "refuse_schedule"


def test_a_maintenance_heroku_ran_while_stopped_is_found_done(start_sim, ansible_factory, tmp_path):
    """Prepared and stopped; Heroku runs its maintenance by itself meanwhile; the next run finds the plan changed
    and finishes without a window of its own."""
    method = ADDONS_UPGRADE_STANDARD
    runner = scheduled_runner(start_sim, ansible_factory, tmp_path, method, schedule_after_seconds=25)
    prepared = ok(runner.run(method.playbook, stop_after="prepared", **method.variables))
    assert "Heroku runs it by itself at" in prepared.stdout
    runner.sim.wait_until(lambda: runner.sim.get("/addons/" + method.old_primary)["plan"]["name"]
                          == f"heroku-postgresql:{method.plan}", "Heroku to run its maintenance", timeout=120)
    mark = runner.sim.mark()
    finished = ok(runner.run(method.playbook, **method.variables))
    assert "Heroku shows the switch made" in finished.stdout, finished.stdout[-3000:]
    assert app_updates(runner.sim.requests_since(mark)) == []  # no window: nothing was left to do in one
    assert runner.state(method.migration_id)["phase"] == "done"
    runner.assert_back_as_before(method.formations)
    runner.assert_nothing_lost(*method.writers)
