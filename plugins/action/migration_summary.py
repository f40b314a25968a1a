# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

import datetime
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.herokuops.postgres.plugins.plugin_utils._summary import host_record, table, timeline_svg


class ActionModule(ActionBase):
    """Reads every host's facts (hostvars) and state file from the controller's worker: no module to ship."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("migration", "hosts", "failed_hosts", "state_dir"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec={
            "migration": {"type": "str", "required": True},
            "hosts": {"type": "list", "elements": "str", "required": True},
            "failed_hosts": {"type": "list", "elements": "str", "default": []},
            "state_dir": {"type": "path", "default": "~/.herokuops/state"},
        })[1]
        hostvars = task_vars["hostvars"]
        rows = []
        for host in args["hosts"]:
            facts = hostvars[host]
            plan = _plain(facts.get("preflight_plan"))
            path = facts.get("migration_state_path")
            rows.append(host_record(host, plan if isinstance(plan, dict) else None, path and str(path),
                                    _read(path), host in args["failed_hosts"], self._task.check_mode))
        now = datetime.datetime.now(datetime.timezone.utc)
        title = f"{args['migration']}, {len(rows)} host(s), {now:%Y-%m-%d %H:%M:%S} UTC"
        result.update(changed=False, rows=rows, table=table(rows))
        if self._task.check_mode:
            return result
        # One pair of files per run: the time, and the pid of ansible-playbook (this worker's parent).
        base = os.path.join(os.path.abspath(args["state_dir"]), "summaries",
                            f"{args['migration']}.{now:%Y%m%dT%H%M%SZ}.{os.getppid()}")
        result.update(json_file=base + ".json", svg_file=base + ".svg")
        content = {"migration": args["migration"], "generated_at": f"{now:%Y-%m-%dT%H:%M:%SZ}", "hosts": rows,
                   "svg_file": result["svg_file"]}
        try:
            os.makedirs(os.path.dirname(base), mode=0o700, exist_ok=True)
            _write(result["json_file"], json.dumps(content, indent=2, sort_keys=True) + "\n")
            _write(result["svg_file"], timeline_svg(rows, title))
        except OSError as exc:
            raise AnsibleActionFail(f"Could not write the summary {base}.json/.svg: {exc}") from exc
        return result


def _plain(value):
    """A fact as plain JSON data (facts may hold Ansible's tagged types)."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def _read(path):
    """A host's state file as data; None when there is none or it cannot be read (the row says what is known)."""
    if not path:
        return None
    try:
        with open(str(path), encoding="utf-8") as state:
            data = json.load(state)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
