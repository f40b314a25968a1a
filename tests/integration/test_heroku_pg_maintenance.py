# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime as dt

import pytest
from simenv import WAIT_ARGS, scenario

MAIN, SMALL = "postgresql-main-11111", "postgresql-small-33333"
APPS = [{"name": "sushi", "formation": {}}, {"name": "tiny", "formation": {}}]
DATABASES = [
    {"addon": MAIN, "app": "sushi", "plan": "standard-0", "seed_rows": 100},
    {"addon": SMALL, "app": "tiny", "plan": "essential-0"},
]


def start(start_sim, ansible_factory, **timings):
    fixture = scenario(APPS, DATABASES)
    fixture["timings"].update(timings)
    sim = start_sim(fixture)
    return sim, ansible_factory(sim)


def change_plan(sim):
    """What addons:upgrade to standard-2 leaves behind: a maintenance being prepared."""
    sim.request("PATCH", f"/apps/sushi/addons/{MAIN}", json={"plan": {"name": "heroku-postgresql:standard-2"}})
    return sim.get(f"/addons/{MAIN}")["id"]


def status(sim, addon_id):
    return sim.get(f"/data/maintenances/v1/{addon_id}")["status"]


def data_time(text):
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")


def shown(moment):
    """As the data API shows it."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S %z")


@pytest.fixture
def ready(start_sim, ansible_factory):
    sim, ansible = start(start_sim, ansible_factory)
    addon_id = change_plan(sim)
    sim.wait_until(lambda: status(sim, addon_id) == "ready", "the maintenance to be ready")
    return sim, ansible


def test_read_refusals_check_mode_run_and_idempotence(ready):
    sim, ansible = ready
    args = {"app": "sushi", "state": "run", **WAIT_ARGS}

    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", app="sushi").ok()
    assert not result["changed"] and result["maintenance"]["status"] == "ready"
    assert result["maintenance"]["reason"] and result["database"]["name"] == MAIN

    result = ansible.run("heroku_pg_maintenance", **args).refused(
        "Application sushi is not in maintenance mode", "set confirm to sushi")
    assert result["maintenance"]["status"] == "ready"
    ansible.run("heroku_pg_maintenance", **args, confirm="other-app").refused("not in maintenance mode")
    ansible.run("heroku_pg_maintenance", app="tiny", state="run").refused(
        "You can't trigger maintenance on an Essential tier database")
    assert sim.changes_since(mark) == []

    sim.request("PATCH", "/apps/sushi", json={"maintenance": True})
    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", check=True, diff=True, **args).ok()
    assert result["changed"] and result["diff"] == {"before": {"status": "ready"}, "after": {"status": "completed"}}
    assert result["api_calls"][-1]["method"] == "POST" and result["api_calls"][-1]["planned"]
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_pg_maintenance", **args).ok()
    addon_id = result["database"]["addon_id"]
    assert result["changed"] and result["maintenance"]["status"] == "completed"
    assert sim.changes_since(mark) == [("POST", f"/data/maintenances/v1/{addon_id}/run")]
    assert sim.get(f"/addons/{MAIN}")["plan"]["name"] == "heroku-postgresql:standard-2"

    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", **args).ok()
    assert not result["changed"] and result["maintenance"]["status"] == "completed"
    assert sim.changes_since(mark) == []


def test_confirm_runs_it_outside_maintenance_mode_with_no_request_body(ready):
    sim, ansible = ready
    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", app="sushi", state="run", confirm="sushi", **WAIT_ARGS).ok()
    assert result["changed"] and result["maintenance"]["status"] == "completed"
    assert [r["query"] for r in sim.requests_since(mark) if r["method"] == "POST" and r["path"].endswith("/run")] == [""]


def test_a_maintenance_still_being_prepared_is_refused(start_sim, ansible_factory):
    sim, ansible = start(start_sim, ansible_factory, maintenance_prepare_seconds=20)
    addon_id = change_plan(sim)
    sim.request("PATCH", "/apps/sushi", json={"maintenance": True})
    mark = sim.mark()
    ansible.run("heroku_pg_maintenance", app="sushi", state="run").refused("still being prepared")
    assert sim.changes_since(mark) == [] and status(sim, addon_id) == "preparing"


def test_nothing_to_run_is_no_change(start_sim, ansible_factory):
    sim, ansible = start(start_sim, ansible_factory)
    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", app="sushi", database=MAIN, state="run").ok()
    assert not result["changed"] and result["maintenance"]["status"] == "none"
    result = ansible.run("heroku_pg_maintenance", app="sushi", state="scheduled", not_before="2026-03-10T00:00:00Z").ok()
    assert not result["changed"] and result["rescheduled"] is False
    assert sim.changes_since(mark) == []


def test_scheduled_moves_it_by_whole_weeks_to_not_before(ready):
    """The simulator's defaults: scheduled a day ahead, required by 14 days, weeks of 7 days."""
    sim, ansible = ready
    addon_id = sim.get(f"/addons/{MAIN}")["id"]
    before = sim.get(f"/data/maintenances/v1/{addon_id}")
    scheduled = data_time(before["scheduled_for"])
    args = {"app": "sushi", "state": "scheduled"}

    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", **args, not_before=scheduled.isoformat()).ok()
    assert not result["changed"] and result["rescheduled"] is False
    assert (result["scheduled_for"], result["required_by"]) == (before["scheduled_for"], before["required_by"])
    ansible.run("heroku_pg_maintenance", **args, not_before=(scheduled + dt.timedelta(days=8)).isoformat()).refused(
        f"is required by {before['required_by']}", "(2 week(s)", "Nothing was changed")
    ansible.run("heroku_pg_maintenance", **args, not_before="2026-03-10").refused("with an offset")
    ansible.run("heroku_pg_maintenance", app="sushi", not_before=scheduled.isoformat()).refused("state=scheduled only")
    assert sim.changes_since(mark) == []

    # Three days later, said in another offset: one week is the fewest that gets there.
    not_before = (scheduled + dt.timedelta(days=3)).astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    week_later = shown(scheduled + dt.timedelta(weeks=1))
    result = ansible.run("heroku_pg_maintenance", check=True, diff=True, **args, not_before=not_before).ok()
    assert result["changed"] and result["rescheduled"] and result["scheduled_for"] == week_later
    assert result["previously_scheduled_for"] == before["scheduled_for"]
    assert result["diff"] == {"before": {"scheduled_for": before["scheduled_for"]}, "after": {"scheduled_for": week_later}}
    assert result["api_calls"][-1]["method"] == "POST" and result["api_calls"][-1]["planned"]
    assert sim.changes_since(mark) == []

    result = ansible.run("heroku_pg_maintenance", **args, not_before=not_before).ok()
    assert result["changed"] and result["rescheduled"] and result["scheduled_for"] == week_later
    assert result["previously_scheduled_for"] == before["scheduled_for"] and result["required_by"] == before["required_by"]
    assert result["maintenance"]["scheduled_for"] == week_later and result["maintenance"]["status"] == "ready"
    assert sim.changes_since(mark) == [("POST", f"/data/maintenances/v1/{addon_id}/schedule")]
    assert sim.get(f"/data/maintenances/v1/{addon_id}")["scheduled_for"] == week_later

    mark = sim.mark()
    result = ansible.run("heroku_pg_maintenance", **args, not_before=not_before).ok()
    assert not result["changed"] and result["rescheduled"] is False and result["scheduled_for"] == week_later
    assert sim.changes_since(mark) == []
