"""Platform API behaviour against a running simulator: auth, headers, paging, formation,
resolvers, plan and follower rules."""
from __future__ import annotations

import requests
from herokusim.testing import scenario
from test_schema import validate


SDK = {"Accept": "application/vnd.heroku+json; version=3.sdk", "Accept-Inclusion": "addon:plan,config_vars"}


def test_auth_headers_and_errors(sim):
    anonymous = requests.get(sim.url + "/apps/sushi", headers={"Accept": "application/vnd.heroku+json; version=3"})
    assert anonymous.status_code == 401
    assert anonymous.json()["id"] == "unauthorized"
    ok = sim.get("/apps/sushi")
    assert ok.status_code == 200
    assert ok.headers["Request-Id"] and int(ok.headers["RateLimit-Remaining"]) > 0
    missing = sim.get("/apps/nope")
    assert missing.status_code == 404 and missing.json()["id"] == "not_found"
    # Basic auth with the token as password is how pg:copy reaches /postgres/v0/.
    basic = requests.get(sim.url + "/postgres/v0/databases/postgresql-lavender-12345/credentials",
                         auth=("", "sim-token"))
    assert basic.status_code == 200 and basic.json()[0]["name"] == "default"
    assert "password" not in basic.text


def test_paging_with_next_range(sim):
    first = sim.get("/apps/sushi/addon-attachments", headers={"Range": "id ..; max=1"})
    assert first.status_code == 206 and "Next-Range" in first.headers
    seen, headers = list(first.json()), {"Range": first.headers["Next-Range"]}
    while True:
        page = sim.get("/apps/sushi/addon-attachments", headers=headers)
        seen += page.json()
        if "Next-Range" not in page.headers:
            break
        headers = {"Range": page.headers["Next-Range"]}
    everything = sim.get("/apps/sushi/addon-attachments").json()
    assert sorted(a["id"] for a in seen) == sorted(a["id"] for a in everything)
    assert {a["name"] for a in everything} == {"DATABASE", "HEROKU_POSTGRESQL_LAVENDER", "HEROKU_POSTGRESQL_GREEN"}
    newest = sim.get("/apps/sushi/releases", headers={"Range": "version ..; max=1, order=desc"}).json()
    assert len(newest) == 1 and newest[0]["version"] == max(
        r["version"] for r in sim.get("/apps/sushi/releases").json())


def test_formation_batch_update(sim):
    resp = sim.patch("/apps/sushi/formation", json={"updates": [
        {"type": "web", "quantity": "2"}, {"type": "worker", "quantity": "+1", "size": "Standard-2X"}]})
    assert resp.status_code == 200, resp.text
    by_type = {f["type"]: f for f in sim.get("/apps/sushi/formation").json()}
    assert by_type["web"]["quantity"] == 2 and by_type["worker"]["quantity"] == 2
    assert by_type["worker"]["size"] == "Standard-2X"
    sim.wait_for(lambda: len(sim.get("/apps/sushi/dynos").json()) == 4, what="4 dynos")
    bad = sim.patch("/apps/sushi/formation", json={"updates": [
        {"type": "web", "quantity": 0}, {"type": "clock", "quantity": 1}]})
    assert bad.status_code == 422 and "clock" in bad.json()["message"]
    assert {f["type"]: f["quantity"] for f in sim.get("/apps/sushi/formation").json()}["web"] == 2
    sim.patch("/apps/sushi/formation", json={"updates": [
        {"type": "web", "quantity": 0, "dyno_size": {"name": "Standard-1X"}}, {"type": "worker", "quantity": "-2"}]})
    sim.wait_for(lambda: sim.get("/apps/sushi/dynos").json() == [], what="no dynos")


def test_maintenance_and_config_vars(sim):
    assert sim.patch("/apps/sushi", json={"maintenance": True}).json()["maintenance"] is True
    assert sim.get("/apps/sushi").json()["maintenance"] is True
    config = sim.get("/apps/sushi/config-vars").json()
    assert config["DATABASE_URL"] == config["HEROKU_POSTGRESQL_LAVENDER_URL"]
    assert config["DATABASE_URL"].startswith("postgres://")
    other = sim.get("/apps/private-spaces-example/config-vars").json()
    assert other["DATABASE_URL"] == config["HEROKU_POSTGRESQL_GREEN_URL"]
    before = len(sim.get("/apps/sushi/releases").json())
    sim.patch("/apps/sushi/config-vars", json={"FEATURE": "on"})
    assert sim.get("/apps/sushi/config-vars").json()["FEATURE"] == "on"
    assert len(sim.get("/apps/sushi/releases").json()) == before + 1


def test_attachment_resolver_forms(sim):
    def resolve(ident, app="sushi"):
        resp = sim.post("/actions/addon-attachments/resolve", headers=SDK,
                        json={"addon_attachment": ident, "app": app})
        return resp.status_code, resp.json()

    for ident in ("DATABASE_URL", "DATABASE", "sushi::DATABASE"):
        status, found = resolve(ident)
        assert status == 200 and [a["name"] for a in found] == ["DATABASE"]
        assert found[0]["addon"]["plan"]["name"] == "heroku-postgresql:standard-0"
        assert found[0]["config_vars"] == ["DATABASE_URL"]
    for ident in ("HEROKU_POSTGRESQL_GREEN", "HEROKU_POSTGRESQL_GREEN_URL"):
        assert [a["name"] for a in resolve(ident)[1]] == ["HEROKU_POSTGRESQL_GREEN"]
    status, found = resolve("postgresql-lavender-12345")
    assert status == 200 and {a["name"] for a in found} == {"DATABASE", "HEROKU_POSTGRESQL_LAVENDER"}
    status, found = resolve("private-spaces-example::DATABASE", app=None)
    assert found[0]["addon"]["name"] == "looking-simply-2449"
    status, body = resolve("HEROKU_POSTGRESQL_NOPE")
    assert status == 404 and body == {"id": "not_found", "message": "Couldn't find that add on attachment.",
                                      "resource": "add_on attachment"}


def test_addon_resolver(sim):
    found = sim.post("/actions/addons/resolve", json={"addon": "DATABASE", "app": "private-spaces-example"}).json()
    assert [a["name"] for a in found] == ["looking-simply-2449"]
    assert sim.post("/actions/addons/resolve", json={"addon": "sushi::HEROKU_POSTGRESQL_LAVENDER"}).json()[0][
        "name"] == "postgresql-lavender-12345"
    assert sim.post("/actions/addons/resolve", json={"addon": "nope", "app": "sushi"}).status_code == 404


def test_plan_rules_and_follower_refusals(start_simulator):
    sim = start_simulator(scenario(databases=[
        {"addon": "essential-db", "app": "sushi", "plan": "essential-0", "version": "15",
         "attachments": ["HEROKU_POSTGRESQL_ORANGE"]},
        {"addon": "big-leader", "app": "sushi", "plan": "standard-7", "version": "15", "attachments": ["DATABASE"]},
        {"addon": "big-follower", "app": "sushi", "plan": "standard-7", "follows": "big-leader"},
    ]))

    def create(app, plan, **config):
        return sim.post(f"/apps/{app}/addons", json={"plan": {"name": f"heroku-postgresql:{plan}"}, "config": config})

    assert "Private Space" in create("sushi", "private-0").json()["message"]
    assert "Couldn't find either the add-on" in create("sushi", "standard-99").json()["message"]
    assert "Followers are only available" in create("sushi", "standard-0", follow="essential-db").json()["message"]
    assert "chained" in create("sushi", "standard-7", follow="big-follower").json()["message"]
    assert "4 plan sizes" in create("sushi", "standard-0", follow="big-leader").json()["message"]
    assert "not available" in create("sushi", "standard-0", version="9").json()["message"]
    ok = create("private-spaces-example", "private-7", follow="big-leader")
    assert ok.status_code == 201, ok.text
    assert ok.json()["name"].startswith("postgresql-") and ok.json()["state"] == "provisioning"
    names = {a["name"] for a in sim.get("/apps/private-spaces-example/addon-attachments").json()}
    assert any(n.startswith("HEROKU_POSTGRESQL_") for n in names)


def test_team_apps(start_simulator):
    """GET /teams/{team}/apps lists that team's apps (by team name or id, paged); GET /apps lists every app."""
    sim = start_simulator(scenario(databases=[], apps=[
        {"name": "solo"}, {"name": "shop", "team": "acme"}, {"name": "stock", "team": "acme", "space": "acme-space"},
        {"name": "other", "team": "globex"}]))
    listed = sim.get("/teams/acme/apps").json()
    assert sorted(a["name"] for a in listed) == ["shop", "stock"]
    for item in listed:
        validate(item, "team-app")
        assert item["team"]["name"] == "acme" and item["owner"]["email"] == "acme@herokumanager.com"
        assert "organization" not in item and item["joined"] is False
    assert next(a for a in listed if a["name"] == "stock")["space"]["name"] == "acme-space"
    by_id = sim.get(f"/teams/{listed[0]['team']['id']}/apps").json()
    assert sorted(a["name"] for a in by_id) == ["shop", "stock"]
    first = sim.get("/teams/acme/apps", headers={"Range": "name ..; max=1"})
    assert first.status_code == 206 and [a["name"] for a in first.json()] == ["shop"]
    assert [a["name"] for a in sim.get("/teams/acme/apps", headers={"Range": first.headers["Next-Range"]}).json()] == ["stock"]

    everything = {a["name"]: a for a in sim.get("/apps").json()}
    assert sorted(everything) == ["other", "shop", "solo", "stock"]
    assert everything["solo"]["team"] is None and everything["other"]["team"]["name"] == "globex"
    for item in everything.values():
        validate(item, "app")
    missing = sim.get("/teams/nope/apps")
    assert missing.status_code == 404 and missing.json()["id"] == "not_found"
