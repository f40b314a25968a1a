# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""What pg:upgrade:wait reports, as one word: shared by heroku_pg_upgrade and heroku_pg_migration_status."""

from __future__ import annotations

__metaclass__ = type


def upgrade_state(status):
    """none / preparing / scheduled / running / failed / done from an upgrade/wait_status answer (None: none)."""
    if not status:
        return "none"
    if status.get("error?"):
        return "failed"
    if status.get("waiting?"):
        return "running" if status.get("step") else "preparing"
    message = (status.get("message") or "").lower()
    if "scheduled" in message:
        return "scheduled"
    return "done" if "complete" in message else "none"
