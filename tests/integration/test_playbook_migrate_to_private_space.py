# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/migrate_to_private_space.yml on the issue's example: an app in a Private Space whose
DATABASE_URL is a Common Runtime database billed to (and attached to) another app."""

from __future__ import annotations

import copy

from herokusim.testing import BASIC
from playbook_support import ok, start_runner

OLD = "looking-simply-2449"
FORMATIONS = {app["name"]: app["formation"] for app in BASIC["apps"]}


def test_private_space_move_is_a_follower_changeover_across_apps(start_sim, ansible_factory, tmp_path):
    runner = start_runner(start_sim, ansible_factory, tmp_path, copy.deepcopy(BASIC["apps"]),
                          copy.deepcopy(BASIC["databases"]), writers=FORMATIONS)
    sim = runner.sim
    variables = {"app": "sushi", "database": "HEROKU_POSTGRESQL_GREEN", "target_app": "private-spaces-example",
                 "plan": "private-0"}
    run = ok(runner.run("migrate_to_private_space.yml", **variables))

    new = sim.attachments("private-spaces-example")[("DATABASE", None)]
    assert new != OLD and new.startswith("private-spaces-example-private-0-")
    assert sim.get(f"/addons/{new}")["plan"]["name"] == "heroku-postgresql:private-0"
    assert sim.get(f"/addons/{new}")["app"]["name"] == "private-spaces-example"
    assert not sim.database(new)["following"]
    # The Common Runtime app keeps its own primary and still sees the old database (reported, not moved).
    assert sim.attachments("sushi")[("DATABASE", None)] == "postgresql-lavender-12345"
    assert sim.attachments("sushi")[("HEROKU_POSTGRESQL_GREEN", None)] == OLD
    # Both apps were in the window (both can write to the old database), and are back as they were.
    runner.assert_back_as_before(FORMATIONS)
    runner.assert_nothing_lost(*FORMATIONS)

    report = runner.report("sushi.migrate_to_private_space.HEROKU_POSTGRESQL_GREEN.private-0.private-spaces-example")
    assert report['api_calls'] == run.api_calls  # the modules' audit trails account for every request
    assert report["window_apps"] == ["private-spaces-example", "sushi"]
    assert any("sushi still uses looking-simply-2449 as HEROKU_POSTGRESQL_GREEN" in f for f in report["manual_follow_ups"])
    assert "000 C" in run.stdout
    print(f"\nprivate space (follower changeover across apps): window {report['window_seconds']} s, "
          f"API calls {report['api_calls']} (request log: {run.api_calls})")
    runner.assert_second_run_changes_nothing("migrate_to_private_space.yml", **variables)
