# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The operator's window: when a prepared migration may enter its maintenance window, whether its cutover fits
before window_end, and what Heroku's own schedule of a prepared upgrade or data maintenance allows.

Pure functions (the caller passes `now`, a UTC datetime): the preflight role checks the request with them before
any change, and heroku_pg_migration_status (decide=window) decides with them, from what Heroku says, once the
preparation is done."""

from __future__ import annotations

__metaclass__ = type

import datetime
import math
import re

from ansible_collections.herokuops.postgres.plugins.module_utils._phases import method_key

STOP_AFTER = ("", "prepared")
# A window must open this long before Heroku's own time for the prepared change, so that Heroku does not start it
# first (without maintenance mode on the apps).
SCHEDULE_MARGIN = datetime.timedelta(minutes=15)
# Entering and leaving the window (formation, maintenance mode, the checks after the cutover), on top of the
# method's own downtime.
WINDOW_OVERHEAD = 120
# The longest a method keeps the apps down, in seconds: the upper end of Heroku's estimates (see _plan._DOWNTIME).
_DOWNTIME = {
    "follower_changeover": 120,
    "pg_upgrade/follower": 1800,
    "pg_upgrade/direct": 600,
    "pg_upgrade/in_place": 600,
    "addons_upgrade/standard": 60,
    "addons_upgrade/essential": 300,
    "advanced_migration/streaming": 600,
}
_COPY_SECONDS_PER_GB = 180
_GB = 1073741824
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
_UPGRADE_SCHEDULED = re.compile(r"scheduled (?:on|for) (\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?) UTC")


class WindowError(ValueError):
    """A window variable that cannot be used."""


def parse_time(value, name):
    """A datetime (UTC) from an ISO 8601 time with an offset (2026-12-05T02:00:00+01:00, or Z); None for ""."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value).strip()
        if not _ISO.match(text):
            raise WindowError(f"{name}={text} is not an ISO 8601 time with an offset, such as 2026-12-05T02:00:00+01:00"
                              " or 2026-12-05T01:00:00Z.")
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise WindowError(f"{name} needs an offset (+01:00, Z): without one, the time of the controller would be"
                          " guessed.")
    return moment.astimezone(datetime.timezone.utc)


def heroku_time(value):
    """A datetime (UTC) from the data API's times (2019-11-07 22:00:00 +0000) or ISO 8601; None for none."""
    if not value:
        return None
    text = re.sub(r" ([+-]\d{2})(\d{2})$", r"\1:\2", str(value).strip())
    return datetime.datetime.fromisoformat(text.replace(" ", "T", 1).replace("Z", "+00:00")).astimezone(
        datetime.timezone.utc)


def upgrade_scheduled_for(message):
    """When a prepared upgrade runs by itself, from pg:upgrade:wait's message ("upgrade is scheduled on ... UTC")."""
    found = _UPGRADE_SCHEDULED.search(message or "")
    if not found:
        return None
    return datetime.datetime.fromisoformat(found.group(1)).replace(tzinfo=datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def downtime_seconds(plan):
    """The longest the plan's method keeps the apps in the window, in seconds (pg:copy: 3 minutes per GB)."""
    key = method_key(plan)
    if key in ("pg_copy", "advanced_migration/snapshot"):
        size = (plan.get("old_primary") or {}).get("num_bytes") or 0
        own = max(60, math.ceil(size / _GB * _COPY_SECONDS_PER_GB))
    else:
        own = _DOWNTIME[key]
    return own + WINDOW_OVERHEAD


def window(options, plan, now):
    """(the window, the refusals) from the run's variables window_start, window_end, stop_after and
    window_downtime_seconds (0: the plan's estimate). The window's times are ISO strings (UTC) or None."""
    errors = []
    stop_after = options.get("stop_after") or ""
    if stop_after not in STOP_AFTER:
        errors.append(f"stop_after={stop_after} is not known; use stop_after=prepared or leave it out.")
    try:
        start = parse_time(options.get("window_start"), "window_start")
        end = parse_time(options.get("window_end"), "window_end")
    except WindowError as exc:
        return None, errors + [str(exc)]
    own = int(options.get("window_downtime_seconds") or 0)
    downtime = own if own > 0 else downtime_seconds(plan)
    if start and end and end <= start:
        errors.append(f"window_end ({iso(end)}) is not after window_start ({iso(start)}).")
    elif end and max(now, start or now) + datetime.timedelta(seconds=downtime) > end:
        errors.append(f"The window cannot fit: it must end by {iso(end)}, and the cutover needs about"
                      f" {_minutes(downtime)} from {iso(max(now, start or now))} (window_downtime_seconds sets"
                      " another estimate). Nothing was changed.")
    return {"start": iso(start), "end": iso(end), "stop_after": stop_after, "downtime_seconds": downtime}, errors


def summary(win, now):
    """The lines the plan prints about the window (none when the run enters it as soon as it is ready)."""
    if not win or not (win["start"] or win["end"] or win["stop_after"]):
        return []
    lines = []
    if win["stop_after"]:
        lines.append("stop_after=prepared: this run prepares and stops before the window, with no downtime; the next"
                     " run without it cuts over.")
    if win["start"] or win["end"]:
        opens = win["start"] or "as soon as the preparation is done"
        text = f"Window: opens {opens}"
        if win["end"]:
            latest = heroku_time(win["end"]) - datetime.timedelta(seconds=win["downtime_seconds"])
            fits = latest >= max(now, heroku_time(win["start"]) or now)
            text += (f", must end by {win['end']}; the cutover needs about {_minutes(win['downtime_seconds'])}, so the"
                     f" window must open by {iso(latest)}: {'it fits' if fits else 'it does not fit'} if the"
                     " preparation is done by then")
        lines.append(text + ".")
    return lines


def decide(plan, win, schedule, now):
    """What a prepared migration does before its window, from the window and Heroku's schedule:

    {action, message, wait_until, not_before, usable_until}, action one of
      enter            go into the window now
      wait             the window opens at wait_until
      stop             stop_after=prepared: stop with no downtime; usable_until says until when the preparation is
                       usable (None: as long as the database exists)
      too_late         the cutover can no longer end by window_end: stop with no downtime, keep what is prepared
      reschedule       Heroku would run its maintenance by itself before the window: move it to not_before
      refuse_schedule  Heroku would run its upgrade or maintenance by itself before the window, and it cannot be
                       moved: stop with no downtime (an upgrade's preparation is cancelled, so Heroku does not run it)
    schedule is None or {kind: upgrade|maintenance, scheduled_for, required_by} (ISO strings or None)."""
    start, end = heroku_time(win.get("start")), heroku_time(win.get("end"))
    downtime = datetime.timedelta(seconds=win["downtime_seconds"])
    opens = max(now, start) if start else now
    scheduled = heroku_time((schedule or {}).get("scheduled_for"))
    required = heroku_time((schedule or {}).get("required_by"))
    result = {"action": "enter", "message": None, "wait_until": None, "not_before": None,
              "usable_until": iso(scheduled)}
    app = plan["app"]
    # Heroku's own time only matters when the window is known: with stop_after alone the next run's time is not.
    if scheduled and (start or not win.get("stop_after")) and opens + SCHEDULE_MARGIN > scheduled:
        kind = schedule["kind"]
        what = "the prepared upgrade" if kind == "upgrade" else "the data maintenance"
        after = max(end or opens + downtime, opens + downtime) + SCHEDULE_MARGIN
        if kind == "maintenance" and (required is None or after <= required):
            return {**result, "action": "reschedule", "not_before": iso(after),
                    "message": f"{app}: Heroku would run {what} by itself at {iso(scheduled)}, before the window"
                               f" ({iso(opens)}): moving it to {iso(after)} or later (data:maintenances:schedule)."}
        why = (f"it can only be moved up to {iso(required)}" if kind == "maintenance"
               else "Heroku has no API to move a prepared upgrade")
        return {**result, "action": "refuse_schedule",
                "message": f"{app}: Heroku would run {what} by itself at {iso(scheduled)}, before the window opens at"
                           f" {iso(opens)}, and {why}. No downtime was taken"
                           + ("; the prepared upgrade was cancelled so that Heroku does not run it. Choose a"
                              " window_start before Heroku's time, or prepare again nearer to the window."
                              if kind == "upgrade" else ". Choose a window_start before Heroku's time.")}
    if win.get("stop_after") == "prepared":
        return {**result, "action": "stop", "message": _prepared_message(plan, win, scheduled)}
    if end and opens + downtime > end:
        return {**result, "action": "too_late",
                "message": f"{app}: the window can no longer be entered in time: the cutover needs about"
                           f" {_minutes(win['downtime_seconds'])} and the window must end by {iso(end)}. No downtime was"
                           " taken; what was prepared is kept, and a run with a later window uses it."}
    if start and now < start:
        return {**result, "action": "wait", "wait_until": iso(start),
                "message": f"{app}: prepared; the window opens at {iso(start)}."}
    return result


def _prepared_message(plan, win, scheduled):
    app, key = plan["app"], method_key(plan)
    ready = {
        "follower_changeover": f"follower {plan.get('new_database')} is within 200 commits",
        "pg_upgrade/follower": f"follower {plan.get('new_database')} is within 200 commits",
        "pg_copy": f"the new database {plan.get('new_database')} is available",
        "pg_upgrade/direct": "the upgrade is prepared",
        "addons_upgrade/standard": "the replacement database is ready (data maintenance ready)",
        "advanced_migration/snapshot": f"the migration into {plan.get('new_database')} is ready",
        "advanced_migration/streaming": f"the migration into {plan.get('new_database')} is ready and streaming",
    }.get(key, "nothing needs preparing for this method")
    if scheduled:
        usable = (f"Heroku runs it by itself at {iso(scheduled)}, without maintenance mode on the apps: run the"
                  " window before then (a window_start after it moves a data maintenance when Heroku allows)")
    elif key in ("follower_changeover", "pg_upgrade/follower"):
        usable = "it stays usable while it follows; the next run waits again until it is within 200 commits"
    elif key == "pg_copy":
        usable = "it stays usable until destroyed (it is billed meanwhile)"
    elif key.startswith("advanced_migration/"):
        usable = ("Heroku keeps a ready migration 24 hours; a later run prepares it again before the window (Heroku"
                  " empties the Advanced database and copies again)")
    else:
        usable = "the next run goes straight into the window"
    when = f" The window: opens {win['start']}." if win.get("start") else ""
    return (f"{app}: prepared, stopped before the window (stop_after=prepared), no downtime: {ready}; {usable}."
            f"{when} Run the same command without stop_after to cut over.")


def _minutes(seconds):
    return f"{math.ceil(seconds / 60)} minutes"
