# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Unfollow a follower (pg:unfollow), shared by heroku_pg_unfollow and heroku_pg_promote."""

from __future__ import annotations

__metaclass__ = type

import time
from urllib.parse import quote

from ._pginfo import database_info


def unfollow(module, db, force, wait):
    """Make the follower db (a database_info) writable through module (a _module.HerokuModule).

    Refuses while it is behind its leader (or its lag is unknown) unless force: Heroku never checks,
    and the commits not yet replayed would be lost. Sends PUT .../unfollow unless an earlier run
    already did, then with wait polls until it no longer follows and is ready. Returns
    (database_info, seconds waited); in check mode the PUT is only planned and db comes back as is.
    """
    if db["behind_by"] != 0 and not force and not module.check_mode:
        db = _settled(module, db)
    name, behind = db["name"], db["behind_by"]
    leader = db["leader"]["name"] if db["leader"] else "its leader"
    if behind != 0 and not force:
        why = f"it is {behind} commits behind {leader}" if behind is not None else f"its lag behind {leader} is unknown"
        module.refuse(f"Refusing to unfollow {name}: {why}. Unfollowing now silently drops the leader's last writes "
                      "from it. Stop every writer (maintenance mode and no dynos), wait until it is 0 commits behind, "
                      "or set force=true to accept the loss. Nothing was changed.")
    # An earlier, interrupted run may have started it: a second PUT would be refused.
    if not (db["status"] or "").lower().startswith("unfollowing"):
        module.write(f"Unfollowing {name}", "PUT", f"/client/v11/databases/{quote(db['addon_id'], safe='')}/unfollow")
    if module.check_mode or not wait:
        return db, 0.0
    # Afterwards the data API shows the former leader's URL as Forked From: name it.
    names = {db["following_url"]: db["leader"]["name"]} if db["leader"] else None
    waited = module.wait(
        f"Waiting for {name} to stop following", lambda: database_info(module.client, db["addon_id"], names),
        lambda now: not now["following"] and not now["waiting"], f"{name} to stop following and become writable",
        describe=lambda now: now["status"])
    return waited.value, waited.duration


SETTLE_SECONDS, SETTLE_EVERY = 10.0, 0.5


def _settled(module, db):
    """db read again until it is 0 commits behind, for at most SETTLE_SECONDS: with every writer stopped, the last
    commits (a dyno's write still in flight as it stopped, an autovacuum ANALYZE on the leader) replay within
    moments, and refusing at once would fail a window that was one replay away from safe."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while db["behind_by"] != 0 and time.monotonic() < deadline:
        time.sleep(SETTLE_EVERY)
        fresh = database_info(module.client, db["addon_id"])
        db = {**db, "behind_by": fresh["behind_by"], "status": fresh["status"]}
    return db
