# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""An add-on's life on the platform API: read it, its state, destroy it. A vanished add-on is deprovisioned."""

from __future__ import annotations

__metaclass__ = type

from urllib.parse import quote

from ._attachments import is_pg_addon, list_pg_attachments
from ._client import HerokuAPIError

DEPROVISIONED = "deprovisioned"


def _path(ident, app=None):
    path = f"/addons/{quote(ident, safe='')}"
    return f"/apps/{quote(app, safe='')}{path}" if app else path


def live_addon(client, ident, app=None):
    """The add-on by name or id (on app, when given), or None when Heroku does not know it or it is deprovisioned."""
    try:
        addon = client.get(_path(ident, app))
    except HerokuAPIError as exc:
        if exc.status == 404:
            return None
        raise
    return None if addon.get("state") == DEPROVISIONED else addon


def find_pg_addon(module, app, name=None, attachment_name=None):
    """The Heroku Postgres add-on named name, which must belong to app, or else attached to app as attachment_name;
    None when there is none. Through module (a _module.HerokuModule), which refuses anything else."""
    if name:
        addon = module.call(f"Reading add-on {name}", live_addon, module.client, name)
    else:
        attachments = module.call(f"Listing the databases of {app}", list_pg_attachments, module.client, app)
        found = next((att for att in attachments if att["name"] == attachment_name and not att.get("namespace")), None)
        addon = module.call(f"Reading add-on {found['addon']['name']}", live_addon, module.client,
                            found["addon"]["id"]) if found else None
    if addon is None:
        return None
    if not is_pg_addon(addon):
        module.refuse(f"{addon['name']} is not a Heroku Postgres add-on ({addon['plan']['name']}).")
    if name and app not in (addon["app"]["name"], addon["app"]["id"]):
        module.refuse(f"Add-on {name} belongs to app {addon['app']['name']}, not {app}. Nothing was changed.")
    return addon


def addon_state(client, addon_id):
    """provisioning, provisioned, deprovisioning or deprovisioned; a 404 counts as deprovisioned, as in addons:wait."""
    try:
        return client.get(_path(addon_id))["state"]
    except HerokuAPIError as exc:
        if exc.status == 404:
            return DEPROVISIONED
        raise


def destroy_addon(module, addon, doing):
    """DELETE addon through module (a _module.HerokuModule); with wait, poll until it is deprovisioned.

    Returns the seconds waited; in check mode the DELETE is only planned.
    """
    path = f"/apps/{quote(addon['app']['id'], safe='')}/addons/{quote(addon['id'], safe='')}"
    gone = module.write(doing, "DELETE", path, {"force": False})
    if not gone or gone.get("state") == DEPROVISIONED or not module.params["wait"]:
        return 0.0
    return module.wait(doing, lambda: addon_state(module.client, addon["id"]), lambda state: state == DEPROVISIONED,
                       f"{addon['name']} to be deprovisioned").duration
