# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

import datetime
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.herokuops.postgres.plugins.module_utils._window import WindowError, iso, parse_time
from ansible_collections.herokuops.postgres.plugins.plugin_utils._progress import (
    INTERVAL_ENV,
    INTERVAL_VAR,
    display,
    duration_text,
    interval_from,
)

CHECK_EVERY = 1.0


class ActionModule(ActionBase):
    """Sleeps in the controller's worker process until the window opens, printing a line every interval."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("until", "app"))
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(argument_spec={
            "until": {"type": "str", "required": True},
            "app": {"type": "str"},
        })[1]
        try:
            until = parse_time(args["until"], "until")
        except WindowError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        app = args["app"] or task_vars.get("inventory_hostname")
        value = task_vars.get(INTERVAL_VAR)
        interval = interval_from(os.environ.get(INTERVAL_ENV) if value is None else self._templar.template(value))
        started = time.time()
        printed = started
        if not self._task.check_mode:
            while True:
                left = (until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
                if left <= 0:
                    break
                time.sleep(min(CHECK_EVERY, left))
                if interval and time.time() - printed >= interval and left > CHECK_EVERY:
                    printed = time.time()
                    display.display(f"{app}: waiting for the window to open at {iso(until)}: prepared, waited"
                                    f" {duration_text(printed - started)}, about {duration_text(left)} left")
        result.update(changed=False, until=iso(until), waited=round(time.time() - started, 1))
        return result
