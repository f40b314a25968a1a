# Copyright: (c) 2026, herokuops.postgres contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module_utils is PRIVATE to the herokuops.postgres collection: it may change or
# disappear without notice. Do not use it from other collections.

"""Whether a run may take a migration lock held by someone else. Pure functions: no file or process here
(the action plugin migration_lock reads the lock files and the process table)."""

from __future__ import annotations

__metaclass__ = type

import re
from collections import namedtuple

FREE = "free"  # nobody holds it
OURS = "ours"  # this run holds it for this host already
STALE = "stale"  # its run died on this controller: take it over
SAME_RUN = "same_run"  # another host of this run migrates the same database: this host ends without change
REFUSE = "refuse"

# What a lock file holds, besides `purpose` (what the migration does, to tell two hosts of one run apart).
OWNER_KEYS = ("host", "app", "migration_id", "controller", "pid", "started_at")

Verdict = namedtuple("Verdict", "kind message")


def lock_file_name(kind, name):
    """database-<add-on>.lock or app-<app>.lock: add-on and app names are two namespaces."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.lock"


def describe(owner):
    return (f"host {owner['host']} (app {owner['app']}, migration {owner['migration_id']}), ansible-playbook pid "
            f"{owner['pid']} on {owner['controller']}, started at {owner['started_at']}")


def decide(subject, path, holder, me, holder_alive):
    """The verdict on the lock of `subject` (e.g. "database pg-shop") in file `path`.

    holder: the lock file's content (None when there is none); me: what this run would write there;
    holder_alive: whether the holder's process still runs (meaningful on the same controller only).
    """
    if holder is None:
        return Verdict(FREE, "")
    if not isinstance(holder, dict) or any(key not in holder for key in OWNER_KEYS):
        return Verdict(REFUSE, f"The lock on {subject} ({path}) cannot be read: it names no owner. Make sure no "
                               f"migration of it is running, delete {path} and run again.")
    if holder["controller"] != me["controller"]:
        return Verdict(REFUSE, f"{subject.capitalize()} is locked by a run on another controller: {describe(holder)}. "
                               f"This controller cannot tell whether that run is still going: if it is, wait until "
                               f"it ends; once you are sure it is not (killed, or its controller gone), delete "
                               f"{path} and run again.")
    if holder["pid"] != me["pid"]:
        if holder_alive:
            return Verdict(REFUSE, f"{subject.capitalize()} is being migrated by another run: {describe(holder)}. "
                                   f"Wait until that run ends (or stop it), then run again.")
        return Verdict(STALE, f"Taking over the stale lock on {subject}: its run ({describe(holder)}) is no longer "
                              f"running.")
    if holder["host"] == me["host"]:
        return Verdict(OURS, "")
    if holder.get("purpose") == me["purpose"]:
        return Verdict(SAME_RUN, f"{subject.capitalize()} is migrated by host {holder['host']} of this run "
                                 f"(migration {holder['migration_id']}): host {me['host']} ends here, without "
                                 f"change, so that it is migrated once.")
    return Verdict(REFUSE, f"Hosts {holder['host']} and {me['host']} of this run both need {subject}: "
                           f"{holder['host']} for migration {holder['migration_id']}, {me['host']} for migration "
                           f"{me['migration_id']}, which differ. {holder['host']} goes on; run {me['host']} once it "
                           f"is done (--limit {me['host']}).")
