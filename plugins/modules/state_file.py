#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: state_file
short_description: Write a migration's state or report as a JSON file on the controller, atomically
version_added: 1.0.0
description:
  - Writes O(content) as JSON to O(path) on the Ansible controller, whatever the host of the task.
    The file is written to a temporary file in the same directory, flushed to disk and renamed over
    O(path), so that a crash at any moment leaves either the old or the new file, never a torn one.
  - Creates the missing directories of O(path) with mode C(0700); the file gets mode C(0600).
  - Used by the collection's roles to record how far a migration got, so that a re-run can finish it.
    It runs inside the controller's own process (an action plugin), which keeps these writes off the
    maintenance window's clock.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  path:
    description:
      - The file to write, on the controller. A relative path is relative to the controller's working
        directory; V(~) is expanded.
    type: path
    required: true
  content:
    description:
      - The data to write, as JSON with sorted keys and an indent of 2.
    type: raw
    required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Writes nothing and reports whether the file would change.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Not in the C(heroku) action group, since it does not talk to Heroku.
"""

EXAMPLES = r"""
- name: Record that the follower is ready
  herokuops.postgres.state_file:
    path: ~/.herokuops/state/sushi.change_pg_plan.json
    content: "{{ migration_state_data }}"
"""

RETURN = r"""
path:
  description: The absolute path of the file.
  returned: always
  type: str
  sample: /home/ops/.herokuops/state/sushi.change_pg_plan.json
"""
