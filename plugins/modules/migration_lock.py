#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_lock
short_description: Take or release the locks that let one run at a time migrate a database and its apps
version_added: 0.2.0
description:
  - Keeps a migration from running twice on one database or one app, whichever host or app names them.
    With O(state=present), takes one lock for the database O(database) and one for each app of O(apps) (the apps
    of the maintenance window), all or none, as files C(locks/database-<add-on>.lock) and C(locks/app-<app>.lock)
    under O(state_dir), on the controller. Each holds its owner as JSON, never a credential - the inventory host,
    O(app), O(migration_id), the controller's host name, the pid of the C(ansible-playbook) process and when it
    started - and is created only if it does not exist (C(O_CREAT|O_EXCL)), while an C(flock) on
    C(locks/.guard) keeps runs that share O(state_dir) from deciding at the same moment.
  - "A lock held by another run that still runs on this controller: fails, naming the owner. Held by a run of
    this controller that no longer runs (killed): taken over, with a warning naming the old owner. Held by a run
    on another controller: fails, naming it and the file to delete once that run is known to be gone, since
    this controller cannot tell. Held by this run for the same host: kept."
  - "Held by this run for another host (two hosts of one run name the same database, or share a window app):
    with the same O(purpose), the other host migrates it and this one must not - the result says so with
    RV(end_host) and RV(msg), and nothing is taken; with another O(purpose), fails naming both hosts."
  - With O(state=absent), removes the locks this run holds for this host, and leaves the others.
  - Runs inside the controller's worker process (an action plugin), whose parent is the C(ansible-playbook)
    process, the same for every host and task of a run.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  state_dir:
    description:
      - The directory of the state files (the playbooks' C(state_dir)); the locks are in its C(locks)
        subdirectory, created with mode C(0700). Share it between controllers that may migrate the same
        databases.
    type: path
    required: true
  database:
    description:
      - The database to migrate, by add-on name.
    type: str
    required: true
  apps:
    description:
      - The apps of the maintenance window (every app the database is attached to, and the target app).
    type: list
    elements: str
    default: []
  app:
    description:
      - The app the migration was asked for, recorded in the lock. Required with O(state=present).
    type: str
  migration_id:
    description:
      - The migration's id (the name of its state file), recorded in the lock. Required with O(state=present).
    type: str
  purpose:
    description:
      - What the migration does (for example the playbook, the database, the target and the target app). Two
        hosts of one run with the same purpose are one migration named twice, which is carried out once.
    type: dict
    default: {}
  state:
    description:
      - V(present) takes the locks, V(absent) releases this run's.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the locks and fails on a conflict as without check mode, but writes, removes and creates nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Not in the C(heroku) action group, since it does not talk to Heroku.
  - A run that is killed leaves its locks; the next run on the same controller takes them over.
  - Reports no change, since the locks are the run's bookkeeping on the controller, not a change to Heroku.
"""

EXAMPLES = r"""
- name: Take the locks of the migration
  herokuops.postgres.migration_lock:
    state_dir: ~/.herokuops/state
    database: postgresql-lavender-12345
    apps: [sushi, sushi-admin]
    app: sushi
    migration_id: sushi.change_pg_plan.DATABASE.standard-2
    purpose: {migration: change_pg_plan, database: postgresql-lavender-12345, plan: standard-2}
  register: lock

- name: Leave this host to the host that migrates the same database
  ansible.builtin.meta: end_host
  when: lock.end_host

- name: Release them
  herokuops.postgres.migration_lock:
    state_dir: ~/.herokuops/state
    database: postgresql-lavender-12345
    apps: [sushi, sushi-admin]
    state: absent
"""

RETURN = r"""
locks:
  description:
    - The lock files of O(database) and O(apps) - taken (in check mode, that would be taken), none when
      RV(end_host) is true; with O(state=absent), those looked at.
  returned: always
  type: list
  elements: str
  sample: [/home/ops/.herokuops/state/locks/app-sushi.lock, /home/ops/.herokuops/state/locks/database-postgresql-lavender-12345.lock]
end_host:
  description: Whether another host of this run migrates the same database, so that this host must stop.
  returned: O(state=present)
  type: bool
msg:
  description: Which host migrates the database, when RV(end_host) is true.
  returned: when RV(end_host) is true
  type: str
released:
  description: The lock files removed.
  returned: O(state=absent)
  type: list
  elements: str
"""
