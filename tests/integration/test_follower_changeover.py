# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The follower changeover of the plan-change procedure, run as a playbook while dynos write."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from simenv import scenario

PLAYBOOK = Path(__file__).parent / "playbooks" / "follower_changeover.yml"
LEADER = "postgresql-lavender-12345"
APPS = [{"name": "sushi", "formation": {"web": 2, "worker": 1}}]
DATABASES = [{"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 1000,
              "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]}]


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def call_counts(requests):
    """API calls by method, by host and in total, from the simulator's request log."""
    data = [r for r in requests if r["path"].startswith(("/client/", "/postgres/", "/data/"))]
    return {
        "total": len(requests),
        "platform": len(requests) - len(data),
        "data": len(data),
        "by_method": dict(sorted(Counter(r["method"] for r in requests).items())),
        "by_endpoint": dict(sorted(Counter(f"{r['method']} {_ID.sub('{id}', r['path'])}" for r in requests).items())),
        "writes": sorted(f"{r['method']} {r['path']}" for r in requests
                         if r["method"] != "GET" and not r["path"].startswith("/actions/")),
    }


def test_follower_changeover_loses_no_write(start_sim, ansible_factory):
    sim = start_sim(scenario(APPS, DATABASES))
    ansible = ansible_factory(sim)
    sim.wait_until(lambda: sim.admin("GET", "/apps/sushi/writes")["acknowledged"] > 20, "the dynos to write")

    mark = sim.mark()
    run = ansible.playbook(PLAYBOOK, extra_vars={"changeover_wait_timeout": 300, "changeover_wait_sleep": 1})
    assert run.returncode == 0, run.stdout + run.stderr
    counts = call_counts(sim.requests_since(mark))

    new_primary = sim.attachments("sushi")[("DATABASE", None)]
    assert new_primary != LEADER
    assert sim.get(f"/addons/{new_primary}")["plan"]["name"] == "heroku-postgresql:standard-2"
    assert not sim.database(new_primary)["following"]
    assert sim.formation("sushi") == {"web": 2, "worker": 1}
    assert sim.maintenance("sushi") is False
    # The old primary stays reachable under its colour name.
    assert sim.attachments("sushi")[("HEROKU_POSTGRESQL_LAVENDER", None)] == LEADER

    # The restored dynos write to the new primary; every write acknowledged before, during and
    # after the changeover must be in it.
    acknowledged = sim.admin("GET", "/apps/sushi/writes")["acknowledged"]
    sim.wait_until(lambda: sim.admin("GET", "/apps/sushi/writes")["acknowledged"] > acknowledged + 10,
                   "the restored dynos to write")
    writes = sim.admin("GET", "/apps/sushi/writes")
    assert writes["missing"] == 0, writes

    assert counts["writes"] == sorted([
        "POST /apps/sushi/addons",                      # the follower
        "PATCH /apps/sushi", "PATCH /apps/sushi",       # maintenance on, off
        "PATCH /apps/sushi/formation", "PATCH /apps/sushi/formation",  # scale to 0, restore
        f"PUT /client/v11/databases/{sim.get(f'/addons/{new_primary}')['id']}/unfollow",
        "POST /addon-attachments",                      # DATABASE (the old primary kept its colour name)
    ])
    print("\nfollower changeover API calls:", json.dumps(counts, indent=1))
