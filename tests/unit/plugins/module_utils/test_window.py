# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The operator's window, as tables: the window variables refused before any change, what the plan says about the
fit, and the decision before the window (enter, wait, stop, too late, move or refuse Heroku's own schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from ansible_collections.herokuops.postgres.plugins.filter.migration_plan import migration_window
from ansible_collections.herokuops.postgres.plugins.module_utils import _window

NOW = datetime(2026, 12, 4, 16, 0, 0, tzinfo=timezone.utc)
GB = 1073741824


def at(minutes):
    return _window.iso(NOW + timedelta(minutes=minutes))


def plan(method="follower_changeover", variant=None, size=50 * 2 ** 20):
    return {"app": "sushi", "method": method, "variant": variant, "new_database": "sushi-standard-2-1",
            "old_primary": {"name": "postgresql-lavender-12345", "num_bytes": size}}


def win(start=None, end=None, stop_after="", downtime=600):
    return {"start": start, "end": end, "stop_after": stop_after, "downtime_seconds": downtime}


def upgrade(minutes):
    return {"kind": "upgrade", "scheduled_for": at(minutes), "required_by": None}


def maintenance(minutes, required=None):
    return {"kind": "maintenance", "scheduled_for": at(minutes),
            "required_by": at(required) if required is not None else None}


@pytest.mark.parametrize("options, error", [
    ({"stop_after": "ready"}, "stop_after=ready is not known"),
    ({"window_start": "tomorrow"}, "window_start=tomorrow is not an ISO 8601 time"),
    ({"window_start": "2026-12-05T02:00:00"}, "is not an ISO 8601 time with an offset"),
    ({"window_start": at(60), "window_end": at(30)}, "is not after window_start"),
    ({"window_end": at(-5)}, "The window cannot fit"),
    ({"window_end": at(3)}, "The window cannot fit: it must end by"),  # the changeover needs 4 minutes
    ({"window_start": at(60), "window_end": at(62)}, "The window cannot fit"),
    ({"window_end": at(3), "window_downtime_seconds": 170}, None),
    ({"window_start": at(60), "window_end": at(120)}, None),
    ({"window_start": "2026-12-04T18:00:00+01:00"}, None),
    ({"window_start": "2026-12-04 17:00Z", "stop_after": "prepared"}, None),
    ({}, None),
])
def test_window_variables(options, error):
    found, errors = _window.window(options, plan(), NOW)
    if error is None:
        assert errors == []
        assert found["downtime_seconds"] == (options.get("window_downtime_seconds") or 240)
    else:
        assert len(errors) == 1 and error in errors[0], errors


def test_times_are_utc():
    found, _errors = _window.window({"window_start": "2026-12-04T18:00:00+01:00"}, plan(), NOW)
    assert found["start"] == "2026-12-04T17:00:00Z"


@pytest.mark.parametrize("method, variant, size, seconds", [
    ("follower_changeover", None, 0, 240),
    ("pg_upgrade", "follower", 0, 1920),
    ("pg_upgrade", "direct", 0, 720),
    ("pg_upgrade", "in_place", 0, 720),
    ("addons_upgrade", "standard", 0, 180),
    ("addons_upgrade", "essential", 0, 420),
    ("pg_copy", None, 0, 180),
    ("pg_copy", None, 10 * GB, 1920),  # 3 minutes per GB
])
def test_downtime_per_method(method, variant, size, seconds):
    assert _window.downtime_seconds(plan(method, variant, size)) == seconds


@pytest.mark.parametrize("window, expected", [
    (win(), []),
    (win(stop_after="prepared"), ["stop_after=prepared"]),
    (win(start=at(60)), ["Window: opens 2026-12-04T17:00:00Z."]),
    (win(start=at(60), end=at(120)), ["must end by 2026-12-04T18:00:00Z", "open by 2026-12-04T17:50:00Z: it fits"]),
    (win(end=at(8)), ["it does not fit"]),
])
def test_summary_says_whether_it_fits(window, expected):
    text = " ".join(_window.summary(window, NOW))
    assert all(part in text for part in expected), text
    assert bool(text) == bool(expected)


CASES = [
    # (window, schedule, method/variant, action, text in the message)
    (win(), None, None, "enter", None),
    (win(start=at(-10)), None, None, "enter", None),
    (win(start=at(30)), None, None, "wait", "the window opens at 2026-12-04T16:30:00Z"),
    (win(start=at(30), end=at(60)), None, None, "wait", None),
    (win(end=at(5)), None, None, "too_late", "No downtime was taken; what was prepared is kept"),
    (win(start=at(-60), end=at(9)), None, None, "too_late", None),
    (win(end=at(11)), None, None, "enter", None),
    (win(stop_after="prepared"), None, None, "stop", "follower sushi-standard-2-1 is within 200 commits"),
    (win(stop_after="prepared", end=at(5)), None, None, "stop", "no downtime"),
    (win(stop_after="prepared"), None, ("pg_copy", None), "stop", "billed"),
    (win(stop_after="prepared"), None, ("pg_upgrade", "in_place"), "stop", "nothing needs preparing"),
    # Heroku's own time: a window that opens before it (with 15 minutes to spare) is fine.
    (win(start=at(60)), upgrade(24 * 60), ("pg_upgrade", "direct"), "wait", None),
    (win(), upgrade(30), ("pg_upgrade", "direct"), "enter", None),
    (win(), upgrade(10), ("pg_upgrade", "direct"), "refuse_schedule", "the prepared upgrade was cancelled"),
    (win(start=at(25 * 60)), upgrade(24 * 60), ("pg_upgrade", "direct"), "refuse_schedule",
     "Heroku has no API to move a prepared upgrade"),
    (win(start=at(25 * 60), stop_after="prepared"), upgrade(24 * 60), ("pg_upgrade", "direct"), "refuse_schedule",
     None),
    # stop_after alone: the next run's time is not known, so Heroku's time is only reported.
    (win(stop_after="prepared"), upgrade(10), ("pg_upgrade", "direct"), "stop", "runs it by itself at"),
    (win(start=at(25 * 60), end=at(26 * 60)), maintenance(24 * 60, 14 * 24 * 60), ("addons_upgrade", "standard"),
     "reschedule", "moving it to 2026-12-05T18:15:00Z or later"),
    (win(start=at(25 * 60)), maintenance(24 * 60, None), ("addons_upgrade", "standard"), "reschedule", None),
    (win(start=at(25 * 60), end=at(26 * 60)), maintenance(24 * 60, 25 * 60), ("addons_upgrade", "standard"),
     "refuse_schedule", "it can only be moved up to 2026-12-05T17:00:00Z"),
    (win(start=at(60)), maintenance(24 * 60, 14 * 24 * 60), ("addons_upgrade", "standard"), "wait", None),
]


@pytest.mark.parametrize("window, schedule, method, action, text", CASES)
def test_decide(window, schedule, method, action, text):
    decision = _window.decide(plan(*(method or ("follower_changeover", None))), window, schedule, NOW)
    assert decision["action"] == action, decision
    if text:
        assert text in decision["message"], decision["message"]
    if action == "wait":
        assert decision["wait_until"] == window["start"]
    if action == "reschedule":
        assert _window.heroku_time(decision["not_before"]) > _window.heroku_time(schedule["scheduled_for"])
    assert decision["usable_until"] == (schedule or {}).get("scheduled_for")


@pytest.mark.parametrize("window", [case[0] for case in CASES])
def test_no_downtime_unless_the_cutover_fits(window):
    """Whatever the decision, a run never enters a window that it cannot finish by its end."""
    decision = _window.decide(plan(), window, None, NOW)
    if decision["action"] == "enter" and window["end"]:
        assert NOW + timedelta(seconds=window["downtime_seconds"]) <= _window.heroku_time(window["end"])


@pytest.mark.parametrize("text, expected", [
    ("2019-11-07 22:00:00 +0000", "2019-11-07T22:00:00Z"),
    ("2026-12-05T01:00:00Z", "2026-12-05T01:00:00Z"),
    ("2026-12-05T02:00:00+01:00", "2026-12-05T01:00:00Z"),
    (None, None),
])
def test_heroku_times(text, expected):
    assert _window.iso(_window.heroku_time(text)) == expected


def test_upgrade_scheduled_for_from_the_wait_message():
    message = ("upgrade is scheduled on 2025-04-17 20:30:00 UTC. You could also run the upgrade immediately using"
               " `heroku pg:upgrade:run`.")
    assert _window.iso(_window.upgrade_scheduled_for(message)) == "2025-04-17T20:30:00Z"
    assert _window.upgrade_scheduled_for("preparing upgrade service") is None


def test_filter_returns_lines_only_without_errors():
    ok = migration_window({"stop_after": "prepared", "window_start": "", "window_end": "",
                           "window_downtime_seconds": 0}, plan())
    assert ok["errors"] == [] and ok["lines"] and ok["window"]["stop_after"] == "prepared"
    bad = migration_window({"stop_after": "", "window_start": "", "window_end": "2000-01-01T00:00:00Z",
                            "window_downtime_seconds": 0}, plan())
    assert bad["errors"] and bad["lines"] == []
