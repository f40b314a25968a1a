# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`make demo`: playbooks/upgrade_pg.yml upgrades sushi's Standard database from PostgreSQL 15 to 16
(a real pg_upgrade) in herokusim while sushi's web and worker dynos write, then shows the report,
the writes check and the app before and after.

Exits 1 if the playbook fails, a write is missing, or the app does not end as it began. Stops the
simulator, its clusters and dynos, and ansible-playbook on every exit (Ctrl-C and SIGTERM too).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from herokusim import testing

REPO = Path(__file__).resolve().parent.parent
APP = "sushi"
VERSION = "16"
# Kept after the run (and emptied by the next one): the playbook's state file and report.
STATE_DIR = REPO / "build" / "demo"
# The simulator's operations take seconds, not Heroku's minutes to hours: poll often, give up early.
EXTRA_VARS = {"wait_timeout": 120, "wait_sleep": 2, "window_wait_sleep": 1}


def main() -> int:
    # SIGTERM and SIGHUP unwind like Ctrl-C, through the finally blocks that stop everything.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    STATE_DIR.mkdir(parents=True)

    # The README's example fixture (sushi: web=1 worker=1, standard-0 on PostgreSQL 15) with short timings.
    sim = testing.SimulatorProcess(testing.scenario())
    print(f"Starting herokusim with {testing.EXAMPLES / 'sushi.yml'} (data in {sim.data_dir}) ...", flush=True)
    problems = []
    try:
        sim.start()
        print(f"herokusim listening on {sim.url}; waiting for {APP}'s dynos to write ...", flush=True)
        sim.wait_for(lambda: sim.writes(APP)["acknowledged"] > 20, what=f"{APP}'s dynos to write")
        before = app_state(sim)
        show("Before", before)

        rc = run_playbook(sim)
        report = STATE_DIR / f"{APP}.upgrade_pg.DATABASE.{VERSION}.report.json"
        if report.exists():
            show_report(json.loads(report.read_text()), report)
        else:
            print(f"\nNo report: the playbook stopped before writing it (state file in {STATE_DIR.relative_to(REPO)}/).")
        if rc != 0:
            problems.append(f"ansible-playbook failed (exit status {rc})")
        else:
            # The restored dynos must write to the new primary again before the check counts.
            acknowledged = sim.writes(APP)["acknowledged"]
            try:
                sim.wait_for(lambda: sim.writes(APP)["acknowledged"] > acknowledged + 10, timeout=30,
                             what=f"{APP}'s dynos to write again")
            except AssertionError as error:
                problems.append(str(error))
        after = app_state(sim)
        show("After", after)
        print("  (missing: writes the dynos saw acknowledged that are not in DATABASE_URL; max_gap_seconds: the "
              "longest time without a write, i.e. the window)")
        problems += differences(before, after)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        sim.stop()
        leftovers = sim.leftover_processes()
        sim.cleanup()
        print(f"\nStopped herokusim and its clusters and dynos; removed {sim.data_dir}.")
        if leftovers:
            print("Processes still running:\n  " + "\n  ".join(leftovers))
            problems.append("processes outlived the simulator")
        print(f"Kept: {STATE_DIR.relative_to(REPO)}/ (the playbook's state file and report) and "
              f"{testing.scratch_root()}/herokusim-templates (initdb templates, shared with the tests).")

    if problems:
        print("\nDEMO FAILED: " + "; ".join(problems))
        return 1
    print(f"\nDemo OK: {APP} is on PostgreSQL {after['version']}, every acknowledged write is in it, "
          "and its formation and maintenance mode are as before.")
    return 0


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run_playbook(sim) -> int:
    """ansible-playbook playbooks/upgrade_pg.yml against the simulator; returns its exit status."""
    env = {"HEROKU_HOST": sim.url, "HEROKU_DATA_HOST": "127.0.0.1", "HEROKU_API_KEY": sim.token}
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "playbooks/upgrade_pg.yml",
               "-e", f"app={APP}", "-e", f"version={VERSION}", "-e", f"state_dir={STATE_DIR}",
               *(arg for name, value in EXTRA_VARS.items() for arg in ("-e", f"{name}={value}"))]
    shown = {**env, "HEROKU_API_KEY": "<the simulator's token>"}  # keys stay out of output, even fake ones
    print("\n$ " + " ".join(f"{k}={shlex.quote(v)}" for k, v in shown.items()) + " \\\n    "
          + shlex.join([os.path.relpath(command[0], REPO), *command[1:]]), flush=True)
    # Skipped tasks hidden: most of the roles' tasks belong to other methods or to re-runs.
    quiet = {"ANSIBLE_DISPLAY_SKIPPED_HOSTS": "0", "ANSIBLE_LOCALHOST_WARNING": "0",
             "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0"}
    # Its own process group, so that everything it forked can be stopped with it.
    playbook = subprocess.Popen(command, cwd=REPO, start_new_session=True,  # pylint: disable=consider-using-with
                                env={**os.environ, **env, **quiet})
    try:
        return playbook.wait()
    finally:
        if playbook.poll() is None:  # interrupted: stop it as Ctrl-C would, then for good
            os.killpg(playbook.pid, signal.SIGINT)
            try:
                playbook.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(playbook.pid, signal.SIGKILL)
                playbook.wait()


def app_state(sim) -> dict:
    """What the demo compares before and after: the app, its DATABASE_URL, the writes check."""
    attachments = sim.get(f"/apps/{APP}/addon-attachments").json()
    addon = next(a["addon"]["name"] for a in attachments if a["name"] == "DATABASE")
    return {
        "formation": {f["type"]: f["quantity"] for f in sim.get(f"/apps/{APP}/formation").json()},
        "maintenance": sim.get(f"/apps/{APP}").json()["maintenance"],
        "database": addon,
        "plan": sim.get(f"/addons/{addon}").json()["plan"]["name"],
        "version": sim.get(f"/client/v11/databases/{addon}").json()["postgres_version"],
        "writes": sim.writes(APP),
    }


def show(title, state):
    writes = state["writes"]
    formation = " ".join(f"{ptype}={quantity}" for ptype, quantity in sorted(state["formation"].items()))
    print(f"\n{title}: app {APP}\n"
          f"  DATABASE_URL  {state['database']} ({state['plan']}, PostgreSQL {state['version']})\n"
          f"  formation     {formation}\n"
          f"  maintenance   {'on' if state['maintenance'] else 'off'}\n"
          f"  writes        GET /__sim/apps/{APP}/writes: acknowledged {writes['acknowledged']}, "
          f"missing {writes['missing']}, max_gap_seconds {writes['max_gap_seconds']}", flush=True)


def show_report(report, path):
    print(f"\nMigration report ({path.relative_to(REPO)}):\n"
          f"  {report['migration']} of {report['app']}: {report['method']}, phase {report['phase']}\n"
          f"  why           {report['reason']}\n"
          f"  databases     {report['old_primary']} -> {report['new_primary']} ({report['target']})\n"
          f"  window        {report['window_seconds']} s (apps: {', '.join(report['window_apps'])})\n"
          f"  API calls     {report['api_calls']}")
    for step in report["steps"]:
        print(f"    {step['step']:<13} {step['seconds']:>5} s, {step['api_calls']:>2} API calls, "
              f"{step['waited']} s of them waiting")
    print(f"  by hand       {len(report['manual_follow_ups'])} manual follow-ups (in the plan and the report)")


def differences(before, after) -> list[str]:
    found = []
    if after["writes"]["missing"]:
        found.append(f"{after['writes']['missing']} acknowledged writes missing from the new primary")
    if after["formation"] != before["formation"]:
        found.append(f"formation {after['formation']} instead of {before['formation']}")
    if after["maintenance"] != before["maintenance"]:
        found.append(f"maintenance mode {'on' if after['maintenance'] else 'off'} instead of as before")
    if after["version"].split(".")[0] != VERSION:
        found.append(f"DATABASE_URL on PostgreSQL {after['version']}, not {VERSION}")
    return found


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as interrupt:
        print(f"\nDEMO INTERRUPTED ({str(interrupt) or 'SIGINT'}); everything it started was stopped.")
        sys.exit(130)
