# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

from datetime import datetime, timezone

from ansible.plugins.action import ActionBase
from ansible_collections.herokuops.postgres.plugins.module_utils import _plan

ARGUMENT_SPEC = {
    "migration": {"type": "str", "required": True, "choices": list(_plan.METHODS)},
    "app": {"type": "str", "required": True},
    "database": {"type": "str", "default": "DATABASE_URL"},
    "method": {"type": "str", "default": "auto",
               "choices": ["auto", "pg_upgrade", "pg_copy", "addons_upgrade", "follower_changeover",
                           "advanced_migration"]},
    "pg_upgrade_variant": {"type": "str", "default": "auto", "choices": ["auto", "direct", "follower"]},
    "version": {"type": "str", "default": ""},
    "target_plan": {"type": "str", "default": ""},
    "target_app": {"type": "str", "default": ""},
    "supported_versions": {"type": "list", "elements": "str", "default": []},
    "copy_max_bytes": {"type": "int", "default": 10737418240},
    # Kept as given: the state file records it in the request, which a re-run must repeat.
    "recreate_followers": {"type": "raw", "default": False},
    "advanced_method": {"type": "str", "default": "auto", "choices": list(_plan.ADVANCED_METHODS)},
    "level": {"type": "str", "default": ""},
    # Kept as given, like recreate_followers; follower_pools None (not given) differs from [] (none wanted).
    "high_availability": {"type": "raw", "default": True},
    "follower_pools": {"type": "raw"},
    "databases": {"type": "list", "elements": "dict", "required": True},
    "inside": {"type": "dict"},
    "accept_unlogged_loss": {"type": "bool", "default": False},
    "upgrade_tested": {"type": "bool", "default": False},
}


class ActionModule(ActionBase):
    """Plans in the controller's worker process: pure Python, no module to ship and start."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        options = dict(self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1])
        databases, inside = options.pop("databases"), options.pop("inside")
        plan, errors = _plan.plan(options, databases, datetime.now(timezone.utc), inside)
        result.update(changed=False, plan=plan, errors=errors)
        return result
