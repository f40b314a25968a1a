# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The proof inside the window (role data_proof): the differences of two censuses of a migration's databases."""

from __future__ import annotations

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.herokuops.postgres.plugins.module_utils import _census, _findings


def migration_data_differences(before, after, plan):
    """Sentences, one per table of the old primary's census that the new primary's differs in."""
    if not all(isinstance(value, dict) for value in (before, after, plan)):
        raise AnsibleFilterError("migration_data_differences needs two censuses and the plan as dictionaries")
    return _census.differences(before, after, _findings.accepted_empty(plan))


class FilterModule:
    """herokuops.postgres.migration_data_differences."""

    def filters(self):
        return {"migration_data_differences": migration_data_differences}
