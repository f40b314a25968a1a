"""The simulator's state: apps, add-ons, attachments and the databases behind them.

One re-entrant lock (`Store.lock`) guards every mutation; long work (clusters, copies,
upgrades) runs outside it in jobs and takes the lock only to publish its result.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .plans import Plan

ACCOUNT_ID = "5a7e8f02-9a7c-4c7b-9d1e-5f3c1b2a4d6e"
ACCOUNT_EMAIL = "sim@herokusim.local"


@dataclass
class Release:
    id: str
    version: int
    description: str
    status: str                      # pending | succeeded | failed
    created_at: dt.datetime
    updated_at: dt.datetime
    current: bool = True


@dataclass
class Formation:
    id: str
    type: str
    quantity: int
    size: str = "Standard-1X"
    command: str = ""
    created_at: dt.datetime = field(default_factory=clock.now)
    updated_at: dt.datetime = field(default_factory=clock.now)


@dataclass
class App:
    id: str
    name: str
    region: str = "us"
    space: str | None = None
    shield: bool = False
    team: str | None = None          # owning Heroku team; None: a personal app
    maintenance: bool = False
    formation: dict[str, Formation] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)      # user-set config vars
    releases: list[Release] = field(default_factory=list)
    created_at: dt.datetime = field(default_factory=clock.now)
    updated_at: dt.datetime = field(default_factory=clock.now)

    @property
    def has_release_phase(self) -> bool:
        return "release" in self.formation


@dataclass
class Upgrade:
    """A version upgrade's progress, as `upgrade/wait_status` reports it."""
    target: str
    state: str                       # preparing | scheduled | running | done | failed | cancelled
    step: str | None = None
    message: str = ""
    scheduled_for: dt.datetime | None = None


@dataclass
class Maintenance:
    """A data maintenance (finishing an addons:upgrade on Standard and above)."""
    status: str                      # preparing | ready | running | completed
    method: str
    reason: str
    target_plan: str
    server_created_at: dt.datetime = field(default_factory=clock.now)
    scheduled_for: dt.datetime | None = None
    previously_scheduled_for: dt.datetime | None = None
    required_by: dt.datetime | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    replacement: Any = None          # the prepared replacement cluster


@dataclass
class Pool:
    """An Advanced database's instance pool. The leader pool is the add-on's real cluster (its
    HA standby is shown, not run); a follower pool has no replica behind it: the simulator
    models its level, count and status only."""
    id: str
    name: str                        # "leader", or the follower pool's name
    level: str
    count: int                       # leader: 2 with high availability, 1 without
    status: str = "provisioning"     # provisioning | modifying | available
    removing: bool = False           # a follower pool being destroyed: gone once settled


@dataclass
class Migration:
    """data:pg:migrate: a classic database's migration onto an Advanced one (the target, which
    holds it)."""
    id: str
    source_id: str
    target_id: str
    method: str                      # full-load (snapshot) | cdc (streaming)
    status: str = "preparing"        # preparing | ready | migrating | completed | failed | cancelled
    status_description: str | None = None
    full_load_progress: int | None = None
    tables_errored: int | None = None
    last_error_message: str | None = None
    stop_reason: str | None = None
    preassessment: list[dict] = field(default_factory=list)
    expires_at: dt.datetime | None = None   # a ready migration fails when not run by then
    stream: Any = None               # cdc: the pg.logical.Stream from source to target

    ACTIVE = ("creating_target", "preparing", "ready", "migrating", "promoting")

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE


@dataclass
class Database:
    """The data-API side of a Heroku Postgres add-on: a real cluster once provisioned."""
    version: str
    cluster: Any = None              # herokusim.pg cluster; None while provisioning
    status: str = "Creating"         # Creating | Available | Upgrading | Preparing | …
    leader_id: str | None = None     # add-on id this database follows
    forked_from_id: str | None = None
    forked_at: dt.datetime | None = None
    apply_delay_ms: int = 0
    replay_paused: bool = False
    read_only: bool = False
    failure: str | None = None       # provisioning error shown by wait_status
    upgrade: Upgrade | None = None
    maintenance: Maintenance | None = None
    window: str = "Thursdays 21:30 to Fridays 01:30 UTC"   # data:maintenances:window
    previous_window: str | None = None
    fail_next: set[str] = field(default_factory=set)   # injected failures: upgrade, copy, migration
    pools: list[Pool] = field(default_factory=list)    # Advanced: the leader pool first
    migration: Migration | None = None                 # Advanced: the last migration onto it

    @property
    def available(self) -> bool:
        return self.cluster is not None and self.status == "Available"


@dataclass
class Addon:
    id: str
    name: str
    app: str                         # billing app name
    plan: Plan
    colour: str
    db: Database
    state: str = "provisioning"      # provisioning | provisioned | deprovisioned
    created_at: dt.datetime = field(default_factory=clock.now)
    updated_at: dt.datetime = field(default_factory=clock.now)
    provision_message: str = ""


@dataclass
class Attachment:
    id: str
    name: str
    addon_id: str
    app: str
    namespace: str | None = None
    created_at: dt.datetime = field(default_factory=clock.now)
    updated_at: dt.datetime = field(default_factory=clock.now)

    @property
    def is_pool(self) -> bool:
        return bool(self.namespace and self.namespace.startswith("connection-pooling:"))


@dataclass
class Transfer:
    uuid: str
    num: int
    app: str
    from_name: str
    to_name: str
    source_id: str
    target_id: str
    created_at: dt.datetime = field(default_factory=clock.now)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    processed_bytes: int = 0
    succeeded: bool | None = None
    logs: list[dict] = field(default_factory=list)

    def log(self, message: str, level: str = "info") -> None:
        self.logs.append({"created_at": clock.data_time(clock.now()), "level": level, "message": message})


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.apps: dict[str, App] = {}
        self.addons: dict[str, Addon] = {}            # by id
        self.attachments: dict[str, Attachment] = {}  # by id
        self.transfers: dict[str, Transfer] = {}
        self.tokens: set[str] = set()

    # -- lookups ---------------------------------------------------------------------
    def app(self, ident: str) -> App | None:
        return self.apps.get(ident) or next((a for a in self.apps.values() if a.id == ident), None)

    def addon(self, ident: str) -> Addon | None:
        found = self.addons.get(ident)
        if found is None:
            found = next((a for a in self.addons.values() if a.name == ident), None)
        return found if found is None or found.state != "deprovisioned" else None

    def live_addons(self) -> list[Addon]:
        return [a for a in self.addons.values() if a.state != "deprovisioned"]

    def attachments_of_app(self, app: str) -> list[Attachment]:
        return sorted((a for a in self.attachments.values() if a.app == app),
                      key=lambda a: a.created_at)

    def attachments_of_addon(self, addon_id: str) -> list[Attachment]:
        return sorted((a for a in self.attachments.values() if a.addon_id == addon_id),
                      key=lambda a: a.created_at)

    def attachment_named(self, app: str, name: str, namespace: str | None = None) -> Attachment | None:
        return next((a for a in self.attachments.values()
                     if a.app == app and a.name == name and a.namespace == namespace), None)

    def followers_of(self, addon_id: str) -> list[Addon]:
        return [a for a in self.live_addons() if a.db.leader_id == addon_id]

    def active_migration(self, addon_id: str) -> Migration | None:
        """The active migration this add-on is the source or the target of."""
        return next((a.db.migration for a in self.live_addons() if a.db.migration and a.db.migration.active
                     and addon_id in (a.db.migration.source_id, a.db.migration.target_id)), None)

    def next_transfer_num(self) -> int:
        return len(self.transfers) + 1
