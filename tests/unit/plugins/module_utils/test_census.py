# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The proof's comparison of two censuses, as a table (the census itself runs against real PostgreSQL in
tests/integration/test_heroku_pg_inspect.py and in every migration test)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.herokuops.postgres.plugins.filter.migration_data import migration_data_differences
from ansible_collections.herokuops.postgres.plugins.module_utils import _census


def table(rows, checksum=None, unlogged=False):
    return {"rows": rows, "unlogged": unlogged, "checksum": checksum}


BEFORE = {"public.orders": table(1000, "77"), "public.sessions": table(50, "5", unlogged=True), "app.empty": table(0, "0")}

# (after, tables accepted empty) -> differences
CASES = [
    (BEFORE, (), []),
    ({**BEFORE, "public.new_on_the_new": table(3)}, (), []),  # only what the old one held is proven
    ({**BEFORE, "public.orders": table(998, "77")}, (), ["public.orders has 998 rows, 1000 before"]),
    ({**BEFORE, "public.orders": table(1000, "78")}, (),
     ["public.orders has the same 1000 rows, but their contents differ (checksum)"]),
    ({**BEFORE, "public.orders": table(1000, None)}, (), []),  # counted without a checksum: rows only
    ({k: v for k, v in BEFORE.items() if k != "app.empty"}, (), ["app.empty is missing (0 rows before)"]),
    ({**BEFORE, "public.sessions": table(0, "0", unlogged=True)}, (),
     ["public.sessions has 0 rows, 50 before (unlogged: a follower never has its rows)"]),
    ({**BEFORE, "public.sessions": table(0, "0", unlogged=True)}, ("public.sessions",), []),
    ({**BEFORE, "public.sessions": table(49, "4", unlogged=True)}, ("public.sessions",),
     ["public.sessions has 49 rows, 50 before"]),  # accepted empty, not half full
]


@pytest.mark.parametrize("after, accepted, expected", CASES)
def test_differences(after, accepted, expected):
    assert _census.differences(BEFORE, after, accepted) == expected


def plan(method, variant=None, unlogged=()):
    return {"method": method, "variant": variant,
            "inside": {"inspected": True, "unlogged_tables": [{"schema": "public", "name": n, "rows": 50, "bytes": 8192}
                                                              for n in unlogged]}}


EMPTIED = "public.sessions has 0 rows, 50 before (unlogged: a follower never has its rows)"


@pytest.mark.parametrize("planned, expected", [
    (plan("follower_changeover", unlogged=["sessions"]), []),  # accepted in the plan: may be empty
    (plan("pg_upgrade", "follower", unlogged=["sessions"]), []),
    (plan("pg_copy", unlogged=["sessions"]), [EMPTIED]),
    (plan("pg_upgrade", "direct", unlogged=["sessions"]), [EMPTIED]),
    (plan("follower_changeover"), [EMPTIED]),
])
def test_the_filter_accepts_only_what_the_plan_accepted(planned, expected):
    after = {**BEFORE, "public.sessions": table(0, "0", unlogged=True)}
    assert migration_data_differences(BEFORE, after, planned) == expected


def test_the_filter_needs_dictionaries():
    with pytest.raises(AnsibleFilterError, match="two censuses and the plan"):
        migration_data_differences(BEFORE, None, {})
