# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The migration_lock action's files: all or none, only ours released, check mode (its use in the playbooks is
covered by tests/integration)."""

from __future__ import annotations

import json
import os

import pytest
from ansible.errors import AnsibleActionFail
from ansible_collections.herokuops.postgres.plugins.action import migration_lock
from ansible_collections.herokuops.postgres.plugins.module_utils._lock import lock_file_name

RUN = {"host": "shop", "app": "shop", "migration_id": "shop.change_pg_plan.DATABASE.standard-2", "controller": "ops-1",
       "pid": os.getpid(), "pid_start": migration_lock._process_start(os.getpid()),
       "started_at": "2026-12-04T09:59:58Z", "purpose": {"database": "pg-shop"}}
SUBJECTS = sorted([(lock_file_name("database", "pg-shop"), "database pg-shop"),
                   (lock_file_name("app", "shop"), "app shop"), (lock_file_name("app", "shop-admin"), "app shop-admin")])


def write(directory, name, content):
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(json.dumps(content))


def test_acquire_takes_all_the_locks_and_release_removes_only_ours(tmp_path):
    result = migration_lock._acquire(str(tmp_path), SUBJECTS, RUN, {}, write=True)
    assert result["end_host"] is False and result["warnings"] == []
    assert sorted(os.listdir(tmp_path)) == [name for name, _subject in SUBJECTS]
    assert json.loads((tmp_path / "app-shop.lock").read_text()) == RUN
    # Again for the same host: kept as it is.
    assert migration_lock._acquire(str(tmp_path), SUBJECTS, RUN, {}, write=True)["end_host"] is False
    other_host = {**RUN, "host": "shop-admin"}
    assert migration_lock._release(str(tmp_path), SUBJECTS, other_host) == []
    assert len(migration_lock._release(str(tmp_path), SUBJECTS, RUN)) == 3
    assert os.listdir(tmp_path) == []


def test_a_refusal_writes_nothing_and_a_stale_lock_is_taken_over(tmp_path):
    live = {**RUN, "pid": os.getppid(), "pid_start": migration_lock._process_start(os.getppid()), "host": "other"}
    write(tmp_path, "database-pg-shop.lock", live)
    with pytest.raises(AnsibleActionFail, match="is being migrated by another run: host other"):
        migration_lock._acquire(str(tmp_path), SUBJECTS, RUN, {}, write=True)
    assert os.listdir(tmp_path) == ["database-pg-shop.lock"]

    # The same pid, started at another time: reused by another process since the run that wrote it died.
    write(tmp_path, "database-pg-shop.lock", {**live, "pid_start": -1})
    dry = migration_lock._acquire(str(tmp_path), SUBJECTS, RUN, {}, write=False)  # check mode: only looked at
    assert os.listdir(tmp_path) == ["database-pg-shop.lock"] and "stale lock" in dry["warnings"][0]
    result = migration_lock._acquire(str(tmp_path), SUBJECTS, RUN, {}, write=True)
    assert result["warnings"] == dry["warnings"]
    assert json.loads((tmp_path / "database-pg-shop.lock").read_text()) == RUN


def test_a_failed_write_releases_what_was_taken(tmp_path, monkeypatch):
    created = []

    def create(path, me):
        if created:
            raise OSError("disk full")
        created.append(path)
        with open(path, "w", encoding="utf-8") as lock:
            json.dump(me, lock)

    monkeypatch.setattr(migration_lock, "_create", create)
    with pytest.raises(OSError):
        migration_lock._acquire(str(tmp_path), SUBJECTS, RUN, {}, write=True)
    assert created and os.listdir(tmp_path) == []
