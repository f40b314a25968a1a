# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    # Descriptions of the attributes; each module states its own support levels.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description:
      - Can run in check mode and predict whether it would change anything, without changing anything.
      - The module returns the API calls it would make in RV(api_calls) (marked C(planned)).
  diff_mode:
    description:
      - Returns what changed, or would change in check mode, as C(before) and C(after) when run with C(--diff).
  idempotent:
    description:
      - Running it again with the same options once it has succeeded changes nothing and reports C(changed=false).
"""

    # For modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module never changes anything.
  diff_mode:
    support: N/A
    details:
      - This module never changes anything.
  idempotent:
    support: full
"""
