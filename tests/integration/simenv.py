# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the collection's modules and playbooks against a herokusim simulator.

A module call runs the module the way Ansible runs it on a host: a Python process given its
arguments as ANSIBLE_MODULE_ARGS on stdin (check and diff mode as Ansible passes them), printing its
result as JSON. That skips ansible-playbook's own start-up (seconds per call); the playbook tests
cover the modules inside real plays.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from herokusim import testing

TOKEN = "sim-token"  # the token of herokusim.testing's scenarios
# Short waits, so that a wrong wait fails fast instead of hanging the suite.
WAIT_ARGS = {"wait_timeout": 120, "wait_sleep": 1}
APP_PATH = re.compile(r"^/apps/[^/]+$")
PLAYBOOK_BIN = Path(sys.executable).with_name("ansible-playbook")
# The collection tree tests/conftest.py links: ansible_collections.herokuops.postgres imports from it.
COLLECTIONS = Path(__file__).resolve().parents[2] / "build" / "collections"


def scenario(apps, databases):
    """A simulator fixture with these apps and databases, herokusim's test token and short timings."""
    return testing.scenario(apps=copy.deepcopy(apps), databases=copy.deepcopy(databases))


@contextlib.contextmanager
def running_simulator(fixture):
    """A started simulator (as a Sim), stopped on exit; fails if any of its processes outlived it
    (and then keeps its data dir, for the evidence)."""
    process = testing.SimulatorProcess(fixture)
    try:
        yield Sim(process.start())
    finally:
        process.stop()
        leftovers = process.leftover_processes()
        if not leftovers:
            process.cleanup()
    assert not leftovers, f"processes outlived the simulator: {leftovers}"


def app_updates(requests):
    """The requests (from Sim.requests_since) that update an app itself: PATCH /apps/{app}, the maintenance
    mode in these scenarios, so the first and the last bound the window."""
    return [r for r in requests if r["method"] == "PATCH" and APP_PATH.match(r["path"])]


class Sim:
    """A running simulator plus the assertions tests need about it."""

    def __init__(self, process):
        """process: a started herokusim.testing.SimulatorProcess."""
        self.process = process
        self.url = process.url

    def get(self, path, **kwargs):
        response = self.process.get(path, **kwargs)
        response.raise_for_status()
        return response.json()

    def request(self, method, path, **kwargs):
        response = self.process.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def admin(self, method, path, **kwargs):
        return self.process.admin(method, path, **kwargs).json()

    def mark(self) -> int:
        """A position in the request log; changes_since(mark) lists what came after."""
        return len(self.admin("GET", "/requests"))

    def requests_since(self, mark):
        return self.admin("GET", f"/requests?since={mark}")

    def changes_since(self, mark):
        """Requests after mark that could change something: any but GET and the read-only resolvers."""
        return [(r["method"], r["path"]) for r in self.requests_since(mark)
                if r["method"] != "GET" and not r["path"].startswith("/actions/")]

    def config(self, app):
        return self.get(f"/apps/{app}/config-vars")

    def attachments(self, app):
        return {(a["name"], a["namespace"]): a["addon"]["name"] for a in self.get(f"/apps/{app}/addon-attachments")}

    def formation(self, app):
        return {f["type"]: f["quantity"] for f in self.get(f"/apps/{app}/formation")}

    def maintenance(self, app):
        return self.get(f"/apps/{app}")["maintenance"]

    def database(self, addon):
        """The data API's view (GET /client/v11/databases/{addon})."""
        return self.get(f"/client/v11/databases/{addon}")

    def behind_by(self, addon):
        entry = next((e for e in self.database(addon)["info"] if e["name"] == "Behind By"), None)
        return int(entry["values"][0].split()[0]) if entry and entry["values"] else None

    def pause_replay(self, follower):
        """Let a follower fall behind while the app's dynos keep writing to its leader."""
        self.admin("POST", f"/databases/{follower}/replay", json={"paused": True})
        self.wait_until(lambda: (self.behind_by(follower) or 0) > 0, "the follower to fall behind")

    def stop_writes(self, app, follower):
        """Scale the app's writers to 0 and wait until the follower has replayed everything."""
        updates = [{"type": ptype, "quantity": 0} for ptype in self.formation(app) if ptype != "release"]
        self.request("PATCH", f"/apps/{app}/formation", json={"updates": updates})
        self.wait_until(lambda: self.behind_by(follower) == 0, "the follower to catch up")

    def secrets(self):
        """Every database password the simulator holds, to prove no output contains one."""
        found = set()
        for addon in self.get("/addons"):
            url = self.admin("GET", f"/databases/{addon['id']}")["url"]
            password = url and url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
            if password:
                found.add(password)
        return found

    def wait_until(self, predicate, what, timeout=60.0):
        return self.process.wait_for(predicate, timeout=timeout, interval=0.2, what=what)


class Result(dict):
    """A module's registered result, with the two assertions every test makes."""

    def ok(self):
        assert not self.get("failed"), self.get("msg")
        return self

    def refused(self, *fragments):
        assert self.get("failed"), f"expected a failure, got {dict(self)}"
        for fragment in fragments:
            assert fragment in self["msg"], self["msg"]
        return self


class Ansible:
    """Runs modules and playbooks of the collection against one simulator."""

    def __init__(self, sim: Sim, workdir: Path):
        self.sim = sim
        self.workdir = workdir
        self.runs = 0
        self.inventory = workdir / "inventory.yml"
        self.inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))

    def env(self):
        env = {name: value for name, value in os.environ.items() if not name.startswith("HEROKU_")}
        env.update({
            "HEROKU_API_KEY": TOKEN,
            "HEROKU_HOST": self.sim.url,
            "HEROKU_DATA_HOST": "127.0.0.1",  # same scheme and port as HEROKU_HOST, as the CLI does
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        })
        return env

    def playbook(self, path, extra_vars=None, check=False, diff=False, timeout=900):
        """Run a playbook on localhost."""
        command = [str(PLAYBOOK_BIN), "-i", str(self.inventory), str(path)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        command += ["--check"] * check + ["--diff"] * diff
        return subprocess.run(command, env=self.env(), cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def run(self, module, check=False, diff=False, **args):
        """Run herokuops.postgres.<module> with args; return its result as a play registers it (failed or not)."""
        self.runs += 1
        env = self.env()
        env["PYTHONPATH"] = str(COLLECTIONS)
        internal = {"_ansible_check_mode": check, "_ansible_diff": diff,
                    "_ansible_module_name": f"herokuops.postgres.{module}"}
        completed = subprocess.run(
            [sys.executable, "-m", f"ansible_collections.herokuops.postgres.plugins.modules.{module}"],
            input=json.dumps({"ANSIBLE_MODULE_ARGS": {**args, **internal}}), env=env, cwd=self.workdir,
            capture_output=True, text=True, timeout=900, check=False)
        try:
            result = Result(json.loads(completed.stdout))
        except ValueError:
            raise AssertionError(f"{module} printed no result (rc={completed.returncode}):\n"
                                 f"{completed.stdout}\n{completed.stderr}") from None
        # What a registered variable holds: no invocation, "changed" and "failed" always present.
        result.pop("invocation", None)
        result.setdefault("changed", False)
        result["failed"] = bool(result.get("failed"))
        # ansible-core 2.19 modules return warnings as summaries that the controller turns into text.
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
        secrets = [s for s in self.sim.secrets() if s in json.dumps(result) or s in completed.stdout]
        assert not secrets, "a database password appeared in the module's output"
        return result
