#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_maintenance
short_description: Turn a Heroku app's maintenance mode on or off
version_added: 0.1.0
description:
  - Sets maintenance mode of a Heroku app, like C(heroku maintenance:on) and C(heroku maintenance:off).
  - In maintenance mode the router answers every request with a maintenance page. It does B(not) stop
    dynos, so workers, schedulers and one-off dynos keep writing. Scale them down with
    M(herokuops.postgres.heroku_formation) before a database cut-over.
  - Returns the previous state, so that a play can restore it.
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app.
    type: str
    required: true
  enabled:
    description:
      - V(true) turns maintenance mode on, V(false) turns it off.
      - The alias O(state) takes V(on) and V(off) as well.
    type: bool
    required: true
    aliases: [state]
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
  - module: herokuops.postgres.heroku_formation
"""

EXAMPLES = r"""
- name: Enter maintenance
  herokuops.postgres.heroku_maintenance:
    app: sushi
    state: "on"
  register: maintenance

- name: Leave maintenance only if it was off before
  herokuops.postgres.heroku_maintenance:
    app: sushi
    enabled: "{{ maintenance.previous }}"
"""

RETURN = r"""
maintenance:
  description: Whether maintenance mode is on now (or would be, in check mode).
  returned: success
  type: bool
  sample: true
previous:
  description: Whether maintenance mode was on before the task.
  returned: success
  type: bool
  sample: false
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

from ansible_collections.herokuops.postgres.plugins.module_utils._app import read_maintenance, set_maintenance
from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule


def main():
    module = HerokuModule({
        "app": {"type": "str", "required": True},
        "enabled": {"type": "bool", "required": True, "aliases": ["state"]},
    })
    app, wanted = module.params["app"], module.params["enabled"]
    previous = read_maintenance(module, app)
    set_maintenance(module, app, wanted, previous)
    module.set_diff({"maintenance": previous}, {"maintenance": wanted})
    module.exit(maintenance=wanted, previous=previous)


if __name__ == "__main__":
    main()
