"""Timing knobs: how long the simulated Heroku takes for what real Heroku takes minutes for."""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Timings:
    provision_seconds: float = 1.0            # new database: provisioning → available
    follower_provision_seconds: float = 1.0   # on top of the real pg_basebackup
    release_phase_seconds: float = 1.0        # release command run by a `release` process type
    upgrade_prepare_seconds: float = 2.0      # pg:upgrade:prepare until scheduled
    upgrade_step_seconds: float = 0.2         # pause per upgrade step besides the real pg_upgrade
    maintenance_prepare_seconds: float = 2.0  # addons:upgrade on Standard+: until `ready`
    schedule_after_seconds: float = 86400.0   # a ready maintenance / prepared upgrade runs by itself this much later
    required_after_seconds: float = 14 * 86400.0  # a ready maintenance's required_by: the limit of rescheduling
    week_seconds: float = 604800.0            # one week of data:maintenances:schedule's delay_weeks
    essential_change_seconds: float = 1.0     # addons:upgrade on Essential: read-only period
    unfollow_seconds: float = 0.2             # besides the real promotion
    apply_delay_ms: int = 0                   # default replica apply delay
    write_interval: float = 0.05              # seconds between a dyno's writes
    rate_limit_time_scale: float = 1.0        # token refill speed-up for the rate limiter
    # pg:copy's throughput cap (0: as fast as this machine copies). Heroku copies on its own servers, about 3 minutes
    # per GB; a cap makes a large copy take long here without taking the controller's CPU meanwhile.
    copy_bytes_per_second: float = 0.0
    # pg:copy's start: Heroku runs a transfer on a backup worker it first has to start, so even the smallest copy takes
    # a while there; a transfer here waits this long (started_at unset) before it copies.
    copy_start_seconds: float = 0.0
    # pg:upgrade "may fail out of memory" past 1,000 schemas or 10,000 objects, Heroku says: here it does fail
    # then (user schemas and objects as pg/contents.py counts them). Tests lower them to keep fixtures small.
    upgrade_max_schemas: int = 1000
    upgrade_max_objects: int = 10000
    pool_change_seconds: float = 1.0          # an Advanced instance pool: provisioning/modifying → available
    migration_prepare_seconds: float = 2.0    # data:pg:migrate: at least this long preparing (besides the real work)
    migration_step_seconds: float = 0.2       # pause per step of a running migration besides the real work
    migration_ready_seconds: float = 86400.0  # a prepared migration must be run within this (Heroku: 24 hours)

    @classmethod
    def from_dict(cls, raw: dict | None) -> "Timings":
        raw = raw or {}
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown timing knobs: {', '.join(sorted(unknown))}")
        return cls(**raw)
