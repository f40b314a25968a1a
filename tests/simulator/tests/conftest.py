"""Fixtures that start a real simulator (subprocess, real clusters) and prove it stopped."""
from __future__ import annotations

import copy

import pytest

from herokusim.testing import SimulatorProcess

BASIC = {
    "tokens": ["sim-token"],
    "timings": {"provision_seconds": 0.5, "follower_provision_seconds": 0.2,
                "release_phase_seconds": 0.5, "upgrade_prepare_seconds": 0.5,
                "upgrade_step_seconds": 0.05, "maintenance_prepare_seconds": 0.5,
                "essential_change_seconds": 0.3, "unfollow_seconds": 0.1},
    "apps": [
        {"name": "sushi", "formation": {"web": 1, "worker": 1}},
        {"name": "private-spaces-example", "space": "example-space", "formation": {"web": 1}},
    ],
    "databases": [
        {"addon": "postgresql-lavender-12345", "app": "sushi", "plan": "standard-0", "version": "15",
         "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"], "seed_rows": 1000},
        {"addon": "looking-simply-2449", "app": "sushi", "plan": "standard-0", "version": "15",
         "attachments": ["HEROKU_POSTGRESQL_GREEN"],
         "attached_to": {"private-spaces-example": ["DATABASE"]}},
    ],
}


def scenario(**changes) -> dict:
    """The issue's example fixture, with top-level sections replaced or extended."""
    fixture = copy.deepcopy(BASIC)
    for key, value in changes.items():
        fixture[key] = value
    return fixture


@pytest.fixture
def start_simulator():
    """Factory: start_simulator(fixture) → a running SimulatorProcess, stopped after the test
    with a check that no cluster or dyno process outlived it."""
    started: list[SimulatorProcess] = []

    def start(fixture: dict | None = None) -> SimulatorProcess:
        sim = SimulatorProcess(fixture or scenario())
        started.append(sim)
        return sim.start()

    yield start
    leftovers = []
    for sim in started:
        sim.stop()
        leftovers += sim.leftover_processes()
        if not leftovers:
            sim.cleanup()
    assert not leftovers, f"processes outlived the simulator: {leftovers}"


@pytest.fixture
def sim(start_simulator) -> SimulatorProcess:
    return start_simulator()
