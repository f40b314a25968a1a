# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures: a simulator per test, and an ansible runner bound to it (see simenv.py)."""

from __future__ import annotations

import contextlib

import pytest
from simenv import Ansible, running_simulator


@pytest.fixture
def start_sim():
    """Factory: start_sim(fixture_dict) -> Sim; stopped after the test, proving no process outlived it."""
    with contextlib.ExitStack() as stack:
        yield lambda fixture: stack.enter_context(running_simulator(fixture))


@pytest.fixture
def ansible_factory(tmp_path):
    def make(sim):
        return Ansible(sim, tmp_path)
    return make
