# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every module's documentation renders with ansible-doc, and every module is in the heroku action group.

ansible-doc finds the collection through ANSIBLE_COLLECTIONS_PATH, set by tests/conftest.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

COLLECTION = "herokuops.postgres"
ROOT = Path(__file__).resolve().parent.parent.parent
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if not path.name.startswith("_"))
SECTIONS = ("OPTIONS", "ATTRIBUTES:", "REQUIREMENTS:", "AUTHOR:", "EXAMPLES:", "RETURN VALUES:")


def _ansible_doc():
    beside_python = Path(sys.executable).parent / "ansible-doc"
    return str(beside_python) if beside_python.exists() else shutil.which("ansible-doc")


def test_there_are_modules():
    assert MODULES


@pytest.fixture(scope="module")
def rendered():
    """One ansible-doc run for all modules (one run per module costs a second each): module -> its text."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="1")
    env.pop("ANSIBLE_FORCE_COLOR", None)
    done = subprocess.run([_ansible_doc(), "-t", "module"] + [f"{COLLECTION}.{module}" for module in MODULES],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    pages = ("\n" + done.stdout).split("\n> MODULE ")[1:]
    return {page.split(None, 1)[0]: page for page in pages}


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders(rendered, module):
    page = rendered.get(f"{COLLECTION}.{module}")
    assert page is not None, f"ansible-doc rendered no page for {module}: {sorted(rendered)}"
    headings = [line for line in page.splitlines() if line and not line[0].isspace()]
    for section in SECTIONS:
        assert any(heading.startswith(section) for heading in headings), f"{module}: no {section} section"


def test_every_module_is_in_the_heroku_action_group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["heroku"]
    assert sorted(group) == MODULES
    assert len(group) == len(set(group))
