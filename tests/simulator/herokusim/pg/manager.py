"""ClusterManager: creates clusters and keeps track of all of them.

Cluster names are labels (add-on names) that need not be unique: a cluster
created while another holds its name gets a numbered suffix in `name`.
Thread-safe; creations of different clusters run in parallel.  `stop_all()` is
what the simulator calls on SIGTERM/SIGINT: it never waits for a cluster's
lock, so it works while other threads are busy with those clusters.
"""

import re
import threading

from . import server
from .cluster import Cluster
from .credentials import new_dbname, new_password, new_user
from .env import PgEnv
from .errors import PgError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,56}")  # room for a suffix


class ClusterManager:
    def __init__(self, env: PgEnv):
        self.env = env
        self._clusters: dict[str, Cluster] = {}
        self._lock = threading.Lock()
        self._closed = False

    def create_primary(self, name: str, version: str) -> Cluster:
        """A started cluster of `version` with a fresh role owning a fresh database."""
        cluster = self._register(name, version, new_user(), new_password(), new_dbname())
        return self._build(cluster, cluster._init_primary)

    def create_replica(self, name: str, leader: Cluster, apply_delay_ms: int = 0) -> Cluster:
        """A started streaming replica (hot standby) of `leader`.

        `apply_delay_ms` sets recovery_min_apply_delay, so under write load the
        follower falls measurably behind (see Cluster.behind_by).
        """
        cluster = self._register(name, leader.version, leader.user, leader.password,
                                 leader.dbname)
        return self._build(cluster, lambda: cluster._init_replica(leader, apply_delay_ms))

    def get(self, name: str) -> Cluster:
        with self._lock:
            return self._clusters[name]

    def clusters(self) -> list[Cluster]:
        with self._lock:
            return list(self._clusters.values())

    def stop_all(self, timeout: float = 10) -> None:
        """Stop every server at once: fast shutdown, immediate after `timeout`, then SIGKILL.
        No cluster is created or started afterwards: a background job in the middle of creating
        one (say, a plan change's new database) would otherwise start a server that outlives the simulator."""
        with self._lock:
            self._closed = True
            postmasters = [c._postmaster for c in self._clusters.values()]
        for postmaster in postmasters:
            postmaster.closing = True
        server.stop_all(postmasters, timeout)

    def _register(self, name: str, version: str, user: str, password: str,
                  dbname: str) -> Cluster:
        """Reserve a directory for a new cluster named `name`, or `name-2`, `name-3`...
        while an older cluster (say, the one it replaces) still holds the name."""
        if not _NAME.fullmatch(name):
            raise PgError(f"invalid cluster name {name!r}")
        self.env.bindir(version)  # fail early on an unknown version
        with self._lock:
            if self._closed:
                raise PgError("the simulator is stopping: no cluster is created")
            unique, n = name, 1
            while unique in self._clusters or (self.env.clusters_dir / unique).exists():
                n += 1
                unique = f"{name}-{n}"
            cluster = Cluster(self.env, unique, version, user, password, dbname, self._forget)
            self.env.mkdir(cluster.dir)
            self._clusters[unique] = cluster
        return cluster

    def _build(self, cluster: Cluster, init) -> Cluster:
        try:
            init()
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def _forget(self, cluster: Cluster) -> None:
        with self._lock:
            if self._clusters.get(cluster.name) is cluster:
                del self._clusters[cluster.name]
