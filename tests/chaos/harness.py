# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the campaigns share: a fresh scenario per case, running cases in parallel, the end-state checks.

Cases run on the playbook tests' helpers (tests/integration: simenv, playbook_support, methods), each
against its own simulator, in a work directory under build/chaos/ that is removed when the case passes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))
# tests/conftest.py makes the collection findable as herokuops.postgres (ANSIBLE_COLLECTIONS_PATH) for pytest;
# the campaigns run outside pytest, so they load it themselves.
_spec = importlib.util.spec_from_file_location("tests_conftest", REPO / "tests" / "conftest.py")
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))

# pylint: disable=wrong-import-position  # after the path set-up above
from methods import assert_migrated  # noqa: E402
from playbook_support import PLAYBOOKS, Runner, wait_for_writes  # noqa: E402
from simenv import Ansible, running_simulator, scenario  # noqa: E402

WORK = REPO / "build" / "chaos"
COLOUR = re.compile(r"^HEROKU_POSTGRESQL_[A-Z]+$")
# A task as a worker starts it (show_per_host_start): under the free strategy the default callback prints a task's
# banner only with its result, so a banner would place a crash or a fault after the task instead of in it.
STARTED = re.compile(r"^ \[started (?:TASK|HANDLER): (?P<name>.*) on (?P<host>\S+)\]$", re.M)
# Dynos write every 0.2 s instead of 0.05 s: still hundreds of writes per case, at a quarter of the CPU.
CHAOS_TIMINGS = {"write_interval": 0.2}


def load():
    """The 1-minute load average, to be printed next to every timing (the machine is shared)."""
    return os.getloadavg()[0]


class Ansible_(Ansible):  # pylint: disable=invalid-name
    """The tests' Ansible runner, with another API token, a verbosity and an ansible log file if asked."""

    def __init__(self, sim, workdir, token=None, verbosity=0):
        super().__init__(sim, workdir)
        self.token, self.verbosity = token, verbosity
        self.log_path = workdir / "ansible.log"
        self.extra_env = {}

    def env(self):
        env = {**super().env(), "ANSIBLE_SHOW_PER_HOST_START": "True", **self.extra_env}
        if self.token:
            env["HEROKU_API_KEY"] = self.token
        if self.verbosity:
            env.update(ANSIBLE_VERBOSITY=str(self.verbosity), ANSIBLE_LOG_PATH=str(self.log_path))
        return env


@contextlib.contextmanager
def scenario_runner(method, workdir, timings=None, token=None, verbosity=0, parts=None):
    """A fresh simulator with the method's scenario (or `parts`: (apps, databases)), once its dynos write:
    yields a Runner whose state directory is workdir/state. `timings` replaces the tests' short timings
    (with CHAOS_TIMINGS); {} is the simulator's defaults."""
    apps, databases = parts or method.fixture_parts()
    fixture = scenario(apps, databases)
    fixture["timings"] = {**fixture["timings"], **CHAOS_TIMINGS} if timings is None else timings
    if token:
        fixture["tokens"] = [token]
    with running_simulator(fixture) as sim:
        wait_for_writes(sim, *method.writers)
        yield Runner(sim, Ansible_(sim, workdir, token, verbosity), workdir / "state")


def playbook_only(runner, playbook, variables):
    """ansible-playbook as Runner.run runs it, without the checks Runner.run makes afterwards through the API
    (a case that breaks the API for the run repairs it first, then calls assert_no_password)."""
    return runner.ansible.playbook(PLAYBOOKS / playbook, extra_vars=runner.extra(**variables))


def assert_no_password(sim, completed):
    assert not [s for s in sim.secrets() if s in completed.stdout + completed.stderr], "a database password in the output"


def failure_message(stdout):
    """The message of the task that failed, as ansible-playbook prints it."""
    fatal = [line.partition(" => ")[2] for line in stdout.splitlines() if line.startswith("fatal:")]
    try:
        return json.loads(fatal[-1])["msg"]
    except (IndexError, ValueError, KeyError):
        return (fatal or [""])[-1][:1500]


def inventory_of(sim, method, leaving_out=()):
    """What must not be duplicated: the add-ons (name, or <new> for those the migration created; app, plan,
    following) and the attachments of every app (app, namespace, name; colour names counted, not named,
    since a new database draws its colour). `leaving_out`: add-ons (and their attachments) not counted."""
    originals = {db["addon"] for db in method.databases}
    addons = sorted((a["name"] if a["name"] in originals else "<new>", a["app"]["name"], a["plan"]["name"],
                     bool(sim.database(a["name"])["following"]))
                    for a in sim.get("/addons") if a["name"] not in leaving_out)
    attachments = sorted((a["app"]["name"], a["namespace"] or "", COLOUR.sub("HEROKU_POSTGRESQL_<colour>", a["name"]))
                         for app in sim.get("/apps") for a in sim.get(f"/apps/{app['name']}/addon-attachments")
                         if a["addon"]["name"] not in leaving_out)
    return {"addons": addons, "attachments": attachments}


def expected_in_place(before, method):
    """The inventory a migration that creates no database leaves: the old primary on the target plan."""
    addons = sorted((name, app, f"heroku-postgresql:{method.plan}" if name == method.old_primary and method.plan else plan,
                     following) for name, app, plan, following in before["addons"])
    return {"addons": addons, "attachments": before["attachments"]}


def assert_complete(runner, method, expected_inventory=None):
    """The migration is done and the apps are back: DATABASE_URL migrated, report `done`, formation and
    maintenance mode as recorded, every acknowledged write in the new primary, nothing duplicated."""
    sim = runner.sim
    assert_migrated(method, sim)
    assert runner.state(method.migration_id)["phase"] == "done", runner.state(method.migration_id)["phase"]
    assert (runner.state_dir / f"{method.migration_id}.report.json").exists(), "the migration is done but has no report"
    report = runner.report(method.migration_id)
    assert report["phase"] == "done", report["phase"]
    runner.assert_back_as_before(method.formations)
    runner.assert_nothing_lost(*method.writers)
    if expected_inventory is not None:
        found = inventory_of(sim, method)
        assert found == expected_inventory, f"left behind: {diff(expected_inventory, found)}"
    return report


def assert_untouched(runner, method, expected_inventory):
    """Nothing changed: the old primary is DATABASE_URL, the apps run as before, no add-on or attachment more."""
    sim = runner.sim
    assert sim.attachments(method.target_app)[("DATABASE", None)] == method.old_primary
    runner.assert_back_as_before(method.formations)
    found = inventory_of(sim, method)
    assert found == expected_inventory, f"changed: {diff(expected_inventory, found)}"


def diff(expected, found):
    """What is missing from, and extra in, each list of `found` (as multisets)."""
    return {key: {"missing": sorted((Counter(map(tuple, expected[key])) - Counter(map(tuple, found[key]))).elements()),
                  "extra": sorted((Counter(map(tuple, found[key])) - Counter(map(tuple, expected[key]))).elements())}
            for key in expected}


def started_tasks(text):
    """The tasks of an ansible-playbook output, in the order their workers started them."""
    return [m["name"] for m in STARTED.finditer(text)]


def follow(path, stop, interval=0.02):
    """Yield the lines appended to `path` (waiting for it to appear) until stop() is true and all is read."""
    position, partial = 0, ""
    while True:
        finished = stop()
        if path.exists():
            with path.open(errors="replace") as handle:
                handle.seek(position)
                chunk = handle.read()
                position = handle.tell()
            lines = (partial + chunk).split("\n")
            partial = lines.pop()
            yield from lines
        if finished:
            return
        time.sleep(interval)


@dataclass
class Case:
    campaign: str
    name: str
    run: object                 # run(workdir) -> a short description of the outcome; raises on failure
    passed: bool | None = None
    outcome: str = ""
    seconds: float = 0.0
    load: float = 0.0


class Campaigns:
    """Runs cases `jobs` at a time and prints one line per case as it ends."""

    def __init__(self, jobs=1, keep=False):
        self.jobs = jobs
        self.keep = keep
        self.root = WORK / time.strftime("%Y%m%d-%H%M%S")
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0

    def run(self, cases):
        self._total += len(cases)
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            list(pool.map(self._run_one, cases))
        return cases

    def _run_one(self, case):
        workdir = self.root / case.campaign / re.sub(r"[^A-Za-z0-9_.-]+", "_", case.name)[:150]  # a file name's limit
        workdir.mkdir(parents=True, exist_ok=True)
        case.load = load()
        started = time.monotonic()
        try:
            case.outcome = case.run(workdir) or "ok"
            case.passed = True
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a failed case is reported, not raised
            case.passed = False
            case.outcome = f"{type(exc).__name__}: {exc}"[:3000]
            (workdir / "failure.txt").write_text(traceback.format_exc())
        case.seconds = time.monotonic() - started
        if case.passed and not self.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        with self._lock:
            self._done += 1
            status = "PASS" if case.passed else "FAIL"
            print(f"[{self._done}/{self._total}] {status} {case.campaign} {case.name} ({case.seconds:.0f} s, "
                  f"load {case.load:.1f}): {case.outcome if not case.passed else case.outcome[:400]}"
                  + ("" if case.passed else f"\n    evidence: {workdir}"), flush=True)


def table(cases, wall):
    """campaign | cases | passed | seconds, and the total."""
    rows = {}
    for case in cases:
        row = rows.setdefault(case.campaign, [0, 0, 0.0])
        row[0] += 1
        row[1] += bool(case.passed)
        row[2] += case.seconds
    lines = [f"{'campaign':<12} {'cases':>6} {'passed':>7} {'case-seconds':>13}"]
    lines += [f"{name:<12} {n:>6} {ok:>7} {secs:>13.0f}" for name, (n, ok, secs) in rows.items()]
    total = [sum(r[0] for r in rows.values()), sum(r[1] for r in rows.values())]
    lines.append(f"{'total':<12} {total[0]:>6} {total[1]:>7}   wall {wall:.0f} s, load now {load():.1f}")
    return "\n".join(lines)
