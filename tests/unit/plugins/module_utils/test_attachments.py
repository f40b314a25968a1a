# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuAPIError, HerokuClient
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import (
    AmbiguousDatabaseError,
    DatabaseNotFoundError,
    is_pg_addon,
    is_pool,
    list_pg_attachments,
    resolve_attachment,
)

RESOLVE = ("POST", "/actions/addon-attachments/resolve")
NOT_FOUND = {"id": "not_found", "message": "Couldn't find that add on attachment.", "resource": "add_on attachment"}
SECRET_URL = "postgres://u:topsecret@host:5432/db"


def attachment(name, addon="postgresql-a-1", addon_id="addon-1", app="app1", plan="heroku-postgresql:standard-0",
               namespace=None, config_vars=None):
    return {
        "id": f"att-{name}-{addon_id}", "name": name, "namespace": namespace,
        "app": {"id": f"id-{app}", "name": app},
        "addon": {"id": addon_id, "name": addon, "app": {"id": f"id-{app}", "name": app}, "plan": {"name": plan}},
        "config_vars": config_vars if config_vars is not None else [f"{name}_URL"],
    }


@pytest.fixture
def client(server, heroku_env):
    url = f"http://127.0.0.1:{server.port}"
    return HerokuClient(api_key="k", api_url=url, data_api_url=url, retries=0)


def test_resolves_one_attachment_with_the_sdk_headers(server, client):
    white = attachment("HEROKU_POSTGRESQL_WHITE")
    server.reply(200, [white, attachment("REDIS", plan="heroku-redis:mini")])

    assert resolve_attachment(client, "app1", "HEROKU_POSTGRESQL_WHITE_URL") == white

    (request,) = server.requests
    assert (request["method"], request["path"]) == RESOLVE
    assert request["body"] == {"addon_attachment": "HEROKU_POSTGRESQL_WHITE_URL", "app": "app1"}
    assert request["headers"]["accept"] == "application/vnd.heroku+json; version=3.sdk"
    assert request["headers"]["accept-inclusion"] == "addon:plan,config_vars"


def test_app_prefix_overrides_the_app(server, client):
    server.reply(200, [attachment("DATABASE", app="other")])

    resolve_attachment(client, "app1", "other::DATABASE_URL")

    assert server.requests[0]["body"] == {"addon_attachment": "DATABASE_URL", "app": "other"}


def test_defaults_to_database_url(server, client):
    server.reply(200, [attachment("DATABASE")])

    resolve_attachment(client, "app1")

    assert server.requests[0]["body"]["addon_attachment"] == "DATABASE_URL"


def test_several_matches_keep_the_ones_without_namespace(server, client):
    default = attachment("DATABASE")
    server.reply(200, [default, attachment("DATABASE", namespace="credential:reader")])

    assert resolve_attachment(client, "app1", "postgresql-a-1") == default


def test_no_postgres_match_is_not_found_without_fallback(server, client):
    server.reply(200, [attachment("REDIS", plan="heroku-redis:mini")])

    with pytest.raises(DatabaseNotFoundError):
        resolve_attachment(client, "app1", "REDIS")
    assert server.calls() == [RESOLVE]


def test_equivalent_matches_return_the_first(server, client):
    first, second = attachment("DATABASE"), attachment("HEROKU_POSTGRESQL_WHITE")
    server.reply(200, [first, second])
    server.reply(200, {"DATABASE_URL": SECRET_URL, "HEROKU_POSTGRESQL_WHITE_URL": SECRET_URL})

    assert resolve_attachment(client, "app1", "postgresql-a-1") == first
    assert server.calls() == [RESOLVE, ("GET", "/apps/app1/config-vars")]


def test_different_databases_are_ambiguous(server, client):
    server.reply(200, [attachment("DATABASE"), attachment("HEROKU_POSTGRESQL_RED", addon_id="addon-2")])

    with pytest.raises(AmbiguousDatabaseError, match="app1::DATABASE, app1::HEROKU_POSTGRESQL_RED"):
        resolve_attachment(client, "app1", "x")


def test_not_found_falls_back_to_config_var_values(server, client):
    white, red = attachment("HEROKU_POSTGRESQL_WHITE"), attachment("HEROKU_POSTGRESQL_RED", addon_id="addon-2")
    server.reply(404, NOT_FOUND)
    server.reply(206, [white], {"Next-Range": "]1..; max=1"})
    server.reply(200, [red, attachment("REDIS", plan="heroku-redis:mini")])
    server.reply(200, {"LEGACY_DB_URL": SECRET_URL, "HEROKU_POSTGRESQL_WHITE_URL": "postgres://other",
                       "HEROKU_POSTGRESQL_RED_URL": SECRET_URL})

    assert resolve_attachment(client, "app1", "LEGACY_DB") == red
    assert server.calls() == [RESOLVE, ("GET", "/apps/app1/addon-attachments"),
                              ("GET", "/apps/app1/addon-attachments"), ("GET", "/apps/app1/config-vars")]
    assert server.requests[1]["headers"]["accept-inclusion"] == "addon:plan,config_vars"
    assert SECRET_URL not in repr(client.calls)


def test_fallback_without_match_lists_the_valid_options(server, client):
    server.reply(404, NOT_FOUND)
    server.reply(200, [attachment("DATABASE"), attachment("HEROKU_POSTGRESQL_RED", addon_id="addon-2")])
    server.reply(200, {"DATABASE_URL": SECRET_URL})

    with pytest.raises(DatabaseNotFoundError) as caught:
        resolve_attachment(client, "app1", "NOPE_URL")
    assert str(caught.value) == "Unknown database: NOPE. Valid options are: DATABASE, HEROKU_POSTGRESQL_RED"
    assert SECRET_URL not in str(caught.value)


def test_fallback_on_an_app_without_databases(server, client):
    server.reply(404, NOT_FOUND).reply(200, [])

    with pytest.raises(DatabaseNotFoundError, match="App app1 has no Heroku Postgres databases"):
        resolve_attachment(client, "app1", "DATABASE")


def test_404_without_not_found_body_is_raised(server, client):
    server.reply(404)

    with pytest.raises(HerokuAPIError) as caught:
        resolve_attachment(client, "app1", "DATABASE")
    assert caught.value.status == 404
    assert server.calls() == [RESOLVE]


def test_list_pg_attachments_filters_the_service(server, client):
    db = attachment("DATABASE")
    server.reply(200, [db, attachment("REDIS", plan="heroku-redis:mini")])

    assert list_pg_attachments(client, "app1") == [db]


def test_is_pool_and_is_pg_addon():
    assert is_pool({"namespace": "connection-pooling:default"}) and is_pool({"namespace": "connection-pooling:analyst"})
    assert not is_pool({"namespace": None}) and not is_pool({}) and not is_pool({"namespace": "credential:analyst"})
    assert is_pg_addon({"plan": {"name": "heroku-postgresql:standard-0"}})
    assert not is_pg_addon({"plan": {"name": "heroku-redis:mini"}})
