# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This plugin_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Progress lines while a module waits, printed in the normal ansible-playbook output.

A module's output only appears when it ends. Its action plugin (same name as the module, ProgressAction)
runs in ansible-playbook's worker process, where Display forwards to the main process's output: it runs
the module in a thread with option progress_file set, and while the module runs it reads what each poll
of a wait saw (module_utils/_wait.ProgressLog) and prints one line per wait every interval (55 s by
default), such as

  sushi: waiting for postgresql-x to be at most 200 commits behind postgresql-y: 1,204 commits behind,
  catching up at 35/s, waited 3m10s, about 29s left

(on one line). The format is "<app>: waiting for <what>: <state>[, the last check failed (<why>)],
waited <time>[, about <time> left]". It costs no API call: the module polls as it always did.
"""

from __future__ import annotations

__metaclass__ = type

import json
import os
import tempfile
import threading
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

DEFAULT_INTERVAL = 55.0  # so that a line comes at least every 60 s
INTERVAL_VAR = "herokuops_progress_interval"
INTERVAL_ENV = "HEROKUOPS_PROGRESS_INTERVAL"
RATE_WINDOW = 300.0  # the catch-up or copy rate is measured over the last 5 minutes of polls
CHECK_EVERY = 1.0

display = Display()


def duration_text(seconds):
    """45s, 3m10s, 2h05m."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def size_text(size):
    """Bytes as pg:info shows sizes: 512 bytes, 8.5 MB, 1.2 GB (units of 1024)."""
    size = float(size)
    if abs(size) < 1024:
        return f"{size:.0f} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1024
        if abs(size) < 1024 or unit == "TB":
            return f"{size:.1f} {unit}"


def rate_text(rate, unit):
    if unit == "bytes":
        return f"{size_text(rate)}/s"
    return f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.1f}/s"


def estimate(samples, target, window=RATE_WINDOW):
    """(rate, seconds left) from samples [(at, value)] of one wait, oldest first.

    The rate is how fast the value moved towards target over the last `window` seconds of samples (per
    second; negative when it moved away); without a target, how fast it grew. Seconds left is the distance
    to target at that rate, or None when there is no target or no progress. (None, None) with fewer than two
    samples apart in time.
    """
    if not samples:
        return None, None
    recent = [(at, value) for at, value in samples if at >= samples[-1][0] - window]
    (first_at, first), (last_at, last) = recent[0], recent[-1]
    if last_at - first_at <= 0:
        return None, None
    if target is None:
        return (last - first) / (last_at - first_at), None
    rate = (abs(target - first) - abs(target - last)) / (last_at - first_at)
    return rate, (abs(target - last) / rate if rate > 0 else None)


class Wait:
    """What the records of one wait (same "what" and "started") said so far."""

    def __init__(self, record):
        self.key = (record["what"], record["started"])
        self.what = record["what"]
        self.started = record["started"]
        self.printed = self.started
        self.state = None
        self.value = self.target = self.unit = self.error = None
        self.samples = []
        self.done = False

    def add(self, record):
        self.done = bool(record.get("done"))
        if "error" in record:
            self.error = record["error"]
            return
        if "state" not in record:
            return
        self.error = None
        self.state = record["state"]
        self.value, self.target, self.unit = record.get("value"), record.get("target"), record.get("unit")
        if isinstance(self.value, (int, float)):
            self.samples.append((record["at"], self.value))
            # Keep what the rate window needs, and a little more.
            while len(self.samples) > 2 and self.samples[1][0] < record["at"] - RATE_WINDOW:
                self.samples.pop(0)

    def describe(self):
        """The state part of the line and the seconds left (or None)."""
        value, target, unit = self.value, self.target, self.unit
        if self.state is None:
            return "nothing observed yet", None
        if not isinstance(value, (int, float)) or unit not in ("commits", "bytes"):
            return self.state, None
        rate, left = estimate(self.samples, target)
        if unit == "commits":
            text = f"{value:,} commits behind"
            if rate is not None:
                text += f", catching up at {rate_text(rate, unit)}" if rate > 0 else ", not catching up"
            return text, left
        text = size_text(value)
        if target:
            text += f" of {size_text(target)} ({100 * value / target:.0f}%)"
        text += " copied"
        if rate is not None and rate > 0:
            text += f" at {rate_text(rate, unit)}"
        return text, left


def progress_line(app, wait, now, hidden=False):
    """The line for a wait as of now (wall clock); hidden (a no_log task): only that it waits, and how long."""
    if hidden:
        return f"{app}: waiting (details hidden by no_log), waited {duration_text(now - wait.started)}"
    state, left = wait.describe()
    parts = [f"{app}: waiting for {wait.what}: {state}"]
    if wait.error:
        parts.append(f"the last check failed ({wait.error})")
    parts.append(f"waited {duration_text(now - wait.started)}")
    if left is not None:
        parts.append(f"about {duration_text(left)} left")
    return ", ".join(parts)


class Reporter:
    """Turns the module's records into a line per wait every interval seconds (wall clock)."""

    def __init__(self, app, interval, hidden=False):
        self.app = app
        self.interval = interval
        self.hidden = hidden
        self.wait = None

    def feed(self, records):
        for record in records:
            if not isinstance(record, dict) or "what" not in record or "started" not in record:
                continue
            if self.wait is None or self.wait.key != (record["what"], record["started"]):
                self.wait = Wait(record)
            self.wait.add(record)

    def due(self, now):
        """The line to print now, or None."""
        wait = self.wait
        if wait is None or wait.done or now - wait.printed < self.interval:
            return None
        wait.printed = now
        return progress_line(self.app, wait, now, self.hidden)


class Tail:
    """The complete JSON lines appended to a file since the last read."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""

    def read(self):
        try:
            with open(self.path, "rb") as log:
                log.seek(self.offset)
                data = log.read()
        except OSError:
            return []
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records


def interval_from(value):
    """Seconds between two lines from a variable or environment value: a number (0 or less: none)."""
    if value is None or value == "":
        return DEFAULT_INTERVAL
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return DEFAULT_INTERVAL


class ProgressAction(ActionBase):
    """Runs the module of the same name, printing a progress line while it waits (see the module's docstring)."""

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        wrap_async = self._task.async_val and not self._connection.has_native_async
        interval = self._interval(task_vars)
        # The module appends to a file of the controller: only when it runs there (as the playbooks do).
        local = getattr(self._connection, "transport", None) in ("local", "ansible.builtin.local")
        if wrap_async or not interval or not local:
            module_result = self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
        else:
            app = self._task.args.get("app") or task_vars.get("inventory_hostname")
            reporter = Reporter(str(app), interval, hidden=bool(self._task.no_log))
            module_result = self._run_reporting(reporter, task_vars)
        result = merge_hash(result, module_result)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _interval(self, task_vars):
        value = task_vars.get(INTERVAL_VAR)
        if value is not None:
            value = self._templar.template(value)
        return interval_from(os.environ.get(INTERVAL_ENV) if value is None else value)

    def _run_reporting(self, reporter, task_vars):
        fd, path = tempfile.mkstemp(prefix="herokuops-progress-", suffix=".jsonl")
        os.close(fd)
        outcome = {}

        def execute():
            try:
                outcome["result"] = self._execute_module(module_args={**self._task.args, "progress_file": path},
                                                         task_vars=task_vars)
            except BaseException as exc:  # pylint: disable=broad-exception-caught
                outcome["error"] = exc

        try:
            module = threading.Thread(target=execute, name="herokuops-module", daemon=True)
            module.start()
            tail = Tail(path)
            while module.is_alive():
                module.join(CHECK_EVERY)
                reporter.feed(tail.read())
                line = reporter.due(time.time())
                if line and module.is_alive():
                    display.display(line)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]
