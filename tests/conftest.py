# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make the repository importable, and findable by ansible, as herokuops.postgres.

ansible-test (or a Makefile tree on sys.path) already provides ansible_collections.herokuops.postgres;
otherwise build/collections/ansible_collections/herokuops/postgres is made a symlink to the repository
root (build/ is ignored by git and by pytest's collection).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _collections_dir() -> Path:
    try:
        package = importlib.import_module("ansible_collections.herokuops.postgres")
    except ImportError:
        pass
    else:
        return Path(package.__path__[0]).parent.parent.parent
    root = REPO / "build" / "collections"
    link = root / "ansible_collections" / "herokuops" / "postgres"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO, target_is_directory=True)
        except FileExistsError:  # another pytest process made it meanwhile
            pass
    sys.path.insert(0, str(root))
    return root


COLLECTIONS_DIR = _collections_dir()
# For every ansible process the tests start.
os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS_DIR)
