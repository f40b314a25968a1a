# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The state file writer's atomic write (its use by the roles is covered by the playbook tests)."""

from __future__ import annotations

import os
import stat

import pytest
from ansible_collections.herokuops.postgres.plugins.action import state_file


def test_creates_private_directories_and_file(tmp_path):
    path = tmp_path / "state" / "deeper" / "sushi.json"
    state_file._write_atomically(str(path), '{"phase": "new"}\n')
    assert path.read_text() == '{"phase": "new"}\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["sushi.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_scratch(tmp_path, monkeypatch):
    path = tmp_path / "sushi.json"
    path.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(state_file.os, "replace", broken_replace)
    with pytest.raises(OSError):
        state_file._write_atomically(str(path), "new\n")
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["sushi.json"]
