# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection as Galaxy, ansible-builder and antsibull-docs see it: its built tarball and the venv's tools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())


def run(*command, **kwargs):
    """Run one of the venv's tools; fail the test with its output unless it succeeds."""
    done = subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, timeout=600,
                          check=False, **kwargs)
    assert done.returncode == 0, f"{' '.join(command)} failed (rc {done.returncode}):\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
    return done


@pytest.fixture(scope="session")
def tarball(tmp_path_factory):
    """`ansible-galaxy collection build` of the working tree, as a maintainer publishes it."""
    out = tmp_path_factory.mktemp("galaxy")
    run("ansible-galaxy", "collection", "build", "--output-path", str(out), str(REPO))
    return out / f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
