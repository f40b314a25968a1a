#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_window_wait
short_description: Wait until a migration's announced maintenance window opens, with a progress line every minute
version_added: 0.2.0
description:
  - "Waits on the controller until O(until), the start of the window the operator announced (the playbooks'
    C(window_start)), printing a line such as C(sushi: waiting for the window to open at 2026-12-05T01:00:00Z:
    prepared, waited 3m10s, about 56m50s left) at least every minute in the normal C(ansible-playbook) output, so
    that AWX job output and CI logs show that the run is alive."
  - The interval is the variable C(herokuops_progress_interval) or the environment variable
    C(HEROKUOPS_PROGRESS_INTERVAL) (seconds, 55 by default; 0 prints nothing).
  - Runs inside the controller's worker process (an action plugin). It reads nothing from Heroku; a run killed
    while it waits is simply run again.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  until:
    description:
      - When the window opens, ISO 8601 with an offset (V(2026-12-05T02:00:00+01:00), or V(Z)). A time that has
        passed returns at once.
    type: str
    required: true
  app:
    description:
      - The app named in the progress lines; the inventory host by default.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns at once.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Not in the C(heroku) action group, since it does not talk to Heroku.
"""

EXAMPLES = r"""
- name: Wait until the announced window opens
  herokuops.postgres.migration_window_wait:
    until: "2026-12-05T02:00:00+01:00"
    app: sushi
"""

RETURN = r"""
until:
  description: When the window opened, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2026-12-05T01:00:00Z"
waited:
  description: Seconds waited.
  returned: always
  type: float
  sample: 3600.2
"""
