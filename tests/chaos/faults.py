# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""API faults: every method completes while 10% of the requests get a 500 or 503 and 5% a 429 with Retry-After.

The faults are answered before the request is served (Heroku refused it), on every Heroku path, for the
whole run; the checks afterwards run without them.
"""

from __future__ import annotations

from collections import Counter

from harness import (Case, assert_complete, assert_no_password, expected_in_place, failure_message, inventory_of, playbook_only,
                     scenario_runner)

# The simulator tries the faults in order, so each probability is taken of what the earlier ones left:
# 5% 500, 5% 503, 5% 429 of all requests.
FAULTS = [
    {"status": 500, "probability": 0.05},
    {"status": 503, "probability": 0.05 / 0.95},
    {"status": 429, "probability": 0.05 / 0.90, "retry_after": "1"},
]


def case(method, reference=None):
    def run(workdir):
        with scenario_runner(method, workdir) as runner:
            sim = runner.sim
            before = inventory_of(sim, method)
            mark = sim.mark()
            for fault in FAULTS:
                sim.admin("POST", "/faults", json={"method": "*", "path": "^/(?!__sim/)", **fault})
            try:  # not Runner.run: its own checks afterwards would meet the faults too
                completed = playbook_only(runner, method.playbook, method.variables)
            finally:
                sim.admin("DELETE", "/faults")
            assert_no_password(sim, completed)
            statuses = Counter(r["status"] for r in sim.requests_since(mark))
            injected = {status: statuses[status] for status in (500, 503, 429)}
            assert completed.returncode == 0, f"failed with faults {injected}: {failure_message(completed.stdout)}"
            assert_complete(runner, method, reference.inventory if reference else expected_in_place(before, method))
            total = sum(statuses.values())
            return f"completed; {total} requests, injected {injected} ({sum(injected.values()) / total:.0%})"

    return Case("faults", method.name, run)
