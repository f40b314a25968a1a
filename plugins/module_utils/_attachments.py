# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Finding Heroku Postgres attachments the way the Heroku CLI's DatabaseResolver does."""

from __future__ import annotations

__metaclass__ = type

from urllib.parse import quote

from ._client import ATTACHMENT_INCLUSION, HerokuAPIError, HerokuError
from ._names import PG_SERVICE, attachment_name, config_var_name, split_app_ref

# Connection pools are attachments in a connection-pooling:<credential> namespace; the CLI's pg:connection-pooling:attach
# makes the default credential's, named DATABASE_CONNECTION_POOL unless told otherwise.
POOL_NAMESPACE_PREFIX = "connection-pooling:"
DEFAULT_POOL_NAMESPACE = POOL_NAMESPACE_PREFIX + "default"
DEFAULT_POOL = "DATABASE_CONNECTION_POOL"


class DatabaseNotFoundError(HerokuError):
    """No Heroku Postgres attachment matches the reference."""


class AmbiguousDatabaseError(HerokuError):
    """Several attachments of different databases match the reference."""


def is_pg_addon(addon):
    """Whether an add-on (with its plan) is a Heroku Postgres database."""
    return addon["plan"]["name"].split(":", 1)[0] == PG_SERVICE


def _is_pg(attachment):
    return is_pg_addon(attachment["addon"])


def is_pool(attachment):
    """Whether an attachment is a connection pool (in a connection-pooling namespace)."""
    return (attachment.get("namespace") or "").startswith(POOL_NAMESPACE_PREFIX)


def _url_var(attachment):
    """The attachment's first *_URL config var: the one holding the database URL."""
    return next((name for name in attachment.get("config_vars") or () if name.endswith("_URL")), None)


def list_pg_attachments(client, app):
    """All Heroku Postgres attachments on an app, with config_vars and addon.plan included."""
    attachments = client.get_all(f"/apps/{quote(app, safe='')}/addon-attachments", headers=ATTACHMENT_INCLUSION)
    return [attachment for attachment in attachments if _is_pg(attachment)]


def resolve_attachment(client, app, name="DATABASE_URL"):
    """Resolve a database reference on an app to one attachment, like the Heroku CLI.

    name may be DATABASE_URL, DATABASE, HEROKU_POSTGRESQL_WHITE(_URL), an add-on name or "app::name".
    The platform resolver answers first; only its 404 not_found falls back to matching the app's
    config var values. Config var values are compared in memory and never returned or recorded.
    Raises DatabaseNotFoundError, AmbiguousDatabaseError or HerokuAPIError.
    """
    app, name = split_app_ref(name, app)
    try:
        found = client.post("/actions/addon-attachments/resolve", {"addon_attachment": name, "app": app},
                            headers=ATTACHMENT_INCLUSION)
    except HerokuAPIError as exc:
        # A 404 with an empty body is a different failure: only Heroku's not_found falls back.
        if exc.status != 404 or exc.error_id != "not_found":
            raise
        matches = _match_config_var(client, app, name)
    else:
        matches = [attachment for attachment in found if _is_pg(attachment)]
        if len(matches) > 1:
            # Too vague: keep the default credential's attachments (no namespace).
            matches = [attachment for attachment in matches if not attachment.get("namespace")]
        if not matches:
            raise DatabaseNotFoundError(f"No Heroku Postgres database {name} on app {app}")
    if len(matches) == 1 or _same_database(client, matches):
        return matches[0]
    names = ", ".join(sorted(f"{m['app']['name']}::{m['name']}" for m in matches))
    raise AmbiguousDatabaseError(f"Database {name} on app {app} is ambiguous: it matches {names}")


def _match_config_var(client, app, name):
    attachments = list_pg_attachments(client, app)
    if not attachments:
        raise DatabaseNotFoundError(f"App {app} has no Heroku Postgres databases")
    config = client.get(f"/apps/{quote(app, safe='')}/config-vars")
    wanted = config.get(config_var_name(name))
    matches = [attachment for attachment in attachments if wanted and config.get(_url_var(attachment)) == wanted]
    if not matches:
        options = ", ".join(attachment_name(var) for var in map(_url_var, attachments) if var)
        raise DatabaseNotFoundError(f"Unknown database: {attachment_name(name)}. Valid options are: {options}")
    return matches


def _same_database(client, matches):
    """True when all matches are one add-on on one app, exposed through equal URLs."""
    first = matches[0]
    if any(m["addon"]["id"] != first["addon"]["id"] or m["app"]["id"] != first["app"]["id"] for m in matches):
        return False
    config = client.get(f"/apps/{quote(first['app']['name'], safe='')}/config-vars")
    return len({config.get(_url_var(m)) for m in matches}) == 1
