# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.herokuops.postgres.plugins.modules.heroku_pg_upgrade import step_of


@pytest.mark.parametrize("status, progress", [
    ({"waiting?": True, "step": "3/7", "message": "upgrading database with pg_upgrade"},
     {"state": "step 3 of 7: upgrading database with pg_upgrade", "value": 3, "target": 7, "unit": "steps"}),
    ({"waiting?": True, "step": "1/7"}, {"state": "step 1 of 7", "value": 1, "target": 7, "unit": "steps"}),
    ({"waiting?": True, "message": "preparing"}, None),  # no step: the progress line shows the message
    ({"waiting?": True, "step": "almost", "message": "x"}, None),
    ({}, None),
])
def test_step_of(status, progress):
    assert step_of(status) == progress
