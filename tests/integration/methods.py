# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One scenario per migration method: the apps, databases and variables of a run, and what it must achieve.

The one description of each scenario: the playbook tests (tests/integration), the Molecule scenarios
(extensions/molecule, through molecule_scenario.py), the reliability campaigns (tests/chaos) and the
benchmarks (benchmarks/) all migrate these, and check them with assert_migrated and assert_expected.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from herokusim.testing import BASIC

OLD = "postgresql-lavender-12345"
NEW = "<new>"  # in an expectation, the name of the new primary (DATABASE_URL of target_app after the run)
# Every scenario's window is far shorter in the simulator (a wrong wait shows as a long window).
WINDOW_LIMIT = 120
STANDARD_0 = {"addon": OLD, "app": "sushi", "plan": "standard-0", "version": "15", "seed_rows": 1000,
              "attachments": ["DATABASE", "HEROKU_POSTGRESQL_LAVENDER"]}


@dataclass(frozen=True)
class Method:
    """A migration scenario: run `playbook` with `variables` on a simulator holding `apps` and `databases`."""

    name: str
    playbook: str
    apps: list
    databases: list
    variables: dict
    migration_id: str
    report_method: str          # the report's "method"
    target_app: str = "sushi"   # whose DATABASE_URL the migration changes
    old_primary: str = OLD      # the database migrated
    new_primary: bool = True    # a new add-on becomes DATABASE_URL (else the old one is changed in place)
    plan: str | None = None     # the plan DATABASE_URL must end on
    major: str | None = None    # the PostgreSQL major version it must end on
    writers: tuple = field(default=("sushi",))
    # What else the run must leave, checked by assert_expected (NEW in a name: the new primary).
    new_prefix: str | None = None   # the new primary's name starts with it
    attached: tuple = ()            # (app, attachment, add-on): another app's DATABASE, a name the old one keeps
    pools: dict = field(default_factory=dict)  # {app: {pool: add-on}}, exactly the app's connection pools
    followers: tuple = ()           # (follower, leader)
    left_on: tuple = ()             # (add-on, major version): a database the migration does not upgrade
    report: dict = field(default_factory=dict)  # report fields that must be equal (window_apps)
    steps: tuple = ()               # the report's steps, in order
    reason: str | None = None       # in the report's reason for the method
    follow_ups: tuple = ()          # each in one of the report's manual follow-ups
    output: tuple = ()              # in what the run printed

    @property
    def formations(self):
        return {app["name"]: app["formation"] for app in self.apps}

    def fixture_parts(self):
        """(apps, databases), copies safe to change."""
        return copy.deepcopy(self.apps), copy.deepcopy(self.databases)


def assert_migrated(method, sim):
    """DATABASE_URL of the target app is the migrated database: new or not, on the target plan and version,
    writable. Returns its add-on name."""
    primary = sim.attachments(method.target_app)[("DATABASE", None)]
    assert (primary != method.old_primary) == method.new_primary, (method.name, primary)
    if method.plan:
        assert sim.get(f"/addons/{primary}")["plan"]["name"] == f"heroku-postgresql:{method.plan}", method.name
    if method.major:
        assert sim.database(primary)["postgres_version"].split(".")[0] == method.major, method.name
    assert not sim.database(primary)["following"], method.name
    return primary


def assert_expected(method, sim, report, output=""):
    """The report (done, by the method, naming the old and the new primary, a window under WINDOW_LIMIT seconds) and
    what else the scenario expects: the new primary's name and owner, attachments, pools, followers, versions,
    output. `output`: what the run printed."""
    primary = sim.attachments(method.target_app)[("DATABASE", None)]

    def named(name):
        return name.replace(NEW, primary)

    assert (report["phase"], report["method"]) == ("done", method.report_method), report
    assert (report["old_primary"], report["new_primary"]) == (method.old_primary, primary), report
    assert 0 < report["window_seconds"] < WINDOW_LIMIT, report["window_seconds"]
    for key, value in method.report.items():
        assert report[key] == value, (key, report[key])
    assert not method.steps or tuple(s["step"] for s in report["steps"]) == method.steps, report["steps"]
    assert method.reason is None or method.reason in report["reason"], report["reason"]
    follow_ups = "\n".join(report["manual_follow_ups"])
    assert [f for f in method.follow_ups if f not in follow_ups] == [], report["manual_follow_ups"]
    if method.new_primary:
        assert sim.get(f"/addons/{primary}")["app"]["name"] == method.target_app, primary
    assert method.new_prefix is None or primary.startswith(method.new_prefix), primary
    for app, name, addon in method.attached:
        assert sim.attachments(app).get((name, None)) == named(addon), (app, name)
    for app, pools in method.pools.items():
        found = {name: addon for (name, namespace), addon in sim.attachments(app).items()
                 if namespace == "connection-pooling:default"}
        assert found == {pool: named(addon) for pool, addon in pools.items()}, (app, found)
    for follower, leader in method.followers:
        assert (sim.database(named(follower))["leader"] or {}).get("name") == named(leader), follower
    for addon, major in method.left_on:
        assert sim.database(addon)["postgres_version"].split(".")[0] == major, addon
    assert [f for f in method.output if f not in output] == [], "the run did not print all of " + repr(method.output)


def _upgrade(name, variables, report_method, **kwargs):
    return Method(name, "upgrade_pg.yml", [{"name": "sushi", "formation": {"web": 1, "worker": 1}}], [STANDARD_0],
                  {"app": "sushi", "version": "16", **variables}, "sushi.upgrade_pg.DATABASE.16", report_method,
                  major="16", **kwargs)


def _plan_change(name, database, plan, report_method, **kwargs):
    return Method(name, "change_pg_plan.yml", [{"name": "sushi", "formation": {"web": 1, "worker": 2}}], [database],
                  {"app": "sushi", "plan": plan}, f"sushi.change_pg_plan.DATABASE.{plan}", report_method,
                  new_primary=False, plan=plan, **kwargs)


# The old primary is also sushi-admin's DATABASE_URL, has the default and a custom pool, and a follower.
_CHANGEOVER_FORMATIONS = {"sushi": {"web": 2, "worker": 1}, "sushi-admin": {"worker": 1, "clock": 0}}
_BASIC_FORMATIONS = {app["name"]: app["formation"] for app in BASIC["apps"]}

FOLLOWER_CHANGEOVER = Method(
    "follower_changeover", "change_pg_plan.yml",
    [{"name": app, "formation": formation} for app, formation in _CHANGEOVER_FORMATIONS.items()],
    [{**STANDARD_0, "attached_to": {"sushi-admin": ["DATABASE"]}, "pools": ["DATABASE_CONNECTION_POOL", "REPORTING_POOL"]},
     {"addon": "postgresql-white-22222", "app": "sushi", "plan": "standard-0", "attachments": ["HEROKU_POSTGRESQL_WHITE"],
      "follows": OLD}],
    {"app": "sushi", "plan": "standard-2", "method": "follower_changeover", "recreate_followers": True},
    "sushi.change_pg_plan.DATABASE.standard-2", "follower_changeover", plan="standard-2",
    writers=tuple(_CHANGEOVER_FORMATIONS), new_prefix="sushi-standard-2-",
    # sushi-admin moves with sushi; the old primary keeps its colour name and its follower, the new one gets its own.
    attached=(("sushi-admin", "DATABASE", NEW), ("sushi", "HEROKU_POSTGRESQL_LAVENDER", OLD)),
    pools={"sushi": {"DATABASE_CONNECTION_POOL": NEW, "REPORTING_POOL": NEW}},
    followers=((f"{NEW}-f1", NEW), ("postgresql-white-22222", OLD)),
    report={"window_apps": ["sushi", "sushi-admin"]},
    steps=("preflight", "prepare", "window_enter", "cutover", "census_compare", "post_cutover", "window_leave", "finish"),
    follow_ups=("dataclips",))

PRIVATE_SPACE = Method(
    "private_space", "migrate_to_private_space.yml", copy.deepcopy(BASIC["apps"]), copy.deepcopy(BASIC["databases"]),
    {"app": "sushi", "database": "HEROKU_POSTGRESQL_GREEN", "target_app": "private-spaces-example", "plan": "private-0"},
    "sushi.migrate_to_private_space.HEROKU_POSTGRESQL_GREEN.private-0.private-spaces-example", "follower_changeover",
    target_app="private-spaces-example", old_primary="looking-simply-2449", plan="private-0", writers=tuple(_BASIC_FORMATIONS),
    # The new database is the Private Space app's; sushi keeps its own DATABASE_URL and still sees the old one.
    new_prefix="private-spaces-example-private-0-",
    attached=(("sushi", "DATABASE", OLD), ("sushi", "HEROKU_POSTGRESQL_GREEN", "looking-simply-2449")),
    report={"window_apps": ["private-spaces-example", "sushi"]},
    follow_ups=("sushi still uses looking-simply-2449 as HEROKU_POSTGRESQL_GREEN",),
    output=("000 C",))  # the plan printed names the procedure auto chose

PG_UPGRADE_FOLLOWER = _upgrade("pg_upgrade_follower", {"plan": "standard-2"}, "pg_upgrade (follower)", plan="standard-2",
                               left_on=((OLD, "15"),))
PG_UPGRADE_DIRECT = _upgrade("pg_upgrade_direct", {}, "pg_upgrade (direct)", new_primary=False)
PG_COPY = _upgrade("pg_copy", {"method": "pg_copy"}, "pg_copy", plan="standard-0", left_on=((OLD, "15"),),
                   follow_ups=("default credential",))  # what pg:copy does not copy
PG_UPGRADE_IN_PLACE = Method(
    "pg_upgrade_in_place", "upgrade_pg.yml", [{"name": "sushi", "formation": {"web": 1, "worker": 1}}],
    [{"addon": OLD, "app": "sushi", "plan": "essential-0", "version": "15", "seed_rows": 100}],
    {"app": "sushi", "version": "16"}, "sushi.upgrade_pg.DATABASE.16", "pg_upgrade (in_place)",
    new_primary=False, major="16")
# auto prefers addons:upgrade within a tier.
ADDONS_UPGRADE_STANDARD = _plan_change("addons_upgrade_standard", {**STANDARD_0, "seed_rows": 500}, "standard-2",
                                       "addons_upgrade (standard)", reason="preferred")
ADDONS_UPGRADE_ESSENTIAL = _plan_change(
    "addons_upgrade_essential", {"addon": OLD, "app": "sushi", "plan": "essential-0", "seed_rows": 100}, "essential-1",
    "addons_upgrade (essential)", reason="preferred")

# The plain follower changeover of one app's database (FOLLOWER_CHANGEOVER adds a second app, pools, a follower).
CHANGEOVER = Method(
    "follower_changeover_one_app", "change_pg_plan.yml", [{"name": "sushi", "formation": {"web": 2, "worker": 1}}],
    [STANDARD_0], {"app": "sushi", "plan": "standard-2", "method": "follower_changeover"},
    "sushi.change_pg_plan.DATABASE.standard-2", "follower_changeover", plan="standard-2", new_prefix="sushi-standard-2-",
    attached=(("sushi", "HEROKU_POSTGRESQL_LAVENDER", OLD),), report={"window_apps": ["sushi"]},
    steps=FOLLOWER_CHANGEOVER.steps)


def _advanced(name, variant, **variables):
    """migrate_to_advanced with one of Heroku's two migrations into a new Advanced database (issue 14)."""
    return Method(name, "migrate_to_advanced.yml", [{"name": "sushi", "formation": {"web": 1, "worker": 1}}],
                  [STANDARD_0], {"app": "sushi", "level": "4G-Performance", "advanced_method": variant, **variables},
                  "sushi.migrate_to_advanced.DATABASE.4G-Performance", f"advanced_migration ({variant})",
                  plan="advanced", new_prefix="sushi-advanced-", report={"window_apps": ["sushi"]})


ADVANCED_STREAMING = _advanced("advanced_streaming", "streaming")
ADVANCED_SNAPSHOT = _advanced("advanced_snapshot", "snapshot", high_availability=False)

METHODS = {m.name: m for m in (FOLLOWER_CHANGEOVER, PRIVATE_SPACE, PG_UPGRADE_FOLLOWER, PG_UPGRADE_DIRECT,
                               PG_UPGRADE_IN_PLACE, PG_COPY, ADDONS_UPGRADE_STANDARD, ADDONS_UPGRADE_ESSENTIAL,
                               ADVANCED_STREAMING, ADVANCED_SNAPSHOT)}


def essential_fleet(formations):
    """(apps, databases) of a fleet: one app per entry of {app: formation}, each with its own Essential database
    on PostgreSQL 15 (pg-<app>), upgraded in place by upgrade_pg.yml with one inventory host per app."""
    apps = [{"name": app, "formation": dict(formation)} for app, formation in formations.items()]
    databases = [{"addon": f"pg-{app}", "app": app, "plan": "essential-0", "version": "15", "seed_rows": 100}
                 for app in formations]
    return apps, databases


def sized_fleet(rows):
    """(apps, databases) of a fleet of very different sizes: one app per entry of {app: rows}, each with its own
    standard-0 database on PostgreSQL 15 (pg-<app>) of that many rows, which pg:copy copies inside the window."""
    apps = [{"name": app, "formation": {"web": 1}} for app in rows]
    databases = [{"addon": f"pg-{app}", "app": app, "plan": "standard-0", "version": "15", "seed_rows": count,
                  "attachments": ["DATABASE"]} for app, count in rows.items()]
    return apps, databases
