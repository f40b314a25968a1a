# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

import contextlib
import datetime
import fcntl
import json
import os
import socket

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.herokuops.postgres.plugins.module_utils._lock import (
    OURS,
    REFUSE,
    SAME_RUN,
    STALE,
    decide,
    lock_file_name,
)

GUARD = ".guard"


class ActionModule(ActionBase):
    """Takes or releases the locks from the controller's worker process, where the run's pid is known."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("state_dir", "database", "apps", "app", "migration_id", "purpose", "state"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec={
            "state_dir": {"type": "path", "required": True},
            "database": {"type": "str", "required": True},
            "apps": {"type": "list", "elements": "str", "default": []},
            "app": {"type": "str"},
            "migration_id": {"type": "str"},
            "purpose": {"type": "dict", "default": {}},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        }, required_if=[("state", "present", ("app", "migration_id"))])[1]
        directory = os.path.join(os.path.abspath(args["state_dir"]), "locks")
        subjects = sorted([(lock_file_name("database", args["database"]), f"database {args['database']}")]
                          + [(lock_file_name("app", app), f"app {app}") for app in set(args["apps"])])
        # A worker forked by ansible-playbook: its parent is the run, the same for every host and task.
        me = {"host": task_vars["inventory_hostname"], "app": args["app"], "migration_id": args["migration_id"],
              "controller": socket.gethostname(), "pid": os.getppid(), "pid_start": _process_start(os.getppid()),
              "started_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "purpose": args["purpose"]}
        result.update(changed=False, locks=[os.path.join(directory, name) for name, _subject in subjects])
        try:
            if args["state"] == "absent":
                with _guard(directory, self._task.check_mode) as guarded:
                    result["released"] = _release(directory, subjects, me) if guarded else []
                return result
            with _guard(directory, self._task.check_mode) as guarded:
                return _acquire(directory, subjects, me, result, write=guarded)
        except OSError as exc:
            raise AnsibleActionFail(f"Could not use the migration locks in {directory}: {exc}") from exc


@contextlib.contextmanager
def _guard(directory, check_mode):
    """One run at a time decides and writes (an flock, released by the kernel if the run dies). Yields whether
    the locks may be written: never in check mode, where the lock directory is not even created."""
    if check_mode:
        yield False
        return
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(directory, GUARD), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)


def _acquire(directory, subjects, me, result, write):
    """All the locks or none: refusals first, then the writes, undone if one fails."""
    verdicts = []
    for name, subject in subjects:
        path = os.path.join(directory, name)
        holder = _read(path)
        alive = isinstance(holder, dict) and _alive(holder.get("pid"), holder.get("pid_start"))
        verdicts.append((path, decide(subject, path, holder, me, alive)))
    refusals = [verdict.message for _path, verdict in verdicts if verdict.kind == REFUSE]
    if refusals:
        raise AnsibleActionFail(" ".join(dict.fromkeys(refusals)))
    same_run = [verdict.message for _path, verdict in verdicts if verdict.kind == SAME_RUN]
    if same_run:
        result.update(end_host=True, msg=same_run[0], locks=[])
        return result
    result["end_host"] = False
    result["warnings"] = [verdict.message for _path, verdict in verdicts if verdict.kind == STALE]
    if not write:
        return result
    taken = []
    try:
        for path, verdict in verdicts:
            if verdict.kind == OURS:
                continue
            if verdict.kind == STALE:
                os.unlink(path)
            _create(path, me)
            taken.append(path)
    except OSError:
        for path in taken:
            os.unlink(path)
        raise
    return result


def _release(directory, subjects, me):
    """Remove the locks this run holds for this host; others' are left alone."""
    released = []
    for name, _subject in subjects:
        path = os.path.join(directory, name)
        holder = _read(path)
        if isinstance(holder, dict) and all(holder.get(key) == me[key] for key in ("controller", "pid", "host")):
            os.unlink(path)
            released.append(path)
    return released


def _read(path):
    """The lock file's JSON; None when there is none, {} when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as lock:
            return json.load(lock)
    except FileNotFoundError:
        return None
    except ValueError:
        return {}


def _create(path, me):
    """O_CREAT|O_EXCL: the file is ours only if it did not exist (the guard serialises runs that share it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(me, out, indent=2, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def _alive(pid, pid_start):
    """Whether process pid runs, and is the one that wrote the lock (same start time) where /proc tells."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    now = _process_start(pid)
    return pid_start is None or now is None or now == pid_start


def _process_start(pid):
    """The process's start time in clock ticks after boot (/proc/<pid>/stat, field 22), or None without /proc.
    A pid reused by another process after a crash or a reboot has another start time."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            # The command name (field 2) may hold spaces and parentheses: count from the last ")".
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None
