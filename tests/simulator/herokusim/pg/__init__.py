"""Real PostgreSQL clusters behind the simulated Heroku Postgres add-ons.

    env = PgEnv(Path("/tmp/herokusim"))          # binaries, OS user, templates
    manager = ClusterManager(env)
    db = manager.create_primary("postgresql-shiny-1234", "15")
    db.url                                        # postgres://u…:…@127.0.0.1:port/d…
    follower = manager.create_replica("postgresql-shiny-5678", db, apply_delay_ms=500)
    follower.behind_by()                          # commits not yet applied
    follower.promote()                            # pg:unfollow
    db.upgrade("16", progress_cb)                 # pg:upgrade with pg_upgrade
    db.copy_from(other, progress_cb)              # pg:copy with pg_dump | pg_restore
    logical.Stream(db, other, "name").start()     # a streaming migration: logical replication
    db.fill(schemas=1001, unlogged_tables={"sessions": 10})  # contents for tests
    manager.stop_all()                            # on SIGTERM/SIGINT

Modules: env (PgEnv), binaries (where each version lives), manager
(ClusterManager), cluster (Cluster), server (postmaster processes), upgrade,
transfer (pg:copy), logical (streaming migrations), contents (what tests put in a database), tls and
tls_front (TLS on every server), spawn (children that die with the simulator),
guard (subreaper for pg_upgrade), ports, credentials, errors.

Every server is a direct child of the simulator with a parent-death signal:
no PostgreSQL process outlives it, even when it is SIGKILLed.
"""

from .cluster import Cluster
from .env import PgEnv
from .errors import PgError
from .manager import ClusterManager
from .ports import allocate_port, release_port
from .spawn import spawn

__all__ = ["Cluster", "ClusterManager", "PgEnv", "PgError", "allocate_port", "release_port",
           "spawn"]
