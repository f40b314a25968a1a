"""Fault injection, rate limiting and token revocation, as a retrying client sees them."""
from __future__ import annotations

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def retrying_session(sim) -> requests.Session:
    session = requests.Session()
    session.headers.update(sim.session.headers)
    retry = Retry(total=5, backoff_factor=0.05, status_forcelist=(500, 503), allowed_methods=None,
                  respect_retry_after_header=True)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def test_injected_5xx_are_retried_by_a_client(sim):
    sim.admin("POST", "/faults", json={"method": "GET", "path": "^/apps/sushi$", "status": 503, "times": 2})
    seq = len(sim.admin("GET", "/requests").json())
    resp = retrying_session(sim).get(sim.url + "/apps/sushi", timeout=10)
    assert resp.status_code == 200
    log = [e for e in sim.admin("GET", f"/requests?since={seq}").json() if e["path"] == "/apps/sushi"]
    assert [e["status"] for e in log] == [503, 503, 200]
    assert sim.admin("GET", "/faults").json()[0]["hits"] == 2


def test_injected_429_carries_retry_after_and_latency(sim):
    sim.admin("POST", "/faults", json={"path": "^/account$", "status": 429, "times": 1, "retry_after": "1"})
    first = sim.get("/account")
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert first.json()["id"] == "rate_limit"
    assert sim.get("/account").status_code == 200
    sim.admin("POST", "/faults", json={"path": "^/apps$", "latency": 0.5, "times": 1})
    started = time.monotonic()
    assert sim.get("/apps").status_code == 200
    assert time.monotonic() - started >= 0.5


def test_rate_limit_bucket(sim):
    sim.admin("POST", "/rate-limit", json={"enabled": True, "capacity": 5, "per_minute": 60})
    remaining = [int(sim.get("/account").headers["RateLimit-Remaining"]) for _i in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    limited = sim.get("/account")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    time.sleep(1.1)   # 60 a minute: one token back each second
    assert sim.get("/account").status_code == 200
    sim.admin("POST", "/rate-limit", json={"enabled": False})
    assert sim.get("/account/rate-limits").json()["remaining"] >= 0


def test_token_revoked_mid_run(sim):
    assert sim.get("/apps/sushi").status_code == 200
    sim.admin("DELETE", "/tokens/sim-token")
    revoked = sim.get("/apps/sushi")
    assert revoked.status_code == 401 and revoked.json()["id"] == "unauthorized"


def test_fault_after_serving_loses_the_response(sim):
    """`after`: the change is made, but the client only sees a 5xx (an uncertain write)."""
    sim.admin("POST", "/faults", json={"method": "PATCH", "path": "^/apps/sushi$", "status": 503,
                                       "times": 1, "after": True})
    lost = sim.patch("/apps/sushi", json={"maintenance": True})
    assert lost.status_code == 503
    assert sim.get("/apps/sushi").json()["maintenance"] is True
