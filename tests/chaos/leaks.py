# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secrets: a complete run of every method at -vvv (the crash campaign's reference runs) shows neither the
API token nor any database password, before or after the run's credential rotations, in its output, its
ansible log (ANSIBLE_LOG_PATH) or the state and report files it leaves."""

from __future__ import annotations

import secrets

from crash import reference_run
from harness import Case


def new_token():
    """A token no output could contain by chance."""
    return "hk-" + secrets.token_hex(20)


def check(reference):
    texts = {"output": reference.output, **reference.files}
    found = {(where, secret[:6] + "…") for where, text in texts.items() for secret in reference.secrets if secret in text}
    assert not found, f"secrets found (where, first characters): {sorted(found)}"
    assert len(reference.secrets) >= 2 and len(reference.output) > 10000, "the reference run was not at -vvv"
    return (f"{len(reference.secrets)} secrets absent from {len(texts)} texts "
            f"({sum(len(t) for t in texts.values()) // 1000} kB); run {reference.seconds:.0f} s")


def case(method, references):
    """A reference run (kept in `references` for the other campaigns) and its check."""

    def run(workdir):
        reference = reference_run(method, workdir, new_token())
        references.append(reference)
        return check(reference)

    return Case("secrets", method.name, run)
