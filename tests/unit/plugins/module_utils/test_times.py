# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible_collections.herokuops.postgres.plugins.module_utils._times import data_time, delay_weeks, parse_time

SCHEDULED = parse_time("2026-03-05 21:30:00 +0000")


@pytest.mark.parametrize("not_before, weeks", [
    ("2026-03-01T00:00:00Z", 0),
    ("2026-03-05T21:30:00Z", 0),
    ("2026-03-05T21:30:01Z", 1),
    ("2026-03-12T23:30:00+02:00", 1),   # 21:30 UTC: exactly one week
    ("2026-03-12T21:30:01Z", 2),
])
def test_delay_weeks_is_the_fewest_that_reach_not_before(not_before, weeks):
    assert delay_weeks(SCHEDULED, parse_time(not_before)) == weeks


def test_times_in_both_of_herokus_formats_and_back():
    assert parse_time("2026-03-02T21:30:00Z") == parse_time("2026-03-02 21:30:00 +0000")
    assert parse_time("soon") is None and parse_time(None) is None
    moment = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert data_time(moment) == "2026-03-02 21:30:00 +0000"
