#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_summary
short_description: Summarise what every host of a migration run did, as a table, a JSON file and an SVG timeline
version_added: 0.2.0
description:
  - For each host of O(hosts), reads what it did from its facts (C(preflight_plan), C(migration_state_path), set by
    the role C(herokuops.postgres.preflight)) and from its state file, and makes one row - app, method, phase reached,
    window seconds, result and state file. A host that failed or ended early has its row too, with its result.
  - "The results: V(completed); V(failed) (V(FAILED, apps left in the window: re-run) when its state file says the
    apps may still be in maintenance); V(nothing to do); V(already done); V(ended at preflight) (another host of the
    run migrates its database); V(stopped at <phase>); V(checked, plan only) in check mode."
  - Returns the rows as text lines (RV(table)) and writes them to O(state_dir) as C(summaries/<migration>.<UTC
    time>.<pid>.json), with C(.svg) beside it, a timeline of each app's preparation and maintenance window on one
    time axis.
  - Runs inside the controller's worker process (an action plugin). The collection's playbooks call it once, in a
    last play after the migration play.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  migration:
    description:
      - The playbook that ran (V(upgrade_pg), V(change_pg_plan), V(migrate_to_private_space), V(migrate_to_advanced)), in the files' names.
    type: str
    required: true
  hosts:
    description:
      - The hosts of the run, in the order of the table (the play's C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
  failed_hosts:
    description:
      - The hosts that Ansible counted failed (C(ansible_play_hosts_all) but not C(ansible_play_hosts)).
    type: list
    elements: str
    default: []
  state_dir:
    description:
      - The directory of the state files; the summaries go into its C(summaries) subdirectory (created with mode
        C(0700); files C(0600)).
    type: path
    default: ~/.herokuops/state
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns the rows and the table, and writes no file.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Not in the C(heroku) action group, since it does not talk to Heroku.
  - When every host of the migration play failed, Ansible ends the playbook before the summary's play.
  - Reports no change, since the files are the run's bookkeeping on the controller, not a change to Heroku (a second
    run of a finished migration stays C(changed=0)).
"""

EXAMPLES = r"""
- name: Summarise the run
  herokuops.postgres.migration_summary:
    migration: upgrade_pg
    state_dir: ~/.herokuops/state
    hosts: "{{ ansible_play_hosts_all }}"
    failed_hosts: "{{ ansible_play_hosts_all | difference(ansible_play_hosts) }}"
  register: migration_summary
  run_once: true

- name: Show it
  ansible.builtin.debug:
    msg: "{{ migration_summary.table }}"
  run_once: true
"""

RETURN = r"""
rows:
  description: One per host, in the order of O(hosts); times in seconds since the epoch, or null.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: The inventory host.
      type: str
    app:
      description: The app migrated.
      type: str
    method:
      description: The method (and variant), null when the host has no plan.
      type: str
    phase:
      description: The phase its state file records, V(preflight) without one.
      type: str
    window_seconds:
      description: Maintenance on to off, across re-runs; null without a finished window.
      type: float
    result:
      description: What became of the host (see the description).
      type: str
    state_file:
      description: Its state file, null without one.
      type: str
    started_at:
      description: When the migration was planned.
      type: float
    window_entered_at:
      description: When the apps stopped serving.
      type: float
    window_left_at:
      description: When they served again.
      type: float
    updated_at:
      description: When the state file was last written.
      type: float
  sample:
    - {host: sushi, app: sushi, method: pg_copy, phase: done, window_seconds: 3.6, result: completed,
       state_file: /home/ops/.herokuops/state/sushi.upgrade_pg.DATABASE.16.json, started_at: 1796292000.0,
       window_entered_at: 1796292010.2, window_left_at: 1796292013.8, updated_at: 1796292015.0}
table:
  description: The rows as aligned text, a header line first.
  returned: always
  type: list
  elements: str
  sample:
    - "app    method   phase reached  window s  result     state file"
    - "sushi  pg_copy  done           3.6       completed  /home/ops/.herokuops/state/sushi.upgrade_pg.DATABASE.16.json"
json_file:
  description: The JSON file written (the rows, the playbook, the time, the SVG's path).
  returned: when not in check mode
  type: str
  sample: /home/ops/.herokuops/state/summaries/upgrade_pg.20261204T100000Z.4242.json
svg_file:
  description: The timeline written.
  returned: when not in check mode
  type: str
  sample: /home/ops/.herokuops/state/summaries/upgrade_pg.20261204T100000Z.4242.svg
"""
