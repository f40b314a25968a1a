# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every module's, inventory plugin's and filter's documentation renders with ansible-doc, and every module is in the
heroku action group.

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
# The modules that talk to Heroku (all but state_file): they need requests, and form the heroku action group.
HEROKU_MODULES = [module for module in MODULES if module.startswith("heroku_")]
SECTIONS = ("OPTIONS", "ATTRIBUTES:", "AUTHOR:", "EXAMPLES:", "RETURN VALUES:")
INVENTORY_PLUGINS = sorted(path.stem for path in (ROOT / "plugins" / "inventory").glob("*.py"))
INVENTORY_SECTIONS = ("OPTIONS", "NOTES:", "REQUIREMENTS:", "AUTHOR:", "EXAMPLES:")
# Filters are documented in a YAML file each, next to the Python file that holds them.
FILTERS = sorted(path.stem for path in (ROOT / "plugins" / "filter").glob("*.yml"))
FILTER_SECTIONS = ("OPTIONS", "AUTHOR:", "EXAMPLES:", "RETURN VALUES:")


def _ansible_doc():
    beside_python = Path(sys.executable).parent / "ansible-doc"
    return str(beside_python) if beside_python.exists() else shutil.which("ansible-doc")


def test_there_are_modules():
    assert MODULES


def _render(plugin_type, names):
    """One ansible-doc run for several plugins of a type (one run each costs a second): plugin -> its text."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="1")
    env.pop("ANSIBLE_FORCE_COLOR", None)
    done = subprocess.run([_ansible_doc(), "-t", plugin_type] + [f"{COLLECTION}.{name}" for name in names],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    pages = ("\n" + done.stdout).split(f"\n> {plugin_type.upper()} ")[1:]
    return {page.split(None, 1)[0]: page for page in pages}


@pytest.fixture(scope="module")
def rendered():
    return _render("module", MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders(rendered, module):
    page = rendered.get(f"{COLLECTION}.{module}")
    assert page is not None, f"ansible-doc rendered no page for {module}: {sorted(rendered)}"
    headings = [line for line in page.splitlines() if line and not line[0].isspace()]
    for section in SECTIONS + (("REQUIREMENTS:",) if module in HEROKU_MODULES else ()):
        assert any(heading.startswith(section) for heading in headings), f"{module}: no {section} section"


def test_inventory_plugin_docs_render():
    assert INVENTORY_PLUGINS
    pages = _render("inventory", INVENTORY_PLUGINS)
    for plugin in INVENTORY_PLUGINS:
        page = pages.get(f"{COLLECTION}.{plugin}")
        assert page is not None, f"ansible-doc rendered no page for {plugin}: {sorted(pages)}"
        headings = [line for line in page.splitlines() if line and not line[0].isspace()]
        for section in INVENTORY_SECTIONS:
            assert any(heading.startswith(section) for heading in headings), f"{plugin}: no {section} section"


def test_filter_docs_render():
    assert FILTERS
    pages = _render("filter", FILTERS)
    for name in FILTERS:
        page = pages.get(f"{COLLECTION}.{name}")
        assert page is not None, f"ansible-doc rendered no page for {name}: {sorted(pages)}"
        headings = [line for line in page.splitlines() if line and not line[0].isspace()]
        for section in FILTER_SECTIONS:
            assert any(heading.startswith(section) for heading in headings), f"{name}: no {section} section"


def test_every_module_is_in_the_heroku_action_group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["heroku"]
    assert sorted(group) == HEROKU_MODULES
    assert len(group) == len(set(group))
