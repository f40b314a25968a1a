# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Bad input: wrong requests are refused with a message naming the problem, before any change.

Refusals run one after the other against one simulator (ZOO) holding every kind of database, each with
its own state directory; the request log must show no successful write (a write Heroku refused changed
nothing) and nothing may differ afterwards. Failures that only appear mid-run (a revoked token, a
follower that never catches up, an upgrade, a copy or a migration to Advanced that fails on Heroku's
side) get a scenario of their own: the run must fail saying why, and the rollback must leave everything
as it was.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness import (Case, assert_complete, assert_no_password, assert_untouched, failure_message, inventory_of, playbook_only,
                     scenario_runner)
from methods import ADVANCED_SNAPSHOT, ADVANCED_STREAMING, CHANGEOVER, OLD, PG_COPY, PG_UPGRADE_DIRECT, STANDARD_0, Method
from playbook_support import Runner

FOLLOWER = "postgresql-white-22222"
ZOO = Method(
    "zoo", "upgrade_pg.yml",
    [{"name": "sushi", "formation": {"web": 1, "worker": 1}}, {"name": "tiny", "formation": {"web": 1}},
     {"name": "fortress", "space": "fortress-space", "shield": True, "formation": {"web": 1}},
     {"name": "pooled", "formation": {"web": 1}}, {"name": "cache", "formation": {"web": 1}}],
    [STANDARD_0,
     {"addon": FOLLOWER, "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_WHITE"], "follows": OLD},
     {"addon": "pg-mini", "app": "sushi", "plan": "mini", "version": "15", "attachments": ["HEROKU_POSTGRESQL_RED"]},
     {"addon": "pg-basic", "app": "sushi", "plan": "basic", "version": "15", "attachments": ["HEROKU_POSTGRESQL_BLUE"]},
     {"addon": "pg-tiny", "app": "tiny", "plan": "essential-0", "version": "15"},
     {"addon": "pg-fortress", "app": "fortress", "plan": "shield-0", "version": "15"},
     # What Heroku's migration to Advanced refuses: server-side connection pools, and (streaming) unlogged tables.
     {"addon": "pg-pooled", "app": "pooled", "plan": "standard-0", "version": "15", "pools": ["DATABASE_CONNECTION_POOL"]},
     {"addon": "pg-cache", "app": "cache", "plan": "standard-0", "version": "15", "unlogged_tables": {"sessions": 100}}],
    {}, "", "", writers=("sushi", "tiny"))


@dataclass
class Refusal:
    name: str
    playbook: str
    variables: dict
    fragments: tuple        # what the message must say
    token: str | None = None
    extra: dict = field(default_factory=dict)


UP, PLAN, SPACE, ADV = "upgrade_pg.yml", "change_pg_plan.yml", "migrate_to_private_space.yml", "migrate_to_advanced.yml"
LEVEL = "4G-Performance"
REFUSALS = [
    Refusal("unknown app", UP, {"app": "no-such-app", "version": "16"}, ("no-such-app", "Couldn't find that app")),
    Refusal("unknown database", PLAN, {"app": "sushi", "database": "HEROKU_POSTGRESQL_NOPE", "plan": "standard-2"},
            ("Unknown database: HEROKU_POSTGRESQL_NOPE",)),
    Refusal("unknown add-on name", UP, {"app": "sushi", "database": "postgresql-nope-1", "version": "16"},
            ("Unknown database: postgresql-nope-1",)),
    Refusal("database of another app", UP, {"app": "sushi", "database": "tiny::DATABASE", "version": "16"},
            ("named on another app",)),
    Refusal("plan that does not exist", PLAN, {"app": "sushi", "plan": "gold-3"}, ("Unknown plan gold-3",)),
    Refusal("plan size that does not exist", PLAN, {"app": "sushi", "plan": "standard-99"},
            ("Couldn't find either the add-on service or the add-on plan of \"heroku-postgresql:standard-99\"",)),
    Refusal("plan missing", PLAN, {"app": "sushi"}, ("plan is required",)),
    Refusal("version missing", UP, {"app": "sushi"}, ("version is required",)),
    Refusal("version not a number", UP, {"app": "sushi", "version": "latest"}, ("version is required",)),
    Refusal("version older", UP, {"app": "sushi", "version": "14"}, ("Version 14 is not newer",)),
    Refusal("version not supported", UP, {"app": "sushi", "version": "17", "supported_versions": [15, 16]},
            ("Version 17 is not one of the supported versions (15, 16)",)),
    Refusal("version Heroku does not offer", UP, {"app": "sushi", "version": "17"},
            ("Postgres version 17 is not available",)),
    Refusal("method of another playbook", UP, {"app": "sushi", "version": "16", "method": "addons_upgrade"},
            ("method=addons_upgrade does not apply to upgrade_pg",)),
    Refusal("direct upgrade with a plan change", UP,
            {"app": "sushi", "version": "16", "plan": "standard-2", "pg_upgrade_variant": "direct"},
            ("pg_upgrade_variant=direct keeps the plan",)),
    Refusal("addons:upgrade to another tier", PLAN, {"app": "sushi", "plan": "essential-0", "method": "addons_upgrade"},
            ("addons:upgrade cannot move postgresql-lavender-12345 from standard-0 to essential-0 (another tier)",)),
    Refusal("Private Space move to a Common Runtime plan", SPACE,
            {"app": "sushi", "target_app": "fortress", "plan": "standard-2"},
            ("A Private Space move needs a private-N or shield-N plan, not standard-2",)),
    Refusal("private plan outside a Private Space", PLAN, {"app": "sushi", "plan": "private-0"},
            ("only available for apps in a Private Space",)),
    Refusal("pg_copy on Shield", UP, {"app": "fortress", "version": "16", "method": "pg_copy"},
            ("pg:copy is not available on Shield plans",)),
    Refusal("pg_copy over the size limit", UP, {"app": "sushi", "version": "16", "method": "pg_copy", "copy_max_bytes": 1000},
            ("bytes: pg:copy is documented for databases under 1000 bytes",)),
    Refusal("pg_upgrade on mini", UP, {"app": "sushi", "database": "HEROKU_POSTGRESQL_RED", "version": "16",
                                       "method": "pg_upgrade"}, ("pg-mini is on the legacy mini plan",)),
    Refusal("pg_upgrade on basic", UP, {"app": "sushi", "database": "pg-basic", "version": "16", "method": "pg_upgrade"},
            ("pg-basic is on the legacy basic plan",)),
    Refusal("follower of an Essential leader", PLAN, {"app": "tiny", "plan": "standard-0", "method": "follower_changeover"},
            ("Followers exist only on Standard, Premium, Private and Shield plans: pg-tiny is on essential-0",)),
    Refusal("follower on an Essential plan", PLAN, {"app": "sushi", "plan": "essential-1", "method": "follower_changeover"},
            ("A follower cannot be on the essential-1 plan",)),
    Refusal("migrating a follower", PLAN, {"app": "sushi", "database": "HEROKU_POSTGRESQL_WHITE", "plan": "standard-2"},
            (f"{FOLLOWER} is a follower of {OLD}: migrate its leader",)),
    Refusal("Advanced: level missing", ADV, {"app": "pooled"}, ("level is required",)),
    Refusal("Advanced: method that does not exist", ADV, {"app": "pooled", "level": LEVEL, "advanced_method": "fast"},
            ("preflight_advanced_method must be one of: auto, snapshot, streaming, got: fast",)),
    Refusal("Advanced: a plan given", ADV, {"app": "pooled", "level": LEVEL, "plan": "standard-2"},
            ("plan and target_app do not apply to migrate_to_advanced",)),
    Refusal("Advanced: follower pools misnamed", ADV,
            {"app": "sushi", "level": LEVEL, "follower_pools": [{"name": "Read_Pool"}, {"name": "readers", "count": 20}]},
            ("follower_pools names Read_Pool", "a pool's count is 1 to 13")),
    Refusal("Advanced from Essential", ADV, {"app": "tiny", "level": LEVEL},
            ("pg-tiny is on essential-0: Heroku migrates only classic", "Change its plan to Standard first")),
    Refusal("Advanced from mini", ADV, {"app": "sushi", "database": "HEROKU_POSTGRESQL_RED", "level": LEVEL},
            ("pg-mini is on mini: Heroku migrates only classic",)),
    Refusal("Advanced from a follower", ADV, {"app": "sushi", "database": "HEROKU_POSTGRESQL_WHITE", "level": LEVEL},
            (f"{FOLLOWER} is a follower of {OLD}: migrate its leader",)),
    Refusal("Advanced with connection pools", ADV, {"app": "pooled", "level": LEVEL},
            ("pg-pooled has server-side connection pools (pooled::DATABASE_CONNECTION_POOL)",
             "does not support PgBouncer connection pooling")),
    Refusal("Advanced with followers and no follower_pools", ADV, {"app": "sushi", "level": LEVEL},
            (f"{OLD} has followers ({FOLLOWER})", "set follower_pools")),
    Refusal("Advanced streaming with unlogged tables", ADV, {"app": "cache", "level": LEVEL, "advanced_method": "streaming"},
            ("pg-cache has unlogged tables: public.sessions", "Use advanced_method=snapshot")),
    Refusal("invalid token", UP, {"app": "sushi", "version": "16"}, ("HTTP 401", "Invalid credentials provided"),
            token="hk-not-a-valid-token"),
]


def refusals_case(refusals, label):
    """The refusals, one after the other, against one ZOO simulator."""

    def run(workdir):
        with scenario_runner(ZOO, workdir) as runner:
            sim = runner.sim
            before = inventory_of(sim, ZOO)
            problems, passed = [], 0
            for i, refusal in enumerate(refusals):
                case_dir = workdir / f"{i:02d}"
                case_dir.mkdir()
                one = Runner(sim, runner.ansible, case_dir / "state")
                runner.ansible.token = refusal.token
                mark = sim.mark()
                completed = one.run(refusal.playbook, **refusal.variables)
                runner.ansible.token = None
                writes = [(r["method"], r["path"], r["status"]) for r in sim.requests_since(mark)
                          if r["method"] != "GET" and not r["path"].startswith("/actions/") and r["status"] < 400]
                message = failure_message(completed.stdout)
                missing = [f for f in refusal.fragments if f not in completed.stdout]
                # A refusal records nothing, or only the plan (when Heroku refused the preparation).
                phases = [json.loads(p.read_text())["phase"] for p in one.state_dir.glob("*.json")
                          if not p.name.endswith(".report.json")]
                if completed.returncode == 0 or missing or writes or set(phases) - {"preflight"}:
                    problems.append(f"{refusal.name}: rc={completed.returncode}, missing {missing}, writes {writes}, "
                                    f"state {phases}; said: {message}")
                else:
                    passed += 1
                print(f"    bad input '{refusal.name}': rc={completed.returncode}: {message}", flush=True)
            assert_untouched(runner, ZOO, before)
            assert not problems, "\n".join(problems)
            return f"{passed} refused before any change, nothing changed"

    return Case("bad-input", label, run)


IN_PLACE_17 = Method("pg_upgrade_in_place_17", "upgrade_pg.yml", [{"name": "tiny", "formation": {"web": 1}}],
                     [{"addon": "pg-tiny", "app": "tiny", "plan": "essential-0", "version": "15", "seed_rows": 100}],
                     {"app": "tiny", "version": "17"}, "tiny.upgrade_pg.DATABASE.17", "pg_upgrade (in_place)",
                     target_app="tiny", old_primary="pg-tiny", new_primary=False, writers=("tiny",))


@dataclass
class MidRun:
    """A failure that only shows once the run is under way: trigger(sim, state_dir) is polled while the run
    goes and acts once (returning True); repair(sim) undoes the cause before the re-run, if there is one."""

    name: str
    method: Method
    trigger: object
    fragments: tuple
    repair: object = None
    timeout: int | None = None


def _new_addon(sim, method):
    return next((a["name"] for a in sim.get("/addons") if a["name"] not in {d["addon"] for d in method.databases}), None)


def _revoke_once_created(sim, _state):
    if _new_addon(sim, PG_COPY):
        sim.admin("DELETE", "/tokens/sim-token")
        return True
    return False


def _pause_once_prepared(sim, state):
    path = state / f"{CHANGEOVER.migration_id}.json"
    if path.exists() and json.loads(path.read_text())["phase"] == "prepared":
        sim.admin("POST", f"/databases/{_new_addon(sim, CHANGEOVER)}/replay", json={"paused": True})
        return True
    return False


def _fail_copy_once_created(sim, _state):
    new = _new_addon(sim, PG_COPY)
    if new:
        sim.admin("POST", f"/databases/{new}/fail-next", json={"operation": "copy"})
    return bool(new)


def _fail_migration_once_created(method):
    """The migration to Advanced, prepared while live, fails on Heroku's side once run in the window."""

    def trigger(sim, _state):
        new = _new_addon(sim, method)
        if new:
            sim.admin("POST", f"/databases/{new}/fail-next", json={"operation": "migration"})
        return bool(new)

    return trigger


def _fail_upgrade(sim, _state):
    sim.admin("POST", f"/databases/{OLD}/fail-next", json={"operation": "upgrade"})
    return True


MID_RUN = [
    MidRun("token revoked mid-run", PG_COPY, _revoke_once_created, ("401", "Invalid credentials provided"),
           repair=lambda sim: sim.admin("POST", "/tokens", json={"token": "sim-token"})),
    MidRun("follower that never catches up", CHANGEOVER, _pause_once_prepared,
           ("Timed out after", "0 commits behind", "Rolled back"),
           repair=lambda sim: sim.admin("POST", f"/databases/{_new_addon(sim, CHANGEOVER)}/replay", json={"paused": False}),
           timeout=20),
    MidRun("upgrade that fails on Heroku's side", PG_UPGRADE_DIRECT, _fail_upgrade,
           ("failed before the cutover", "version upgrade error", "Rolled back: the switch was not made",
            f"{OLD} is still the database of sushi", "re-run the same command"),
           repair=lambda sim: None),
    MidRun("copy that fails on Heroku's side", PG_COPY, _fail_copy_once_created,
           ("failed before the cutover", "Rolled back: the switch was not made", f"{OLD} is still the database of sushi"),
           repair=lambda sim: None),
    *(MidRun(f"migration to Advanced ({method.variables['advanced_method']}) that fails on Heroku's side", method,
             _fail_migration_once_created(method),
             ("injected failure", "Rolled back: the switch was not made", f"{OLD} is still the database of sushi"),
             repair=lambda sim: None)  # the re-run must prepare the failed migration again and complete
      for method in (ADVANCED_STREAMING, ADVANCED_SNAPSHOT)),
    MidRun("version Heroku refuses inside the window", IN_PLACE_17, lambda sim, state: True,
           ("17", "Rolled back: the switch was not made", "pg-tiny is still the database of tiny")),
]


def mid_run_case(failure):
    method = failure.method
    variables = {**method.variables, **({"wait_timeout": failure.timeout} if failure.timeout else {})}

    def run(workdir):
        with scenario_runner(method, workdir) as runner, ThreadPoolExecutor(1) as pool:
            sim = runner.sim
            before = inventory_of(sim, method)
            old = _plan_and_version(sim, method.old_primary)
            done = pool.submit(playbook_only, runner, method.playbook, variables)
            while not failure.trigger(sim, runner.state_dir) and not done.done():
                time.sleep(0.1)
            completed = done.result()
            if failure.repair:  # so that the checks below, and the re-run, can use the API again
                failure.repair(sim)
            assert_no_password(sim, completed)
            said = failure_message(completed.stdout)
            assert completed.returncode != 0, "the run did not fail"
            missing = [f for f in failure.fragments if f not in completed.stdout]
            assert not missing, f"the message does not say {missing}: {said}"
            assert sim.attachments(method.target_app)[("DATABASE", None)] == method.old_primary
            assert _plan_and_version(sim, method.old_primary) == old
            runner.assert_back_as_before(method.formations)
            runner.assert_nothing_lost(*method.writers)
            kept = new_addons(inventory_of(sim, method), before)
            assert len(kept) <= 1, f"more than one new database: {kept}"
            outcome = f"failed mid-run and rolled back, saying: {said}"
            if failure.repair:
                completed = runner.run(method.playbook, **method.variables)
                assert completed.returncode == 0, "the re-run failed:\n" + completed.stdout[-3000:]
                assert_complete(runner, method)
                created = new_addons(inventory_of(sim, method), before)
                assert len(created) == int(method.new_primary), f"databases created: {created}"
                outcome += "; the re-run completed"
            return outcome

    return Case("bad-input", failure.name, run)


def _plan_and_version(sim, addon):
    return sim.get(f"/addons/{addon}")["plan"]["name"], sim.database(addon)["postgres_version"]


def new_addons(inventory, before):
    return [a for a in inventory["addons"] if a[0] == "<new>" and a not in before["addons"]]
