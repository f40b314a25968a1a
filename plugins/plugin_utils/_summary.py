# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This plugin_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The fleet summary of a run (action migration_summary): what each host did, from its facts and its state file,
as rows, a text table and an SVG timeline of each app's preparation and window."""

from __future__ import annotations

__metaclass__ = type

import calendar
import time
from html import escape

from ansible_collections.herokuops.postgres.plugins.plugin_utils._progress import duration_text

# The phases in which the apps may still be in maintenance with no dynos (roles/migration_state's list).
WINDOW_PHASES = ("window_entered", "cut_over", "post_cutover")
COLUMNS = (("app", "app"), ("method", "method"), ("phase", "phase reached"), ("window_seconds", "window s"),
           ("result", "result"), ("state_file", "state file"))


# Why a run stopped before its window with no downtime (before_window.decision, roles/maintenance_window's gate).
STOPPED = {"stop": "prepared, no downtime (stop_after)", "too_late": "prepared, no downtime: too late for window_end",
           "refuse_schedule": "no downtime: Heroku's own schedule comes first"}


def result_of(action, phase, failed, check_mode, stopped=None):
    """What became of a host: `action` is its plan's (None without a plan), `phase` its state file's (None
    without one), `failed` whether Ansible counted the host failed, `stopped` why it stopped before its window."""
    if failed:
        return "FAILED, apps left in the window: re-run" if phase in WINDOW_PHASES else "failed"
    if action == "nothing_to_do":
        return "nothing to do"
    if action == "done":
        return "already done"
    if action != "migrate":
        return "no plan"
    if check_mode:
        return "checked, plan only"
    if phase is None:
        return "ended at preflight"  # another host of the run migrates its database
    if phase == "done":
        return "completed"
    return STOPPED.get(stopped) or f"stopped at {phase}"


def host_record(host, plan, state_path, state, failed, check_mode):
    """One host's row, with the times (seconds since the epoch, or None) its timeline bars need."""
    plan = plan or {}
    recorded = (state or {}).get("plan") or {}
    method = plan.get("method") or recorded.get("method")
    variant = plan.get("variant") or recorded.get("variant")
    phase = state.get("phase") if state else None
    window = (state or {}).get("window") or {}
    entered, left = window.get("entered_at"), window.get("left_at")
    return {
        "host": host,
        "app": plan.get("app") or (state or {}).get("app") or host,
        "method": f"{method} ({variant})" if method and variant else method,
        "phase": phase or "preflight",
        "window_seconds": round(left - entered, 1) if entered is not None and left is not None else None,
        "result": result_of(plan.get("action"), phase, failed, check_mode,
                            ((state or {}).get("before_window") or {}).get("decision") if phase == "prepared" else None),
        "state_file": state_path if state else None,
        "started_at": _epoch((state or {}).get("started_at")),
        "window_entered_at": entered,
        "window_left_at": left,
        "updated_at": _epoch((state or {}).get("updated_at")),
    }


def _epoch(text):
    """The state file's UTC times (2026-12-04T10:00:00Z) as seconds since the epoch."""
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return None


def table(rows):
    """The rows as aligned text lines, a header first; '-' for what a host does not have."""
    cells = [[title for _key, title in COLUMNS]]
    cells += [["-" if row[key] is None else str(row[key]) for key, _title in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]


def bars(row):
    """(preparation, window) of a row as (start, end) pairs or None. An unfinished one ends when the state file
    was last written."""
    start, entered, left, last = row["started_at"], row["window_entered_at"], row["window_left_at"], row["updated_at"]
    preparation = (start, entered if entered is not None else last) if start is not None else None
    window = (entered, left if left is not None else last) if entered is not None else None
    return tuple(segment if segment and segment[1] is not None and segment[1] >= segment[0] else None for segment in (preparation, window))


def tick_step(span, most=8):
    """A round number of seconds between two ticks, so that at most `most` fit in `span`."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400):
        if span / step <= most:
            return step
    return 86400 * (int(span / 86400 / most) + 1)


def timeline_svg(rows, title):
    """An SVG document: one line per app, its preparation and its window on one time axis (seconds from the
    first start)."""
    timed = [(row, bars(row)) for row in rows]
    points = [t for _row, pair in timed for segment in pair if segment for t in segment]
    origin = min(points, default=0.0)
    span = max(max(points, default=0.0) - origin, 1.0)
    left, width, height, top = 190, 600, 22, 40
    scale = width / span
    total = top + height * len(rows) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 20}" height="{total}" '
           'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-weight="bold">{escape(title)}</text>',
           f'<text x="{left + width}" y="20" text-anchor="end"><tspan fill="#9ecae1">&#9632;</tspan> preparation '
           '<tspan fill="#e6550d">&#9632;</tspan> maintenance window</text>']
    step = tick_step(span)
    for tick in range(0, int(span) + 1, step):
        x = left + tick * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 5}" x2="{x:.1f}" y2="{total - 30}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{total - 15}" text-anchor="middle">{duration_text(tick)}</text>')
    for index, (row, (preparation, window)) in enumerate(timed):
        y = top + index * height
        label = f"{row['app']}: {row['result']}"
        out.append(f'<text x="10" y="{y + 15}">{escape(label[:30])}<title>{escape(label)}</title></text>')
        for segment, colour, what in ((preparation, "#9ecae1", "preparation"), (window, "#e6550d", "window")):
            if segment:
                x, w = left + (segment[0] - origin) * scale, max((segment[1] - segment[0]) * scale, 1.0)
                out.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{height - 8}" fill="{colour}">'
                           f'<title>{escape(row["app"])} {what}: {segment[1] - segment[0]:.1f} s</title></rect>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
