"""pg:upgrade -- an in-place major version upgrade with the real pg_upgrade.

The new cluster is a copy of the target version's template (same superuser
name as the old one, as pg_upgrade requires).  pg_upgrade runs in --copy mode,
which leaves the old data directory untouched, so on any failure before the
upgraded server is up the old one is restarted as it was.  Role, database,
password, rows and port stay the same; the version changes.

A follower must be promoted first.  A leader's followers cannot stream from
the upgraded cluster (it is a different system): on success they are detached
-- still running, still in recovery, with the data of the moment of the
upgrade -- and the caller re-creates them with ClusterManager.create_replica.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .env import SUPERUSER
from .errors import PgError
from .server import log_tail

TOTAL_STEPS = 7


def _output_logs(new_dir: Path) -> str:
    """Tails of the logs pg_upgrade leaves in the new cluster when it fails."""
    logs = sorted((new_dir / "pg_upgrade_output.d").glob("*/log/*.log"))
    return "\n".join(f"--- {path.name}\n{log_tail(path, 10)}" for path in logs)


def upgrade(cluster, target_version: str,
            progress_cb: Callable[[int, int, str], None] | None = None) -> None:
    env = cluster.env
    old_version = cluster.version

    def step(number: int, message: str) -> None:
        if progress_cb:
            progress_cb(number, TOTAL_STEPS, message)

    step(1, f"Checking upgrade of {cluster.name} from {old_version} to {target_version}")
    if int(target_version) <= int(old_version):
        raise PgError(f"cannot upgrade {cluster.name} from {old_version} to {target_version}")
    if cluster.leader is not None:
        raise PgError(f"{cluster.name} is a follower; promote it first")
    old_bin, new_bin = env.bindir(old_version), env.bindir(target_version)
    new_dir, old_dir = cluster.dir / "data.new", cluster.dir / "data.old"
    shutil.rmtree(new_dir, ignore_errors=True)  # left over from an interrupted attempt

    step(2, f"Creating a PostgreSQL {target_version} cluster")
    env.run(["cp", "-a", str(env.template(target_version)), str(new_dir)])

    step(3, f"Stopping PostgreSQL {old_version}")
    cluster.stop()

    step(4, "Running pg_upgrade")
    try:
        # Its temporary servers use the cluster's own (now free) port and the
        # private socket directory, so no application can reach them.
        env.run([str(new_bin / "pg_upgrade"), "-b", str(old_bin), "-B", str(new_bin),
                 "-d", str(cluster.datadir), "-D", str(new_dir),
                 "-p", str(cluster.port), "-P", str(cluster.port),
                 "-s", str(env.socket_dir), "-U", SUPERUSER, "--copy", "--no-sync"],
                cwd=cluster.dir, guarded=True)
    except PgError as exc:
        logs = _output_logs(new_dir)
        shutil.rmtree(new_dir, ignore_errors=True)
        cluster.start()
        raise PgError(f"{exc}\n{logs}\n{cluster.name} is still running "
                      f"PostgreSQL {old_version}") from exc

    step(5, "Swapping data directories")
    os.rename(cluster.datadir, old_dir)
    os.rename(new_dir, cluster.datadir)

    step(6, f"Starting PostgreSQL {target_version}")
    cluster.version = target_version
    try:
        cluster.start()
    except PgError as exc:
        cluster.version = old_version
        os.rename(cluster.datadir, new_dir)
        os.rename(old_dir, cluster.datadir)
        shutil.rmtree(new_dir, ignore_errors=True)
        cluster.start()
        raise PgError(f"upgraded server did not start: {exc}\n{cluster.name} is still "
                      f"running PostgreSQL {old_version}") from exc
    shutil.rmtree(old_dir, ignore_errors=True)
    cluster.detach_followers()

    step(7, "Updating optimizer statistics")
    env.run([str(new_bin / "vacuumdb"), "--all", "--analyze-only", "-h", str(env.socket_dir),
             "-p", str(cluster.port), "-U", SUPERUSER])
