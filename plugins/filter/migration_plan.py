# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the preflight role needs of a migration before Heroku is read (its id and request, to find and compare the
state file) and after its plan is known (the lines it prints), whether the plan is new or resumed."""

from __future__ import annotations

__metaclass__ = type

import datetime

from ansible.errors import AnsibleFilterError
from ansible_collections.herokuops.postgres.plugins.module_utils import _plan, _window

_REQUIRED = ("migration", "app", "database", "method", "pg_upgrade_variant", "recreate_followers")


def migration_request(options, unfinished=None):
    """{id, request, errors} of the request given as the preflight role's variables without their prefix."""
    if not isinstance(options, dict) or any(key not in options for key in _REQUIRED):
        raise AnsibleFilterError(f"migration_request needs a dictionary with {', '.join(_REQUIRED)}")
    if options["migration"] not in _plan.METHODS:
        raise AnsibleFilterError(f"unknown migration {options['migration']!r}; one of {', '.join(_plan.METHODS)}")
    return {"id": _plan.migration_id(options), "request": _plan.request(options),
            "errors": _plan.request_errors(options, unfinished or [])}


def migration_plan_summary(plan):
    """The lines the preflight role prints for a plan."""
    if not isinstance(plan, dict):
        raise AnsibleFilterError("migration_plan_summary needs the plan as a dictionary")
    return _plan.summary(plan)


def migration_window(options, plan):
    """{window, errors, lines} of the run's window variables (stop_after, window_start, window_end,
    window_downtime_seconds) for a plan: checked each run, since they are not part of the request."""
    if not isinstance(options, dict) or not isinstance(plan, dict):
        raise AnsibleFilterError("migration_window needs the window variables and the plan as dictionaries")
    now = datetime.datetime.now(datetime.timezone.utc)
    win, errors = _window.window(options, plan, now)
    return {"window": win, "errors": errors, "lines": _window.summary(win, now) if not errors else []}


class FilterModule:
    """herokuops.postgres.migration_request, migration_plan_summary and migration_window."""

    def filters(self):
        return {"migration_request": migration_request, "migration_plan_summary": migration_plan_summary,
                "migration_window": migration_window}
