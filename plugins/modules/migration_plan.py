#!/usr/bin/python
# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_plan
short_description: Plan a Heroku Postgres migration from the request and the databases Heroku describes
version_added: 0.2.0
description:
  - Decides, before any change, how a database is migrated the way Heroku's documents say. The method
    (or the one C(auto) recommends, and why), the refusals, the name of the new database, the apps of
    the maintenance window, the steps, the expected preparation and downtime, and the manual follow-ups.
  - Reads nothing itself and calls no API; O(databases) is what M(herokuops.postgres.heroku_pg_info)
    returned for O(app). It runs inside the controller's own process (an action plugin).
  - Outside a Private Space move, the new database is created on the app that owns the old one, whichever
    app names it, unless O(target_app) says otherwise.
  - The role C(herokuops.postgres.preflight) calls it and sets the fact C(preflight_plan) from RV(plan).
author:
  - herokuops.postgres contributors (@herokuops)
options:
  migration:
    description: Which procedure.
    type: str
    required: true
    choices: [upgrade_pg, change_pg_plan, migrate_to_private_space, migrate_to_advanced]
  app:
    description: The app the database is named on.
    type: str
    required: true
  database:
    description:
      - The database, as the Heroku CLI names it on O(app) (V(DATABASE_URL), V(HEROKU_POSTGRESQL_WHITE), an
        add-on name).
    type: str
    default: DATABASE_URL
  method:
    description:
      - V(auto) chooses what Heroku's documents recommend and says why.
      - V(upgrade_pg) takes V(pg_upgrade) or V(pg_copy); V(change_pg_plan) takes V(addons_upgrade),
        V(follower_changeover) or V(pg_copy); V(migrate_to_private_space) takes V(follower_changeover);
        V(migrate_to_advanced) takes V(advanced_migration).
    type: str
    default: auto
    choices: [auto, pg_upgrade, pg_copy, addons_upgrade, follower_changeover, advanced_migration]
  pg_upgrade_variant:
    description:
      - How V(pg_upgrade) upgrades a Standard-tier or higher database; V(auto) takes V(follower) when the plan
        changes too, otherwise V(direct). Essential databases are always upgraded in place.
    type: str
    default: auto
    choices: [auto, direct, follower]
  version:
    description: Target major PostgreSQL version, for example V(16). Required by V(upgrade_pg).
    type: str
    default: ""
  target_plan:
    description:
      - Target plan, for example V(standard-2) or V(private-4). Required by V(change_pg_plan) and
        V(migrate_to_private_space); with V(upgrade_pg), the plan of the new database (by default the current one).
    type: str
    default: ""
  target_app:
    description:
      - The app that gets the new database as its C(DATABASE_URL). In a Private Space move, the app in the space
        (default O(app)); otherwise by default the app that owns the old database.
    type: str
    default: ""
  supported_versions:
    description: Major versions Heroku offers now; when empty, any version is planned and Heroku refuses an unavailable one.
    type: list
    elements: str
    default: []
  copy_max_bytes:
    description: Largest database that V(pg_copy) accepts.
    type: int
    default: 10737418240
  recreate_followers:
    description: Whether followers of the old primary are re-created on the new one after the window.
    type: raw
    default: false
  advanced_method:
    description:
      - With V(migrate_to_advanced), how Heroku's migration copies the data. V(streaming) copies it while live and
        replicates every change until the run (minimal downtime); V(snapshot) copies it all when the migration runs,
        inside the window, and keeps unlogged tables. V(auto) takes V(streaming) unless the database has unlogged
        tables (logical replication never sends their rows) or tables without a primary key or replica identity
        (it cannot carry their UPDATE and DELETE), then V(snapshot).
    type: str
    default: auto
    choices: [auto, snapshot, streaming]
  level:
    description: With V(migrate_to_advanced), required, the level of the Advanced database's leader, for example V(4G-Performance).
    type: str
    default: ""
  high_availability:
    description: With V(migrate_to_advanced), whether the Advanced database's leader has a standby.
    type: raw
    default: true
  follower_pools:
    description:
      - With V(migrate_to_advanced), the follower pools of the Advanced database, a list of C(name), C(count),
        C(level). Followers of the old primary are not migrated, so a database with followers is refused unless
        this is given; V([]) migrates without any.
    type: raw
  databases:
    description: The RV(herokuops.postgres.heroku_pg_info#module:databases) of O(app).
    type: list
    elements: dict
    required: true
  inside:
    description:
      - What M(herokuops.postgres.heroku_pg_inspect) returned for the database (inspected or not); omitted when the
        inspection was skipped.
      - "Unlogged tables refuse the methods whose new primary was a follower (it has them empty): follower
        changeover, the follower pg:upgrade, addons:upgrade on Standard and above. With O(method=auto), pg:copy is
        chosen instead where it applies. Beyond pg:upgrade's documented limits (1,000 schemas, 10,000 objects),
        pg:upgrade is refused unless O(upgrade_tested)."
    type: dict
  accept_unlogged_loss:
    description: Accept that the new primary has the unlogged tables empty; the plan lists them in its follow-ups.
    type: bool
    default: false
  upgrade_tested:
    description:
      - Say that pg:upgrade was tested on this database (C(heroku pg:upgrade:dryrun), or an upgrade of a fork), so
        that a database beyond the documented limits may still be upgraded.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - Changes nothing in any mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Not in the C(heroku) action group, since it does not talk to Heroku.
"""

EXAMPLES = r"""
- name: Read the app's databases
  herokuops.postgres.heroku_pg_info:
    app: sushi
  register: info

- name: Plan the change to standard-2
  herokuops.postgres.migration_plan:
    migration: change_pg_plan
    app: sushi
    target_plan: standard-2
    databases: "{{ info.databases }}"
  register: planned

- name: Refuse what the documents rule out
  ansible.builtin.fail:
    msg: "{{ planned.errors | join(' ') }}"
  when: planned.errors | length > 0
"""

RETURN = r"""
errors:
  description: Why the request is refused, one sentence each; V([]) when it is not.
  returned: always
  type: list
  elements: str
  sample: ["Unknown plan gold-3: expected essential-N, standard-N, premium-N, private-N or shield-N."]
plan:
  description:
    - The plan; V(null) when the request is refused. C(action) is V(migrate), or V(nothing_to_do) when the
      database already is what was asked for.
  returned: always
  type: dict
  contains:
    id:
      description: The migration's id (and its state file's name), the same for the same request.
      type: str
      sample: sushi.change_pg_plan.DATABASE.standard-2
    migration:
      description: The procedure.
      type: str
      sample: change_pg_plan
    action:
      description: V(migrate) or V(nothing_to_do).
      type: str
      sample: migrate
    message:
      description: V(planned), or what the database already is.
      type: str
      sample: planned
    app:
      description: The app the database was named on.
      type: str
      sample: sushi
    target_app:
      description: The app that gets the new database (or keeps the upgraded one) as C(DATABASE_URL).
      type: str
      sample: sushi
    method:
      description: V(pg_upgrade), V(pg_copy), V(addons_upgrade), V(follower_changeover) or V(advanced_migration).
      type: str
      sample: addons_upgrade
    variant:
      description:
        - V(direct), V(follower) or V(in_place) for V(pg_upgrade); V(standard) or V(essential) for V(addons_upgrade);
          V(snapshot) or V(streaming) for V(advanced_migration); otherwise V(null).
      type: str
      sample: standard
    reason:
      description: Why this method, with the document that says so.
      type: str
    old_primary:
      description: The database migrated (C(name), C(app) that owns it, C(plan), C(tier), C(version), C(num_bytes), C(attachments), C(pools), C(followers)).
      type: dict
    target:
      description: C(version), C(plan) and a C(description) of the result.
      type: dict
    new_database:
      description: The name of the new database, for the methods that create one; else V(null).
      type: str
      sample: sushi-standard-2-261204163000
    copy_max_bytes:
      description: O(copy_max_bytes).
      type: int
    new_database_follows:
      description: Whether the new database starts as a follower of the old one.
      type: bool
    creates_new_primary:
      description: Whether a new database is promoted to C(DATABASE_URL).
      type: bool
    window_apps:
      description: The apps of the maintenance window, every app the database is attached to and the target app.
      type: list
      elements: str
    other_attachments:
      description: The old database's attachments on other apps than the target app, to move to the new database.
      type: list
      elements: dict
    followers:
      description: The followers (C(name), C(app), C(plan)) to re-create on the new database after the window.
      type: list
      elements: dict
    preparation:
      description: How long the preparation takes, with the app live.
      type: str
    downtime:
      description: The expected downtime.
      type: str
    steps:
      description: The steps, in order.
      type: list
      elements: str
    manual_follow_ups:
      description: What the collection cannot do and someone must.
      type: list
      elements: str
    advanced:
      description:
        - Only with V(migrate_to_advanced), the Advanced database to create and how to migrate into it
          (C(method) V(snapshot) or V(streaming), C(level), C(high_availability), C(follower_pools)).
      type: dict
      returned: with migrate_to_advanced
"""
