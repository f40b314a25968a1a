# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The one wait loop: poll until ready, backing off, within the user's wait_timeout."""

from __future__ import annotations

__metaclass__ = type

import json
import time
from collections import namedtuple

from ._client import HerokuAPIError, HerokuError

# Errors worth polling through: rate limiting, server trouble, and no response at all (status None).
TRANSIENT_STATUSES = frozenset((None, 429, 500, 502, 503, 504))
# Pauses are a quarter of the time waited so far: a wait ends at most a quarter (or MIN_SLEEP) after what it
# awaits happened, which matters inside a maintenance window, and slows down to wait_sleep on long waits.
MIN_SLEEP = 0.5
BACKOFF = 0.25

Waited = namedtuple("Waited", "value duration polls")


def wait_argument_spec():
    """The wait options; they match doc fragment herokuops.postgres.wait."""
    return {
        "wait": {"type": "bool", "default": True},
        "wait_timeout": {"type": "int", "default": 3600},
        "wait_sleep": {"type": "int", "default": 30},
        "progress_file": {"type": "path"},
    }


class ProgressLog:
    """What each poll of one wait saw, appended as a JSON line to the file the action plugin of the same name
    as the module reads while the module runs (option progress_file), to print a progress line.

    Records: {"what", "started", "at"} (wall clock) with "done" (bool) and, when known, "state" (describe of the
    last value), "value", "target", "unit" (from the wait's progress function) or "error" (a failed poll).
    Best effort and local: without a path, or once a write failed, it does nothing. It makes no API call.
    """

    def __init__(self, path, what, clock=time.time):
        self.path = path
        self.what = what
        self.clock = clock
        self.started = clock()

    def write(self, **record):
        if not self.path:
            return
        try:
            line = json.dumps({"what": self.what, "started": self.started, "at": self.clock(), **record})
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except (OSError, TypeError, ValueError):
            self.path = None


class WaitTimeoutError(HerokuError):
    """The awaited condition did not hold within wait_timeout."""

    def __init__(self, what, timeout, duration, state, error=None):
        super().__init__(what, timeout, duration, state)
        self.what = what
        self.timeout = timeout
        self.duration = duration
        self.state = state
        self.error = error

    def __str__(self):
        text = (f"Timed out after {self.duration:.0f}s (wait_timeout={self.timeout}) waiting for {self.what}; "
                f"last observed state: {self.state}")
        return text + (f"; the last poll failed: {self.error}" if self.error else "")


def wait_for(poll, ready, what, timeout, max_sleep=30, describe=str, max_transient_errors=5,
             clock=time.monotonic, sleep=time.sleep):
    """Call poll() until ready(value) is true; return Waited(value, duration, polls).

    The first poll is immediate. Each pause is a quarter of the time waited so far, at least 0.5 s and at
    most max_sleep (which counts as at least 1 s), never past the deadline, which is timeout seconds after
    the start on a monotonic clock.
    Up to max_transient_errors consecutive transient HerokuAPIErrors (429, 5xx, no response) are
    polled through; beyond that, or for any other error, the error is raised. On timeout raises
    WaitTimeoutError naming what was awaited and describe(last value). To fail early on a
    terminal state, raise from poll or ready.
    """
    start = clock()
    max_sleep = max(max_sleep, 1)
    polls = transient = 0
    state = "nothing observed yet"
    error = None
    while True:
        polls += 1
        try:
            value = poll()
        except HerokuAPIError as exc:
            transient += 1
            if exc.status not in TRANSIENT_STATUSES or transient > max_transient_errors:
                raise
            error = exc
        else:
            transient = 0
            error = None
            if ready(value):
                return Waited(value, round(clock() - start, 3), polls)
            state = describe(value)
        remaining = start + timeout - clock()
        if remaining <= 0:
            raise WaitTimeoutError(what, timeout, clock() - start, state, error)
        sleep(min(round(max(BACKOFF * (clock() - start), MIN_SLEEP), 2), max_sleep, remaining))
