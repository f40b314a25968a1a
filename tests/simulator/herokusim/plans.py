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
class Plan:
    name: str          # e.g. "standard-0" (without the service prefix)
    tier: str          # essential | legacy_essential | standard | premium | private | shield
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
        return self.tier in ("private", "shield")


def _catalogue() -> dict[str, Plan]:
    plans = [Plan("mini", "legacy_essential", 0, 500), Plan("basic", "legacy_essential", 1, 900)]
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


def follower_refusal(leader: Plan, follower: Plan) -> str | None:
    """Why Heroku would refuse a follower on `follower` for a leader on `leader`, or None."""
    if not leader.production:
        return "Followers are only available on Standard, Premium, Private and Shield tier databases."
    if not follower.production:
        return f"Followers must be on a Standard tier plan or above, not {follower.name}."
    if leader.rank - follower.rank > FOLLOWER_MAX_SIZES_BELOW:
        return (f"A follower can be at most {FOLLOWER_MAX_SIZES_BELOW} plan sizes below its leader "
                f"({leader.name} cannot be followed by {follower.name}).")
    return None
