# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.herokuops.postgres.plugins.module_utils._client import HerokuAPIError
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import (
    DatabaseFailedError,
    database_info,
    follows,
    not_provisioned,
    provisioned_database_info,
    readiness,
    url_key,
    url_names,
)

SECRET = "s3cr3t-password"
LEADER_URL = f"postgres://u1:{SECRET}@ec2-1.compute.amazonaws.com:5432/dleader"
FOLLOWER_URL = "postgres://ec2-2.compute.amazonaws.com:5432/dfollower"


class FakeClient:
    def __init__(self, body):
        self.body = body
        self.paths = []

    def get(self, path):
        self.paths.append(path)
        return self.body


def follower_body(**changes):
    body = {
        "addon_id": "id-2", "name": "postgresql-curved-2", "plan": "Standard 2",
        "resource_url": FOLLOWER_URL, "following": LEADER_URL,
        "leader": {"addon_id": "id-1", "name": "postgresql-shaped-1"}, "waiting?": False,
        "num_bytes": 123, "num_tables": 4, "postgres_version": "15.7",
        "info": [
            {"name": "Plan", "values": ["Standard 2"]},
            {"name": "Status", "values": ["Available"]},
            {"name": "PG Version", "values": ["15.7"]},
            {"name": "Following", "values": [LEADER_URL], "resolve_db_name": True},
            {"name": "Behind By", "values": ["125 commits"]},
            {"name": "Followers", "values": []},
            {"name": "Warning", "values": [f"see {LEADER_URL} now"]},
        ],
    }
    body.update(changes)
    return body


def test_database_info_normalises_a_follower_without_leaking_credentials():
    client = FakeClient(follower_body())
    db = database_info(client, "id-2", names={"ec2-1.compute.amazonaws.com:5432/dleader": "postgresql-shaped-1"})
    assert client.paths == ["/client/v11/databases/id-2"]
    assert (db["addon_id"], db["name"], db["plan"], db["tier"]) == ("id-2", "postgresql-curved-2", "standard-2", "standard")
    assert (db["status"], db["version"], db["num_bytes"], db["num_tables"]) == ("Available", "15.7", 123, 4)
    assert (db["following"], db["behind_by"], db["waiting"]) == (True, 125, False)
    assert db["leader"] == {"addon_id": "id-1", "name": "postgresql-shaped-1"}
    assert db["following_url"] == "ec2-1.compute.amazonaws.com:5432/dleader"
    assert db["resource_url"] == "ec2-2.compute.amazonaws.com:5432/dfollower"
    assert db["followers"] == [] and db["forked_from"] is None
    assert SECRET not in json.dumps(db)
    assert {"name": "Warning", "values": ["see ec2-1.compute.amazonaws.com:5432/dleader now"]} in db["info"]


def test_database_info_of_a_leader_and_a_fork():
    info = [{"name": "Followers", "values": [FOLLOWER_URL, "postgres://other:5432/x"]},
            {"name": "Forked From", "values": [LEADER_URL]}]
    body = follower_body(following=None, leader=None, info=info)
    leader = database_info(FakeClient(body), "id-2", names={url_key(FOLLOWER_URL): "postgresql-curved-2"})
    assert (leader["following"], leader["behind_by"], leader["leader"]) == (False, None, None)
    # Names it can resolve, and host:port/path for the ones it cannot.
    assert leader["followers"] == ["postgresql-curved-2", "other:5432/x"]
    assert leader["forked_from"] == "ec2-1.compute.amazonaws.com:5432/dleader"


def test_follows_by_leader_id_or_by_url():
    leader = {"addon_id": "id-1", "resource_url": url_key(LEADER_URL)}
    db = database_info(FakeClient(follower_body()), "id-2")
    assert follows(db, leader)
    assert not follows(db, {"addon_id": "id-9", "resource_url": url_key(LEADER_URL)})
    by_url = database_info(FakeClient(follower_body(leader="postgresql-shaped-1")), "id-2")
    assert by_url["leader"] is None and follows(by_url, leader)
    assert not follows(database_info(FakeClient(follower_body(following=None)), "id-2"), leader)


def test_url_names_maps_config_var_values_to_add_on_names():
    attachments = [{"addon": {"name": "postgresql-shaped-1"}, "config_vars": ["DATABASE_URL"]},
                   {"addon": {"name": "postgresql-curved-2"}, "config_vars": ["HEROKU_POSTGRESQL_WHITE_URL"]}]
    config = {"DATABASE_URL": LEADER_URL, "HEROKU_POSTGRESQL_WHITE_URL": FOLLOWER_URL, "OTHER": "x"}
    assert url_names(config, attachments) == {url_key(LEADER_URL): "postgresql-shaped-1",
                                              url_key(FOLLOWER_URL): "postgresql-curved-2"}


def test_url_key_drops_credentials_whatever_they_hold():
    assert url_key("postgres://u:p/a#s?s@host.example:5432/db") == "host.example:5432/db"
    assert url_key("postgres://host.example/db") == "host.example/db"
    assert url_key("not a url") is None and url_key(None) is None


def test_not_provisioned_is_the_message_less_404():
    assert not_provisioned(HerokuAPIError("GET", "/client/v11/databases/x", 404))
    assert not not_provisioned(HerokuAPIError("GET", "/client/v11/databases/x", 404, "not_found", "gone"))
    assert not not_provisioned(HerokuAPIError("GET", "/client/v11/databases/x", 500))


class Answers:
    """A client whose GETs answer in turn: a body, or an exception to raise."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.paths = []

    def get(self, path):
        self.paths.append(path)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


NOT_YET = HerokuAPIError("GET", "/client/v11/databases/id-2", 404)
GONE = HerokuAPIError("GET", "/client/v11/databases/id-2", 404, "not_found", "gone")


def test_provisioned_database_info_is_none_only_while_not_provisioned():
    assert provisioned_database_info(Answers(NOT_YET), "id-2") is None
    assert provisioned_database_info(Answers(follower_body()), "id-2")["name"] == "postgresql-curved-2"
    with pytest.raises(HerokuAPIError):
        provisioned_database_info(Answers(GONE), "id-2")


def test_readiness_waits_while_not_provisioned_and_raises_on_error():
    client = Answers(NOT_YET, {"waiting?": True, "message": "preparing"}, {"waiting?": False, "message": "available"})
    assert [readiness(client, "id-2")["waiting?"] for _poll in range(3)] == [True, True, False]
    assert client.paths == ["/client/v11/databases/id-2/wait_status"] * 3
    with pytest.raises(DatabaseFailedError, match="Heroku reports an error: out of disk"):
        readiness(Answers({"waiting?": False, "error?": True, "message": "out of disk"}), "id-2")
    with pytest.raises(HerokuAPIError):
        readiness(Answers(GONE), "id-2")
