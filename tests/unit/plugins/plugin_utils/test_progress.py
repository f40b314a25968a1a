# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The progress line: its format, the rate and estimate, when it is due (a fake wall clock), and reading the
records a module appends (the action plugin itself runs in tests/integration/test_progress.py)."""

from __future__ import annotations

import json
import os
import time

import pytest

from ansible_collections.herokuops.postgres.plugins.plugin_utils._progress import (
    DEFAULT_INTERVAL,
    Reporter,
    Tail,
    duration_text,
    estimate,
    interval_from,
    size_text,
)

START = 1_000_000.0
FOLLOWER = "postgresql-x to be at most 200 commits behind postgresql-y"


def record(at, what=FOLLOWER, **fields):
    return {"what": what, "started": START, "at": START + at, "done": False, **fields}


def behind(at, value):
    return record(at, state=f"{value} commits behind", value=value, target=200, unit="commits")


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (0.4, "0s"), (45, "45s"), (59.6, "1m00s"), (190, "3m10s"), (3599, "59m59s"), (3600, "1h00m"),
    (7500, "2h05m"), (-3, "0s"),
])
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


@pytest.mark.parametrize("size, text", [
    (0, "0 bytes"), (512, "512 bytes"), (1536, "1.5 kB"), (8.5 * 1024 ** 2, "8.5 MB"), (1.25 * 1024 ** 3, "1.2 GB"),
    (3 * 1024 ** 5, "3072.0 TB"),
])
def test_size_text(size, text):
    assert size_text(size) == text


@pytest.mark.parametrize("samples, target, expected", [
    ([], 200, (None, None)),                                   # nothing polled yet
    ([(0, 1500)], 200, (None, None)),                          # one sample: no rate
    ([(0, 1500), (0, 1400)], 200, (None, None)),               # no time between them
    ([(0, 1500), (10, 1400)], 200, (10.0, 120.0)),             # catching up: 1200 more at 10/s
    ([(0, 1500), (10, 1600)], 200, (-10.0, None)),             # falling behind: no estimate
    ([(0, 1500), (10, 1500)], 200, (0.0, None)),               # stuck
    ([(0, 0), (30, 3000)], 12000, (100.0, 90.0)),              # bytes copied towards a total
    ([(0, 0), (30, 3000)], None, (100.0, None)),               # no total known: a rate, no estimate
    ([(0, 9000), (400, 5000), (600, 3000)], 0, (10.0, 300.0)),  # only the last 5 minutes count
])
def test_estimate(samples, target, expected):
    assert estimate(samples, target) == expected


@pytest.mark.parametrize("records, now, line", [
    ([behind(0, 1500), behind(30, 1204)], 60,
     f"sushi: waiting for {FOLLOWER}: 1,204 commits behind, catching up at 9.9/s, waited 1m00s, about 1m42s left"),
    ([behind(0, 1500), behind(10, 1150)], 190,
     f"sushi: waiting for {FOLLOWER}: 1,150 commits behind, catching up at 35/s, waited 3m10s, about 27s left"),
    ([behind(0, 1500), behind(30, 1800)], 60,
     f"sushi: waiting for {FOLLOWER}: 1,800 commits behind, not catching up, waited 1m00s"),
    ([behind(0, 1500)], 60, f"sushi: waiting for {FOLLOWER}: 1,500 commits behind, waited 1m00s"),
    ([record(0)], 61, f"sushi: waiting for {FOLLOWER}: nothing observed yet, waited 1m01s"),
    ([behind(0, 1500), record(30, error="HTTP 503")], 60,
     f"sushi: waiting for {FOLLOWER}: 1,500 commits behind, the last check failed (HTTP 503), waited 1m00s"),
    ([record(0, what="postgresql-x to be available", state="Waiting for database to be available")], 75,
     "sushi: waiting for postgresql-x to be available: Waiting for database to be available, waited 1m15s"),
    ([record(0, what="transfer 3 to finish", state="0 bytes copied", value=0, target=12 * 1024 ** 3, unit="bytes"),
      record(60, what="transfer 3 to finish", state="x", value=3 * 1024 ** 3, target=12 * 1024 ** 3, unit="bytes")],
     62, "sushi: waiting for transfer 3 to finish: 3.0 GB of 12.0 GB (25%) copied at 51.2 MB/s, waited 1m02s, "
         "about 3m00s left"),
    ([record(0, what="transfer 3 to finish", state="x", value=5 * 1024 ** 2, target=None, unit="bytes")],
     60, "sushi: waiting for transfer 3 to finish: 5.0 MB copied, waited 1m00s"),
    ([record(0, what="the upgrade of postgresql-x to PostgreSQL 16", state="step 3 of 7: upgrading database",
             value=3, target=7, unit="steps")],
     120, "sushi: waiting for the upgrade of postgresql-x to PostgreSQL 16: step 3 of 7: upgrading database, "
          "waited 2m00s"),
    ([record(0, what="the maintenance of postgresql-x to finish", state="status running")],
     60, "sushi: waiting for the maintenance of postgresql-x to finish: status running, waited 1m00s"),
])
def test_progress_line(records, now, line):
    reporter = Reporter("sushi", 55)
    reporter.feed(records)
    assert reporter.due(START + now) == line


def test_a_line_every_interval_per_wait_and_none_once_done():
    reporter = Reporter("sushi", 55)
    assert reporter.due(START + 100) is None  # no wait yet
    reporter.feed([behind(0, 1500)])
    printed = [at for at in range(0, 200) if reporter.due(START + at)]
    assert printed == [55, 110, 165]
    # A new wait (another what or start) starts its own count.
    reporter.feed([{**behind(200, 900), "started": START + 200}])
    assert reporter.due(START + 250) is None and reporter.due(START + 255)
    reporter.feed([{**record(300), "started": START + 200, "done": True}])
    assert reporter.due(START + 400) is None


def test_a_no_log_task_only_says_it_waits():
    reporter = Reporter("sushi", 55, hidden=True)
    reporter.feed([behind(0, 1500), behind(30, 1204)])
    assert reporter.due(START + 60) == "sushi: waiting (details hidden by no_log), waited 1m00s"


@pytest.mark.parametrize("value, interval", [
    (None, DEFAULT_INTERVAL), ("", DEFAULT_INTERVAL), ("2", 2.0), (0.5, 0.5), (0, 0.0), ("-1", 0.0),
    ("soon", DEFAULT_INTERVAL),
])
def test_interval_from(value, interval):
    assert interval_from(value) == interval


def test_tail_reads_complete_lines_only(tmp_path):
    path = tmp_path / "progress.jsonl"
    tail = Tail(str(path))
    assert tail.read() == []  # not there yet
    first, second = behind(0, 1500), behind(5, 1400)
    path.write_text(json.dumps(first) + "\n" + json.dumps(second)[:10])
    assert tail.read() == [first]
    with path.open("a") as out:
        out.write(json.dumps(second)[10:] + "\nnot json\n")
    assert tail.read() == [second]
    assert tail.read() == []


def test_the_action_runs_the_module_and_prints_while_it_waits(monkeypatch):
    """ProgressAction with a stand-in for the module run: lines while it waits, its result unchanged."""
    from unittest import mock

    from ansible.playbook.task import Task

    from ansible_collections.herokuops.postgres.plugins.plugin_utils import _progress

    printed = []
    monkeypatch.setattr(_progress.display, "display", printed.append)
    monkeypatch.setattr(_progress, "CHECK_EVERY", 0.05)
    task = Task()
    task.action = "herokuops.postgres.heroku_pg_follower"
    task.args = {"app": "sushi", "max_behind": 200}
    action = _progress.ProgressAction(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(),
                                      mock.MagicMock())
    action._templar.template.side_effect = lambda value: value
    action._connection.transport = "local"
    seen = {}

    def module(module_args=None, task_vars=None, **_kwargs):
        seen.update(module_args)
        with open(module_args["progress_file"], "a", encoding="utf-8") as log:
            started = time.time()
            for behind in (900, 700, 500):
                log.write(json.dumps({"what": FOLLOWER, "started": started, "at": time.time(), "done": False,
                                      "state": "x", "value": behind, "target": 200, "unit": "commits"}) + "\n")
                log.flush()
                time.sleep(0.3)
        return {"changed": True, "api_calls": [1, 2, 3]}

    action._execute_module = module
    result = action.run(task_vars={"herokuops_progress_interval": 0.25})
    assert result["changed"] is True and result["api_calls"] == [1, 2, 3]
    assert seen["app"] == "sushi" and seen["max_behind"] == 200 and not os.path.exists(seen["progress_file"])
    assert len(printed) >= 2 and all(line.startswith(f"sushi: waiting for {FOLLOWER}: ") for line in printed)
    assert ", catching up at " in printed[-1]

    printed.clear()
    action._execute_module = lambda **kwargs: {"changed": False, "args": kwargs}
    result = action.run(task_vars={"herokuops_progress_interval": 0})
    assert printed == [] and result["args"] == {"task_vars": {"herokuops_progress_interval": 0}, "wrap_async": False}
    action._connection.transport = "ssh"  # the module would run on another machine: no progress file there
    result = action.run(task_vars={"herokuops_progress_interval": 5})
    assert result["args"] == {"task_vars": {"herokuops_progress_interval": 5}, "wrap_async": False}
