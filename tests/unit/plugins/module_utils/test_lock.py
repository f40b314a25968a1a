# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migration lock's decision on a lock held by someone else (the files: tests/unit/plugins/action)."""

from __future__ import annotations

import pytest
from ansible_collections.herokuops.postgres.plugins.module_utils._lock import (
    FREE,
    OURS,
    REFUSE,
    SAME_RUN,
    STALE,
    decide,
    lock_file_name,
)

PURPOSE = {"migration": "change_pg_plan", "database": "pg-shop", "target_app": "shop", "method": "follower_changeover"}
ME = {"host": "shop-admin", "app": "shop-admin", "migration_id": "shop-admin.change_pg_plan.DATABASE.standard-2",
      "controller": "ops-1", "pid": 4242, "started_at": "2026-12-04T10:00:00Z", "purpose": PURPOSE}
SHOP = {**ME, "host": "shop", "app": "shop", "migration_id": "shop.change_pg_plan.DATABASE.standard-2",
        "started_at": "2026-12-04T09:59:58Z"}
PATH = "/state/locks/database-pg-shop.lock"


def holder(**changes):
    return {**SHOP, **changes}


@pytest.mark.parametrize("case, lock, alive, kind, fragments", [
    ("no lock", None, False, FREE, []),
    ("another live run on this controller", holder(pid=1111), True, REFUSE,
     ["Database pg-shop is being migrated by another run: host shop (app shop, migration "
      "shop.change_pg_plan.DATABASE.standard-2), ansible-playbook pid 1111 on ops-1, started at 2026-12-04T09:59:58Z",
      "Wait until that run ends"]),
    ("a killed run on this controller", holder(pid=1111), False, STALE,
     ["Taking over the stale lock on database pg-shop", "pid 1111 on ops-1", "no longer running"]),
    ("a killed run of the same host (a re-run after a crash)", holder(pid=1111, host="shop-admin"), False, STALE,
     ["stale lock", "host shop-admin"]),
    ("another controller, alive or not", holder(controller="ops-2", pid=1111), False, REFUSE,
     ["locked by a run on another controller", "pid 1111 on ops-2", "cannot tell",
      f"delete {PATH} and run again"]),
    ("another controller, same pid", holder(controller="ops-2"), True, REFUSE, ["another controller"]),
    ("this run, the same host again", holder(host="shop-admin"), True, OURS, []),
    ("this run, another host, the same migration", holder(), True, SAME_RUN,
     ["migrated by host shop of this run (migration shop.change_pg_plan.DATABASE.standard-2)",
      "host shop-admin ends here, without change"]),
    ("this run, another host, another migration", holder(purpose={**PURPOSE, "target_app": "shop-admin"}), True,
     REFUSE, ["Hosts shop and shop-admin of this run both need database pg-shop",
              "shop for migration shop.change_pg_plan.DATABASE.standard-2",
              "shop-admin for migration shop-admin.change_pg_plan.DATABASE.standard-2", "--limit shop-admin"]),
    ("a lock without an owner", {"pid": 1}, False, REFUSE, ["cannot be read", f"delete {PATH}"]),
])
def test_decide(case, lock, alive, kind, fragments):
    verdict = decide("database pg-shop", PATH, lock, ME, alive)
    assert verdict.kind == kind, case
    for fragment in fragments:
        assert fragment in verdict.message, (case, verdict.message)


def test_lock_file_names_keep_add_ons_and_apps_apart():
    assert lock_file_name("database", "shop") != lock_file_name("app", "shop")
    assert lock_file_name("app", "../evil app") == "app-.._evil_app.lock"
