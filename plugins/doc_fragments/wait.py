# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    # Matches wait_argument_spec() in plugins/module_utils/_wait.py.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Whether to wait until the operation has finished.
      - Nothing is awaited in check mode.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait at most when O(wait=true). There is no other limit.
      - On timeout the module fails, saying what it was waiting for and the last state it saw.
    type: int
    default: 3600
  wait_sleep:
    description:
      - Longest pause in seconds between two checks while waiting.
      - The first check is immediate; each pause is then a quarter of the time waited so far, at least
        0.5 seconds and at most this value, so a wait ends at most a quarter after what it waited for
        happened. Values below 1 count as 1.
      - Transient API errors (HTTP 429 and 5xx, no response) while waiting are tolerated up to 5 in a row.
    type: int
    default: 30
  progress_file:
    description:
      - Internal, set by the action plugin of the same name as the module; leave it unset.
      - A local file to which the module appends what each check saw while it waits. The action plugin reads
        it to print a progress line in the normal C(ansible-playbook) output every
        C(herokuops_progress_interval) seconds (a variable, else the environment variable
        E(HEROKUOPS_PROGRESS_INTERVAL); 55 by default, 0 for none) during every longer wait, when the module
        runs on the controller (a local connection, as in the collection's playbooks) and not in C(async).
    type: path
"""
