# Copyright: (c) 2026, herokuops.postgres contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: heroku_pg
short_description: Heroku apps with Heroku Postgres databases, one host per app
version_added: 0.1.0
description:
  - Lists the apps of the account (C(GET /apps), every app the account can reach) or of one Heroku team
    (O(team)) that have at least one Heroku Postgres database attached, as one host per app named after the app.
  - Describes each database with the same data as M(herokuops.postgres.heroku_pg_info) (plan and tier,
    version, size, replication) in host variables, and groups the apps by the version, tier and plan of their
    primary database (C(DATABASE_URL)) and by Private Space.
  - The inventory source is a YAML file whose name ends in C(heroku_pg.yml) or C(heroku_pg.yaml).
  - The hosts work with the collection's playbooks as they are (see O(local_connection)), so a fleet can be
    migrated in waves with C(--limit) (C(--limit pg_version_15)) and C(--forks).
  - Host variables never contain database URLs or credentials. Followers and the database a fork came from are
    named by add-on name when they belong to a listed app, otherwise shown as C(host:port/database).
  - "Host variables set on every host:"
  - C(heroku_app), C(heroku_app_id), C(heroku_team) (or V(null)), C(heroku_space) (the Private Space, or V(null)),
    C(heroku_region).
  - C(heroku_pg_databases), one entry per database attached to the app, the primary first, with C(name) (add-on
    name), C(addon_id), C(app) (the app that owns and is billed for it), C(attachments) and C(pools) (its
    attachment and connection pool names on this app), C(primary), C(plan), C(tier), C(provisioned), C(status),
    C(version), C(major_version) (an integer), C(num_bytes), C(num_tables), C(following), C(leader), C(behind_by),
    C(followers) and C(forked_from).
  - "For the primary database, or V(null) when the app has none: C(heroku_pg_database) (add-on name),
    C(heroku_pg_plan), C(heroku_pg_tier), C(heroku_pg_version), C(heroku_pg_major_version)."
  - "C(heroku_pg_attached_apps): the other listed apps the primary database is attached to (under any name),
    sorted; they share its maintenance window. C(heroku_pg_migrating_app): the app through which the fleet
    migrates the primary database (see the groups), this app or another one; V(null) without a primary."
  - "Groups: C(pg_version_<major>), C(tier_<tier>) and C(plan_<plan>) (C(pg_version_15), C(tier_standard),
    C(plan_standard_0)) from the primary database, and C(space_<space>) for apps in a Private Space.
    Characters not valid in group names become C(_)."
  - "The version, tier and plan groups hold each database once, so that a wave (C(--limit pg_version_15)) migrates
    it once: through the app that owns it (the add-on's app) when it is that app's C(DATABASE_URL), else through
    the first app by name whose C(DATABASE_URL) it is. An app whose C(DATABASE_URL) is a database migrated through
    another app (an app that only has another app's database attached) is in the group C(pg_attached_only)
    instead, and listed in that app's C(heroku_pg_attached_apps)."
author:
  - herokuops.postgres contributors (@herokuops)
options:
  plugin:
    description: Marks this file as a source for this plugin.
    type: str
    required: true
    choices: [herokuops.postgres.heroku_pg]
  team:
    description:
      - List the apps of this Heroku team (C(GET /teams/{team}/apps)), by name or id.
      - Without it, every app the account can reach (C(GET /apps)), its own, those it collaborates on and those
        of its teams.
    type: str
  filters:
    description:
      - Conditionals (Jinja2 expressions without C({{ }})) evaluated with each app's host variables; only apps for
        which all of them are true are added to the inventory.
      - An expression that fails leaves the app out with a warning, or fails the inventory when O(strict=true).
    type: list
    elements: str
    default: []
  local_connection:
    description:
      - Set C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}) on every
        host.
      - The hosts are Heroku apps, reached through Heroku's API from the controller, where the collection's
        modules run with the Python running Ansible (which has C(requests)).
      - Set V(false) to choose them yourself (O(compose), C(group_vars)); O(compose) overrides them either way.
    type: bool
    default: true
extends_documentation_fragment:
  - herokuops.postgres.heroku
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
notes:
  - O(api_key) may be a template, for example a lookup or a variable given with C(--extra-vars).
  - Reading an account or team of N apps with D databases makes 1 + N + D requests (more when a list spans
    several pages) - the list of apps, the attachments of each app, the data API's view of each database -
    and none while the cache is fresh (O(cache=true)). Heroku's rate limit (4,500 requests, refilled at 75 a
    minute) is shared by every tool on the account; the client slows down and retries as the modules do
    (O(rate_limit_threshold), O(rate_limit_timeout), O(retries)).
  - "Which app migrates a shared database, and C(heroku_pg_attached_apps), are decided among the listed apps (the
    account's, or O(team)'s): a database whose owner is not listed is migrated through a listed app whose
    C(DATABASE_URL) it is."
  - "O(compose), O(groups) and O(keyed_groups) see every host, C(pg_attached_only) ones included: a group made
    from them can hold one database twice."
  - The cache holds the host variables only, never credentials; O(cache_timeout) bounds how stale they can be.
    C(ansible-inventory --flush-cache) or the task C(ansible.builtin.meta) V(refresh_inventory) reads Heroku again.
"""

EXAMPLES = r"""
# fleet.heroku_pg.yml: every app of the account with a Heroku Postgres database.
# The API key comes from HEROKU_API_KEY or ~/.netrc, as for the Heroku CLI.
plugin: herokuops.postgres.heroku_pg

# ansible-inventory -i fleet.heroku_pg.yml --graph
# ansible-playbook -i fleet.heroku_pg.yml herokuops.postgres.upgrade_pg --limit pg_version_15 --forks 10 -e version=17

---
# The apps of one team with their primary database on Standard and above, read at most once an hour.
plugin: herokuops.postgres.heroku_pg
team: acme
api_key: "{{ lookup('ansible.builtin.env', 'ACME_HEROKU_API_KEY') }}"
filters:
  - heroku_pg_tier not in ['essential', 'legacy_essential']
  - heroku_pg_major_version is not none
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/heroku_pg_inventory
cache_timeout: 3600
compose:
  # A variable of the collection's playbooks, per host: upgrade_pg moves standard-0 databases to
  # standard-2 as it upgrades them, and keeps the others on their plan.
  plan: "'standard-2' if heroku_pg_plan == 'standard-0' else heroku_pg_plan"
groups:
  large: heroku_pg_databases | map(attribute='num_bytes') | select('number') | sum > 10 * 1024 ** 3
keyed_groups:
  # region_us, region_eu
  - key: heroku_region
    prefix: region
  # every version any database of the app runs, followers included: any_version_15, any_version_16
  - key: heroku_pg_databases | map(attribute='major_version') | select('number') | list
    prefix: any_version
"""

import hashlib
from urllib.parse import quote

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.template import trust_as_template
from ansible.utils.vars import combine_vars
from ansible_collections.herokuops.postgres.plugins.module_utils._client import (
    HAS_REQUESTS,
    HerokuAPIError,
    HerokuClient,
    HerokuError,
    api_urls,
    heroku_argument_spec,
)
from ansible_collections.herokuops.postgres.plugins.module_utils._attachments import list_pg_attachments
from ansible_collections.herokuops.postgres.plugins.module_utils._pginfo import database_info, not_provisioned
from ansible_collections.herokuops.postgres.plugins.module_utils._names import plan_tier

POOL_NAMESPACE = "connection-pooling:"
# Host variables for the primary database: name -> key of its heroku_pg_databases entry.
PRIMARY_VARS = {
    "heroku_pg_database": "name",
    "heroku_pg_plan": "plan",
    "heroku_pg_tier": "tier",
    "heroku_pg_version": "version",
    "heroku_pg_major_version": "major_version",
}
# Built-in groups: prefix -> host variable. Those of DATABASE_GROUPS hold each database once (its migrating app).
GROUP_VARS = {
    "pg_version": "heroku_pg_major_version",
    "tier": "heroku_pg_tier",
    "plan": "heroku_pg_plan",
    "space": "heroku_space",
}
DATABASE_GROUPS = ("pg_version", "tier", "plan")
ATTACHED_ONLY_GROUP = "pg_attached_only"
# Part of the cache key: a cache written by an older release (without heroku_pg_migrating_app) is not used.
CACHE_FORMAT = 2


def _major(version):
    """15 from "15.7"; None when unknown."""
    head = (version or "").split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _database(addon, attachments, info):
    """One heroku_pg_databases entry: the add-on, its attachments on this app, the data API's view (or None)."""
    plan = addon["plan"]["name"].split(":", 1)[-1]
    plain = [att for att in attachments if not att.get("namespace")]
    entry = {
        "name": addon["name"],
        "addon_id": addon["id"],
        "app": addon["app"]["name"],
        "attachments": sorted(att["name"] for att in plain),
        "pools": sorted(att["name"] for att in attachments if (att.get("namespace") or "").startswith(POOL_NAMESPACE)),
        "primary": any(att["name"] == "DATABASE" for att in plain),
        "plan": plan,
        "tier": plan_tier(plan),
        "provisioned": info is not None,
    }
    if info is None:
        return {**entry, "status": None, "version": None, "major_version": None, "num_bytes": None,
                "num_tables": None, "following": False, "leader": None, "behind_by": None, "followers": [],
                "forked_from": None}
    return {
        **entry,
        "plan": info["plan"] or plan,
        "tier": info["tier"] or entry["tier"],
        "status": info["status"],
        "version": info["version"],
        "major_version": _major(info["version"]),
        "num_bytes": info["num_bytes"],
        "num_tables": info["num_tables"],
        "following": info["following"],
        "leader": info["leader"]["name"] if info["leader"] else None,
        "behind_by": info["behind_by"],
        "followers": info["followers"],
        "forked_from": info["forked_from"],
    }


def _shared(hosts):
    """The host variables with heroku_pg_attached_apps and heroku_pg_migrating_app, from every listed app's databases.

    A database is migrated through its owner when it is the owner's primary, else through the first app (by name)
    whose primary it is: one host per database, whichever apps it is attached to.
    """
    hosts = list(hosts)
    attached, primary_of = {}, {}
    for host in hosts:
        for db in host["heroku_pg_databases"]:
            attached.setdefault(db["name"], []).append(host["heroku_app"])
        if host["heroku_pg_database"] is not None:
            primary_of.setdefault(host["heroku_pg_database"], []).append(host["heroku_app"])
    for host in hosts:
        app, name = host["heroku_app"], host["heroku_pg_database"]
        if name is None:
            host.update(heroku_pg_attached_apps=[], heroku_pg_migrating_app=None)
            continue
        owner = host["heroku_pg_databases"][0]["app"]
        host["heroku_pg_attached_apps"] = sorted(set(attached[name]) - {app})
        host["heroku_pg_migrating_app"] = owner if owner in primary_of[name] else min(primary_of[name])
    return hosts


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "herokuops.postgres.heroku_pg"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("heroku_pg.yml", "heroku_pg.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        # The same file can point at another API (HEROKU_HOST) or team: both are part of the cache key.
        scope = f"{api_urls(self.get_option('api_url'), self.get_option('data_api_url'))} {self.get_option('team')} {CACHE_FORMAT}"
        cache_key = f"{self.get_cache_key(path)}_{hashlib.sha256(scope.encode()).hexdigest()[:8]}"
        use_cache = self.get_option("cache")
        hosts = None
        if use_cache and cache:
            hosts = self._cache.get(cache_key)
        if hosts is None:
            hosts = self._fetch()
            if use_cache:
                self._cache[cache_key] = hosts
        for hostvars in hosts:
            self._add_host(hostvars)

    def _client(self):
        if not HAS_REQUESTS:
            raise AnsibleError("The herokuops.postgres.heroku_pg inventory plugin needs the Python library requests "
                               "in the Python running Ansible.")
        options = {name: self.get_option(name) for name in heroku_argument_spec()}
        if options["api_key"]:
            self.templar.available_variables = self._vars  # --extra-vars
            options["api_key"] = self.templar.template(options["api_key"])
        return HerokuClient(**options)

    def _fetch(self):
        """Host variables of every app with a Heroku Postgres database, sorted by app name."""
        team = self.get_option("team")
        try:
            client = self._client()
            apps = client.get_all(f"/teams/{quote(team, safe='')}/apps" if team else "/apps")
            found, infos = [], {}
            for app in sorted(apps, key=lambda app: app["name"]):
                attachments = list_pg_attachments(client, app["name"])
                by_addon = {}
                for attachment in attachments:
                    by_addon.setdefault(attachment["addon"]["id"], []).append(attachment)
                for addon_id, of_addon in by_addon.items():
                    if addon_id not in infos:
                        infos[addon_id] = self._database_info(client, of_addon[0]["addon"])
                if by_addon:
                    found.append((app, by_addon))
        except HerokuError as exc:
            raise AnsibleError(f"herokuops.postgres.heroku_pg: {exc}") from None
        # Followers and forks the data API shows as host:port/database, named when they are in the fleet.
        names = {info["resource_url"]: info["name"] for info in infos.values() if info and info["resource_url"]}
        for info in filter(None, infos.values()):
            info["followers"] = [names.get(url, url) for url in info["followers"]]
            info["forked_from"] = names.get(info["forked_from"], info["forked_from"])
        return _shared(self._hostvars(app, by_addon, infos) for app, by_addon in found)

    @staticmethod
    def _database_info(client, addon):
        try:
            return database_info(client, addon["id"])
        except HerokuAPIError as exc:
            if not_provisioned(exc):
                return None
            raise

    @staticmethod
    def _hostvars(app, by_addon, infos):
        databases = [_database(of_addon[0]["addon"], of_addon, infos[addon_id]) for addon_id, of_addon in by_addon.items()]
        databases.sort(key=lambda db: (not db["primary"], db["name"]))
        primary = databases[0] if databases[0]["primary"] else {}
        return {
            "heroku_app": app["name"],
            "heroku_app_id": app["id"],
            "heroku_team": (app.get("team") or {}).get("name"),
            "heroku_space": (app.get("space") or {}).get("name"),
            "heroku_region": (app.get("region") or {}).get("name"),
            "heroku_pg_databases": databases,
            **{var: primary.get(key) for var, key in PRIMARY_VARS.items()},
        }

    def _add_host(self, hostvars):
        name = hostvars["heroku_app"]
        strict = self.get_option("strict")
        if not self._selected(name, hostvars, strict):
            return
        if self.get_option("local_connection"):
            hostvars = {**hostvars, "ansible_connection": "local",
                        "ansible_python_interpreter": trust_as_template("{{ ansible_playbook_python }}")}
        self.inventory.add_host(name)
        for var, value in hostvars.items():
            self.inventory.set_variable(name, var, value)
        borrowed = hostvars["heroku_pg_migrating_app"] not in (None, name)
        if borrowed:
            self.inventory.add_child(self.inventory.add_group(ATTACHED_ONLY_GROUP), name)
        for prefix, var in GROUP_VARS.items():
            if hostvars[var] is not None and not (borrowed and prefix in DATABASE_GROUPS):
                self.inventory.add_child(self.inventory.add_group(self._sanitize_group_name(f"{prefix}_{hostvars[var]}")), name)
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)

    def _selected(self, name, hostvars, strict):
        """Whether every condition in filters holds for this app."""
        variables = combine_vars(hostvars, self._vars) if self.get_option("use_extra_vars") else hostvars
        for condition in self.get_option("filters"):
            self.templar.available_variables = variables
            try:
                if not self.templar.evaluate_conditional(condition):
                    return False
            except Exception as exc:  # pylint: disable=broad-exception-caught  # any template error, as compose does
                if strict:
                    raise AnsibleParserError(f"Could not evaluate filter {condition!r} for app {name}: {exc}") from exc
                self.display.warning(f"Leaving app {name} out: could not evaluate filter {condition!r}: {exc}")
                return False
        return True
