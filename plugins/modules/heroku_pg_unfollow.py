#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: heroku_pg_unfollow
short_description: Stop a Heroku Postgres follower following, making it writable
version_added: 0.1.0
description:
  - Turns a follower into an independent, writable database, like C(heroku pg:unfollow). This cannot be
    undone; the database then shows C(Forked From) its former leader.
  - Heroku does not check how far behind the follower is. Unfollowing before it has replayed every commit
    silently drops the leader's last writes from it, so the module refuses while it is behind, unless
    O(force=true). Stop the writes first (maintenance mode and no dynos), then wait for 0 commits behind.
  - A database that is not a follower is left alone (C(changed=false)).
author:
  - herokuops.postgres contributors (@herokuops)
options:
  app:
    description:
      - Name or id of the app the database is attached to.
    type: str
    required: true
  database:
    description:
      - The follower, in any form the Heroku CLI accepts. A config var (V(HEROKU_POSTGRESQL_WHITE_URL)), an
        attachment name (V(HEROKU_POSTGRESQL_WHITE)), an add-on name, or V(otherapp::NAME).
    type: str
    required: true
  force:
    description:
      - Unfollow even when the follower is behind its leader (or its lag is unknown). The commits it has
        not replayed are lost from it.
    type: bool
    default: false
  wait:
    description:
      - Wait until the database no longer follows and is available (writable).
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - herokuops.postgres.wait
  - herokuops.postgres.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
seealso:
  - module: herokuops.postgres.heroku_pg_follower
  - module: herokuops.postgres.heroku_pg_promote
"""

EXAMPLES = r"""
- name: Unfollow the caught-up follower
  herokuops.postgres.heroku_pg_unfollow:
    app: sushi
    database: HEROKU_POSTGRESQL_WHITE
"""

RETURN = r"""
database:
  description: The database after the task (before it, in check mode), as M(herokuops.postgres.heroku_pg_info)
    describes it, without the attachment fields.
  returned: success
  type: dict
  sample: {"name": "postgresql-curved-67890", "following": false, "forked_from": "postgres-host:5432/d123",
           "status": "Available", "behind_by": null}
leader:
  description: The database it followed, or V(null) when it was not a follower.
  returned: success
  type: dict
  sample: {"addon_id": "01234567-89ab-cdef-0123-456789abcdef", "name": "postgresql-shaped-12345"}
behind_by:
  description: Commits it was behind when it was told to unfollow; V(null) when it was not a follower.
  returned: success
  type: int
  sample: 0
duration:
  description: Seconds spent waiting.
  returned: success
  type: float
  sample: 4.2
api_calls:
  description:
    - The Heroku API calls made, in order; in check mode also those that would have been made,
      with C(planned=true). Paths only, never bodies or credentials.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "PUT", "path": "/client/v11/databases/01234567-89ab-cdef-0123-456789abcdef/unfollow",
            "host": "data", "status": 200, "duration": 0.1, "request_id": "8c1f...", "retries": 0, "planned": false}]
"""

from ansible_collections.herokuops.postgres.plugins.module_utils._module import HerokuModule
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import database_info
from ansible_collections.herokuops.postgres.plugins.module_utils._unfollow import unfollow


def main():
    module = HerokuModule(
        {
            "app": {"type": "str", "required": True},
            "database": {"type": "str", "required": True},
            "force": {"type": "bool", "default": False},
        },
        wait=True,
    )
    addon = module.resolve(module.params["app"], module.params["database"])["addon"]
    db = module.call(f"Reading database {addon['name']}", database_info, module.client, addon["id"])
    leader, behind_by, duration = db["leader"], db["behind_by"], 0.0
    following = (leader or {}).get("name") or db["following_url"]
    if db["following"]:
        db, duration = unfollow(module, db, module.params["force"], module.params["wait"])
    module.set_diff({"following": following}, {"following": None})
    module.exit(database=db, leader=leader, behind_by=behind_by, duration=duration)


if __name__ == "__main__":
    main()
