# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Crashes around the operator's window (issue 13): while a run waits for window_start, and in a run with
stop_after=prepared; the same command is run again, and the migration must end complete with nothing lost."""

from __future__ import annotations

import dataclasses
import datetime

from crash import kill_at
from harness import Case, assert_complete, expected_in_place, inventory_of, scenario_runner
from playbook_support import ok
from simenv import app_updates

WAIT_TASK = "gate | Wait until the window opens"
STOP_TASK = "gate | Say what is prepared, until when, and what the next run does"
# Seconds from the first run's start to window_start: preparation (about 40 s with two cases at once on 2 cores)
# must be done well within it, or the kill would not fall in the wait.
LEAD_SECONDS = 90


def _with(method, **variables):
    return dataclasses.replace(method, variables={**method.variables, **variables})


def wait_case(method):
    """SIGKILL while the run waits for window_start; the re-run waits for the rest and opens the window no
    earlier than window_start."""

    def run(workdir):
        with scenario_runner(method, workdir) as runner:
            before = inventory_of(runner.sim, method)
            # From here, not before the simulator's clusters exist: on a loaded 2-core CI runner the set-up alone
            # can take most of a short lead, and the wait must still be ahead when the run reaches it.
            opens = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=LEAD_SECONDS)
            waiting = _with(method, window_start=opens.isoformat())
            kill_at(runner, waiting, WAIT_TASK, delay=2.0)
            killed = datetime.datetime.now(datetime.timezone.utc)
            assert killed < opens, (f"the run reached the wait {LEAD_SECONDS} s lead too late to test it (killed "
                                    f"{(killed - opens).total_seconds():.1f} s after window_start)")
            assert not runner.sim.maintenance(method.target_app), "the window was entered before window_start"
            mark = runner.sim.mark()
            rerun = ok(runner.run(waiting.playbook, **waiting.variables))
            (workdir / "re-run.log").write_text(rerun.stdout + rerun.stderr)
            first_down = app_updates(runner.sim.requests_since(mark))[0]["time"]
            assert first_down >= opens.timestamp() - 0.5, "the re-run opened the window before window_start"
            report = assert_complete(runner, method, expected_in_place(before, method))
            return (f"completed (killed {(opens - killed).total_seconds():.0f} s before window_start, the re-run opened"
                    f" the window {first_down - opens.timestamp():.1f} s after it;"
                    f" window {report['window_seconds']} s)")

    return Case("crash", f"{method.name} while waiting for window_start", run)


def prepared_case(method):
    """SIGKILL as a stop_after=prepared run says what it prepared; run it again (it stops again, with no
    downtime), then without stop_after (it cuts over with what was prepared)."""

    def run(workdir):
        preparing = _with(method, stop_after="prepared")
        with scenario_runner(method, workdir) as runner:
            before = inventory_of(runner.sim, method)
            mark = runner.sim.mark()
            kill_at(runner, preparing, STOP_TASK)
            again = ok(runner.run(preparing.playbook, **preparing.variables))
            assert "stopped before the window (stop_after=prepared)" in again.stdout, again.stdout[-3000:]
            assert not app_updates(runner.sim.requests_since(mark)), "a stop_after=prepared run took the apps down"
            ok(runner.run(method.playbook, **method.variables))
            report = assert_complete(runner, method, expected_in_place(before, method))
            return f"completed (stopped again with no downtime, then cut over; window {report['window_seconds']} s)"

    return Case("crash", f"{method.name} after stop_after=prepared", run)
