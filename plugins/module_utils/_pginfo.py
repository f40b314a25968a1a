# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""The data API's view of one database (pg:info), normalised and free of credentials."""

from __future__ import annotations

__metaclass__ = type

import re
from urllib.parse import quote, urlsplit

from ._client import HerokuAPIError, HerokuError
from ._names import plan_tier

_BEHIND_BY = re.compile(r"^\s*(\d+)\s+commits?\b")
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s]+")


def url_key(url):
    """host:port/path of a database URL: how pg:info matches URLs, and their only safe display form."""
    if not url or "://" not in url:
        return None
    # Everything up to the last "@" is credentials, even if a password holds "/", "?" or "#".
    parts = urlsplit("//" + url.split("://", 1)[1].rpartition("@")[2])
    if not parts.hostname:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname}{port}{parts.path}"


def _safe_text(text):
    """text with every URL in it reduced to host:port/path, so no password can leak."""
    return _URL_IN_TEXT.sub(lambda match: url_key(match.group(0)) or "", text) if isinstance(text, str) else text


def url_names(config_vars, attachments):
    """Map url_key -> add-on name for the databases an app can see.

    config_vars is the app's GET /config-vars; attachments its Heroku Postgres attachments with
    config_vars included (_attachments.list_pg_attachments). Values are read here and never kept.
    """
    names = {}
    for attachment in attachments:
        for var in attachment.get("config_vars") or ():
            key = url_key(config_vars.get(var))
            if key:
                names[key] = attachment["addon"]["name"]
    return names


def _values(info, name):
    return next((entry.get("values") or [] for entry in info if entry.get("name") == name), [])


def _first(info, name):
    values = _values(info, name)
    return values[0] if values else None


def _plan_slug(plan):
    """standard-0 from the data API's "Standard 0" (or from "standard-0" itself)."""
    return re.sub(r"\s+", "-", plan.strip().lower()) if plan else None


def database_info(client, addon_id, names=None):
    """GET /client/v11/databases/{addon_id}, normalised.

    names maps url_key -> a database name (url_names()); followers and forked_from URLs it cannot
    name are shown as host:port/path. Raises HerokuAPIError; a 404 with error_id None means the
    database is not provisioned yet (see not_provisioned()).
    """
    data = client.get(f"/client/v11/databases/{quote(addon_id, safe='')}")
    names = names or {}
    info = data.get("info") or []

    def name_of(url):
        key = url_key(url)
        return names.get(key, key)

    leader = data.get("leader")
    following = bool(data.get("following"))
    behind = _BEHIND_BY.match(_first(info, "Behind By") or "")
    plan = _plan_slug(_first(info, "Plan") or data.get("plan"))
    forked_from = _first(info, "Forked From")
    return {
        "addon_id": data.get("addon_id") or addon_id,
        "name": data.get("name"),
        "plan": plan,
        "tier": plan_tier(plan) if plan else None,
        "status": _first(info, "Status"),
        "version": _first(info, "PG Version") or data.get("postgres_version"),
        "num_bytes": data.get("num_bytes"),
        "num_tables": data.get("num_tables"),
        "resource_url": url_key(data.get("resource_url")),
        "following": following,
        "following_url": url_key(data.get("following")) if following else None,
        "leader": {"addon_id": leader.get("addon_id"), "name": leader.get("name")} if isinstance(leader, dict) else None,
        "behind_by": int(behind.group(1)) if following and behind else None,
        "followers": [name_of(url) for url in _values(info, "Followers")],
        "forked_from": name_of(forked_from) if forked_from else None,
        "waiting": bool(data.get("waiting?")),
        "info": [{"name": entry.get("name"), "values": [_safe_text(value) for value in entry.get("values") or []]}
                 for entry in info],
    }


def not_provisioned(error):
    """True for the data API's 404 without a message: the database exists but is not ready yet."""
    return error.status == 404 and not error.error_id


def provisioned_database_info(client, addon_id, names=None):
    """database_info(), or None while the database is not provisioned yet. Raises any other HerokuAPIError."""
    try:
        return database_info(client, addon_id, names)
    except HerokuAPIError as exc:
        if not_provisioned(exc):
            return None
        raise


def follows(database, leader):
    """Whether database (a database_info) follows leader (another database_info)."""
    if not database["following"]:
        return False
    if database["leader"] and database["leader"]["addon_id"]:
        return database["leader"]["addon_id"] == leader["addon_id"]
    return database["following_url"] is not None and database["following_url"] == leader["resource_url"]


def wait_status(client, addon_id):
    """GET /client/v11/databases/{addon_id}/wait_status: {"waiting?", "message", "error?"}; readiness only."""
    return client.get(f"/client/v11/databases/{quote(addon_id, safe='')}/wait_status")


class DatabaseFailedError(HerokuError):
    """Heroku reports that the database could not be made available (wait_status error?)."""


def readiness(client, addon_id):
    """wait_status() as pg:wait reads it: a database not provisioned yet is waiting, and an error? raises.

    Returns {"waiting?", "message"}; raises DatabaseFailedError or HerokuAPIError.
    """
    try:
        status = wait_status(client, addon_id)
    except HerokuAPIError as exc:
        if not not_provisioned(exc):
            raise
        return {"waiting?": True, "message": "waiting to provision"}
    if status.get("error?"):
        raise DatabaseFailedError(f"Heroku reports an error: {status.get('message') or 'no message'}")
    return status
