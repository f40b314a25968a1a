"""Heroku Postgres Advanced on the Platform API and the data API (/data/postgres/v1): plans,
levels, provisioning, /info, wait_status and instance pools, and what classic databases get."""
from __future__ import annotations

from herokusim.testing import scenario
from test_schema import validate

V1 = "/data/postgres/v1"
NOT_FOUND = {"id": "not_found", "message": "Add-on not found"}


def create(sim, app: str = "sushi", plan: str = "advanced", **config):
    return sim.post(f"/apps/{app}/addons", json={"plan": {"name": f"heroku-postgresql:{plan}"}, "config": config})


def available(sim, addon_id: str):
    sim.wait_for(lambda: not sim.get(f"{V1}/{addon_id}/wait_status").json()["waiting"], timeout=60,
                 what="the Advanced database available")
    return sim.get(f"{V1}/{addon_id}/info").json()


def test_levels_provisioning_and_info(sim):
    levels = sim.get(f"{V1}/levels/advanced").json()["items"]
    assert levels[0] == {"name": "4G-Performance", "vcpu": 1, "memory_in_gb": 4, "connection_limit": 400}
    pricing = sim.get(f"{V1}/pricing").json()
    assert pricing["advanced"]["instance-4G"]["product_description"] == "4G-Performance"
    assert pricing["advanced-shield"]["storage-optimized"]["included_units"] == 100

    created = create(sim, level="4G-Performance")
    assert created.status_code == 201, created.text
    addon = created.json()
    assert addon["plan"]["name"] == "heroku-postgresql:advanced" and addon["state"] == "provisioning"
    assert sim.get(f"{V1}/{addon['id']}/wait_status").json() == {"waiting": True, "message": "Provisioning"}
    assert sim.get(f"{V1}/{addon['id']}/info").json()["status"] == "provisioning"
    info = available(sim, addon["id"])
    assert sim.get(f"{V1}/{addon['id']}/wait_status").json() == {"waiting": False, "message": None}
    assert sim.get(f"/apps/sushi/addons/{addon['name']}").json()["state"] == "provisioned"
    validate(sim.get(f"/addons/{addon['id']}").json(), "add-on")
    assert info["status"] == "available" and info["tier"] == "advanced" and info["addon"]["id"] == addon["id"]
    assert info["features"]["highly_available"] == {"enabled": True}
    [leader] = info["pools"]
    assert leader["name"] == "leader" and leader["expected_count"] == 2 and leader["expected_level"] == "4G-Performance"
    assert [i["role"] for i in leader["compute_instances"]] == ["leader", "standby"]
    assert leader["endpoints"][0]["port"] and leader["wait_status"] == {"waiting": False, "message": None}
    assert {limit["name"] for limit in info["plan_limits"]} == {"table-limit", "storage-limit-in-gb", "connection-limit"}
    # Classic pg:promote asks the classic wait_status of it: answered, not waiting.
    assert sim.get(f"/client/v11/databases/{addon['id']}/wait_status").json()["waiting?"] is False

    no_ha = create(sim, level="8G-Performance", **{"high-availability": "false", "version": "15"}).json()
    info = available(sim, no_ha["id"])
    assert info["pools"][0]["expected_count"] == 1 and info["version"] == "15"
    assert info["features"]["highly_available"] == {"enabled": False}

    for config, message in (({"level": "3G-Performance"}, "Unknown level 3G-Performance"),
                            ({}, "A level is required")):
        refused = create(sim, **config)
        assert refused.status_code == 422 and refused.json()["id"] == "invalid_params"
        assert message in refused.json()["message"] and "4G-Performance" in refused.json()["message"]
    refused = create(sim, plan="advanced-private", level="4G-Performance")
    assert refused.status_code == 422 and "Private Space" in refused.json()["message"]
    assert create(sim, "private-spaces-example", "advanced-private", level="4G-Performance").status_code == 201
    refused = create(sim, level="4G-Performance", follow="DATABASE_URL")
    assert refused.status_code == 422 and "follower pools" in refused.json()["message"]
    upgrade = sim.patch("/apps/sushi/addons/postgresql-lavender-12345", json={"plan": "heroku-postgresql:advanced"})
    assert upgrade.status_code == 422 and "data:pg:migrate" in upgrade.json()["message"]

    # Classic databases and unknown ids on the Advanced paths.
    classic = sim.get(f"{V1}/postgresql-lavender-12345/info")
    assert classic.status_code == 422 and "classic" in classic.json()["message"]
    assert sim.post(f"{V1}/postgresql-lavender-12345/pools", json={"count": 1, "level": "4G-Performance"}).status_code == 422
    for path in ("/nope/info", "/nope/wait_status", "/postgresql-lavender-12345/migrations",
                 f"/{addon['id']}/migrations"):
        missing = sim.get(V1 + path)
        assert missing.status_code == 404 and missing.json() == NOT_FOUND, path


def test_pools(start_simulator):
    sim = start_simulator(scenario(databases=[{"addon": "advanced-db", "app": "sushi", "plan": "advanced",
                                               "level": "4G-Performance", "attachments": ["DATABASE"]}]))
    pools = f"{V1}/advanced-db/pools"

    def pool(name):
        return next(p for p in sim.get(f"{V1}/advanced-db/info").json()["pools"] if p["name"] == name)

    created = sim.post(pools, json={"count": 2, "level": "8G-Performance", "name": "analytics"})
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "modifying" and created.json()["expected_count"] == 2
    assert sim.get(f"{V1}/advanced-db/wait_status").json() == {"waiting": True, "message": "Updating"}
    assert sim.get(f"{V1}/advanced-db/info").json()["status"] == "modifying"
    busy = sim.patch(f"{pools}/analytics", json={"count": 3})
    assert busy.status_code == 422 and "modifying" in busy.json()["message"]
    info = available(sim, "advanced-db")
    assert [p["name"] for p in info["pools"]] == ["leader", "analytics"]
    assert [i["role"] for i in pool("analytics")["compute_instances"]] == ["follower", "follower"]

    pool_id = pool("analytics")["id"]
    assert sim.patch(f"{pools}/{pool_id}", json={"level": "16G-Performance"}).json()["status"] == "modifying"
    assert available(sim, "advanced-db") and pool("analytics")["expected_level"] == "16G-Performance"
    sim.patch(f"{pools}/{pool_id}", json={"count": 3})
    assert available(sim, "advanced-db") and pool("analytics")["expected_count"] == 3
    leader_id = pool("leader")["id"]
    sim.patch(f"{pools}/{leader_id}", json={"count": 1})   # high availability off
    info = available(sim, "advanced-db")
    assert pool("leader")["expected_count"] == 1 and info["features"]["highly_available"]["enabled"] is False

    for method, path, payload, message in (
            ("patch", f"{pools}/{leader_id}", {"count": 3}, "2 with high availability"),
            ("patch", f"{pools}/{leader_id}", {"level": "4G-Performance"}, "already at level"),
            ("delete", f"{pools}/{leader_id}", None, "can't be destroyed"),
            ("post", pools, {"count": 11, "level": "4G-Performance"}, "1 to 10 instances"),
            ("post", pools, {"count": 1, "level": "4G-Performance", "name": "Bad Name"}, "Invalid pool name"),
            ("post", pools, {"count": 1, "level": "4G-Performance", "name": "analytics"}, "already has a pool")):
        refused = sim.request(method.upper(), path, json=payload)
        assert refused.status_code == 422 and message in refused.json()["message"], (path, refused.text)
    assert sim.patch(f"{pools}/nope", json={"count": 1}).status_code == 404

    assert sim.delete(f"{pools}/analytics").json()["status"] == "modifying"
    info = available(sim, "advanced-db")
    assert [p["name"] for p in info["pools"]] == ["leader"]
