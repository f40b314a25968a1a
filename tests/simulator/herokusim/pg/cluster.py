"""Cluster: one real PostgreSQL cluster standing in for a Heroku Postgres database.

Files live in env.clusters_dir/<name>/: `data/` (PGDATA) and `postgres.log`.
The application role `user` owns database `dbname` and logs in over TCP at
127.0.0.1:`port` with `password` (scram-sha-256), with TLS or without (tls.py)
-- that is `url`.  The
simulator itself connects as superuser over the unix socket (`connect()`).

A follower is a physical streaming replica of its `leader`, so it carries the
leader's role, database and password: that is what physical replication copies.

Clusters are made by ClusterManager.  Methods are thread-safe: state changes
are serialized per cluster, queries open their own connections.  Failures
raise PgError.
"""

import shutil
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from . import contents, transfer, upgrade
from .credentials import new_password
from .env import SUPERUSER, PgEnv
from .errors import PgError, PortInUse
from .ports import allocate_port, release_port
from .server import Postmaster

# Guards every cluster's leader/followers links, which span clusters.
_topology_lock = threading.Lock()

# Put in front of pg_hba.conf by Cluster.fence: every TCP connection (the applications' way in)
# is rejected; the simulator's own unix-socket lines and replication still match after it.
_FENCE_HBA = ("# herokusim fence: a changeover is finishing, applications may not connect\n"
              "host    all          all  all             reject\n")

# A hot standby's snapshot xmax advances as it replays commit (and abort)
# records, exactly as the primary's does when they happen, so the difference
# counts transactions the follower has yet to apply.
_XMAX = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"


class Cluster:
    host = "127.0.0.1"

    def __init__(self, env: PgEnv, name: str, version: str, user: str, password: str,
                 dbname: str, on_destroy: Callable[["Cluster"], None]):
        self.env = env
        self.name = name
        self.version = version
        self.user = user
        self.password = password
        self.dbname = dbname
        self.port = 0  # chosen at first start
        self.dir: Path = env.clusters_dir / name
        self.leader: Cluster | None = None
        self.followers: list[Cluster] = []
        self._postmaster = Postmaster(env, self.dir / "postgres.log")
        self._lock = threading.RLock()
        self._on_destroy = on_destroy

    def __repr__(self) -> str:
        return f"<Cluster {self.name} v{self.version} port={self.port}>"

    @property
    def datadir(self) -> Path:
        return self.dir / "data"

    @property
    def log_path(self) -> Path:
        return self._postmaster.log_path

    @property
    def url(self) -> str:
        return f"postgres://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    @property
    def pid(self) -> int | None:
        """PID of the postmaster, None when stopped."""
        return self._postmaster.pid

    @property
    def running(self) -> bool:
        return self._postmaster.running

    # -- creation (called by ClusterManager) ---------------------------------

    def _init_primary(self) -> None:
        self.env.run(["cp", "-a", str(self.env.template(self.version)), str(self.datadir)])
        self._first_start()
        with self._session() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(self.user), sql.Literal(self.password)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(self.dbname), sql.Identifier(self.user)))

    def _init_replica(self, leader: "Cluster", apply_delay_ms: int) -> None:
        self.env.run([self.env.tool(leader.version, "pg_basebackup"), "-D", str(self.datadir),
                      "-h", str(self.env.socket_dir), "-p", str(leader.port), "-U", SUPERUSER,
                      "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        self._first_start()
        if apply_delay_ms:
            self.set_apply_delay(apply_delay_ms)
        with _topology_lock:
            self.leader = leader
            leader.followers.append(self)

    def _first_start(self) -> None:
        """Start on a fresh port, taking another if a different process grabbed it first."""
        for attempt in range(5):
            self.port = allocate_port()
            try:
                self._postmaster.start(self.version, self.datadir, self.port)
                return
            except PortInUse:
                release_port(self.port)
                if attempt == 4:
                    raise

    # -- connections ----------------------------------------------------------

    def connect(self, dbname: str = "postgres", user: str = SUPERUSER) -> psycopg.Connection:
        """An autocommit connection over the unix socket, superuser by default."""
        try:
            return psycopg.connect(self.env.conninfo(self.port, dbname, user),
                                   autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise PgError(f"{self.name}: {exc}") from exc

    @contextmanager
    def _session(self, dbname: str = "postgres", user: str = SUPERUSER):
        """connect() whose SQL errors surface as PgError too."""
        with self.connect(dbname, user) as conn:
            try:
                yield conn
            except psycopg.Error as exc:
                raise PgError(f"{self.name}: {exc}") from exc

    def _value(self, query, params=(), *, dbname: str = "postgres", user: str = SUPERUSER):
        """The first column of the first row of `query`."""
        with self._session(dbname, user) as conn:
            return conn.execute(query, params).fetchone()[0]

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            self._postmaster.start(self.version, self.datadir, self.port)

    def stop(self, timeout: float = 10) -> None:
        """Fast shutdown, escalating to immediate shutdown after `timeout` seconds."""
        with self._lock:
            self._postmaster.stop(timeout)

    def destroy(self) -> None:
        """Stop the server and delete its files; followers are left without a leader."""
        with self._lock:
            self._postmaster.stop()
            self.detach_followers()
            with _topology_lock:
                if self.leader:
                    self.leader.followers.remove(self)
                self.leader = None
            shutil.rmtree(self.dir, ignore_errors=True)
            if self.port:
                release_port(self.port)
            self._on_destroy(self)

    # -- replication ----------------------------------------------------------

    def detach_followers(self) -> None:
        """Forget the followers (they keep running); for when they can no longer follow."""
        with _topology_lock:
            for follower in self.followers:
                follower.leader = None
            self.followers = []

    def is_in_recovery(self) -> bool:
        return self._value("SELECT pg_is_in_recovery()")

    def behind_by(self, leader: "Cluster | None" = None) -> int:
        """Transactions the leader (default: own leader) has finished that this follower
        has not applied yet: 0 when caught up."""
        leader = leader or self.leader
        if leader is None:
            raise PgError(f"{self.name} is not a follower")
        mine = self._value(_XMAX)  # first, so the leader's value can only be newer
        return max(0, leader._value(_XMAX) - mine)

    def set_apply_delay(self, ms: int) -> None:
        """Make this follower apply each commit `ms` milliseconds after the leader made it."""
        with self._session() as conn:
            conn.execute(sql.SQL("ALTER SYSTEM SET recovery_min_apply_delay = {}").format(
                sql.Literal(f"{int(ms)}ms")))
            conn.execute("SELECT pg_reload_conf()")

    def pause_replay(self) -> None:
        self._value("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._value("SELECT pg_wal_replay_resume()")

    def replay_paused(self) -> bool:
        return self._value("SELECT pg_get_wal_replay_pause_state() <> 'not paused'")

    def promote(self) -> None:
        """Unfollow: promote this follower to a writable primary of its own."""
        with self._lock:
            with self._session() as conn:
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    raise PgError(f"{self.name} is not a follower")
                if not conn.execute("SELECT pg_promote(true, 60)").fetchone()[0]:
                    raise PgError(f"{self.name}: promotion did not finish within 60s")
                conn.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
                conn.execute("ALTER SYSTEM RESET primary_conninfo")
                conn.execute("SELECT pg_reload_conf()")
            with _topology_lock:
                if self.leader:
                    self.leader.followers.remove(self)
                self.leader = None

    # -- credentials and access ----------------------------------------------

    def rotate_credentials(self) -> str:
        """Give the role a new password, end its sessions, and return the new url.

        Followers get the new password through replication; their copies of
        `password` are updated too.
        """
        with self._lock:
            if self.leader is not None:
                raise PgError(f"{self.name} is a follower; rotate its leader's credentials")
            password = new_password()
            with self._session() as conn:
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(self.user), sql.Literal(password)))
            for cluster in self._with_followers():
                cluster.password = password
                cluster._terminate_sessions()
            return self.url

    def _with_followers(self) -> list["Cluster"]:
        with _topology_lock:
            found, pending = [], [self]
            while pending:
                cluster = pending.pop()
                found.append(cluster)
                pending.extend(cluster.followers)
            return found

    def _terminate_sessions(self) -> None:
        self._value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE usename = %s AND pid <> pg_backend_pid()", [self.user])

    def fence(self) -> str:
        """Stop the applications' writes for good, as Heroku does before it switches a database
        over, and return the fence point.

        New connections over TCP are rejected (pg_hba.conf); new transactions default to
        read-only (ALTER SYSTEM), which also reaches a session that was authenticated before
        the reload; and every application session is ended, waiting until its backend has
        exited, so no commit of theirs is still in flight. An already-connected client's next
        write therefore fails, and nothing is acknowledged here afterwards. The fence point is
        the LSN of a WAL record written after all that: a follower that has replayed past it
        (replayed_past) holds every write this cluster ever acknowledged. Neither file is
        replicated, so followers are untouched. The simulator's own connections (superuser,
        unix socket) still work. Idempotent; unfence() undoes it."""
        with self._lock:
            hba = self.datadir / "pg_hba.conf"
            text = hba.read_text()
            if not text.startswith(_FENCE_HBA):
                hba.write_text(_FENCE_HBA + text)
            with self._session() as conn:
                conn.execute("SET default_transaction_read_only = off")
                conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
                conn.execute("SELECT pg_reload_conf()")
            # The postmaster reloads asynchronously; a backend forked once it has shows the new
            # setting, and every backend forked before gets the reload signal too.
            deadline = time.monotonic() + 30
            while self._value("SHOW default_transaction_read_only") != "on":
                if time.monotonic() > deadline:
                    raise PgError(f"{self.name}: the fence's configuration was not reloaded")
                time.sleep(0.01)
            while self._value(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND usename <> current_user"):
                self._value("SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                            "WHERE backend_type = 'client backend' AND usename <> current_user")
            # The fence point: a record of its own (transactional, so that its commit, made
            # synchronous here, flushes it and the walsender can send it at once).
            with self._session() as conn:
                conn.execute("SET default_transaction_read_only = off")
                conn.execute("SET synchronous_commit = on")
                return conn.execute("SELECT pg_logical_emit_message(true, 'herokusim', "
                                    "'fence')::text").fetchone()[0]

    def unfence(self) -> None:
        """Undo fence(): applications may connect and write again."""
        with self._lock:
            hba = self.datadir / "pg_hba.conf"
            text = hba.read_text()
            if text.startswith(_FENCE_HBA):
                hba.write_text(text[len(_FENCE_HBA):])
            with self._session() as conn:
                conn.execute("SET default_transaction_read_only = off")
                conn.execute("ALTER SYSTEM RESET default_transaction_read_only")
                conn.execute("SELECT pg_reload_conf()")

    def fenced(self) -> bool:
        return (self.datadir / "pg_hba.conf").read_text().startswith(_FENCE_HBA)

    def replayed_past(self, lsn: str) -> bool:
        """Whether this follower has replayed the WAL record at `lsn` (a fence point) and so
        everything its leader wrote before it."""
        return bool(self._value("SELECT coalesce(pg_last_wal_replay_lsn() > %s::pg_lsn, false)",
                                [lsn]))

    def set_read_only(self, read_only: bool) -> None:
        """Make new transactions of the database read-only (or writable again) and end
        current sessions so the setting takes effect at once."""
        with self._lock:
            with self._session() as conn:
                conn.execute(sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = {}")
                             .format(sql.Identifier(self.dbname),
                                     sql.Literal("on" if read_only else "off")))
            self._terminate_sessions()

    # -- data -------------------------------------------------------------------

    def seed(self, rows: int, table: str = "items") -> None:
        """Create (if needed) a sample table owned by the role and add `rows` rows to it."""
        with self._session(self.dbname, self.user) as conn:
            conn.execute(sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                " name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            ).format(sql.Identifier(table)))
            conn.execute(sql.SQL("INSERT INTO {} (name) SELECT 'item ' || g "
                                 "FROM generate_series(1, %s) g").format(sql.Identifier(table)),
                         [rows])

    def fill(self, **what) -> None:
        """Unlogged tables, schemas, objects, extensions...; see contents.fill."""
        contents.fill(self, **what)

    def catalog_size(self) -> tuple[int, int]:
        """(user schemas, user objects) of the database; see contents.py."""
        return contents.catalog_size(self)

    def data_size(self) -> int:
        """Size of the database in bytes."""
        return self._value("SELECT pg_database_size(%s)", [self.dbname])

    def table_count(self) -> int:
        """Number of user tables (partitioned tables count once)."""
        return self._value("SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                           "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
                           "AND NOT c.relispartition AND n.nspname !~ '^pg_' "
                           "AND n.nspname <> 'information_schema'", dbname=self.dbname)

    def connections(self) -> int:
        """Client connections to the database."""
        return self._value("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                           "AND backend_type = 'client backend'", [self.dbname])

    def server_version(self) -> str:
        """The running server's version, e.g. `15.18`."""
        return self._value("SHOW server_version").split()[0]

    # -- heavy operations ------------------------------------------------------

    def upgrade(self, target_version: str,
                progress_cb: Callable[[int, int, str], None] | None = None) -> None:
        """pg:upgrade in place with pg_upgrade; see upgrade.py."""
        with self._lock:
            upgrade.upgrade(self, target_version, progress_cb)

    def copy_from(self, source: "Cluster",
                  progress_cb: Callable[[int], None] | None = None, schema_only: bool = False) -> int:
        """pg:copy: replace this database's contents with `source`'s (or its schema only); see transfer.py."""
        with self._lock:
            return transfer.copy(source, self, progress_cb, schema_only)

    def wipe(self) -> None:
        """Drop everything the role owns, as preparing a migration onto this database does."""
        with self._lock:
            transfer.wipe(self)

    def restart(self) -> None:
        """Stop and start again on the same port: what a setting that needs a restart costs
        (its sessions end; clients reconnect)."""
        with self._lock:
            self._postmaster.stop()
            self._postmaster.start(self.version, self.datadir, self.port)
