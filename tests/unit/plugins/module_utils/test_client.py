# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import email.utils
import inspect
import os
import time
from types import SimpleNamespace

import pytest
import yaml

from ansible_collections.herokuops.postgres.plugins.doc_fragments.heroku import ModuleDocFragment
from ansible_collections.herokuops.postgres.plugins.module_utils import _client
from ansible_collections.herokuops.postgres.plugins.module_utils._client import (
    ADDON_EXPANSION,
    ATTACHMENT_INCLUSION,
    HerokuAPIError,
    HerokuClient,
    HerokuError,
    HerokuUncertainWriteError,
    api_urls,
    find_api_key,
    heroku_argument_spec,
)

TOKEN = "s3cr3t-token-0123"
BEARER = f"Bearer {TOKEN}"


def make_client(server, **kwargs):
    kwargs.setdefault("api_key", TOKEN)
    kwargs.setdefault("retries", 3)
    url = f"http://127.0.0.1:{server.port}"
    return HerokuClient(api_url=url, data_api_url=url, **kwargs)


def write_netrc(home, text):
    path = home / ".netrc"
    path.write_text(text)
    path.chmod(0o600)


# --- requests, headers, audit ------------------------------------------------------------------

def test_get_sends_v3_accept_and_bearer_and_records_the_call(server, heroku_env):
    server.reply(200, {"name": "app1"}, {"Request-Id": "rid-1"})
    client = make_client(server)

    assert client.get("/apps/app1") == {"name": "app1"}

    (request,) = server.requests
    assert (request["method"], request["path"]) == ("GET", "/apps/app1")
    assert request["headers"]["accept"] == "application/vnd.heroku+json; version=3"
    assert request["headers"]["authorization"] == BEARER
    assert request["headers"]["user-agent"].startswith("herokuops.postgres ")
    (call,) = client.calls
    assert call["duration"] >= 0
    assert {k: v for k, v in call.items() if k != "duration"} == {
        "method": "GET", "path": "/apps/app1", "host": "platform", "status": 200,
        "request_id": "rid-1", "retries": 0, "planned": False,
    }


def test_sdk_header_variants_replace_the_default_accept(server, heroku_env):
    server.reply(200, []).reply(200, [])
    client = make_client(server)

    client.get("/apps/app1/addon-attachments", headers=ATTACHMENT_INCLUSION)
    client.post("/actions/addons/resolve", {"addon": "x"}, headers=ADDON_EXPANSION)

    first, second = (r["headers"] for r in server.requests)
    assert first["accept"] == "application/vnd.heroku+json; version=3.sdk"
    assert first["accept-inclusion"] == "addon:plan,config_vars"
    assert second["accept"] == "application/vnd.heroku+json; version=3.sdk"
    assert second["accept-expansion"] == "addon_service,plan"
    assert second["content-type"] == "application/json"


def test_json_body_and_delete_with_body(server, heroku_env):
    server.reply(200, {"state": "deprovisioned"})
    client = make_client(server)

    assert client.delete("/apps/a/addons/b", {"force": False}) == {"state": "deprovisioned"}
    assert server.requests[0]["body"] == {"force": False}


def test_empty_body_returns_none(server, heroku_env):
    server.reply(204)
    assert make_client(server).put("/client/v11/databases/x/unfollow") is None


def test_postgres_v0_uses_basic_auth_and_data_paths_use_the_data_host(server, heroku_env):
    server.reply(200, []).reply(200, {})
    client = make_client(server)

    client.get("/postgres/v0/databases/postgresql-a-1/credentials")
    client.get("/client/v11/databases/uuid-1")

    basic = base64.b64encode(f":{TOKEN}".encode()).decode()
    assert server.requests[0]["headers"]["authorization"] == f"Basic {basic}"
    assert server.requests[1]["headers"]["authorization"] == BEARER
    assert [c["host"] for c in client.calls] == ["data", "data"]


def test_plan_records_a_planned_call_without_sending(server, heroku_env):
    client = make_client(server)

    client.plan("POST", "/apps/a/addons")

    assert server.requests == []
    assert client.calls == [{
        "method": "POST", "path": "/apps/a/addons", "host": "platform", "status": None,
        "duration": 0.0, "request_id": None, "retries": 0, "planned": True,
    }]


# --- paging -----------------------------------------------------------------------------------

def test_get_all_follows_next_range_across_three_pages(server, heroku_env):
    server.reply(206, [{"id": "a"}, {"id": "b"}], {"Next-Range": "]b..; max=2"})
    server.reply(206, [{"id": "c"}, {"id": "d"}], {"Next-Range": "]d..; max=2"})
    server.reply(200, [{"id": "e"}])
    client = make_client(server)

    items = client.get_all("/apps/a/addon-attachments", headers=ATTACHMENT_INCLUSION)

    assert [i["id"] for i in items] == ["a", "b", "c", "d", "e"]
    assert server.calls() == [("GET", "/apps/a/addon-attachments")] * 3
    assert [r["headers"].get("range") for r in server.requests] == [None, "]b..; max=2", "]d..; max=2"]
    assert all(r["headers"]["accept-inclusion"] == "addon:plan,config_vars" for r in server.requests)
    assert [c["status"] for c in client.calls] == [206, 206, 200]


def test_get_does_not_page(server, heroku_env):
    server.reply(206, [{"version": 9}], {"Next-Range": "]9..; max=1"})
    client = make_client(server)

    assert client.get("/apps/a/releases", headers={"Range": "version ..; max=1, order=desc"}) == [{"version": 9}]
    assert server.requests[0]["headers"]["range"] == "version ..; max=1, order=desc"
    assert len(server.requests) == 1


# --- retries ----------------------------------------------------------------------------------

def test_get_is_retried_on_503_with_backoff(server, heroku_env, sleeps):
    server.reply(503).reply(502).reply(200, {"ok": True})
    client = make_client(server)

    assert client.get("/apps/a") == {"ok": True}

    assert server.calls() == [("GET", "/apps/a")] * 3
    assert all(r["headers"]["authorization"] == BEARER for r in server.requests)
    assert sleeps == [1.0]  # urllib3: first retry immediate, then 0.5 * 2**1
    assert client.calls[0]["status"] == 200
    assert client.calls[0]["retries"] == 2


def test_get_gives_up_after_the_retry_budget(server, heroku_env, sleeps):
    server.reply(503, {"id": "unavailable", "message": "Service down."}, {"Request-Id": "rid-9"}, times=3)
    client = make_client(server, retries=2)

    with pytest.raises(HerokuAPIError) as caught:
        client.get("/apps/a")

    assert not isinstance(caught.value, HerokuUncertainWriteError)
    assert caught.value.status == 503
    assert caught.value.error_id == "unavailable"
    assert len(server.requests) == 3
    assert client.calls[0]["retries"] == 2


def test_backoff_is_capped_by_retry_backoff_max(server, heroku_env, sleeps):
    server.reply(500, times=5).reply(200, {})
    make_client(server, retries=5, retry_backoff_max=3).get("/apps/a")

    assert sleeps == [1.0, 2.0, 3.0, 3.0]


def test_post_is_not_retried_on_503(server, heroku_env, sleeps):
    server.reply(503, {"id": "unavailable", "message": "Try later."}).reply(201, {"id": "never"})
    client = make_client(server)

    with pytest.raises(HerokuUncertainWriteError) as caught:
        client.post("/apps/a/addons", {"plan": {"name": "heroku-postgresql:standard-0"}})

    assert server.calls() == [("POST", "/apps/a/addons")]
    assert caught.value.status == 503
    assert "re-read the state" in str(caught.value)
    assert sleeps == []


def test_post_is_not_retried_when_the_connection_drops(server, heroku_env):
    server.reply(drop=True).reply(201, {"id": "never"})
    client = make_client(server)

    with pytest.raises(HerokuUncertainWriteError) as caught:
        client.post("/apps/a/addons", {})

    assert caught.value.status is None
    assert server.calls() == [("POST", "/apps/a/addons")]
    assert client.calls[0]["status"] is None


def test_get_is_retried_when_the_connection_drops(server, heroku_env, sleeps):
    server.reply(drop=True).reply(200, {"ok": 1})

    assert make_client(server).get("/apps/a") == {"ok": 1}
    assert server.calls() == [("GET", "/apps/a")] * 2


def test_post_that_cannot_connect_is_a_plain_error(heroku_env, sleeps):
    client = HerokuClient(api_key=TOKEN, api_url="http://127.0.0.1:9", retries=1)

    with pytest.raises(HerokuAPIError) as caught:
        client.post("/apps/a/addons", {})

    assert not isinstance(caught.value, HerokuUncertainWriteError)
    assert caught.value.status is None
    assert "NewConnectionError" in str(caught.value)


def test_patch_4xx_is_a_plain_error(server, heroku_env):
    server.reply(422, {"id": "invalid_params", "message": "Bad size."})

    with pytest.raises(HerokuAPIError) as caught:
        make_client(server).patch("/apps/a/formation", {"updates": []})

    assert not isinstance(caught.value, HerokuUncertainWriteError)
    assert len(server.requests) == 1


def test_resolver_post_is_retried_on_503_because_it_only_reads(server, heroku_env, sleeps):
    server.reply(503).reply(200, [])

    assert make_client(server).post("/actions/addon-attachments/resolve", {"addon_attachment": "DATABASE"}) == []
    assert server.calls() == [("POST", "/actions/addon-attachments/resolve")] * 2
    assert server.requests[1]["body"] == {"addon_attachment": "DATABASE"}


def test_post_429_honours_retry_after_seconds(server, heroku_env, sleeps):
    server.reply(429, {"id": "rate_limit", "message": "Slow down."}, {"Retry-After": "2"})
    server.reply(201, {"id": "new"})

    assert make_client(server).post("/apps/a/addons", {"x": 1}) == {"id": "new"}
    assert server.calls() == [("POST", "/apps/a/addons")] * 2
    assert server.requests[1]["body"] == {"x": 1}
    assert sleeps == [2]


def test_429_honours_an_epoch_retry_after(server, heroku_env, sleeps):
    server.reply(429, None, {"Retry-After": str(int(time.time()) + 3)})
    server.reply(200, {})

    make_client(server).get("/apps/a")

    assert len(server.requests) == 2
    assert len(sleeps) == 1 and 1 <= sleeps[0] <= 4


def test_429_honours_an_http_date_retry_after(server, heroku_env, sleeps):
    server.reply(429, None, {"Retry-After": email.utils.formatdate(time.time() + 3, usegmt=True)})
    server.reply(200, {})

    make_client(server).get("/apps/a")

    assert len(sleeps) == 1 and 1 <= sleeps[0] <= 4


def test_429_without_retry_after_backs_off_and_then_fails(server, heroku_env, sleeps):
    server.reply(429, {"id": "rate_limit", "message": "Your account reached the API rate limit"}, times=3)

    with pytest.raises(HerokuAPIError) as caught:
        make_client(server, retries=2, rate_limit_timeout=0).post("/apps/a/addons", {})

    assert not isinstance(caught.value, HerokuUncertainWriteError)
    assert caught.value.error_id == "rate_limit"
    assert len(server.requests) == 3
    assert sleeps == [1.0]


@pytest.fixture
def clock(monkeypatch, sleeps):
    """A monotonic clock for the client that urllib3's retry pauses advance; returns the pauses."""
    now = [0.0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("urllib3.util.retry.time.sleep", sleep)
    monkeypatch.setattr(_client, "time", SimpleNamespace(monotonic=lambda: now[0], time=time.time, sleep=sleep))
    return sleeps


def test_429s_within_rate_limit_timeout_do_not_use_up_retries(server, heroku_env, clock):
    server.reply(429, {"id": "rate_limit", "message": "Slow down."}, {"Retry-After": "5"}, times=8)
    server.reply(201, {"id": "new"})
    client = make_client(server, retries=2, rate_limit_timeout=60)

    assert client.post("/apps/a/addons", {"x": 1}) == {"id": "new"}
    assert server.calls() == [("POST", "/apps/a/addons")] * 9
    assert clock == [5] * 8
    assert client.calls[0]["retries"] == 8


def test_429s_use_up_retries_once_rate_limit_timeout_has_passed(server, heroku_env, clock):
    server.reply(429, {"id": "rate_limit", "message": "Slow down."}, {"Retry-After": "4"}, times=10)

    with pytest.raises(HerokuAPIError) as caught:
        make_client(server, retries=2, rate_limit_timeout=10).get("/apps/a")

    assert caught.value.status == 429
    # 429s at 0, 4 and 8 s are spared; those at 12 and 16 s use up the two retries; the one at 20 s fails.
    assert len(server.requests) == 6
    assert clock == [4] * 5


def test_429_budget_restarts_for_each_request(server, heroku_env, clock):
    server.reply(429, None, {"Retry-After": "8"}, times=2).reply(200, {})
    server.reply(429, None, {"Retry-After": "8"}, times=2).reply(200, {})
    client = make_client(server, retries=1, rate_limit_timeout=10)

    client.get("/apps/a")
    client.get("/apps/b")

    assert len(server.requests) == 6


def test_zero_retries_disables_retrying_429_too(server, heroku_env, clock):
    server.reply(429, None, {"Retry-After": "1"}).reply(200, {})

    with pytest.raises(HerokuAPIError):
        make_client(server, retries=0).get("/apps/a")
    assert len(server.requests) == 1


def test_zero_retries_disables_retrying(server, heroku_env):
    server.reply(503).reply(200, {})

    with pytest.raises(HerokuAPIError):
        make_client(server, retries=0).get("/apps/a")
    assert len(server.requests) == 1


# --- rate-limit slowdown ----------------------------------------------------------------------

def test_low_rate_limit_remaining_slows_the_next_requests(server, heroku_env):
    server.reply(200, {}, {"RateLimit-Remaining": "4000"})
    server.reply(200, {}, {"RateLimit-Remaining": "50"})
    server.reply(200, {}, {"RateLimit-Remaining": "0"})
    server.reply(200, {})
    client = make_client(server, rate_limit_threshold=100)
    pauses = []
    client._sleep = pauses.append

    client.get("/account")  # 4000 left: no pause before the next request
    client.get("/account")  # 50 left: half-way below the threshold
    client.get("/account")  # none left: a whole token's refill time
    client.get("/account")

    assert pauses == [pytest.approx(0.4), pytest.approx(0.8)]


def test_rate_limit_slowdown_can_be_disabled(server, heroku_env):
    server.reply(200, {}, {"RateLimit-Remaining": "0"}).reply(200, {})
    client = make_client(server, rate_limit_threshold=0)
    pauses = []
    client._sleep = pauses.append

    client.get("/account")
    client.get("/account")

    assert pauses == []


# --- errors -----------------------------------------------------------------------------------

def test_error_carries_status_id_message_request_id_and_call(server, heroku_env):
    server.reply(404, {"id": "not_found", "message": "Couldn't find that app.", "resource": "app"},
                 {"Request-Id": "rid-404"})

    with pytest.raises(HerokuAPIError) as caught:
        make_client(server).get("/apps/nope?secret=hunter2")

    error = caught.value
    assert (error.status, error.error_id, error.message, error.request_id) == (
        404, "not_found", "Couldn't find that app.", "rid-404")
    assert (error.method, error.path) == ("GET", "/apps/nope")
    assert error.body["resource"] == "app"
    assert str(error) == ("Heroku API call GET /apps/nope failed with HTTP 404 (not_found): "
                          "Couldn't find that app. [Request-Id: rid-404]")
    assert error.to_dict() == {"method": "GET", "path": "/apps/nope", "status": 404, "id": "not_found",
                               "message": "Couldn't find that app.", "request_id": "rid-404"}


def test_404_with_empty_body_has_no_error_id(server, heroku_env):
    server.reply(404)

    with pytest.raises(HerokuAPIError) as caught:
        make_client(server).get("/client/v11/databases/x")

    assert caught.value.error_id is None
    assert str(caught.value) == "Heroku API call GET /client/v11/databases/x failed with HTTP 404: Not Found"


def test_invalid_json_on_success_is_an_error(server, heroku_env):
    server.reply(200, b"<html>oops</html>", {"Content-Type": "application/json"})

    with pytest.raises(HerokuAPIError, match="not valid JSON"):
        make_client(server).get("/apps/a")


def test_non_json_bodies_are_ignored(server, heroku_env):
    server.reply(200, b"<html>ok</html>", {"Content-Type": "text/html"})
    server.reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "application/json"})
    client = make_client(server, retries=0)

    assert client.get("/apps/a") is None
    with pytest.raises(HerokuAPIError) as caught:
        client.get("/apps/a")
    assert (caught.value.status, caught.value.message, caught.value.body) == (502, "Bad Gateway", {})


def test_no_secret_in_errors_or_audit(server, heroku_env, sleeps):
    server.reply(401, {"id": "unauthorized", "message": "Invalid credentials provided."})
    server.reply(503, times=4)
    server.reply(drop=True)
    client = make_client(server)
    messages = []
    for method, path in (("GET", "/account"), ("GET", f"/apps/a?token={TOKEN}"), ("POST", "/apps/a/addons")):
        with pytest.raises(HerokuAPIError) as caught:
            client.request(method, path)
        messages.append(str(caught.value))
        messages.append(repr(caught.value.to_dict()))
        messages.append(repr(caught.value.args))
    closed = HerokuClient(api_key=TOKEN, api_url="http://127.0.0.1:9", retries=0)
    with pytest.raises(HerokuAPIError) as caught:
        closed.get(f"/apps/a?token={TOKEN}")
    messages.append(str(caught.value))
    no_scheme = HerokuClient(api_key=TOKEN, api_url="localhost:1", data_api_url="localhost:1")
    with pytest.raises(HerokuAPIError) as caught:
        no_scheme.get(f"/apps/a?token={TOKEN}")
    messages.append(str(caught.value))
    assert "InvalidSchema" in messages[-1]

    text = "\n".join(messages) + repr(client.calls) + repr(closed.calls)
    assert TOKEN not in text
    assert base64.b64encode(f":{TOKEN}".encode()).decode() not in text


# --- endpoints and auth from the environment --------------------------------------------------

@pytest.mark.parametrize("env, options, expected", [
    ({}, {}, ("https://api.heroku.com", "https://api.data.heroku.com")),
    ({"HEROKU_HOST": "http://localhost:5099", "HEROKU_DATA_HOST": "127.0.0.1"}, {},
     ("http://localhost:5099", "http://127.0.0.1:5099")),
    ({"HEROKU_HOST": "herokudev.com"}, {}, ("https://api.herokudev.com", "https://api.data.heroku.com")),
    ({"HEROKU_HOST": "http://localhost:5099"}, {}, ("http://localhost:5099", "http://api.data.heroku.com:5099")),
    ({"HEROKU_POSTGRESQL_HOST": "pg.example"}, {}, ("https://api.heroku.com", "https://pg.example")),
    ({"HEROKU_DATA_HOST": "data.example", "HEROKU_POSTGRESQL_HOST": "pg.example"}, {},
     ("https://api.heroku.com", "https://data.example")),
    ({"HEROKU_HOST": "http://localhost:5099"}, {"api_url": "https://sim.example/"},
     ("https://sim.example", "https://api.data.heroku.com")),
    ({"HEROKU_DATA_HOST": "127.0.0.1"}, {"data_api_url": "http://127.0.0.1:7000/"},
     ("https://api.heroku.com", "http://127.0.0.1:7000")),
])
def test_api_urls(monkeypatch, heroku_env, env, options, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert api_urls(**options) == expected


def test_data_host_from_environment_reaches_the_same_port(server, heroku_env, monkeypatch):
    monkeypatch.setenv("HEROKU_HOST", f"http://localhost:{server.port}")
    monkeypatch.setenv("HEROKU_DATA_HOST", "127.0.0.1")
    monkeypatch.setenv("HEROKU_API_KEY", TOKEN)
    server.reply(200, {}).reply(200, {})
    client = HerokuClient()

    client.get("/apps/a")
    client.get("/client/v11/databases/x/wait_status")

    assert [r["headers"]["host"] for r in server.requests] == [f"localhost:{server.port}", f"127.0.0.1:{server.port}"]
    assert all(r["headers"]["authorization"] == BEARER for r in server.requests)


def test_api_key_precedence_option_then_env_then_netrc(monkeypatch, heroku_env):
    write_netrc(heroku_env, "machine api.heroku.com\n  login me@example.com\n  password from-netrc\n")
    assert find_api_key("from-option", "https://api.heroku.com") == "from-option"
    monkeypatch.setenv("HEROKU_API_KEY", "from-env")
    assert find_api_key("from-option", "https://api.heroku.com") == "from-option"
    assert find_api_key(None, "https://api.heroku.com") == "from-env"
    monkeypatch.delenv("HEROKU_API_KEY")
    assert find_api_key(None, "https://api.heroku.com") == "from-netrc"
    assert find_api_key(None, "https://api.heroku.com:443") == "from-netrc"


def test_netrc_machine_includes_a_non_default_port(heroku_env):
    write_netrc(heroku_env, "machine localhost login a password no-port\n"
                            "machine localhost:5099 login a password with-port\n")
    assert find_api_key(None, "http://localhost:5099") == "with-port"
    assert find_api_key(None, "http://localhost") == "no-port"


def test_netrc_token_is_sent_as_bearer_not_basic(server, heroku_env, monkeypatch):
    # requests would otherwise replace the header with Basic auth built from ~/.netrc.
    write_netrc(heroku_env, f"machine 127.0.0.1:{server.port} login me password {TOKEN}\n"
                            f"machine 127.0.0.1 login me password {TOKEN}\n")
    server.reply(200, {})
    url = f"http://127.0.0.1:{server.port}"

    HerokuClient(api_url=url, data_api_url=url).get("/account")

    assert server.requests[0]["headers"]["authorization"] == BEARER


def test_missing_api_key_is_a_clear_error(heroku_env):
    write_netrc(heroku_env, "machine other.example login a password not-this-one\n")

    with pytest.raises(HerokuError) as caught:
        HerokuClient(api_url="http://localhost:5099")

    message = str(caught.value)
    assert "HEROKU_API_KEY" in message and "machine localhost:5099" in message
    assert "not-this-one" not in message


def test_unreadable_netrc_error_does_not_quote_the_file(heroku_env):
    write_netrc(heroku_env, "machine api.heroku.com password s3cr3t-value bogus-token\n")

    with pytest.raises(HerokuError) as caught:
        find_api_key(None, "https://api.heroku.com")
    assert "line" in str(caught.value)
    assert "s3cr3t-value" not in str(caught.value) and "bogus-token" not in str(caught.value)


@pytest.mark.skipif(os.name != "posix", reason="netrc checks permissions on POSIX only")
def test_too_permissive_netrc_is_explained(heroku_env):
    write_netrc(heroku_env, "machine api.heroku.com login a password p\n")
    (heroku_env / ".netrc").chmod(0o644)

    with pytest.raises(HerokuError, match="too permissive"):
        find_api_key(None, "https://api.heroku.com")


# --- the argument spec and its documentation --------------------------------------------------

def test_argument_spec_matches_doc_fragment_and_client_defaults():
    spec = heroku_argument_spec()
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(spec) == set(options)
    defaults = inspect.signature(HerokuClient).parameters
    for name, arg in spec.items():
        assert arg["type"] == options[name]["type"], name
        assert arg.get("default") == options[name].get("default") == defaults[name].default, name
    assert spec["api_key"]["no_log"] is True
    assert all(isinstance(line, str) for option in options.values() for line in option["description"])


def test_requests_guard_is_exposed():
    assert _client.HAS_REQUESTS is True
    assert _client.REQUESTS_IMPORT_ERROR is None
