"""Timestamps and identifiers in Heroku's formats."""
from __future__ import annotations

import datetime as dt
import uuid


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def data_time(moment: dt.datetime | None) -> str | None:
    """The data API's timestamp format (`2019-11-07 22:00:00 +0000`)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S +0000") if moment else None


def new_id() -> str:
    return str(uuid.uuid4())
