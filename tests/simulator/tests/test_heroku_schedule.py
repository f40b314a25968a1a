"""Heroku's schedule: a ready data maintenance and a prepared upgrade run by themselves at
scheduled_for, without maintenance mode; data:maintenances:schedule and the window."""
from __future__ import annotations

import datetime as dt
import time

from herokusim.testing import BASIC, scenario

MAIN = "postgresql-lavender-12345"    # DATABASE of sushi (web and worker writing)
OTHER = "looking-simply-2449"          # DATABASE of private-spaces-example (web writing)
DATA_TIME = "%Y-%m-%d %H:%M:%S %z"


def timings(**changes) -> dict:
    return {**BASIC["timings"], **changes}


def maintenance(sim, addon: str) -> dict:
    return sim.get(f"/data/maintenances/v1/{addon}").json()


def moment(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, DATA_TIME)


def change_plan(sim, addon: str) -> None:
    resp = sim.patch(f"/apps/sushi/addons/{addon}", json={"plan": {"name": "heroku-postgresql:standard-2"}})
    assert resp.status_code == 200, resp.text
    sim.wait_for(lambda: maintenance(sim, addon)["status"] == "ready", what="maintenance ready")


def test_heroku_runs_a_ready_maintenance_and_a_prepared_upgrade_by_itself(start_simulator):
    sim = start_simulator(scenario(timings=timings(schedule_after_seconds=4)))
    resp = sim.post(f"/client/v11/databases/{OTHER}/upgrade/prepare", json={"version": "16"})
    assert resp.status_code == 200, resp.text
    change_plan(sim, MAIN)
    upgrade_status = f"/client/v11/databases/{OTHER}/upgrade/wait_status"
    message = sim.wait_for(lambda: (m := sim.get(upgrade_status).json()["message"]).startswith("upgrade is scheduled on")
                           and m, what="upgrade scheduled")
    scheduled = maintenance(sim, MAIN)
    assert scheduled["status"] == "ready" and scheduled["previously_scheduled_for"] is None

    # No run request: Heroku starts both at scheduled_for, the apps' dynos writing all along.
    sim.wait_for(lambda: maintenance(sim, MAIN)["status"] == "completed", what="the scheduled maintenance")
    sim.wait_for(lambda: sim.get(upgrade_status).json()["message"] == "upgrade complete", what="the scheduled upgrade")
    done = maintenance(sim, MAIN)
    assert moment(done["started_at"]) >= moment(scheduled["scheduled_for"])
    upgrade_at = dt.datetime.strptime(message.split(" UTC")[0], "upgrade is scheduled on %Y-%m-%d %H:%M:%S")
    assert dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) >= upgrade_at
    assert sim.get(f"/addons/{MAIN}").json()["plan"]["name"] == "heroku-postgresql:standard-2"
    assert sim.admin("GET", f"/databases/{OTHER}").json()["version"] == "16"
    for app in ("sushi", "private-spaces-example"):
        assert sim.get(f"/apps/{app}").json()["maintenance"] is False
        finished = time.time()
        sim.wait_for(lambda: (sim.writes(app)["last_at"] or 0) > finished, what=f"{app} writing afterwards")
        writes = sim.writes(app)
        assert writes["missing"] == 0, writes


def test_schedule_moves_by_weeks_within_now_and_required_by(sim):
    """Defaults: scheduled a day ahead, required within 14 days, weeks of 7 days."""
    def schedule(weeks):
        return sim.post(f"/data/maintenances/v1/{MAIN}/schedule", json={"delay_weeks": weeks})

    def refused(resp, text):
        assert resp.status_code == 422 and resp.json()["id"] == "invalid_params", resp.text
        assert text in resp.json()["message"]

    refused(schedule("1"), "There is no maintenance scheduled")
    change_plan(sim, MAIN)
    first = maintenance(sim, MAIN)
    assert moment(first["required_by"]) - moment(first["scheduled_for"]) == dt.timedelta(days=13)

    moved = schedule("1")
    assert moved.status_code == 200, moved.text
    moved = moved.json()
    assert moved["previously_scheduled_for"] == first["scheduled_for"]
    assert moment(moved["scheduled_for"]) - moment(first["scheduled_for"]) == dt.timedelta(weeks=1)
    assert maintenance(sim, MAIN)["scheduled_for"] == moved["scheduled_for"]

    refused(schedule("1"), "is required by")
    refused(schedule("-2"), "in the past")
    refused(schedule("soon"), "whole number of weeks")
    assert maintenance(sim, MAIN)["scheduled_for"] == moved["scheduled_for"]
    back = schedule("-1").json()
    assert back["scheduled_for"] == first["scheduled_for"] and back["previously_scheduled_for"] == moved["scheduled_for"]


def test_window_read_and_changed(sim):
    path = f"/data/maintenances/v1/{MAIN}/window"
    assert sim.get(path).json() == {"window": "Thursdays 21:30 to Fridays 01:30 UTC", "previous_window": None,
                                    "scheduled_at": None, "previously_scheduled_at": None}
    changed = sim.post(path, json={"day_of_week": "tuesday", "time_of_day": "5:30PM"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["window"] == "Tuesdays 17:30 to 21:30 UTC"
    assert changed.json()["previous_window"] == "Thursdays 21:30 to Fridays 01:30 UTC"
    assert maintenance(sim, MAIN)["window"] == maintenance(sim, MAIN)["addon"]["window"] == "Tuesdays 17:30 to 21:30 UTC"
    for bad in ({"day_of_week": "someday", "time_of_day": "13:30"}, {"day_of_week": "sunday", "time_of_day": "25:00"}):
        resp = sim.post(path, json=bad)
        assert resp.status_code == 422 and resp.json()["id"] == "invalid_params", resp.text
    assert sim.get(path).json()["window"] == "Tuesdays 17:30 to 21:30 UTC"
