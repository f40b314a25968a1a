# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The follower changeover of the plan-change procedure (003 B3), the shipped playbook and role, while dynos write."""

from __future__ import annotations

from methods import CHANGEOVER, assert_expected, assert_migrated
from playbook_support import ok, start_runner


def test_follower_changeover_loses_no_write(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, *CHANGEOVER.fixture_parts(), writers=CHANGEOVER.writers)
    sim = runner.sim

    run = ok(runner.run(CHANGEOVER.playbook, **CHANGEOVER.variables))

    new_primary = assert_migrated(CHANGEOVER, sim)
    # The report, and the old primary still reachable under its colour name.
    assert_expected(CHANGEOVER, sim, runner.report(CHANGEOVER.migration_id), run.stdout)
    runner.assert_back_as_before(CHANGEOVER.formations)
    # Every write acknowledged before, during and after the changeover is in the new primary.
    runner.assert_nothing_lost(*CHANGEOVER.writers)
    # What the changeover changed, and nothing else.
    assert sorted(run.changes) == sorted([
        ("POST", "/apps/sushi/addons"),                       # the follower
        ("PATCH", "/apps/sushi"), ("PATCH", "/apps/sushi"),   # maintenance on, off
        ("PATCH", "/apps/sushi/formation"), ("PATCH", "/apps/sushi/formation"),  # scale to 0, restore
        ("PUT", f"/client/v11/databases/{sim.get(f'/addons/{new_primary}')['id']}/unfollow"),
        ("POST", "/addon-attachments"),                       # DATABASE (the old primary kept its colour name)
    ])
    runner.assert_second_run_changes_nothing(CHANGEOVER.playbook, **CHANGEOVER.variables)
