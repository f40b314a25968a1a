"""Fixtures that start a real simulator (subprocess, real clusters) and prove it stopped."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from herokusim.testing import SimulatorProcess

# The example fixture, exactly as written, plus short timings for tests.
BASIC = {
    **yaml.safe_load((Path(__file__).parents[1] / "examples" / "sushi.yml").read_text()),
    "timings": {"provision_seconds": 0.5, "follower_provision_seconds": 0.2,
                "release_phase_seconds": 0.5, "upgrade_prepare_seconds": 0.5,
                "upgrade_step_seconds": 0.05, "maintenance_prepare_seconds": 0.5,
                "essential_change_seconds": 0.3, "unfollow_seconds": 0.1},
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
