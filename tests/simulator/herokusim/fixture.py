"""Scenario fixtures: a YAML file that sets up tokens, apps, databases and timings at once.

    tokens: [sim-token]
    timings: {provision_seconds: 1, apply_delay_ms: 0, write_interval: 0.05, ...}
    apps:
      - name: sushi
        region: us                      # optional (us)
        space: example-space            # optional: the app runs in this Private Space
        shield: false                   # optional: a Shield space
        team: acme                      # optional: a team app (GET /teams/acme/apps lists it)
        formation: {web: 1, worker: 1}  # process types and quantities; `release` adds a release phase
        config: {RAILS_ENV: production} # optional user config vars
    databases:
      - addon: postgresql-lavender-12345
        app: sushi                      # billing app
        plan: standard-0                # or advanced (advanced-private, advanced-shield) with a level:
        level: 4G-Performance           # Advanced: the leader pool's level
        high_availability: true         # optional, Advanced: the leader pool's standby (true)
        version: "15"                   # optional: newest available
        attachments: [DATABASE, HEROKU_POSTGRESQL_LAVENDER]   # optional: colour (+ DATABASE if free)
        attached_to: {other-app: [DATABASE]}                  # optional: attachments on other apps
        pools: [DATABASE_CONNECTION_POOL]                     # optional: connection pools on `app`
        seed_rows: 1000                 # optional: rows in a sample table `items`
        unlogged_tables: {sessions: 1000}  # optional: UNLOGGED tables with that many rows (a follower
                                        # streams them empty, as PostgreSQL does)
        keyless_tables: {audit: 100}    # optional: tables without a primary key (a streaming migration's
                                        # publication makes the source refuse their UPDATE and DELETE)
        schemas: 1001                   # optional: schemas tenant_1..N, each with a table `accounts`
        objects: 10001                  # optional: views object_1..N in public (one object each)
        extensions: [hstore, pg_trgm]   # optional: trusted extensions this version's build has
        large_objects: 10               # optional: small large objects
        publications: [everything]      # optional: publications of the permanent tables in public
        follows: postgresql-other-1     # optional: a follower of that add-on (listed earlier)
        apply_delay_ms: 0               # optional: this follower's replay delay

The contents (seed_rows to publications) are made by the database's own role, on a leader only
(a follower gets them by replication). Schemas and objects count towards pg:upgrade's limits
(timings `upgrade_max_schemas`, `upgrade_max_objects`).

Databases are created in parallel (leaders first, then followers), so a scenario with
several databases starts in seconds.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml


from .model import Addon
from .naming import colour_from_name
from .ops import addons as addon_ops
from .ops.advanced import leader_pool
from .ops.attachments import attach, attach_pool
from .sim import Simulator
from .timings import Timings

_APP_KEYS = {"name", "region", "space", "shield", "team", "formation", "config"}
_CONTENT_KEYS = {"unlogged_tables", "keyless_tables", "schemas", "objects", "extensions", "large_objects",
                 "publications"}
_DB_KEYS = {"addon", "app", "plan", "version", "attachments", "attached_to", "pools",
            "seed_rows", "follows", "apply_delay_ms", "level", "high_availability"} | _CONTENT_KEYS


def read(path: Path) -> dict:
    raw = yaml.safe_load(Path(path).read_text()) or {}
    unknown = set(raw) - {"tokens", "timings", "apps", "databases"}
    if unknown:
        raise ValueError(f"unknown fixture sections: {', '.join(sorted(unknown))}")
    return raw


def timings(raw: dict) -> Timings:
    return Timings.from_dict(raw.get("timings"))


def load(sim: Simulator, raw: dict) -> None:
    sim.store.tokens.update(str(t) for t in raw.get("tokens") or [])
    for spec in raw.get("apps") or []:
        _check(spec, _APP_KEYS, "app")
        sim.create_app(spec["name"], region=spec.get("region", "us"), space=spec.get("space"),
                       shield=bool(spec.get("shield")), formation=spec.get("formation"),
                       config=spec.get("config"), team=spec.get("team"))
    specs = raw.get("databases") or []
    for spec in specs:
        _check(spec, _DB_KEYS, "database")
        if spec.get("follows") and _CONTENT_KEYS & set(spec):
            raise ValueError(f"{spec['addon']}: a follower gets its contents from its leader")
    # Databases with named attachments register first so that the colours they name are
    # taken before any other database draws a free one.
    specs = sorted(specs, key=lambda s: not s.get("attachments"))
    leaders = [s for s in specs if not s.get("follows")]
    followers = [s for s in specs if s.get("follows")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for batch in (leaders, followers):
            addons = [_register(sim, s) for s in batch]
            list(pool.map(lambda pair: _provision(sim, *pair), zip(addons, batch)))
    for app in sim.store.apps.values():
        sim.apply_formation(app)


def _check(spec: dict, allowed: set, what: str) -> None:
    unknown = set(spec) - allowed
    if unknown:
        raise ValueError(f"unknown {what} fields in fixture: {', '.join(sorted(unknown))}")


def _register(sim: Simulator, spec: dict) -> Addon:
    app = sim.store.apps[spec["app"]]
    plan = addon_ops.find_plan(spec.get("plan", "standard-0"))
    leader = sim.store.addon(spec["follows"]) if spec.get("follows") else None
    version = str(spec.get("version") or (leader.db.version if leader else sim.versions[-1]))
    if version not in sim.versions:
        raise ValueError(f"{spec['addon']}: version {version} is not available ({sim.versions})")
    addon = addon_ops.register(sim, app, plan, version, name=spec["addon"], leader=leader,
                               apply_delay_ms=int(spec.get("apply_delay_ms", sim.timings.apply_delay_ms)))
    if plan.advanced:
        addon.db.pools = [leader_pool({"level": spec.get("level"), "high-availability": spec.get("high_availability")})]
    names = spec.get("attachments") or []
    colour = next(filter(None, map(colour_from_name, names)), None)
    if colour:
        addon.colour = colour
    if not names:
        names = [f"HEROKU_POSTGRESQL_{addon.colour}"]
        if sim.store.attachment_named(app.name, "DATABASE") is None and not leader:
            names.append("DATABASE")
    for name in names:
        attach(sim, addon, app, name, restart=False)
    for other, other_names in (spec.get("attached_to") or {}).items():
        for name in other_names:
            attach(sim, addon, sim.store.apps[other], name, restart=False)
    for pool in spec.get("pools") or []:
        if not plan.production:
            raise ValueError(f"{addon.name}: connection pools need a Standard plan or above")
        attach_pool(sim, addon, app, pool)
    return addon


def _provision(sim: Simulator, addon: Addon, spec: dict) -> None:
    # Fixtures describe databases that already exist: no simulated provisioning delay.
    if addon.db.leader_id:
        leader = sim.store.addons[addon.db.leader_id]
        cluster = sim.pg.create_replica(addon.name, leader.db.cluster, addon.db.apply_delay_ms)
    else:
        cluster = sim.pg.create_primary(addon.name, addon.db.version)
        if spec.get("seed_rows"):
            cluster.seed(int(spec["seed_rows"]))
        cluster.fill(**{key: spec[key] for key in _CONTENT_KEYS if key in spec})
    with sim.store.lock:
        addon.db.cluster, addon.db.status, addon.state = cluster, "Available", "provisioned"
        for pool in addon.db.pools:
            pool.status = "available"
