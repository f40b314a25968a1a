"""PgEnv: binaries, OS user, directories and cluster templates under one base_dir.

PostgreSQL refuses to run as root, so when the simulator is root every
PostgreSQL binary runs as the unprivileged `postgres` account (switched in the
child by Popen, see spawn.py) and everything they touch is created for that
account; otherwise they run as the current user.  base_dir must therefore be
reachable by that account (not under /root): this is checked up front.

Layout under base_dir:
    s/                  unix sockets of every server (0700: the simulator's
                        own trust-authenticated superuser connections)
    templates/<major>/  an initdb'ed data directory per major version, copied
                        for every new cluster (much faster than initdb); with
                        `template_cache`, kept there instead and shared by every
                        simulator on the machine (keyed by the binaries' paths)
    clusters/<name>/    one directory per cluster (see cluster.py)
    work/               working directory of the tools (pg_upgrade writes there)
    tls/                this run's certificate and key (0700; see tls.py)

All methods are thread-safe.
"""

import hashlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from . import binaries, guard, tls
from .errors import PgError, tail
from .spawn import spawn

SUPERUSER = "postgres"
_SOCKET_PATH_MAX = 107  # sizeof(sun_path) - 1

_HBA = """\
# herokusim: the simulator's own connections use the unix socket, whose
# directory only the server account can enter; applications use TCP + password.
local   all          all                  trust
local   replication  all                  trust
host    all          all  127.0.0.1/32    scram-sha-256
host    replication  all  127.0.0.1/32    scram-sha-256
"""

_CONF = """
# herokusim
listen_addresses = '127.0.0.1'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
# Simulator data is disposable: skip the flushes that only protect against OS crashes.
fsync = off
synchronous_commit = off
# Many clusters share one machine.
shared_buffers = 32MB
# Lets a follower that was disconnected or paused catch up from the leader's pg_wal.
wal_keep_size = 256MB
log_line_prefix = '%m [%p] %q%u@%d '
"""


class PgEnv:
    def __init__(self, base_dir: Path, template_cache: Path | None = None):
        self.base_dir = Path(base_dir).absolute()
        self.account = pwd.getpwnam(SUPERUSER) if os.geteuid() == 0 else None
        self._installed = binaries.installed()
        self._bindirs: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._template_locks: dict[str, threading.Lock] = {}
        self._native_tls: dict[str, bool] = {}
        if not self.base_dir.exists():
            self.base_dir.mkdir(parents=True)
            os.chmod(self.base_dir, 0o755)
        self.socket_dir = self._mkdir(self.base_dir / "s", 0o700)
        if len(f"{self.socket_dir}/.s.PGSQL.65535") > _SOCKET_PATH_MAX:
            raise PgError(f"base_dir {self.base_dir} is too long for unix socket paths")
        if template_cache is None:
            self.templates_dir = self._mkdir(self.base_dir / "templates")
        else:
            key = hashlib.sha1(repr(sorted(self._installed.items())).encode()).hexdigest()[:12]
            self._mkdir(Path(template_cache))
            self.templates_dir = self._mkdir(Path(template_cache) / key)
        self.clusters_dir = self._mkdir(self.base_dir / "clusters")
        self.work_dir = self._mkdir(self.base_dir / "work", 0o700)
        try:
            self.run(["test", "-w", str(self.work_dir), "-a", "-x", str(self.work_dir)])
        except (PgError, OSError) as exc:
            raise PgError(f"user {self.os_user} cannot use {self.base_dir}: it and its "
                          f"parents must be searchable by all (chmod o+x)") from exc
        self.certificate = tls.Certificate(self, self._mkdir(self.base_dir / "tls", 0o700))

    @property
    def os_user(self) -> str:
        return self.account.pw_name if self.account else pwd.getpwuid(os.geteuid()).pw_name

    def versions(self) -> list[str]:
        """Major versions whose binaries are installed, sorted."""
        return sorted(self._installed, key=int)

    def bindir(self, version: str) -> Path:
        """The bin directory of `version`, made reachable by the server account."""
        with self._lock:
            if version not in self._bindirs:
                if version not in self._installed:
                    raise PgError(f"PostgreSQL {version} is not installed "
                                  f"(available: {', '.join(self.versions()) or 'none'})")
                bindir = self._installed[version]
                if not self._usable(bindir):
                    bindir = binaries.relocated(bindir)
                self._bindirs[version] = bindir
            return self._bindirs[version]

    def tool(self, version: str, name: str) -> str:
        return str(self.bindir(version) / name)

    def native_tls(self, version: str) -> bool:
        """Whether `version`'s server does TLS itself; if not, a TlsFront does it (see tls.py)."""
        with self._lock:
            known = self._native_tls.get(version)
        if known is None:
            known = tls.native(self.run([self.tool(version, "pg_config"), "--configure"]))
            with self._lock:
                self._native_tls[version] = known
        return known

    def _usable(self, bindir: Path) -> bool:
        try:
            self.run([str(bindir / "postgres"), "--version"])
        except (PgError, OSError):
            return False
        return True

    def _mkdir(self, path: Path, mode: int = 0o755) -> Path:
        path.mkdir(exist_ok=True)
        os.chmod(path, mode)
        if self.account:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)
        return path

    def mkdir(self, path: Path, mode: int = 0o755) -> Path:
        """Create a directory owned by the server account; it must not exist yet."""
        path.mkdir()
        return self._mkdir(path, mode)

    def popen_kw(self) -> dict:
        """Popen keywords that run a program as the server account, with a clean environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_", "LANG"))}
        env["LC_ALL"] = "C"  # English messages: PortInUse is recognised by its text
        if not self.account:
            return {"env": env}
        name = self.account.pw_name
        env.update(HOME=self.account.pw_dir, USER=name, LOGNAME=name)
        return {"env": env, "user": self.account.pw_uid, "group": self.account.pw_gid,
                "extra_groups": []}

    def run(self, argv: list[str], *, cwd: Path | None = None, timeout: float = 600,
            guarded: bool = False) -> str:
        """Run a short-lived program as the server account and return its output.

        `guarded` runs it under guard.py, for programs that start detached
        servers (pg_upgrade).  Raises PgError with the output's tail on failure.
        """
        kw = self.popen_kw()
        name = Path(argv[0]).name
        death_signal = signal.SIGKILL
        if guarded:
            user = ["--user", self.account.pw_name] if self.account else []
            argv = [sys.executable, "-I", guard.__file__, *user, "--", *argv]
            kw = {"env": kw["env"]}  # the guard switches user itself, for the command only
            death_signal = signal.SIGTERM  # lets the guard stop what it guards
        proc = spawn(argv, death_signal=death_signal, cwd=cwd or self.work_dir,
                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     text=True, errors="replace", **kw)
        try:
            out, _err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            out, _err = proc.communicate()
            raise PgError(f"{name} timed out after {timeout}s:\n{tail(out)}") from None
        if proc.returncode:
            raise PgError(f"{name} failed (exit {proc.returncode}):\n{tail(out)}")
        return out

    def template(self, version: str) -> Path:
        """The initdb'ed template data directory of `version`, created on first use.

        Built in a temporary directory and renamed into place, so another
        process sharing base_dir never sees a half-made template.
        """
        with self._lock:
            lock = self._template_locks.setdefault(version, threading.Lock())
        final = self.templates_dir / version
        with lock:
            if final.is_dir():
                return final
            tmp = self.templates_dir / f".{version}-{secrets.token_hex(4)}"
            try:
                self.run([self.tool(version, "initdb"), "-D", str(tmp), "-U", SUPERUSER,
                          "-E", "UTF8", "--locale=C", "--auth-local=trust",
                          "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"])
                (tmp / "pg_hba.conf").write_text(_HBA)
                with open(tmp / "postgresql.conf", "a") as conf:
                    conf.write(_CONF)
                os.rename(tmp, final)
            except OSError:
                if not final.is_dir():  # not just losing the race to another process
                    raise
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            return final

    def conninfo(self, port: int, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """libpq connection string over the unix socket (trust authentication)."""
        return f"host={self.socket_dir} port={port} user={user} dbname={dbname}"
