"""Heroku Postgres plan catalogue: names, tiers, sizes and the rules tied to them."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

SERVICE = "heroku-postgresql"
SERVICE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "herokusim/addon-service/" + SERVICE))

# Heroku skips size 1 on the production tiers; the rank (position) is what the follower
# size rule counts, so standard-0 is one size below standard-2.
_PRODUCTION_SIZES = (0, 2, 3, 4, 5, 6, 7, 8, 9, 10)
_MONTHLY_CENTS = {0: 5000, 2: 20000, 3: 40000, 4: 75000, 5: 140000, 6: 200000,
                  7: 350000, 8: 450000, 9: 580000, 10: 850000}
_TIER_FACTOR = {"standard": 1, "premium": 2, "private": 3, "shield": 4}
FOLLOWER_MAX_SIZES_BELOW = 4


@dataclass(frozen=True)
class Level:
    """An Advanced database's compute level (data:pg:levels). The catalogue is the simulator's
    own: Heroku's names look like this (`4G-Performance`), its full list is not known here."""
    name: str
    vcpu: int
    memory_in_gb: int
    connection_limit: int

    @property
    def cents(self) -> int:   # monthly, per instance; the CLI's fixture has $60 for 4G
        return 1500 * self.memory_in_gb


LEVELS = {level.name: level for level in (
    Level("4G-Performance", 1, 4, 400), Level("8G-Performance", 2, 8, 800),
    Level("16G-Performance", 4, 16, 1600), Level("32G-Performance", 8, 32, 3200),
    Level("64G-Performance", 16, 64, 5000))}
ADVANCED_PLANS = ("advanced", "advanced-private", "advanced-shield")
STORAGE_CENTS_PER_GB, STORAGE_INCLUDED_GB = 20, 100


@dataclass(frozen=True)
class Plan:
    name: str          # e.g. "standard-0" (without the service prefix)
    tier: str          # essential | legacy_essential | standard | premium | private | shield | advanced
    rank: int          # size position within the tier
    cents: int

    @property
    def full_name(self) -> str:
        return f"{SERVICE}:{self.name}"

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "herokusim/plan/" + self.full_name))

    @property
    def human_name(self) -> str:
        return self.name.replace("-", " ").title()

    @property
    def production(self) -> bool:
        return self.tier not in ("essential", "legacy_essential")

    @property
    def needs_space(self) -> bool:
        return self.tier in ("private", "shield") or self.name in ("advanced-private", "advanced-shield")

    @property
    def advanced(self) -> bool:
        """Heroku Postgres Advanced: compute levels and instance pools instead of plan sizes."""
        return self.tier == "advanced"


def _catalogue() -> dict[str, Plan]:
    plans = [Plan("mini", "legacy_essential", 0, 500), Plan("basic", "legacy_essential", 1, 900)]
    # An Advanced add-on's price is its level's; the plan shows the smallest level's.
    plans += [Plan(name, "advanced", 0, min(level.cents for level in LEVELS.values())) for name in ADVANCED_PLANS]
    plans += [Plan(f"essential-{n}", "essential", n, c) for n, c in enumerate((500, 1000, 2000))]
    for tier, factor in _TIER_FACTOR.items():
        plans += [Plan(f"{tier}-{size}", tier, rank, _MONTHLY_CENTS[size] * factor)
                  for rank, size in enumerate(_PRODUCTION_SIZES)]
    return {p.name: p for p in plans}


PLANS = _catalogue()


def find(name: str | dict | None) -> Plan | None:
    """A plan by `standard-0`, `heroku-postgresql:standard-0`, or a {name}/{id} object."""
    if isinstance(name, dict):
        name = name.get("name") or name.get("id")
    if not isinstance(name, str):
        return None
    for plan in PLANS.values():
        if name == plan.id:
            return plan
    service, _sep, short = name.rpartition(":")
    if service not in ("", SERVICE):
        return None
    return PLANS.get(short)


def pricing() -> dict:
    """GET /data/postgres/v1/pricing: per tier, each level's instance and the storage, monthly in cents."""
    prices = {f"instance-{level.memory_in_gb}G": {
        "product_description": level.name, "rate": level.cents, "billing_unit": "compute", "billing_period": "month"}
        for level in LEVELS.values()}
    prices["storage-optimized"] = {"product_description": "Storage", "rate": STORAGE_CENTS_PER_GB,
                                   "billing_unit": "gigabyte", "billing_period": "month",
                                   "included_units": STORAGE_INCLUDED_GB}
    return {tier: prices for tier in ADVANCED_PLANS}


def follower_refusal(leader: Plan, follower: Plan) -> str | None:
    """Why Heroku would refuse a follower on `follower` for a leader on `leader`, or None."""
    if leader.advanced or follower.advanced:
        return "Advanced databases have follower pools (heroku data:pg:update), not follower add-ons."
    if not leader.production:
        return "Followers are only available on Standard, Premium, Private and Shield tier databases."
    if not follower.production:
        return f"Followers must be on a Standard tier plan or above, not {follower.name}."
    if leader.rank - follower.rank > FOLLOWER_MAX_SIZES_BELOW:
        return (f"A follower can be at most {FOLLOWER_MAX_SIZES_BELOW} plan sizes below its leader "
                f"({leader.name} cannot be followed by {follower.name}).")
    return None
