# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: result_file
type: aggregate
short_description: Write each task's result, as a play would register it, to a JSON file
description:
  - For the collection's integration tests. One JSON object per line in E(HEROKUOPS_RESULT_FILE).
requirements:
  - enabled in configuration
"""

import json
import os

from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import module_response_deepcopy, strip_internal_keys


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "result_file"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, failed):
        data = strip_internal_keys(module_response_deepcopy(result._result))
        data.pop("invocation", None)
        # Ansible decides failure outside the result dict; a registered variable carries it as "failed".
        data["failed"] = failed
        with open(os.environ["HEROKUOPS_RESULT_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps(data, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, True)
