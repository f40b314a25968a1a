# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Compound faults: a crash at a task, then a failure at a later task of the re-run, then a clean final run.

A case is a list of events, one per run of the same command: an event strikes when a worker starts its task
(or, if that run skips the task, the first later task it starts). The kinds: a 403 on the next request (not
retried), a 503 on the next request and all its retries, a lost response (the next write is served, then
answered 503), the run's API token revoked, and a SIGKILL. Faults are cleared and the token restored before
each run; a last run without any event must then finish the migration. Whenever a run prints "Rolled back",
the simulator is asked at once whether the old primary is still DATABASE_URL (and, changed in place, still
on its plan and version). The end checks are the crash campaign's, but that add-ons the report names for
destruction are left out of the inventory compared with the reference run's.

Sampled: per method, crash points spread evenly over both sides of the maintenance window, the kinds rotated
so that each side meets each kind. Seeded: several events in a row (random task, random kind) drawn from a
seed that the case's label prints, so that `--compound-seed S` replays them.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import shutil
import threading
from dataclasses import dataclass, field

from crash import WINDOW_LEFT_WRITTEN
from harness import COLOUR, Case, assert_complete, started_tasks, diff, failure_message, follow, inventory_of, scenario_runner

HEROKU = "^/(?!__sim/)"                 # every path of Heroku's APIs
DATA_API = "^/client/v11/databases"
WRITES = ("POST", "PATCH", "PUT", "DELETE")
CLIENT_RETRIES = 5                      # the modules' `retries` default
WINDOW_ENTERED = "maintenance_window : enter | Turn maintenance mode on"


@dataclass(frozen=True)
class Kind:
    """What strikes: faults armed through the simulator's admin API, the token revoked, or a SIGKILL."""

    name: str
    status: int | None = None   # the status the run then meets, to count the hits
    faults: tuple = ()
    revoke: bool = False
    crash: bool = False
    one_hit: bool = False       # disarm every fault once one hit: one lost response, whichever write comes first


CRASH = Kind("crash", crash=True)
KINDS = (
    Kind("403", 403, ({"method": "*", "path": HEROKU, "status": 403, "times": 1},)),
    Kind("503 beyond the retries", 503,
         ({"method": "*", "path": HEROKU, "status": 503, "times": CLIENT_RETRIES + 1},)),
    Kind("lost response", 503,
         tuple({"method": m, "path": HEROKU, "status": 503, "after": True, "times": 1} for m in WRITES), one_hit=True),
    Kind("revoked token", 401, revoke=True),
    CRASH,
)
DATA_API_403 = Kind("403 on a data API GET", 403, ({"method": "GET", "path": DATA_API, "status": 403, "times": 1},))


@dataclass(frozen=True)
class Event:
    kind: Kind
    tasks: tuple                # strike at the first task started that is one of these; an int: the Nth
    label: str
    exact: bool = True          # False: at the first task containing one of them

    def due(self, seen):
        if isinstance(self.tasks, int):
            return len(seen) > self.tasks
        # Exact by default: a later task named "Report" must not strike at "Report a finished migration again".
        return any(task == seen[-1] if self.exact else task in seen[-1] for task in self.tasks)


@dataclass
class Strikes:
    """What the runs met: per run, the task its event struck at (or None) and how many requests it hit; claims
    that lied."""

    struck: list = field(default_factory=list)
    lies: list = field(default_factory=list)


def short(task):
    """A task's name without its role, cut short: for labels."""
    name = task.rpartition(" : ")[2]
    return name if len(name) <= 32 else name[:31] + "…"


def strike(sim, kind, token):
    """Arm `kind`; returns a function that stops what arming it started."""
    if kind.revoke:
        sim.admin("DELETE", f"/tokens/{token}")
    for fault in kind.faults:
        sim.admin("POST", "/faults", json=fault)
    if not kind.one_hit:
        return lambda: None
    stop = threading.Event()

    def disarm_after_one():
        while not stop.wait(0.02):
            if any(f["hits"] for f in sim.admin("GET", "/faults")):
                sim.admin("DELETE", "/faults")
                return

    watcher = threading.Thread(target=disarm_after_one, daemon=True)
    watcher.start()
    return lambda: (stop.set(), watcher.join())


def repair(sim, token):
    """What no fault leaves: the faults cleared, the run's token valid."""
    sim.admin("DELETE", "/faults")
    sim.admin("POST", "/tokens", json={"token": token})


def rolled_back_truthfully(sim, method, old):
    """None if the old primary is DATABASE_URL (and, changed in place, on its plan and version); else what is."""
    database = sim.attachments(method.target_app)[("DATABASE", None)]
    if database != method.old_primary:
        return f"said 'Rolled back' while DATABASE_URL of {method.target_app} was {database}, not {method.old_primary}"
    now = plan_and_version(sim, method.old_primary)
    return None if method.new_primary or now == old else f"said 'Rolled back' on {now}, changed from {old}"


def plan_and_version(sim, addon):
    return sim.get(f"/addons/{addon}")["plan"]["name"], sim.database(addon)["postgres_version"]


def run_once(runner, method, event, number, token, strikes, old):
    """One run of the method's command, `event` (or None) striking on the way. Returns its exit code (None when
    killed) and output, kept as run-N.log."""
    sim = runner.sim
    process = runner.start(method.playbook, **method.variables)
    log = runner.state_dir.parent / "killed-run.log"
    seen, struck, stop, mark, killed, said = [], None, None, sim.mark(), False, False
    try:
        for line in follow(log, lambda: process.poll() is not None):
            started = started_tasks(line)
            seen += started
            if event and not struck and started and event.due(seen):
                struck = seen[-1]
                if event.kind.crash:
                    runner.kill(process)
                    killed = True
                    break
                stop = strike(sim, event.kind, token)
            # The claim starts with a capital ("nothing was rolled back" is none), and ends the run: Heroku does not
            # change after it.
            if "Rolled back" in line and not said:
                said = True
                sim.admin("DELETE", "/faults")  # the harness's own reads must not meet them
                lie = rolled_back_truthfully(sim, method, old)
                if lie:
                    strikes.lies.append(f"run {number}: {lie}")
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                runner.kill(process)
        if stop:
            stop()
        sim.admin("DELETE", "/faults")  # what the run left armed must not meet the harness's own reads
    output = log.read_text(errors="replace")
    shutil.copy(log, log.with_name(f"run-{number}.log"))
    if struck and isinstance(event.tasks, int) and event.label != struck:
        raise AssertionError(f"task {event.tasks} was {struck!r}, not {event.label!r} as in the reference run")
    hits = 0
    if struck and event.kind.status:
        hits = sum(r["status"] == event.kind.status for r in sim.requests_since(mark))
    strikes.struck.append((struck and short(struck), hits))
    leaked = [s for s in sim.secrets() if s in output]
    assert not leaked, f"run {number}: a database password in the output"
    return (None if killed else process.returncode), output


def compound_case(method, events, label, expected, strict=False):
    """Run the method's command once per event (each striking on the way), then once without; check the end.

    `expected`: the inventory of a complete run (a reference run's), or a function of the scenario (sim, inventory).
    `strict`: a crash must strike, and a fault that strikes must hit a request (a fixed example, not a sample)."""

    def run(workdir):
        token = "hk-" + secrets.token_hex(20)
        with scenario_runner(method, workdir) as runner:
            sim = runner.sim
            sim.admin("POST", "/tokens", json={"token": token})  # the run's own, so that revoking it spares ours
            runner.ansible.token = token
            before = inventory_of(sim, method)
            wanted = expected(sim, before) if callable(expected) else expected
            old = plan_and_version(sim, method.old_primary)
            strikes = Strikes()
            codes = []
            for number, event in enumerate(events, 1):
                repair(sim, token)
                codes.append(run_once(runner, method, event, number, token, strikes, old)[0])
            repair(sim, token)
            final, output = run_once(runner, method, None, len(events) + 1, token, strikes, old)
            problems, report = list(strikes.lies), {}
            if strict:  # a fault may find its task skipped by a run that knows better, but not strike in vain
                problems += [f"run {n}: {e.kind.name} at {e.label!r} " + ("hit nothing" if struck else "never struck")
                             for n, (e, (struck, hits)) in enumerate(zip(events, strikes.struck), 1)
                             if (not struck and e.kind.crash) or (struck and e.kind.status and not hits)]
            if final != 0:
                problems.append(f"the final run failed: {failure_message(output)}")
            else:
                try:
                    report = assert_complete(runner, method)
                    abandoned = report.get("abandoned_databases") or []
                    found = inventory_of(sim, method, leaving_out=abandoned)
                    assert found == wanted, f"left behind (besides {abandoned}): {diff(wanted, found)}"
                except AssertionError as exc:
                    problems.append(f"after the final run: {exc or type(exc).__name__}")
            assert not problems, "; ".join(problems)
            said = ", ".join(f"{e.kind.name} " + (f"at {at!r}" if at else "not reached") + (f" ({h} hits)" if h else "")
                             for e, (at, h) in zip(events, strikes.struck))
            codes = ", ".join("killed" if c is None else f"rc {c}" for c in codes)
            return f"completed ({said}; runs before the last: {codes}; window {report.get('window_seconds')} s)"

    return Case("compound", f"{method.name} {label}", run)


def expected_new_primary(sim, before, method):
    """What a follower changeover that re-creates no follower leaves: one new add-on on the target plan, attached
    to the target app as DATABASE and under its colour, and the old primary there under a colour name (its own,
    or the one the promote gives it)."""
    addons = sorted(before["addons"] + [("<new>", method.target_app, f"heroku-postgresql:{method.plan}", False)])
    coloured = any(COLOUR.match(name) and addon == method.old_primary
                   for (name, _namespace), addon in sim.attachments(method.target_app).items())
    colour = (method.target_app, "", "HEROKU_POSTGRESQL_<colour>")
    return {"addons": addons, "attachments": sorted(before["attachments"] + [colour] * (1 if coloured else 2))}


def issue_16_case(method):
    """Issue 16's example: SIGKILL right after the promote, then one 403 on a data API GET when the re-run
    unfollows (or, should it see the cutover done and skip that, when it starts the post-cutover steps), then a
    final run. A run that decides from its record rolls back a database that is live."""
    events = [Event(CRASH, ("cutover | Note the cutover",), "cutover | Note the cutover", exact=False),
              Event(DATA_API_403, ("cutover | Unfollow", "post_cutover : "), "cutover | Unfollow", exact=False)]
    return compound_case(method, events, "crash at 'Note the cutover', then a 403 on a data API GET at 'Unfollow'",
                         lambda sim, before: expected_new_primary(sim, before, method), strict=True)


def later(reference, index):
    """The event targets after task `index`: names that occur once in the reference run, from there to the end."""
    counts = {}
    for task in reference.tasks:
        counts[task] = counts.get(task, 0) + 1
    return [i for i in range(index + 1, len(reference.tasks)) if counts[reference.tasks[i]] == 1]


def at_or_after(reference, index):
    """Strike at task `index`, or at the first later task a run starts if it skips that one."""
    return tuple(reference.tasks[i] for i in [index] + later(reference, index))


def sides(reference):
    """The crash points before the maintenance window (up to turning maintenance on) and inside it."""
    points = reference.crash_points
    enter = next((i for i, t in enumerate(reference.tasks) if WINDOW_ENTERED in t), points[-1])
    leave = next((i for i, t in enumerate(reference.tasks) if t.endswith(WINDOW_LEFT_WRITTEN)), points[-1])
    return {"before the window": [i for i in points if i <= enter],
            "inside the window": [i for i in points if enter < i <= leave]}


def spread(points, count):
    if len(points) <= count:
        return points
    return [points[round(i * (len(points) - 1) / (count - 1))] for i in range(count)] if count > 1 else points[:1]


def cases(references, sample=10):
    """Per method, `sample` cases, half on each side of the window: a crash at an evenly spread point, then, in
    the re-run, the next kind in turn (over all cases, so that a small sample still meets every kind) at one of
    the later tasks that change something: the next one for the first point of a side, further on for the later
    points."""
    found = []
    for ref in references:
        for side, (name, points) in enumerate(sides(ref).items()):
            chosen = spread(points, (sample + 1 - side) // 2)
            for n, point in enumerate(chosen):
                kind = KINDS[len(found) % len(KINDS)]
                changing = [i for i in later(ref, point) if ref.changed[i]]
                if not changing:
                    continue
                target = changing[n * len(changing) // len(chosen)]
                events = [Event(CRASH, point, ref.tasks[point]),
                          Event(kind, at_or_after(ref, target), ref.tasks[target])]
                label = (f"crash #{point:03d} {short(ref.tasks[point])} ({name}), "
                         f"{kind.name} at {short(ref.tasks[target])}")
                found.append(compound_case(ref.method, events, label, ref.inventory))
    return found


def seeded_case(reference, seed, steps):
    """`steps` events in a row, each a random kind at a random task from the first change to the last."""
    rng = random.Random(f"{seed}:{reference.method.name}")
    candidates = [i for i in reference.crash_points if i in later(reference, -1)]
    events = []
    for _step in range(steps):
        index, kind = rng.choice(candidates), rng.choice(KINDS)
        events.append(Event(kind, at_or_after(reference, index), reference.tasks[index]))
    label = f"seed {seed}: " + ", ".join(f"{e.kind.name} at {short(e.label)}" for e in events)
    return compound_case(reference.method, events, label, reference.inventory)


def seeded_cases(references, seed=None, steps=4):
    """One seeded case per method: `seed`, or a fresh one each (printed in the label, to replay it)."""
    draw = random.SystemRandom().randrange
    return [seeded_case(ref, draw(10**6) if seed is None else seed, steps) for ref in references]
