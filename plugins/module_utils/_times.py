# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Heroku's timestamps, and moving a data maintenance by whole weeks. Pure functions: no HTTP here."""

from __future__ import annotations

__metaclass__ = type

import datetime

DATA_TIME = "%Y-%m-%d %H:%M:%S %z"
WEEK = datetime.timedelta(weeks=1)


def parse_time(text):
    """A platform (2026-03-02T21:30:00Z) or data API (2026-03-02 21:30:00 +0000) time; None if unreadable."""
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return datetime.datetime.strptime(text, DATA_TIME)
    except ValueError:
        return None


def data_time(moment):
    """The data API's format, as Heroku would show that moment (2026-03-02 21:30:00 +0000)."""
    return moment.astimezone(datetime.timezone.utc).strftime(DATA_TIME)


def delay_weeks(scheduled_for, not_before):
    """The fewest whole weeks (data:maintenances:schedule's delay_weeks) that move scheduled_for to
    not_before or later; 0 when it is already there."""
    if scheduled_for >= not_before:
        return 0
    return -((scheduled_for - not_before) // WEEK)
