# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""`antsibull-docs lint-collection-docs --plugin-docs`: every plugin's and role's documentation validates and renders
for the Ansible docsite (markup, references, RST), and docs/docsite/links.yml is valid."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import BIN, run


def test_antsibull_docs_lint_is_clean():
    # tests/conftest.py made the collection findable there, as antsibull-docs' ansible-doc needs it.
    collection = Path(os.environ["ANSIBLE_COLLECTIONS_PATH"]) / "ansible_collections" / "herokuops" / "postgres"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    done = run("antsibull-docs", "lint-collection-docs", "--plugin-docs", str(collection), env=env)
    assert done.stdout.strip() == "", done.stdout
