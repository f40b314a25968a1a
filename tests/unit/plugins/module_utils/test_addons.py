# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.herokuops.postgres.plugins.module_utils._addons import addon_state, live_addon
from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuClient

GONE = {"id": "not_found", "message": "Couldn't find that add-on."}


@pytest.fixture
def client(server, heroku_env):
    return HerokuClient(api_key="k", api_url=f"http://127.0.0.1:{server.port}", retries=0)


def test_live_addon_by_name_or_on_an_app(server, client):
    server.reply(200, {"id": "a-1", "name": "pg-1", "state": "provisioned"})
    server.reply(200, {"id": "a-1", "name": "pg-1", "state": "provisioning"})
    assert live_addon(client, "pg-1")["state"] == "provisioned"
    assert live_addon(client, "pg 1", app="sushi")["state"] == "provisioning"
    assert server.calls() == [("GET", "/addons/pg-1"), ("GET", "/apps/sushi/addons/pg%201")]


def test_a_vanished_or_deprovisioned_addon_is_none(server, client):
    server.reply(404, GONE).reply(200, {"id": "a-1", "state": "deprovisioned"}).reply(403, {"id": "forbidden"})
    assert live_addon(client, "pg-1") is None
    assert live_addon(client, "pg-1") is None
    with pytest.raises(Exception, match="HTTP 403"):
        live_addon(client, "pg-1")


def test_addon_state_counts_a_404_as_deprovisioned(server, client):
    server.reply(200, {"state": "deprovisioning"}).reply(404, GONE).reply(500, {"id": "internal"})
    assert addon_state(client, "a-1") == "deprovisioning"
    assert addon_state(client, "a-1") == "deprovisioned"
    with pytest.raises(Exception, match="HTTP 500"):
        addon_state(client, "a-1")
