# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/upgrade_pg.yml run through ansible-runner, the engine AWX and Ansible Automation Platform run jobs with.

The credential reaches the run as AWX injects a custom credential: HEROKU_API_KEY in the job's environment. The run is
at -vvv, and neither its stdout nor its job events (what AWX stores and shows) may contain the API key or a database
password. ansible-runner's own artifacts/<ident>/command file records the environment it was given, key included (mode
0600): that is the runner's record, not the job's output, and is left out of the check.

AWX sends a job to an execution node through receptor as `ansible-runner transmit | ansible-runner worker |
ansible-runner process`: a fleet of two apps goes that way too, its state_dir outliving the worker's directory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import ansible_runner
import yaml
from methods import essential_fleet
from playbook_support import FAST, PLAYBOOKS, start_runner
from simenv import TOKEN

FORMATION = {"web": 1, "worker": 1}
APPS = [{"name": "sushi", "formation": FORMATION}]
ESSENTIAL = [{"addon": "pg-sushi", "app": "sushi", "plan": "essential-0", "version": "15", "seed_rows": 100}]


def test_upgrade_playbook_through_ansible_runner(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, APPS, ESSENTIAL, writers=["sushi"])
    sim = runner.sim
    environment = runner.ansible.env()
    envvars = {name: environment[name] for name in
               ("HEROKU_API_KEY", "HEROKU_HOST", "HEROKU_DATA_HOST", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_NOCOLOR")}
    # ansible-runner starts the ansible-playbook it finds on PATH: this virtualenv's.
    envvars["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"

    private_data_dir = tmp_path / "runner"
    private_data_dir.mkdir()
    run = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=str(PLAYBOOKS / "upgrade_pg.yml"),
        extravars={**FAST, "app": "sushi", "version": "16", "state_dir": str(runner.state_dir)},
        envvars=envvars,
        verbosity=3,
        quiet=True,
    )

    stdout = run.stdout.read()
    assert (run.status, run.rc) == ("successful", 0), stdout[-6000:]
    assert sim.database("pg-sushi")["postgres_version"].startswith("16")
    assert runner.report("sushi.upgrade_pg.DATABASE.16")["method"] == "pg_upgrade (in_place)"
    runner.assert_back_as_before({"sushi": FORMATION})
    runner.assert_nothing_lost("sushi")

    events = list(run.events)
    plan = [e for e in events if e.get("event") == "runner_on_ok"
            and e["event_data"].get("task") == "Show the plan"]
    assert plan and "Method: pg_upgrade (in_place)" in json.dumps(plan[0]["event_data"]["res"]["msg"])
    stats = next(e for e in events if e.get("event") == "playbook_on_stats")["event_data"]
    assert stats["failures"] == {} and stats["dark"] == {}

    artifacts = Path(run.config.artifact_dir)
    assert TOKEN in (artifacts / "command").read_text()  # the key was in the job's environment
    output = stdout + (artifacts / "stderr").read_text() + "".join(
        path.read_text() for path in sorted((artifacts / "job_events").glob("*.json")))
    assert len(output) > len(stdout)  # the job events were written, and are checked too
    leaked = [name for name, secret in [("the API key", TOKEN)] + [("a database password", s) for s in sim.secrets()]
              if secret in output]
    assert not leaked, f"{leaked} in ansible-runner's stdout or job events"


# -- AWX's path to an execution node ---------------------------------------------------------------------------
FLEET = {"sushi": {"web": 1, "worker": 1}, "ramen": {"web": 1}}
RUNNER_BIN = Path(sys.executable).with_name("ansible-runner")


def through_receptor(job, ident, worker_dir):
    """`ansible-runner transmit job | ansible-runner worker | ansible-runner process job`, the pipe receptor makes
    between AWX and an execution node; the worker unpacks the job into worker_dir and deletes it when done (--delete,
    as AWX runs it). What the job needs travels in the job directory only: the three processes get neither the key
    nor the simulator's hosts nor the collection's path. Returns the return codes and process's stdout."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("HEROKU_") and name not in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_CONFIG")}
    # The worker starts the ansible-playbook it finds on PATH: this virtualenv's, as an EE has its own.
    env["PATH"] = f"{RUNNER_BIN.parent}{os.pathsep}{env['PATH']}"
    commands = [[str(RUNNER_BIN), "transmit", str(job), "-p", "upgrade_pg.yml", "--ident", ident],
                [str(RUNNER_BIN), "worker", "--private-data-dir", str(worker_dir), "--delete"],
                [str(RUNNER_BIN), "process", str(job), "--ident", ident]]
    processes = []
    try:
        for command in commands:
            upstream = processes[-1].stdout if processes else subprocess.DEVNULL
            # Each in its own session, so that a timeout kills the worker's ansible-playbook and modules too.
            processes.append(subprocess.Popen(  # pylint: disable=consider-using-with  # waited for or killed below
                command, stdin=upstream, stdout=subprocess.PIPE, env=env, start_new_session=True))
            if upstream is not subprocess.DEVNULL:
                upstream.close()  # only the next process reads it
        stdout = processes[-1].communicate(timeout=600)[0].decode()
        return [p.wait(timeout=60) for p in processes], stdout
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_fleet_through_transmit_worker_process_resumes_from_a_persistent_state_dir(start_sim, ansible_factory, tmp_path):
    """Two apps upgraded in one job sent as AWX sends it to an execution node, state_dir on storage that outlives
    the worker; the same job again finds the state files there and reports both migrations done, without a window."""
    apps, databases = essential_fleet(FLEET)
    runner = start_runner(start_sim, ansible_factory, tmp_path, apps, databases, writers=FLEET)
    sim = runner.sim
    environment = runner.ansible.env()

    # The job's private data directory, as AWX prepares it: the project's playbook, the inventory, the job
    # template's extra variables and the credential's environment (here also the simulator's hosts, and where the
    # EE has the collection).
    job = tmp_path / "job"
    (job / "project").mkdir(parents=True)
    (job / "project" / "upgrade_pg.yml").write_text(yaml.safe_dump([{
        "name": "Upgrade Heroku Postgres major versions",
        "ansible.builtin.import_playbook": "herokuops.postgres.upgrade_pg"}]))
    # docs/awx.md's ansible.cfg for fleets, in the project's root where the job runs; -v prints which one is read
    (job / "project" / "ansible.cfg").write_text("[defaults]\ninternal_poll_interval = 0.02\n")
    (job / "inventory").mkdir()
    (job / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "hosts": {app: {} for app in FLEET}}}))
    (job / "env").mkdir()
    (job / "env" / "cmdline").write_text("-v")
    (job / "env" / "extravars").write_text(yaml.safe_dump({**FAST, "version": "16", "state_dir": str(runner.state_dir)}))
    (job / "env" / "envvars").write_text(yaml.safe_dump({name: environment[name] for name in (
        "HEROKU_API_KEY", "HEROKU_HOST", "HEROKU_DATA_HOST", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_NOCOLOR")}))
    worker_dir = tmp_path / "worker"

    rcs, stdout = through_receptor(job, "first", worker_dir)
    artifacts = job / "artifacts" / "first"
    assert rcs == [0, 0, 0], stdout[-6000:]
    assert "project/ansible.cfg as config file" in stdout, stdout[:2000]
    assert not worker_dir.exists()  # the state below was not kept in the worker's directory
    assert ((artifacts / "status").read_text(), (artifacts / "rc").read_text()) == ("successful", "0"), stdout[-6000:]
    stats = job_stats(artifacts)
    assert stats["failures"] == {} and stats["dark"] == {} and sorted(stats["ok"]) == sorted(FLEET)
    for app in FLEET:
        assert sim.database(f"pg-{app}")["postgres_version"].startswith("16"), app
        assert runner.report(f"{app}.upgrade_pg.DATABASE.16")["method"] == "pg_upgrade (in_place)"
        assert runner.state(f"{app}.upgrade_pg.DATABASE.16")["phase"] == "done"
    runner.assert_back_as_before(FLEET)
    runner.assert_nothing_lost(*FLEET)
    assert_no_secret(sim, stdout, artifacts)

    mark = sim.mark()
    rcs, stdout = through_receptor(job, "second", worker_dir)
    artifacts = job / "artifacts" / "second"
    assert rcs == [0, 0, 0] and (artifacts / "status").read_text() == "successful", stdout[-6000:]
    assert sim.changes_since(mark) == []  # no window, no change: read from Heroku and the state files only
    assert job_stats(artifacts)["changed"] == {}
    plans = {e["event_data"]["host"]: json.dumps(e["event_data"]["res"]["msg"]) for e in job_events(artifacts)
             if e.get("event") == "runner_on_ok" and e["event_data"].get("task") == "Show the plan"}
    assert sorted(plans) == sorted(FLEET) and all("finished at" in plan for plan in plans.values()), plans
    assert_no_secret(sim, stdout, artifacts)


def job_events(artifacts):
    """The job events process wrote, in order."""
    return [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"),
                                                            key=lambda path: int(path.name.split("-", 1)[0]))]


def job_stats(artifacts):
    return next(e for e in job_events(artifacts) if e.get("event") == "playbook_on_stats")["event_data"]


def assert_no_secret(sim, stdout, artifacts):
    """Neither the job's output (process's stdout, the stdout artifact) nor its job events hold the key or a password."""
    output = stdout + (artifacts / "stdout").read_text() + "".join(
        path.read_text() for path in sorted((artifacts / "job_events").glob("*.json")))
    leaked = [name for name, secret in [("the API key", TOKEN)] + [("a database password", s) for s in sim.secrets()]
              if secret in output]
    assert not leaked, f"{leaked} in the job's stdout or job events"
