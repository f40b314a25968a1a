# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet summary: each host's result, row, table and timeline (the action in the playbooks is covered by
tests/integration/test_fleet.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.herokuops.postgres.plugins.plugin_utils._summary import (
    bars,
    host_record,
    result_of,
    table,
    tick_step,
    timeline_svg,
)

T0 = 1_796_208_000.0  # 2026-12-02T10:40:00Z
PATH = "/s/sushi.upgrade_pg.DATABASE.16.json"
PLAN = {"app": "sushi", "action": "migrate", "method": "pg_upgrade", "variant": "direct"}


def state(phase, entered=None, left=None):
    window = {"entered_at": entered, "left_at": left} if entered is not None else None
    return {"phase": phase, "app": "sushi", "plan": {"method": "pg_copy", "variant": None},
            "started_at": "2026-12-02T10:40:00Z", "updated_at": "2026-12-02T10:41:00Z",
            **({"window": window} if window else {})}


@pytest.mark.parametrize("action, phase, failed, check_mode, expected", [
    ("migrate", "done", False, False, "completed"),
    ("migrate", "prepared", False, False, "stopped at prepared"),
    ("migrate", None, False, False, "ended at preflight"),
    ("migrate", None, False, True, "checked, plan only"),
    ("migrate", "prepared", True, False, "failed"),
    ("migrate", "cut_over", True, False, "FAILED, apps left in the window: re-run"),
    ("migrate", "window_entered", True, False, "FAILED, apps left in the window: re-run"),
    ("migrate", "window_left", True, False, "failed"),
    (None, None, True, False, "failed"),
    (None, None, False, False, "no plan"),
    ("nothing_to_do", None, False, False, "nothing to do"),
    ("nothing_to_do", None, False, True, "nothing to do"),
    ("done", "done", False, False, "already done"),
])
def test_result(action, phase, failed, check_mode, expected):
    assert result_of(action, phase, failed, check_mode) == expected


@pytest.mark.parametrize("plan, recorded, failed, expected", [
    # Completed: the plan's method and variant, the window from the state file.
    (PLAN, state("done", T0 + 10, T0 + 13.55), False,
     {"app": "sushi", "method": "pg_upgrade (direct)", "phase": "done", "window_seconds": 3.5, "result": "completed",
      "state_file": PATH, "started_at": T0, "window_entered_at": T0 + 10, "window_left_at": T0 + 13.55}),
    # Failed before it had a plan: the state file's method, no window.
    (None, state("prepared"), True,
     {"app": "sushi", "method": "pg_copy", "phase": "prepared", "window_seconds": None, "result": "failed",
      "state_file": PATH}),
    # Failed inside the window: no window seconds, the apps are still in it.
    (PLAN, state("cut_over", T0 + 10), True,
     {"phase": "cut_over", "window_seconds": None, "result": "FAILED, apps left in the window: re-run"}),
    # Ended at preflight (another host migrates its database): no state file, the host's name for the app.
    ({**PLAN, "app": None}, None, False,
     {"app": "shop", "phase": "preflight", "result": "ended at preflight", "state_file": None, "started_at": None}),
    # Failed before anything: only the host is known.
    (None, None, True, {"app": "shop", "method": None, "phase": "preflight", "result": "failed", "state_file": None}),
])
def test_host_record(plan, recorded, failed, expected):
    row = host_record("shop" if not recorded else "sushi", plan, PATH, recorded, failed, False)
    assert {key: row[key] for key in expected} == expected


@pytest.mark.parametrize("row, expected", [
    ({"started_at": T0, "window_entered_at": T0 + 5, "window_left_at": T0 + 8, "updated_at": T0 + 9},
     ((T0, T0 + 5), (T0 + 5, T0 + 8))),
    # Stopped inside the window: it ends at the last write of the state file.
    ({"started_at": T0, "window_entered_at": T0 + 5, "window_left_at": None, "updated_at": T0 + 7},
     ((T0, T0 + 5), (T0 + 5, T0 + 7))),
    # Failed while preparing.
    ({"started_at": T0, "window_entered_at": None, "window_left_at": None, "updated_at": T0 + 3}, ((T0, T0 + 3), None)),
    ({"started_at": None, "window_entered_at": None, "window_left_at": None, "updated_at": None}, (None, None)),
])
def test_bars(row, expected):
    assert bars(row) == expected


@pytest.mark.parametrize("span, step", [(0.5, 1), (8, 1), (9, 2), (40, 5), (100, 15), (3000, 600), (86400 * 30, 86400 * 4)])
def test_tick_step(span, step):
    assert tick_step(span) == step


def test_table_aligns_columns_and_marks_what_is_missing():
    rows = [host_record("sushi", PLAN, PATH, state("done", T0 + 10, T0 + 13), False, False),
            host_record("shop", None, None, None, True, False)]
    assert table(rows) == [
        "app    method               phase reached  window s  result     state file",
        f"sushi  pg_upgrade (direct)  done           3.0       completed  {PATH}",
        "shop   -                    preflight      -         failed     -",
    ]


def test_timeline_is_svg_with_a_bar_per_phase_of_each_app():
    rows = [host_record("sushi", PLAN, PATH, state("done", T0 + 10, T0 + 13), False, False),
            host_record("big<&>", {**PLAN, "app": "big<&>"}, PATH, state("cut_over", T0 + 12), True, False),
            host_record("shop", None, None, None, True, False)]
    svg = ET.fromstring(timeline_svg(rows, "upgrade_pg & co"))
    ns = "{http://www.w3.org/2000/svg}"
    titles = [rect.find(f"{ns}title").text for rect in svg.iter(f"{ns}rect")]
    # big<&> ends at its state file's last write (60 s after the start): 48 s in its window, so far.
    assert titles == ["sushi preparation: 10.0 s", "sushi window: 3.0 s", "big<&> preparation: 12.0 s",
                      "big<&> window: 48.0 s"]
    labels = [text.text for text in svg.iter(f"{ns}text")]
    assert "upgrade_pg & co" in labels and "shop: failed" in labels and "0s" in labels and "1m00s" in labels


@pytest.mark.parametrize("decision, expected", [
    ("stop", "prepared, no downtime (stop_after)"),
    ("too_late", "prepared, no downtime: too late for window_end"),
    ("refuse_schedule", "no downtime: Heroku's own schedule comes first"),
    ("enter", "stopped at prepared"),  # entered-then-killed runs keep the phase they reached
    (None, "stopped at prepared"),
])
def test_a_run_stopped_before_its_window_says_why(decision, expected):
    recorded = {**state("prepared"), **({"before_window": {"decision": decision}} if decision else {})}
    assert host_record("sushi", PLAN, "/s/x.json", recorded, False, False)["result"] == expected
