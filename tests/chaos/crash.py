# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Crash at every step: SIGKILL the run when a task starts, then re-run the same command.

A reference run of each method (at -vvv: the secrets campaign reads it too) lists its tasks in the
order they start. For every task from the first that changed something to the last, a case starts a
fresh scenario, kills the ansible-playbook process group as soon as a worker starts that task
(the Nth task started in the run), re-runs the same command and checks that the migration is complete,
nothing was lost, the apps are back as they were and nothing was created twice.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass

from harness import STARTED, Case, assert_complete, started_tasks, expected_in_place, follow, inventory_of, scenario_runner
from playbook_support import ok
from simenv import app_updates

CHANGED = re.compile(r"^changed: \[", re.M)
WINDOW_LEFT_WRITTEN = "maintenance_window : leave | Write the state file"


@dataclass
class Reference:
    """What a complete run of a method did."""

    method: object
    tasks: list          # tasks, in the order their workers started them
    changed: list        # whether each of them changed something
    inventory: dict      # add-ons and attachments it left
    seconds: float
    output: str          # stdout + stderr
    files: dict          # state_dir and ansible log: {path: text}
    secrets: set         # every database password and the token, before and after

    @property
    def crash_points(self):
        """Indexes of the tasks from the first that changed something to the last."""
        changed = [i for i, flag in enumerate(self.changed) if flag]
        return list(range(changed[0], changed[-1] + 1)) if changed else []


def reference_run(method, workdir, token):
    """A complete run of `method` at -vvv with API token `token`."""
    with scenario_runner(method, workdir, token=token, verbosity=3) as runner:
        secrets = set(runner.sim.secrets()) | {token}
        started = time.monotonic()
        completed = ok(runner.run(method.playbook, **method.variables))
        seconds = time.monotonic() - started
        secrets |= runner.sim.secrets()
        assert_complete(runner, method)
        sections = STARTED.split(completed.stdout)[3::3]  # split() also returns the two groups of each match
        files = {str(p): p.read_text(errors="replace")  # the state files, and any lock beside them
                 for p in sorted(runner.state_dir.rglob("*")) if p.is_file()}
        if runner.ansible.log_path.exists():
            files[str(runner.ansible.log_path)] = runner.ansible.log_path.read_text(errors="replace")
        return Reference(method, started_tasks(completed.stdout), [bool(CHANGED.search(s)) for s in sections],
                         inventory_of(runner.sim, method), seconds, completed.stdout + completed.stderr, files, secrets)


def kill_at(runner, method, point, delay=0.0):
    """Start the method's run and SIGKILL its process group when a task starts (or `delay` seconds later): the
    point-th task started (an int), or the first whose name contains `point` (a str). Returns the tasks started,
    the killed one last."""
    process = runner.start(method.playbook, **method.variables)
    log = runner.state_dir.parent / "killed-run.log"
    seen = []
    try:
        for line in follow(log, lambda: process.poll() is not None):
            seen += started_tasks(line)
            if isinstance(point, int) and len(seen) > point or isinstance(point, str) and seen and point in seen[-1]:
                break
        else:
            raise AssertionError(f"the run ended (rc={process.returncode}) after {len(seen)} tasks, before task "
                                 f"{point!r}:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(delay)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the run may have ended by itself
            runner.kill(process)
    return seen


def case(method, point, name, reference=None, delay=0.0):
    """Kill at `point` (see kill_at), re-run, check. The add-ons and attachments left must be those of the
    reference run; without one (a method that creates no database), those of the scenario."""

    def run(workdir):
        with scenario_runner(method, workdir) as runner:
            before = inventory_of(runner.sim, method)
            started = kill_at(runner, method, point, delay)
            killed = started[-1]
            assert killed == name or name is None, f"task {point} was {killed!r}, not {name!r} as in the reference"
            killed_in_window = runner.sim.maintenance(method.target_app)
            # Once the run has written that it left the window, a re-run must not take the apps down again.
            left = any(task.endswith(WINDOW_LEFT_WRITTEN) for task in started[:-1])
            mark = runner.sim.mark()
            rerun = runner.run(method.playbook, **method.variables)
            (workdir / "re-run.log").write_text(rerun.stdout + rerun.stderr)
            assert rerun.returncode == 0, "the re-run failed:\n" + rerun.stdout[-4000:]
            resumed = re.search(r"resuming after phase (\w+)", rerun.stdout)
            how = (f"resumed after {resumed[1]}" if resumed else "found it finished" if "finished at" in rerun.stdout
                   else "started afresh")
            if left:
                toggles = [r["path"] for r in app_updates(runner.sim.requests_since(mark))]
                assert not toggles, f"the window was left and recorded, yet the re-run entered it again: {toggles}"
            expected = reference.inventory if reference else expected_in_place(before, method)
            report = assert_complete(runner, method, expected)
            return (f"completed (re-run {how}{', killed inside the window' if killed_in_window else ''}; "
                    f"window {report['window_seconds']} s)")

    label = f"#{point:03d} {name}" if isinstance(point, int) else f"at '{point}'" + (f" + {delay} s" if delay else "")
    return Case("crash", f"{method.name} {label}", run)


def cases(references, sample=None, start=None):
    """One case per crash point of every reference run (or `sample` of them per method, evenly spread), or of
    those from the first task whose name contains `start`."""
    found = []
    for ref in references:
        points = ref.crash_points
        if start:
            first = next(i for i, task in enumerate(ref.tasks) if start in task)
            points = [i for i in points if i >= first]
        if sample and len(points) > sample:
            points = [points[round(i * (len(points) - 1) / (sample - 1))] for i in range(sample)] if sample > 1 else points[:1]
        found += [case(ref.method, i, ref.tasks[i], ref) for i in points]
    return found
