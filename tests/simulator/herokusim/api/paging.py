"""Heroku list paging: `Range: <field> [start]..; max=N[, order=desc]` in, 206 and a
`Next-Range` out while more remain, no `Next-Range` on the last page."""
from __future__ import annotations

import re

from flask import Response, jsonify, request

from ..errors import HerokuError

_RANGE = re.compile(r"^\s*(?P<field>\w+)\s*(?P<excl>\])?(?P<start>[^.;]*)\.\.(?P<end>[^;]*)"
                    r"(?:;\s*(?P<opts>.*))?$")
DEFAULT_MAX, LIMIT = 200, 1000


def paged(items: list[dict], default_field: str = "id") -> Response:
    header = request.headers.get("Range")
    field, start, exclusive, size, desc = default_field, "", False, DEFAULT_MAX, False
    if header:
        match = _RANGE.match(header)
        if not match:
            raise HerokuError(416, "requested_range_not_satisfiable", f"Invalid Range header: {header}")
        field, start, exclusive = match["field"], match["start"].strip(), bool(match["excl"])
        for opt in (match["opts"] or "").split(","):
            key, _sep, value = opt.strip().partition("=")
            if key == "max" and value.isdigit():
                size = min(int(value), LIMIT)
            elif key == "order":
                desc = value == "desc"
    if items and field not in items[0]:
        raise HerokuError(416, "requested_range_not_satisfiable", f"Cannot sort by {field}.")
    ordered = sorted(items, key=lambda i: i[field], reverse=desc)
    if start:
        key = type(ordered[0][field])(start) if ordered else start
        if desc:
            ordered = [i for i in ordered if i[field] < key or (i[field] == key and not exclusive)]
        else:
            ordered = [i for i in ordered if i[field] > key or (i[field] == key and not exclusive)]
    page, rest = ordered[:size], ordered[size:]
    response = jsonify(page)
    if rest:
        response.status_code = 206
        order = ", order=desc" if desc else ""
        response.headers["Next-Range"] = f"{field} ]{page[-1][field]}..; max={size}{order}"
    if page:
        response.headers["Content-Range"] = f"{field} {page[0][field]}..{page[-1][field]}"
    return response
