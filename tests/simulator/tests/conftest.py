"""Fixtures that start a real simulator (subprocess, real clusters) and prove it stopped."""
from __future__ import annotations

import pytest

from herokusim.testing import SimulatorProcess, scenario


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
