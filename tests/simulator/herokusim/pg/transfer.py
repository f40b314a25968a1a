"""pg:copy -- replace one database's contents with another's (or, for a migration that streams,
its schema only).

The target's objects are dropped, then `pg_dump -Fc` of the source is piped
through the simulator (which counts the bytes for progress) into
`pg_restore --no-owner --no-acl` connected as the target's role, so everything
restored belongs to that role.  Both tools come from the newer of the two
versions: a newer pg_dump reads older servers, and pg_restore must read the
archive format that pg_dump wrote.
"""

import os
import secrets
import subprocess
from collections.abc import Callable

from .errors import PgError
from .server import log_tail
from .spawn import spawn

_CHUNK = 1 << 16
_REPORT_EVERY = 1 << 20


def _relay(dump, restore, progress_cb) -> int:
    """Pump the archive from pg_dump to pg_restore; returns the bytes moved."""
    copied = reported = 0
    try:
        while chunk := dump.stdout.read(_CHUNK):
            restore.stdin.write(chunk)
            copied += len(chunk)
            if progress_cb and copied - reported >= _REPORT_EVERY:
                progress_cb(copied)
                reported = copied
    except BrokenPipeError:  # pg_restore gave up; its log says why
        pass
    finally:
        dump.stdout.close()  # a pg_dump still writing gets SIGPIPE instead of blocking
        try:
            restore.stdin.close()
        except BrokenPipeError:
            pass
    return copied


def wipe(target) -> None:
    """Drop everything the target's role owns: its database is empty afterwards."""
    with target._session(target.dbname, target.user) as conn:
        conn.execute("DROP OWNED BY CURRENT_USER CASCADE")


def copy(source, target, progress_cb: Callable[[int], None] | None = None,
         schema_only: bool = False) -> int:
    """Copy `source`'s database over `target`'s; returns the bytes transferred."""
    env = target.env
    version = max(source.version, target.version, key=int)
    wipe(target)
    log_path = env.work_dir / f"copy-{target.name}-{secrets.token_hex(4)}.log"
    try:
        with open(log_path, "wb") as log:
            dump = spawn([env.tool(version, "pg_dump"), "-Fc", *(["--schema-only"] if schema_only else []),
                          "-d", env.conninfo(source.port, source.dbname)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                         **env.popen_kw())
            try:
                restore = spawn([env.tool(version, "pg_restore"), "--clean", "--if-exists",
                                 "--no-owner", "--no-acl", "--exit-on-error", "-d",
                                 env.conninfo(target.port, target.dbname, target.user)],
                                stdin=subprocess.PIPE, stdout=log, stderr=log,
                                **env.popen_kw())
            except BaseException:
                dump.kill()
                dump.wait()
                raise
        copied = _relay(dump, restore, progress_cb)
        dump_rc, restore_rc = dump.wait(), restore.wait()
        if dump_rc or restore_rc:
            raise PgError(f"pg:copy {source.name} -> {target.name} failed "
                          f"(pg_dump exit {dump_rc}, pg_restore exit {restore_rc}):\n"
                          f"{log_tail(log_path)}")
    finally:
        os.unlink(log_path)
    if progress_cb:
        progress_cb(copied)
    return copied
