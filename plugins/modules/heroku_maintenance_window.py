#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_maintenance_window
short_description: Stop several Heroku apps serving and writing, or bring them back as recorded
version_added: 0.2.0
description:
  - "O(state=entered): turns maintenance mode on for every app, then scales every process type of every
    app to 0, like C(heroku maintenance:on) followed by C(heroku ps:scale web=0 worker=0 ...). Maintenance
    mode alone does not stop dynos: workers and schedulers keep writing."
  - "O(state=left): scales every app back to the quantities recorded on entering, then sets its
    maintenance mode back to what was recorded (off, unless the app was in maintenance before)."
  - Returns RV(recorded), what every app had before the task. Run it in check mode first to record the
    apps before anything changes, and keep that record somewhere that survives a crash.
  - One task for all the apps, instead of two per app with M(herokuops.postgres.heroku_maintenance) and
    M(herokuops.postgres.heroku_formation), so that the window of a cut-over is as short as possible.
  - Every app is read before anything is changed, so an unknown app or process type changes nothing.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  state:
    description:
      - V(entered) stops the apps (maintenance mode on, every process type at 0).
      - V(left) restores them from O(restore).
    type: str
    choices: [entered, left]
    required: true
  apps:
    description:
      - Names or ids of the apps. Required with O(state=entered).
      - With O(state=left), defaults to the apps of O(restore.formations).
    type: list
    elements: str
  restore:
    description:
      - With O(state=left), what to restore, as RV(recorded) returned it.
    type: dict
    suboptions:
      formations:
        description:
          - "The quantity of each process type, per app: C({APP: {TYPE: QUANTITY}})."
          - Process types recorded at 0 are left alone, so a process type a release removed meanwhile does
            not matter unless it had dynos.
        type: dict
        required: true
      maintenance:
        description:
          - "The maintenance mode, per app: C({APP: BOOL})."
        type: dict
        required: true
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: herokuops.postgres.heroku_maintenance
  - module: herokuops.postgres.heroku_formation
"""

EXAMPLES = r"""
- name: Record what the apps run, changing nothing
  herokuops.postgres.heroku_maintenance_window:
    apps: [sushi, sushi-worker]
    state: entered
  check_mode: true
  changed_when: false
  register: window

- name: Stop both apps serving and writing
  herokuops.postgres.heroku_maintenance_window:
    apps: [sushi, sushi-worker]
    state: entered

- name: Bring them back as recorded
  herokuops.postgres.heroku_maintenance_window:
    state: left
    restore: "{{ window.recorded }}"
"""

RETURN = r"""
recorded:
  description: The quantity of every process type and the maintenance mode of each app, before the task.
  returned: success
  type: dict
  sample: {"formations": {"sushi": {"web": 2, "worker": 1}}, "maintenance": {"sushi": false}}
after:
  description: The same, after the task (predicted in check mode).
  returned: success
  type: dict
  sample: {"formations": {"sushi": {"web": 0, "worker": 0}}, "maintenance": {"sushi": true}}
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "PATCH", "path": "/apps/sushi", "host": "platform", "status": 200,
            "duration": 0.05, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from ansible_collections.herokuops.postgres.plugins.module_utils._app import (read_formation, read_maintenance, scale,
                                                                              set_maintenance, zero_quantities)
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule


def wanted_state(module, app, formation):
    """(maintenance, {process type: quantity}) app must reach, or a refusal before any change."""
    if module.params["state"] == "entered":
        return True, zero_quantities(formation)
    restore = module.params["restore"]
    maintenance, recorded = restore["maintenance"].get(app), restore["formations"].get(app)
    if not isinstance(maintenance, bool) or not isinstance(recorded, dict):
        module.refuse(f"restore has no maintenance mode (true or false) and formation recorded for {app}. "
                      "Nothing was changed.")
    wanted = {ptype: quantity for ptype, quantity in recorded.items() if quantity}
    if not all(isinstance(quantity, int) and quantity > 0 for quantity in wanted.values()):
        module.refuse(f"restore.formations.{app} must give whole numbers of dynos. Nothing was changed.")
    gone = sorted(set(wanted) - set(formation))
    if gone:
        module.refuse(f"App {app} no longer has process type {', '.join(gone)}, recorded with dynos; it has "
                      f"{', '.join(sorted(formation)) or 'none'}. Nothing was changed.")
    return maintenance, wanted


def main():
    module = HerokuModule({
        "state": {"type": "str", "required": True, "choices": ["entered", "left"]},
        "apps": {"type": "list", "elements": "str"},
        "restore": {"type": "dict", "options": {
            "formations": {"type": "dict", "required": True},
            "maintenance": {"type": "dict", "required": True},
        }},
    }, required_if=[("state", "entered", ["apps"]), ("state", "left", ["restore"])])
    apps = module.params["apps"] or list(module.params["restore"]["formations"])
    maintenance = {app: read_maintenance(module, app) for app in apps}
    formations = {app: read_formation(module, app) for app in apps}
    wanted = {app: wanted_state(module, app, formations[app]) for app in apps}
    # Entering, the router stops serving before the dynos stop; leaving, the dynos start before it serves again.
    if module.params["state"] == "entered":
        for app in apps:
            set_maintenance(module, app, True, maintenance[app])
    after = {"formations": {app: scale(module, app, formations[app], wanted[app][1])[1] for app in apps},
             "maintenance": {app: wanted[app][0] for app in apps}}
    if module.params["state"] == "left":
        for app in apps:
            set_maintenance(module, app, wanted[app][0], maintenance[app])
    recorded = {"formations": formations, "maintenance": maintenance}
    module.set_diff(recorded, after)
    module.exit(recorded=recorded, after=after)


if __name__ == "__main__":
    main()
