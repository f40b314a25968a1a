# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""An app's maintenance mode and formation: read them, and set them as one absolute, re-readable change."""

from __future__ import annotations

__metaclass__ = type

from urllib.parse import quote

# Runs only during a release phase, never as a dyno: scaling every process type to 0 leaves it alone.
RELEASE = "release"


def _app_path(app):
    return f"/apps/{quote(app, safe='')}"


def get_maintenance(client, app):
    """Whether app is in maintenance mode. Raises HerokuError."""
    return client.get(_app_path(app))["maintenance"]


def get_formation(client, app):
    """{process type: quantity} of app. Raises HerokuError."""
    return get_formation_times(client, app)[0]


def get_formation_times(client, app):
    """({process type: quantity}, {process type: when Heroku last changed it (its updated_at)}) of app, from one
    read. Raises HerokuError."""
    items = client.get(f"{_app_path(app)}/formation")
    return {item["type"]: item["quantity"] for item in items}, {item["type"]: item.get("updated_at") for item in items}


def read_maintenance(module, app):
    """Whether app is in maintenance mode; a failure fails the module."""
    return module.call(f"Reading app {app}", get_maintenance, module.client, app)


def set_maintenance(module, app, wanted, previous):
    """Turn maintenance mode of app to wanted, unless it already is (previous)."""
    if previous == wanted:
        return
    path = _app_path(app)

    def applied():
        now = module.client.get(path)
        return now if now["maintenance"] == wanted else None

    module.write(f"Turning maintenance mode {'on' if wanted else 'off'} on {app}", "PATCH", path,
                 {"maintenance": wanted}, recover=applied)


def read_formation(module, app):
    """{process type: quantity} of app; a failure fails the module."""
    return module.call(f"Reading the formation of {app}", get_formation, module.client, app)


def scale(module, app, before, wanted):
    """Scale app's process types to the quantities in wanted (a subset of before, already checked) in one
    request. Returns (updates sent, quantities after: predicted in check mode)."""
    path = f"{_app_path(app)}/formation"
    updates = [{"type": ptype, "quantity": quantity}
               for ptype, quantity in sorted(wanted.items()) if before[ptype] != quantity]
    after = {**before, **wanted}
    if updates:

        def applied():
            now = module.client.get(path)
            quantities = {item["type"]: item["quantity"] for item in now}
            return now if all(quantities[ptype] == quantity for ptype, quantity in wanted.items()) else None

        response = module.write(f"Scaling {app}", "PATCH", path, {"updates": updates}, recover=applied)
        if response is not None:  # None in check mode: keep the prediction
            # Heroku may answer with every process type or only the updated ones: merge either.
            after = {**before, **{item["type"]: item["quantity"] for item in response}}
    return updates, after


def zero_quantities(before):
    """Every process type but release at 0: nothing runs that could write."""
    return {ptype: 0 for ptype in before if ptype != RELEASE}
