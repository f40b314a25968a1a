# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    """Writes the file from the controller's worker process: no module to ship and start."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path", "content"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec={
            "path": {"type": "path", "required": True},
            "content": {"type": "raw", "required": True},
        })[1]
        path = os.path.abspath(args["path"])
        text = json.dumps(args["content"], indent=2, sort_keys=True) + "\n"
        result["path"] = path
        try:
            with open(path, encoding="utf-8") as current:
                result["changed"] = current.read() != text
        except FileNotFoundError:
            result["changed"] = True
        if result["changed"] and not self._task.check_mode:
            try:
                _write_atomically(path, text)
            except OSError as exc:
                raise AnsibleActionFail(f"Could not write {path}: {exc}") from exc
        return result


def _write_atomically(path, text):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(scratch, 0o600)
        os.replace(scratch, path)
    except BaseException:
        os.unlink(scratch)
        raise
