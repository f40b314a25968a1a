"""Fixture loading rules that do not need a running cluster."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from herokusim import fixture, naming
from herokusim.sim import Simulator


@pytest.fixture
def sim(monkeypatch):
    # Registration only: the clusters themselves are covered by the suites that start them.
    monkeypatch.setattr(fixture, "_provision", lambda *args: None)
    base = Path(tempfile.mkdtemp(prefix="hks-"))
    os.chmod(base, 0o755)  # the postgres account must get in
    simulator = Simulator(base)
    yield simulator
    simulator.close()
    shutil.rmtree(base)


def test_named_colours_are_taken_before_free_ones_are_drawn(sim, monkeypatch):
    # Always draw the first free colour: AMBER, the very colour the second database names.
    monkeypatch.setattr(naming.random, "choice", lambda seq: seq[0])
    fixture.load(sim, {
        "apps": [{"name": "tiny", "formation": {}}],
        "databases": [
            {"addon": "pg-unnamed", "app": "tiny", "plan": "essential-0"},
            {"addon": "pg-named", "app": "tiny", "plan": "mini",
             "attachments": ["HEROKU_POSTGRESQL_AMBER"]},
        ],
    })
    names = {a.name: sim.store.addons[a.addon_id].name for a in sim.store.attachments_of_app("tiny")}
    assert names["HEROKU_POSTGRESQL_AMBER"] == "pg-named"
    assert names["DATABASE"] == "pg-unnamed"
    assert names[f"HEROKU_POSTGRESQL_{sim.store.addon('pg-unnamed').colour}"] == "pg-unnamed"


def test_a_follower_takes_no_contents_of_its_own(sim):
    with pytest.raises(ValueError, match="pg-follower: a follower gets its contents from its leader"):
        fixture.load(sim, {
            "apps": [{"name": "shop", "formation": {}}],
            "databases": [
                {"addon": "pg-leader", "app": "shop", "plan": "standard-0", "schemas": 5},
                {"addon": "pg-follower", "app": "shop", "plan": "standard-0", "follows": "pg-leader",
                 "unlogged_tables": {"sessions": 10}},
            ],
        })
