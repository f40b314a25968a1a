# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Progress lines in plain ansible-playbook output (default callback, no -v) while a module waits.

herokuops_progress_interval is a couple of seconds here, so that a test need not wait a minute."""

from __future__ import annotations

import re
import threading

import yaml
from simenv import scenario

LEADER, FOLLOWER = "postgresql-lavender-12345", "postgresql-white-22222"
INTERVAL = 2


def playbook(tmp_path, task, name):
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump([{
        "name": name, "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": name, **task, "register": "waited"},
                  {"name": "Count the API calls",
                   "ansible.builtin.debug": {"msg": "API_CALLS={{ waited.api_calls | length }}"}}],
    }], sort_keys=False))
    return path


def api_calls(sim, mark):
    return len([r for r in sim.requests_since(mark) if not r["path"].startswith("/__sim/")])


def test_a_follower_held_behind_prints_a_line_per_interval(start_sim, ansible_factory, tmp_path):
    sim = start_sim(scenario(
        [{"name": "sushi", "formation": {"web": 1, "worker": 1}}],
        [{"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 100,
          "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]},
         {"addon": FOLLOWER, "app": "sushi", "plan": "standard-2", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
          "follows": LEADER}]))
    ansible = ansible_factory(sim)
    sim.pause_replay(FOLLOWER)
    sim.wait_until(lambda: (sim.behind_by(FOLLOWER) or 0) > 250, "the follower to be more than 250 commits behind")
    path = playbook(tmp_path, {"herokuops.postgres.heroku_pg_follower": {
        "app": "sushi", "leader": "DATABASE_URL", "plan": "standard-2", "max_behind": 200,
        "wait_timeout": 120, "wait_sleep": 1}}, "Wait for the follower")
    mark = sim.mark()
    outcome = {}
    run = threading.Thread(target=lambda: outcome.update(
        run=ansible.playbook(path, {"herokuops_progress_interval": INTERVAL}, timeout=300)))
    run.start()
    # Held behind for a few lines: some 10 s of polls once ansible-playbook has started.
    sim.wait_until(lambda: len([r for r in sim.requests_since(mark) if r["method"] == "GET"
                                and r["path"].startswith("/client/v11/databases/")]) >= 16,
                   "the module to poll for a while", timeout=120)
    sim.admin("POST", f"/databases/{FOLLOWER}/replay", json={"paused": False})
    run.join(300)
    completed = outcome["run"]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    line = re.compile(rf"^sushi: waiting for {FOLLOWER} to be at most 200 commits behind {LEADER}: "
                      r"(?P<behind>[0-9,]+) commits behind(, (catching up at [0-9.,]+/s|not catching up))?, "
                      r"waited (?P<waited>\d+)s(, about [0-9hms]+ left)?$", re.MULTILINE)
    lines = list(line.finditer(completed.stdout))
    assert len(lines) >= 3, completed.stdout
    assert all(int(m["behind"].replace(",", "")) > 200 for m in lines)
    waited = [int(m["waited"]) for m in lines]
    assert waited == sorted(waited) and all(b - a <= INTERVAL + 1 for a, b in zip(waited, waited[1:]))
    assert ", not catching up" in completed.stdout  # replay paused: the behind count grew
    # The lines come between the task's header and its result, in plain output.
    task = completed.stdout.index("TASK [Wait for the follower]")
    assert task < lines[0].start() < completed.stdout.index("ok: [localhost]", task)
    # No API call beyond the module's own polling.
    calls = int(re.search(r"API_CALLS=(\d+)", completed.stdout).group(1))
    assert api_calls(sim, mark) == calls


def test_a_timeout_still_fails_as_before_after_its_progress_lines(start_sim, ansible_factory, tmp_path):
    sim = start_sim(scenario(
        [{"name": "sushi", "formation": {"web": 1}}],
        [{"addon": LEADER, "app": "sushi", "plan": "standard-0", "seed_rows": 10, "attachments": ["DATABASE"]},
         {"addon": FOLLOWER, "app": "sushi", "plan": "standard-2", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
          "follows": LEADER}]))
    ansible = ansible_factory(sim)
    sim.pause_replay(FOLLOWER)
    path = playbook(tmp_path, {"herokuops.postgres.heroku_pg_follower": {
        "app": "sushi", "leader": "DATABASE_URL", "plan": "standard-2", "max_behind": 0,
        "wait_timeout": 3 * INTERVAL + 1, "wait_sleep": 1}}, "Wait for the follower")
    completed = ansible.playbook(path, {"herokuops_progress_interval": INTERVAL})
    assert completed.returncode != 0
    assert len(re.findall(rf"^sushi: waiting for {FOLLOWER} to be at most 0 commits behind {LEADER}: ",
                          completed.stdout, re.MULTILINE)) >= 2, completed.stdout
    assert re.search(rf"Waiting for follower {FOLLOWER} to catch up failed: Timed out after \d+s \(wait_timeout=[\d.]+\) "
                     rf"waiting for {FOLLOWER} to be at most 0 commits behind {LEADER}; last observed state: \d+ "
                     "commits behind", completed.stdout), completed.stdout


def test_an_upgrade_prints_its_steps_and_none_when_disabled(start_sim, ansible_factory, tmp_path):
    fixture = scenario([{"name": "tiny", "formation": {}}],
                       [{"addon": "pg-tiny", "app": "tiny", "plan": "essential-0", "version": "15", "seed_rows": 10}])
    fixture["timings"]["upgrade_step_seconds"] = 1.5
    sim = start_sim(fixture)
    ansible = ansible_factory(sim)
    path = playbook(tmp_path, {"herokuops.postgres.heroku_pg_upgrade": {
        "app": "tiny", "database": "DATABASE_URL", "version": "16", "wait_timeout": 300, "wait_sleep": 1}},
        "Upgrade")
    completed = ansible.playbook(path, {"herokuops_progress_interval": INTERVAL})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    steps = re.findall(r"^tiny: waiting for the upgrade of pg-tiny to PostgreSQL 16: step (\d) of 7: [^,]+, "
                       r"waited \d+s$", completed.stdout, re.MULTILINE)
    assert len(steps) >= 2 and [int(s) for s in steps] == sorted(int(s) for s in steps), completed.stdout
    assert "changed: [localhost]" in completed.stdout

    # Already done: no wait, no line; and 0 turns the lines off.
    again = ansible.playbook(path, {"herokuops_progress_interval": 0})
    assert again.returncode == 0 and "waiting for" not in again.stdout and "ok: [localhost]" in again.stdout
