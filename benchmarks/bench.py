# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`make bench`: the maintenance window, the API economy and the controller's cost, measured against herokusim.

    python benchmarks/bench.py [--only window,polls,fleet,sizes,proof,advanced] [--methods pg_copy,...] [--fleet 20]
                              [--advanced-rows 10000,500000,2000000] [--out FILE]

Everything runs one case at a time (timings are the point), with the simulator's default timings and the
collection's default waits (wait_sleep 30, window_wait_sleep 5), dynos writing throughout. Prints the
tables and writes them, with the machine, the date and the load average, to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "chaos"))
# pylint: disable=wrong-import-position  # harness sets up the paths
from harness import REPO, follow, load, scenario_runner, started_tasks  # noqa: E402
from methods import METHODS, Method, essential_fleet, sized_fleet  # noqa: E402
from simenv import app_updates  # noqa: E402

# The collection's defaults (README, "Variables"), not the tests' short waits.
DEFAULT_WAITS = {"wait_timeout": 86400, "wait_sleep": 30, "window_wait_sleep": 5}
RESULTS = Path(__file__).resolve().parent / "results.md"
# ansible-playbook reads the repository's ansible.cfg, as a run from the checkout does (its internal_poll_interval
# is what the README recommends for fleets); the tests' environment already finds the collection.
ANSIBLE_CFG = REPO / "ansible.cfg"


@dataclass
class Timed:
    """One ansible-playbook run: its output, wall time, task start times and the controller's peak memory."""

    returncode: int
    stdout: str
    seconds: float
    tasks: list                  # [(epoch time the banner appeared, task name)]
    peak_rss_mb: float           # ansible-playbook's main process
    peak_tree_rss_mb: float      # it and every process it forked (workers, modules), summed at the worst moment
    load: tuple                  # load average before and after

    def ok(self):
        assert self.returncode == 0, self.stdout[-5000:]
        return self


def timed_run(runner, playbook, variables):
    """Run the playbook as Runner.start does, timing each task's banner and sampling memory every 0.1 s."""
    load_before = load()
    started = time.monotonic()
    process = runner.start(playbook, **variables)
    peaks = {"main": 0, "tree": 0}

    def sample():
        try:
            main = psutil.Process(process.pid)
            while process.poll() is None:
                try:
                    tree = [main] + main.children(recursive=True)
                    peaks["main"] = max(peaks["main"], main.memory_info().rss)
                    peaks["tree"] = max(peaks["tree"], sum(p.memory_info().rss for p in tree if p.is_running()))
                except psutil.Error:
                    pass
                time.sleep(0.1)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tasks, lines = [], []
    for line in follow(runner.state_dir.parent / "killed-run.log", lambda: process.poll() is not None):
        lines.append(line)
        tasks += [(time.time(), name) for name in started_tasks(line)]
    process.wait()
    seconds = time.monotonic() - started
    sampler.join()
    return Timed(process.returncode, "\n".join(lines), seconds, tasks, peaks["main"] / 2**20, peaks["tree"] / 2**20,
                 (load_before, load()))


def split_requests(requests):
    """Heroku requests (not /__sim/) by kind: actions change something; reads are the first GET of a URL;
    polls repeat a GET already made (the waits)."""
    seen, kinds = set(), Counter()
    for r in requests:
        if r["path"].startswith("/__sim/"):
            continue
        if r["method"] != "GET" and not r["path"].startswith("/actions/"):
            kinds["actions"] += 1
        elif (r["method"], r["path"], r["query"]) in seen:
            kinds["polls"] += 1
        else:
            seen.add((r["method"], r["path"], r["query"]))
            kinds["reads"] += 1
    kinds["total"] = sum(kinds.values())
    return kinds


def overlap(start, end, lo, hi):
    return max(0.0, min(end, hi) - max(start, lo))


# -- the window ------------------------------------------------------------------------------------------------
def window(method, workdir):
    """One migration: its window (maintenance on to off, from the request log and from the report), the longest
    gap in acknowledged writes, the floor (the simulator's own operations inside the window) and where the
    window's time went, task by task."""
    with scenario_runner(method, workdir, timings={}) as runner:
        sim = runner.sim
        mark = sim.mark()
        run = timed_run(runner, method.playbook, {**method.variables, **DEFAULT_WAITS}).ok()
        requests = sim.requests_since(mark)
        report = runner.report(method.migration_id)
        apps = report["window_apps"]
        toggles = [r["time"] for r in app_updates(requests) if r["path"] in {f"/apps/{a}" for a in apps}]
        on, off = toggles[0], toggles[-1]
        operations = [op for op in sim.admin("GET", "/operations")
                      if overlap(op["started_at"], op["started_at"] + op["seconds"], on, off) > 0]
        floor = sum(overlap(op["started_at"], op["started_at"] + op["seconds"], on, off) for op in operations)
        gaps = {app: sim.admin("GET", f"/apps/{app}/writes")["max_gap_seconds"] for app in apps}
        inside = [r for r in requests if on <= r["time"] <= off]
        return {
            "method": method.name, "report_method": report["method"], "apps": len(apps),
            "window_log": off - on, "window_report": report["window_seconds"], "max_gap": max(gaps.values()),
            "floor": floor, "operations": [f"{op['operation']} {op['seconds']:.2f} s" for op in operations],
            "requests": split_requests(requests), "requests_in_window": split_requests(inside),
            "report_api_calls": report["api_calls"], "run_seconds": run.seconds, "load": run.load,
            "tasks_in_window": profile(run.tasks, on, off, requests), "steps": report["steps"],
        }


def profile(tasks, on, off, requests):
    """The tasks that started inside the window: (name, seconds until the next task started, Heroku requests
    made meanwhile), slowest first."""
    found = []
    for (start, name), (end, _next) in zip(tasks, tasks[1:]):
        if on <= start <= off:
            calls = sum(1 for r in requests if start <= r["time"] < end and not r["path"].startswith("/__sim/"))
            found.append((name, end - start, calls))
    return sorted(found, key=lambda item: -item[1])


# -- polling during a long wait --------------------------------------------------------------------------------
def poll_rate(workdir, measure=330.0, settle=140.0):
    """A follower that stays behind while pg_upgrade (follower) prepares: requests per hour of waiting, at the
    collection's default wait_sleep (30 s), counted once the back-off has reached it (`settle` seconds after the
    follower appeared: the pauses grow by a quarter of the time waited, up to 30 s after 2 minutes)."""
    method = METHODS["pg_upgrade_follower"]
    # Followers replay 10 minutes late (recovery_min_apply_delay) while the dynos write: the new follower is
    # behind from the moment it exists, and stays so.
    timings = {"follower_provision_seconds": 10, "apply_delay_ms": 600_000}
    with scenario_runner(method, workdir, timings=timings) as runner:
        sim = runner.sim
        process = runner.start(method.playbook, **{**method.variables, **DEFAULT_WAITS})
        try:
            follower = sim.wait_until(lambda: next((a["name"] for a in sim.get("/addons") if a["name"] != method.old_primary),
                                                   None), "the follower", timeout=120)
            waiting_since = time.time()
            mark = sim.mark()
            time.sleep(measure)
            requests = [r for r in sim.requests_since(mark) if not r["path"].startswith("/__sim/")]
            behind = sim.behind_by(follower)
            assert not sim.maintenance(method.target_app), "the run left its preparation: the follower caught up"
        finally:
            runner.kill(process)
        steady = [r for r in requests if r["time"] >= waiting_since + settle]
        span = time.time() - (waiting_since + settle)
        polls = sorted({round(r["time"]) for r in steady})
        return {"measured_seconds": measure, "behind_by": behind, "requests": len(requests),
                "steady_requests": len(steady), "steady_seconds": span,
                "per_hour": len(steady) / span * 3600, "paths": sorted({r["path"] for r in steady}),
                "poll_times": polls, "load": load()}


# -- a fleet ---------------------------------------------------------------------------------------------------
def fleet(workdir, size, time_scale=60, remaining=None):
    """`size` apps, each with an Essential database upgraded in place, all at once (--forks size) with the rate
    limiter on; wall time and peak memory of ansible-playbook, and what the limiter did."""
    formations = {f"app{i:02d}": {"web": 1} for i in range(size)}
    apps, databases = essential_fleet(formations)
    method = Method("fleet", "upgrade_pg.yml", apps, databases, {}, "", "", writers=tuple(formations))
    with scenario_runner(method, workdir, timings={"write_interval": 0.2}) as runner:
        sim = runner.sim
        runner.ansible.inventory = workdir / "fleet.yml"
        runner.ansible.inventory.write_text(yaml.safe_dump({"all": {
            "hosts": {app: {} for app in formations},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "version": 16}}}))
        runner.ansible.extra_env["ANSIBLE_FORKS"] = str(size)
        limiter = {"enabled": True, "time_scale": time_scale, **({"remaining": remaining} if remaining is not None else {})}
        sim.admin("POST", "/rate-limit", json=limiter)
        mark = sim.mark()
        run = timed_run(runner, "upgrade_pg.yml", DEFAULT_WAITS)
        requests = [r for r in sim.requests_since(mark) if not r["path"].startswith("/__sim/")]
        sim.admin("POST", "/rate-limit", json={"enabled": False})
        run.ok()
        for app in formations:
            assert sim.database(f"pg-{app}")["postgres_version"].startswith("16."), app
        runner.assert_back_as_before(formations)
        runner.assert_nothing_lost(*formations)
        statuses = Counter(r["status"] for r in requests)
        throttled = [r for r in requests if r["status"] == 429]
        unabsorbed = [r for r in throttled if not any(
            later["seq"] > r["seq"] and later["method"] == r["method"] and later["path"] == r["path"]
            and later["status"] < 400 for later in requests)]
        windows = [runner.report(f"{app}.upgrade_pg.DATABASE.16")["window_seconds"] for app in formations]
        return {"apps": size, "time_scale": time_scale, "start_remaining": remaining if remaining is not None else 4500,
                "seconds": run.seconds, "peak_rss_mb": run.peak_rss_mb, "peak_tree_rss_mb": run.peak_tree_rss_mb,
                "requests": len(requests), "statuses": dict(statuses), "throttled": len(throttled),
                "unabsorbed": len(unabsorbed), "failed": sum(n for s, n in statuses.items() if s >= 400 and s != 429),
                "window_median": statistics.median(windows), "window_max": max(windows), "load": run.load}


# -- a fleet of very different sizes ----------------------------------------------------------------------------
# pg:copy (inside the window) of databases of very different sizes, and one app whose follower is held behind.
SIZES = {"tiny": 100, "small": 20_000, "medium": 500_000, "large": 4_000_000}
SMALL_APPS = ("tiny", "small", "medium")
LAGGING = "lagging"
# The lagging app's follower stops replaying as soon as it exists, for HOLD seconds: its 8 dynos (a write every 0.2 s
# each) put it far beyond the 200 commits its preparation waits for, until the bench lets it replay again.
LAGGING_DYNOS, HOLD = 8, 60.0
# pg:copy capped at 4 MB/s: Heroku copies on its own servers (about 3 minutes per GB), so the large copy takes long
# without taking the 2 cores that the controller and the other apps' windows share here. And each copy starts 20 s
# after it is asked for, as a transfer on Heroku starts on a backup worker (a minute or more for the smallest
# database): without it, every window here would be the controller's own work, which five windows at once share.
SIZES_TIMINGS = {"write_interval": 0.2, "copy_bytes_per_second": 4 * 2 ** 20, "copy_start_seconds": 20.0}
WINDOW_BOUND = 1.25
# Heroku's side (the simulator, its clusters, copies and dynos) runs at this niceness: on Heroku it runs on Heroku's
# servers, here on the 2 cores of the controller whose windows are measured.
HEROKU_SIDE_NICENESS = 10


def sizes(workdir):
    """Each small app migrated alone (its twin <app>-alone, one run each), then every app at once (--forks = apps):
    each small app's window in the fleet against its window alone, in the same simulator and bench run."""
    apps, databases = sized_fleet({**SIZES, **{f"{app}-alone": SIZES[app] for app in SMALL_APPS}, LAGGING: 1000})
    next(a for a in apps if a["name"] == LAGGING)["formation"] = {"web": LAGGING_DYNOS}
    fleet_apps = [*SIZES, LAGGING]
    method = Method("sizes", "upgrade_pg.yml", apps, databases, {}, "", "", writers=tuple(a["name"] for a in apps))
    with scenario_runner(method, workdir, timings=SIZES_TIMINGS) as runner:
        sim = runner.sim
        _behind_the_controller(sim.process.proc.pid)
        alone = {}
        for app in SMALL_APPS:
            timed_run(runner, "upgrade_pg.yml", {"app": f"{app}-alone", "version": 16, "method": "pg_copy", **DEFAULT_WAITS}).ok()
            alone[app] = runner.report(f"{app}-alone.upgrade_pg.DATABASE.16")["window_seconds"]
        runner.ansible.inventory = workdir / "fleet.yml"
        runner.ansible.inventory.write_text(yaml.safe_dump({"all": {
            "hosts": {**{app: {"method": "pg_copy"} for app in SIZES}, LAGGING: {"method": "pg_upgrade", "pg_upgrade_variant": "follower"}},
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "version": 16}}}))
        runner.ansible.extra_env["ANSIBLE_FORKS"] = str(len(fleet_apps))
        release = threading.Thread(target=_release_follower, args=(sim,), daemon=True)
        release.start()
        run = timed_run(runner, "upgrade_pg.yml", DEFAULT_WAITS)
        release.join()
        run.ok()
        runner.assert_back_as_before({**{app: {"web": 1} for app in SIZES}, LAGGING: {"web": LAGGING_DYNOS}})
        runner.assert_nothing_lost(*fleet_apps)
        rows = []
        for app in fleet_apps:
            state = runner.state(f"{app}.upgrade_pg.DATABASE.16")
            window = state["window"]
            rows.append({"app": app, "rows": SIZES.get(app, 1000), "method": runner.report(state["id"])["method"],
                         "window_alone": alone.get(app), "window_fleet": round(window["left_at"] - window["entered_at"], 1),
                         "entered": window["entered_at"], "left": window["left_at"]})
        start = min(r["entered"] for r in rows)
        for row in rows:
            row["entered"], row["left"] = round(row["entered"] - start, 1), round(row["left"] - start, 1)
            row["ratio"] = row["window_fleet"] / row["window_alone"] if row["window_alone"] else None
        return {"apps": rows, "seconds": run.seconds, "load": run.load, "hold": HOLD,
                "within_bound": all(r["ratio"] <= WINDOW_BOUND for r in rows if r["ratio"] is not None)}


def _behind_the_controller(pid):
    """Renice the simulator's process tree (what it starts later inherits the niceness)."""
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            process.nice(HEROKU_SIDE_NICENESS)
        except psutil.NoSuchProcess:
            pass


def _release_follower(sim):
    """As soon as the lagging app's follower exists, stop its replay for HOLD seconds, then let it catch up."""
    def paused(value):
        follower = next((a["name"] for a in sim.get(f"/apps/{LAGGING}/addons")
                         if a["addon_service"]["name"] == "heroku-postgresql" and a["name"] != f"pg-{LAGGING}"), None)
        try:
            return follower and sim.admin("POST", f"/databases/{follower}/replay", json={"paused": value})
        except requests.HTTPError:  # not provisioned yet
            return False
    sim.wait_until(lambda: paused(True), "the lagging app's follower, to hold it behind", timeout=600)
    time.sleep(HOLD)
    sim.wait_until(lambda: paused(False), "the lagging app's follower, to let it catch up", timeout=60)


# -- the proof's cost -----------------------------------------------------------------------------------------
# pg_copy of databases of three sizes, once per verify_data: the window, and the proof's part of it (the census of the
# old and the new primary before the promote; the report's step census_compare).
PROOF_ROWS = (10_000, 500_000, 2_000_000)
PROOF_MODES = ("skip", "rows", "checksum")


def proof_cost(workdir):
    """For each size and each verify_data, one pg_copy alone: its window and the seconds its proof took."""
    rows = {f"proof-{count}-{mode}": count for count in PROOF_ROWS for mode in PROOF_MODES}
    apps, databases = sized_fleet(rows)
    method = Method("proof", "upgrade_pg.yml", apps, databases, {}, "", "", writers=tuple(rows))
    found = []
    with scenario_runner(method, workdir, timings={}) as runner:
        for app, count in rows.items():
            mode = app.rsplit("-", 1)[1]
            run = timed_run(runner, "upgrade_pg.yml", {"app": app, "version": 16, "method": "pg_copy",
                                                       "verify_data": mode, **DEFAULT_WAITS}).ok()
            state = runner.state(f"{app}.upgrade_pg.DATABASE.16")
            proof = state.get("data_proof") or {}
            assert mode == "skip" or (proof.get("differences"), proof.get("not_proven")) == ([], None), proof
            found.append({"rows": count, "verify": mode, "window": round(state["window"]["left_at"] - state["window"]["entered_at"], 1),
                          "proof": (state.get("stats") or {}).get("census_compare", {}).get("seconds"),
                          "size_bytes": (state["plan"].get("inside") or {}).get("size_bytes"),
                          "load": run.load})
        runner.assert_back_as_before({app: {"web": 1} for app in rows})
        runner.assert_nothing_lost(*rows)
    return found


# -- to Advanced: streaming against snapshot -------------------------------------------------------------------
# migrate_to_advanced of databases of three sizes, once per method (twin apps seeded alike, one run each, every dyno
# writing): snapshot copies inside the window, streaming copies while live and leaves only the lag to the window.
ADVANCED_ROWS = (10_000, 500_000, 2_000_000)
ADVANCED_METHODS = ("streaming", "snapshot")
ADVANCED_LEVEL = "4G-Performance"


def advanced(workdir, counts):
    """For each size and each method, one migration to Advanced alone: its window, its preparation, the run, Heroku's
    own time preparing and running the migration (the latter inside the window) and the acknowledged writes that are
    not on the new primary."""
    rows = {f"adv-{count}-{variant}": count for count in counts for variant in ADVANCED_METHODS}
    apps, databases = sized_fleet(rows)
    method = Method("advanced", "migrate_to_advanced.yml", apps, databases, {}, "", "", writers=tuple(rows))
    found = []
    with scenario_runner(method, workdir, timings={}) as runner:
        sim = runner.sim
        for app, count in rows.items():
            variant = app.rsplit("-", 1)[1]
            variables = {"app": app, "level": ADVANCED_LEVEL, "advanced_method": variant, **DEFAULT_WAITS}
            run = timed_run(runner, "migrate_to_advanced.yml", variables).ok()
            migration_id = f"{app}.migrate_to_advanced.DATABASE.{ADVANCED_LEVEL}"
            report, state = runner.report(migration_id), runner.state(migration_id)
            assert report["method"] == f"advanced_migration ({variant})", report["method"]
            runner.assert_nothing_lost(app)
            writes = sim.admin("GET", f"/apps/{app}/writes")
            heroku = {op["operation"]: op["seconds"] for op in sim.admin("GET", "/operations")
                      if op["addon"] == report["new_primary"]}
            found.append({"rows": count, "method": variant, "window": report["window_seconds"],
                          "migration_run": heroku["migration"],
                          "migration_prepare": heroku["migration_prepare"], "prepare": state["stats"]["prepare"]["seconds"],
                          "run_seconds": run.seconds, "size_bytes": (state["plan"].get("inside") or {}).get("size_bytes"),
                          "max_gap": writes["max_gap_seconds"], "acknowledged": writes["acknowledged"],
                          "missing": writes["missing"], "load": run.load})
            print(json.dumps(found[-1], default=str), flush=True)
        runner.assert_back_as_before({app: {"web": 1} for app in rows})
    return found


# -- output ----------------------------------------------------------------------------------------------------
def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import ansible.release  # pylint: disable=import-outside-toplevel
    config = configparser.ConfigParser()
    config.read(ANSIBLE_CFG)
    poll = config.get("defaults", "internal_poll_interval", fallback="0.001 (Ansible's default)")
    return (f"{os.cpu_count()} CPUs ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB, Python "
            f"{platform.python_version()}, ansible-core {ansible.release.__version__}, internal_poll_interval {poll}; "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; load average at start "
            + " / ".join(f"{x:.2f}" for x in os.getloadavg()))


def render(results, started_machine, wall):
    out = ["# Benchmarks", "", f"`make bench` (benchmarks/bench.py), {started_machine}; whole run {wall:.0f} s.",
           "Load averages (1 min) are shown next to each timing: other jobs share this machine.", ""]
    windows = results.get("window", [])
    if windows:
        out += ["## The maintenance window", "",
                "Simulator default timings, the collection's default waits, dynos writing every 0.05 s. Window: "
                "maintenance on to off in the request log (the report's figure in brackets). Floor: the simulator's "
                "own operations inside the window.", "",
                "| method | apps | window s (report) | max write gap s | floor s (operations) | window / floor | "
                "requests: actions / reads / polls (in window) | run s | load |",
                "|---|---|---|---|---|---|---|---|---|"]
        for w in windows:
            w["label"] = w["report_method"] if w["method"] == w["report_method"] else f"{w['method']}: {w['report_method']}"
            r, i = w["requests"], w["requests_in_window"]
            ratio = w["window_log"] / w["floor"] if w["floor"] else float("inf")
            out.append(f"| {w['label']} | {w['apps']} | {w['window_log']:.1f} ({w['window_report']}) | "
                       f"{w['max_gap']:.1f} | {w['floor']:.2f} ({', '.join(w['operations']) or 'none'}) | {ratio:.0f}× | "
                       f"{r['actions']} / {r['reads']} / {r['polls']} ({i['total']}) | {w['run_seconds']:.0f} | "
                       f"{w['load'][0]:.1f} |")
        out += ["", "Where the window's time goes (tasks started inside it; the five slowest, and the count):", ""]
        for w in windows:
            tasks = w["tasks_in_window"]
            calling = [t for t in tasks if t[2]]
            idle = [t for t in tasks if not t[2]]
            top = "; ".join(f"{name.split(' : ')[-1]} {seconds:.1f} s ({calls} requests)" for name, seconds, calls in tasks[:5])
            out.append(f"- {w['label']}: {len(tasks)} tasks, {sum(t[1] for t in tasks):.1f} s: {len(calling)} "
                       f"that called Heroku {sum(t[1] for t in calling):.1f} s, {len(idle)} that did not (set_fact, "
                       f"include, argument validation, state bookkeeping) {sum(t[1] for t in idle):.1f} s. Slowest: {top}")
        out.append("")
    polls = results.get("polls")
    if polls:
        out += ["## Polling during a long wait", "",
                f"A follower kept behind (replaying 10 minutes late, {polls['behind_by']} commits behind) while `pg_upgrade` "
                f"(follower) prepares, with the default wait_sleep of 30 s: {polls['requests']} requests in "
                f"{polls['measured_seconds']:.0f} s; once the back-off reached 30 s, {polls['steady_requests']} requests "
                f"in {polls['steady_seconds']:.0f} s = **{polls['per_hour']:.0f} requests per hour** of waiting "
                f"(a poller every 5 s: 720). Paths polled: {', '.join(polls['paths'])}. Load {polls['load']:.1f}.", ""]
    fleets = results.get("fleet", [])
    if fleets:
        out += ["## A fleet at once, under the rate limit; the controller's cost", "",
                "Essential databases upgraded in place, one inventory host per app, `--forks` = apps, the simulator's "
                "rate limiter on (4,500 tokens, 75 per minute, time-scaled).", "",
                "| apps | bucket at start | time scale | wall s | requests | 429 (not absorbed) | failed | window median / max s "
                "| peak RSS MB: ansible-playbook / all its processes | load before / after |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        one = next((f["window_median"] for f in fleets if f["apps"] == 1), None)
        for f in fleets:
            against = f" ({f['window_median'] / one:.1f}× / {f['window_max'] / one:.1f}× one app)" if one and f["apps"] > 1 else ""
            out.append(f"| {f['apps']} | {f['start_remaining']} | {f['time_scale']} | {f['seconds']:.0f} | {f['requests']} | "
                       f"{f['throttled']} ({f['unabsorbed']}) | {f['failed']} | {f['window_median']} / {f['window_max']}{against} | "
                       f"{f['peak_rss_mb']:.0f} / {f['peak_tree_rss_mb']:.0f} | {f['load'][0]:.1f} / {f['load'][1]:.1f} |")
        out.append("")
    sized = results.get("sizes")
    if sized:
        out += ["## A fleet of very different sizes: each app's own window", "",
                f"One run of `upgrade_pg` (`--forks` = apps, the free strategy): pg_copy of databases from 100 to "
                f"{max(SIZES.values()):,} rows, and `{LAGGING}` (pg_upgrade on a follower) whose follower is held behind for "
                f"{sized['hold']:.0f} s (its replay stopped as soon as it exists, while {LAGGING_DYNOS} dynos write). Each copy "
                f"starts {SIZES_TIMINGS['copy_start_seconds']:.0f} s after it is asked for, as a transfer on Heroku starts on a "
                "backup worker, and copies at most 4 MB/s. Heroku's side (the simulator, its clusters, copies and dynos) "
                f"runs at nice {HEROKU_SIDE_NICENESS}, as on Heroku it does not share the controller's cores. Alone: the same app's twin "
                "migrated alone, just before, in the same simulator. Window and times from the state files; entered/left "
                "in seconds from the first window.", "",
                "| app | rows | method | window alone s | window in the fleet s | fleet / alone | entered s | left s |",
                "|---|---|---|---|---|---|---|---|"]
        for r in sized["apps"]:
            ratio = f"{r['ratio']:.2f}×" if r["ratio"] else "-"
            out.append(f"| {r['app']} | {r['rows']:,} | {r['method']} | {r['window_alone'] or '-'} | {r['window_fleet']} | "
                       f"{ratio} | {r['entered']} | {r['left']} |")
        out += ["", f"Every small app within {WINDOW_BOUND}× of its window alone: **{'yes' if sized['within_bound'] else 'no'}**. "
                f"Fleet run {sized['seconds']:.0f} s, load {sized['load'][0]:.1f} before / {sized['load'][1]:.1f} after.", ""]
    proof = results.get("proof")
    if proof:
        out += ["## The proof's cost in the window", "",
                "pg_copy alone (simulator default timings) of a database of each size, once per `verify_data`: the window, "
                "and the proof's part of it (`census_compare`: the old and the new primary counted before the promote).", "",
                "| rows | size MB | verify_data | window s | proof s | proof / window | load |", "|---|---|---|---|---|---|---|"]
        for r in proof:
            share = f"{r['proof'] / r['window']:.0%}" if r["proof"] else "-"
            size = f"{r['size_bytes'] / 2**20:.0f}" if r["size_bytes"] else "-"
            out.append(f"| {r['rows']:,} | {size} | {r['verify']} | {r['window']} | {r['proof'] or '-'} | {share} | {r['load'][0]:.1f} |")
        out.append("")
    moved = results.get("advanced")
    if moved:
        out += ["## To Advanced: streaming against snapshot", "",
                f"`migrate_to_advanced` (level {ADVANCED_LEVEL}) of a database of each size, once with each method, alone, "
                "simulator default timings, the collection's default waits, its dyno writing every 0.05 s. Window: the report's; "
                "Heroku's run: the simulator's migration run inside it (snapshot: the real pg_dump | pg_restore; streaming: "
                "the target catching up to the fence point, the row counts, the sequences). Prepare: the report's step "
                "`prepare` (the Advanced database created, then the migration awaited until `ready`, polled at the default "
                "wait_sleep), of which Heroku's preparation (streaming: the schema, then the initial copy by logical "
                "replication; snapshot: emptying the target). Missing: acknowledged writes not on the new primary.", "",
                "| rows | size MB | method | window s | Heroku's run s | max write gap s | prepare s (Heroku's) | run s "
                "| writes acknowledged (missing) | load |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in moved:
            size = f"{r['size_bytes'] / 2**20:.0f}" if r["size_bytes"] else "-"
            out.append(f"| {r['rows']:,} | {size} | {r['method']} | {r['window']} | {r['migration_run']:.1f} | {r['max_gap']:.1f} | "
                       f"{r['prepare']} ({r['migration_prepare']:.1f}) | {r['run_seconds']:.0f} | {r['acknowledged']} ({r['missing']}) | {r['load'][0]:.1f} |")
        out.append("")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="window,polls,fleet,sizes,proof,advanced")
    parser.add_argument("--advanced-rows", default=",".join(map(str, ADVANCED_ROWS)),
                        help="the database sizes of the section advanced, in rows")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--fleet", type=int, default=20)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    only = args.only.split(",")
    os.environ["ANSIBLE_CONFIG"] = str(ANSIBLE_CFG)
    started_machine, started = machine(), time.monotonic()
    print(f"bench: {started_machine}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-", dir=REPO / "build") as scratch:
        scratch = Path(scratch)
        if "window" in only:
            results["window"] = []
            for name in args.methods.split(","):
                results["window"].append(window(METHODS[name], _fresh(scratch, name)))
                print(json.dumps(results["window"][-1], default=str)[:600], flush=True)
        if "polls" in only:
            results["polls"] = poll_rate(_fresh(scratch, "polls"))
            print(json.dumps(results["polls"], default=str), flush=True)
        if "fleet" in only:
            results["fleet"] = []
            # One app, then the fleet, with Heroku's bucket time-scaled 60x (a full bucket, refilled at 75 a second);
            # then the fleet on an account another tool has drained, refilled at 5 a second (time scale 4).
            for size, remaining, scale in ((1, None, 60), (args.fleet, None, 60), (args.fleet, 0, 4)):
                results["fleet"].append(fleet(_fresh(scratch, f"fleet-{size}-{remaining}"), size, scale, remaining))
                print(json.dumps(results["fleet"][-1], default=str), flush=True)
        if "sizes" in only:
            results["sizes"] = sizes(_fresh(scratch, "sizes"))
            print(json.dumps(results["sizes"], default=str), flush=True)
        if "proof" in only:
            results["proof"] = proof_cost(_fresh(scratch, "proof"))
            print(json.dumps(results["proof"], default=str), flush=True)
        if "advanced" in only:
            results["advanced"] = advanced(_fresh(scratch, "advanced"), [int(n) for n in args.advanced_rows.split(",")])
    text = render(results, started_machine, time.monotonic() - started)
    print("\n" + text)
    args.out.write_text(text + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


def _fresh(scratch, name):
    path = scratch / name
    path.mkdir(parents=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
