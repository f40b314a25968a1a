#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_formation
short_description: Scale a Heroku app's process types to exact quantities
version_added: 0.1.0
description:
  - Sets the number of dynos of each named process type, like C(heroku ps:scale web=2 worker=1), or
    scales every process type to zero.
  - Quantities are absolute. Only the process types whose quantity differs are sent, in one request.
  - Returns the quantities before and after, so that a play can scale everything down for a maintenance
    window and later restore exactly what was there.
  - Process types missing from the app make the module fail before anything is changed.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app.
    type: str
    required: true
  quantities:
    description:
      - "Process type names and the number of dynos each should run, for example C({web: 2, worker: 1})."
      - Process types not named are left alone.
      - Restoring a window is passing the RV(before) of the task that scaled down.
    type: dict
  scale_to_zero:
    description:
      - Scale every process type of the app to 0, so that nothing writes to the database. Maintenance mode
        does not stop dynos; this does.
      - The C(release) process type is left alone. It runs only during a release phase, never as a dyno.
    type: bool
    default: false
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
notes:
  - Exactly one of O(quantities) and O(scale_to_zero=true) is required.
"""

EXAMPLES = r"""
- name: Stop every dyno, remembering the formation
  herokuops.postgres.heroku_formation:
    app: sushi
    scale_to_zero: true
  register: scaled_down

- name: Restore the formation recorded before the window
  herokuops.postgres.heroku_formation:
    app: sushi
    quantities: "{{ scaled_down.before }}"

- name: Run two web dynos and one worker
  herokuops.postgres.heroku_formation:
    app: sushi
    quantities:
      web: 2
      worker: 1
"""

RETURN = r"""
before:
  description: Quantity of every process type of the app before the task.
  returned: success
  type: dict
  sample: {"web": 2, "worker": 1}
after:
  description: Quantity of every process type after the task (predicted in check mode).
  returned: success
  type: dict
  sample: {"web": 0, "worker": 0}
updates:
  description: The updates sent (or that would be sent in check mode); empty when nothing differed.
  returned: success
  type: list
  elements: dict
  sample: [{"type": "web", "quantity": 0}, {"type": "worker", "quantity": 0}]
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "PATCH", "path": "/apps/sushi/formation", "host": "platform", "status": 200,
            "duration": 0.05, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from ansible_collections.herokuops.postgres.plugins.module_utils._app import read_formation, scale, zero_quantities
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule


def wanted_quantities(module, before):
    """The requested absolute quantity of each process type, or a refusal before any change."""
    if module.params["scale_to_zero"]:
        return zero_quantities(before)
    wanted = {}
    for ptype, quantity in module.params["quantities"].items():
        # Absolute counts only: "+1" or 2.5 would make a re-run change something again.
        text = str(quantity).strip()
        if isinstance(quantity, bool) or not text.isdigit():
            module.refuse(f"The quantity of process type {ptype} must be a whole number of at least 0, "
                          f"not {quantity!r}. Nothing was changed.")
        wanted[ptype] = int(text)
    unknown = sorted(set(wanted) - set(before))
    if unknown:
        module.refuse(f"App {module.params['app']} has no process type {', '.join(unknown)}; "
                      f"it has {', '.join(sorted(before)) or 'none'}. Nothing was changed.")
    return wanted


def main():
    module = HerokuModule({
        "app": {"type": "str", "required": True},
        "quantities": {"type": "dict"},
        "scale_to_zero": {"type": "bool", "default": False},
    })
    app = module.params["app"]
    if (module.params["quantities"] is None) == (not module.params["scale_to_zero"]):
        module.refuse("Set either quantities or scale_to_zero=true, not both and not neither.")
    before = read_formation(module, app)
    updates, after = scale(module, app, before, wanted_quantities(module, before))
    module.set_diff({"quantities": before}, {"quantities": after})
    module.exit(before=before, after=after, updates=updates)


if __name__ == "__main__":
    main()
