"""Maintenance windows (data:maintenances:window): a weekly four-hour slot, in UTC.

Heroku aligns what it schedules to the window; the simulator's schedule is time-scaled
(`schedule_after_seconds`), so changing the window leaves scheduled_for where it is."""
from __future__ import annotations

import datetime as dt
import re

from .. import clock
from ..errors import invalid
from ..model import Addon
from ..sim import Simulator

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})\s*(am|pm)?$")
_LENGTH = dt.timedelta(hours=4)


def info(addon: Addon) -> dict:
    """GET /data/maintenances/v1/{id}/window, in the CLI's `Window` shape."""
    _production_only(addon)
    db, maint = addon.db, addon.db.maintenance
    scheduled = maint if maint is not None and maint.status == "ready" else None
    return {"window": db.window, "previous_window": db.previous_window,
            "scheduled_at": clock.data_time(scheduled.scheduled_for) if scheduled else None,
            "previously_scheduled_at": clock.data_time(scheduled.previously_scheduled_for) if scheduled else None}


def update(sim: Simulator, addon: Addon, day_of_week, time_of_day) -> dict:
    """POST /data/maintenances/v1/{id}/window `{"day_of_week": "tuesday", "time_of_day": "5:30PM"}`."""
    _production_only(addon)
    window = _describe(_day(day_of_week), _time(time_of_day))
    with sim.store.lock:
        addon.db.previous_window, addon.db.window = addon.db.window, window
    return info(addon)


def _production_only(addon: Addon) -> None:
    if not addon.plan.production:
        raise invalid(f"{addon.name} is an Essential tier database: it has no maintenance window.")


def _day(raw) -> int:
    day = str(raw or "").strip().lower().removesuffix("s")
    if day not in _DAYS:
        raise invalid(f"{raw!r} is not a day of the week.")
    return _DAYS.index(day)


def _time(raw) -> dt.timedelta:
    found = _TIME.match(str(raw or "").strip().lower())
    hour, minute, half = (int(found[1]), int(found[2]), found[3]) if found else (-1, -1, None)
    if half:  # 12AM is midnight, 12PM noon
        hour = hour % 12 + (12 if half == "pm" else 0) if 1 <= hour <= 12 else -1
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise invalid(f"{raw!r} is not a time of day (13:30 or 1:30PM).")
    return dt.timedelta(hours=hour, minutes=minute)


def _describe(day: int, start: dt.timedelta) -> str:
    """`Tuesdays 17:30 to 21:30 UTC`, or `Thursdays 22:00 to Fridays 02:00 UTC` across midnight."""
    end = start + _LENGTH
    first = f"{_DAYS[day].capitalize()}s {_clock(start)}"
    if end.days:
        return f"{first} to {_DAYS[(day + 1) % 7].capitalize()}s {_clock(end)} UTC"
    return f"{first} to {_clock(end)} UTC"


def _clock(offset: dt.timedelta) -> str:
    minutes = offset.seconds // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
