"""Dynos are processes that really write.

For every running dyno of a simulated app, :class:`DynoSupervisor` runs one
OS process (``python -m herokusim.dyno_writer``, see that module) which
inserts uniquely numbered rows into the ``DATABASE_URL`` it was started with,
at a steady rate, and appends every write the database acknowledged to its
own ledger file.  :meth:`DynoSupervisor.writes` then checks the ledgers against
whatever database the app points at now, which is how a migration test
proves that no acknowledged write was lost and how long clients saw no
successful write.

Heroku semantics:

* ``web`` dynos sit behind the router: while the app is in maintenance mode
  (:meth:`DynoSupervisor.set_router_open` with ``False``) they make no write.
  The switch is a flag file, ``<base_dir>/<app>/router_closed``, which each web
  dyno stats before every attempt, so it takes effect within one write
  interval (plus at most the one write already in flight).  Other process
  types (``worker``, ``clock``, …) write whenever they run.
* :meth:`~DynoSupervisor.set_formation` starts/stops processes to match a
  formation (``web.1``, ``web.2``, ``worker.1``…); running dynos that stay in
  the formation keep running, with the env they were started with, as on
  Heroku.  Scaling a type to 0 stops all its dynos.
* :meth:`~DynoSupervisor.restart_app` is what a release does: every dyno is
  stopped (SIGTERM, then SIGKILL after ``stop_timeout`` seconds) and started
  again with the new env (e.g. a new ``DATABASE_URL``).
* A dyno that cannot write keeps retrying at its rate and never records an
  unacknowledged write (see :mod:`herokusim.dyno_writer`).

Ids are unique across all dynos, restarts and apps of a supervisor (apps
attached to one database write into the same table): every dyno
*incarnation* (each start) gets the supervisor's next integer *prefix*, and
writes ``id = prefix * 1_000_000_000 + n``.  Prefixes continue after the
highest one found on disk, so a new supervisor over the same ``base_dir`` does
not reuse them.

Files, per app, under ``<base_dir>/<app>/``::

    router_closed                     present while in maintenance mode
    dynos/<prefix>.<dyno>.ledger      "id<TAB>unix_time" per acknowledged write
    dynos/<prefix>.<dyno>.log         the dyno's stdout/stderr (no secrets)
    dynos/<prefix>.<dyno>.ready       written once the process is set up

No orphans: the supervisor passes its pid to each dyno, whose watchdog
thread exits within 0.1 s once its parent is gone (supervisor SIGKILLed or
exited without cleaning up); :meth:`~DynoSupervisor.stop_all` is also
registered with :mod:`atexit`.  ``DATABASE_URL`` is passed through the
environment only (never argv, visible in ``ps``) and never logged.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import re
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable

ID_BASE = 1_000_000_000

_APP_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_TYPE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$")
_LEDGER_RE = re.compile(r"^(\d+)\.(.+)\.ledger$")

# The directory holding the herokusim package, so children can import it
# even when herokusim is not installed.
_PKG_PARENT = str(Path(__file__).resolve().parent.parent)


class DynoError(RuntimeError):
    """A dyno operation failed (bad name, unreachable database, …)."""


@dataclasses.dataclass(frozen=True)
class DynoInfo:
    """A dyno as the Platform API shows it.

    ``state`` is ``"starting"`` (process launched, not yet set up), ``"up"``
    or ``"crashed"`` (the process exited without being asked to).
    ``started_at`` is a unix timestamp.  ``prefix`` is the id prefix of this
    incarnation and ``ledger`` its ledger file.
    """

    name: str
    type: str
    state: str
    pid: int
    started_at: float
    prefix: int
    ledger: Path


@dataclasses.dataclass
class _Dyno:
    name: str
    type: str
    index: int
    prefix: int
    proc: Any
    started_at: float
    ledger: Path
    ready: Path

    def state(self) -> str:
        if self.proc.poll() is not None:
            return "crashed"
        return "up" if self.ready.exists() else "starting"

    def info(self) -> DynoInfo:
        return DynoInfo(self.name, self.type, self.state(), self.proc.pid,
                        self.started_at, self.prefix, self.ledger)


@dataclasses.dataclass
class _App:
    dir: Path
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    dynos: dict[str, _Dyno] = dataclasses.field(default_factory=dict)

    @property
    def router_flag(self) -> Path:
        return self.dir / "router_closed"

    @property
    def dyno_dir(self) -> Path:
        return self.dir / "dynos"


def _stop_all_weak(ref: "weakref.ref[DynoSupervisor]") -> None:
    sup = ref()
    if sup is not None:
        sup.stop_all()


class DynoSupervisor:
    """Runs the dyno processes of every simulated app.

    ``base_dir``: where per-app directories (ledgers, logs, router flag) live.

    ``spawn``: a :class:`subprocess.Popen`-compatible callable,
    ``spawn(argv, env=…, stdin=…, stdout=…, stderr=…, close_fds=True,
    cwd=…)``, returning an object with ``pid``, ``poll()``, ``wait(timeout)``,
    ``send_signal(sig)`` and ``kill()``.  The simulator may pass one that forks
    from a long-lived thread with a parent-death signal; the default
    ``subprocess.Popen`` is safe too, because each dyno watches its parent pid
    (see :mod:`herokusim.dyno_writer`).  The child's parent must be this
    process.

    ``write_interval``: seconds between two write attempts of one dyno.
    ``stop_timeout``: seconds to wait after SIGTERM before SIGKILL.

    All methods are thread-safe.
    """

    def __init__(
        self,
        base_dir: Path,
        spawn: Callable[..., Any] = subprocess.Popen,
        write_interval: float = 0.05,
        stop_timeout: float = 5.0,
    ):
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.spawn = spawn
        self.write_interval = float(write_interval)
        self.stop_timeout = float(stop_timeout)
        self._apps: dict[str, _App] = {}
        self._lock = threading.RLock()
        self._closed = False   # set by stop_all: a background job must not start a dyno after it
        used = [int(m.group(1)) for p in self.base_dir.glob("*/dynos/*")
                if (m := _LEDGER_RE.match(p.name))]
        self._next_prefix = max(used, default=0) + 1
        atexit.register(_stop_all_weak, weakref.ref(self))

    # ------------------------------------------------------------------ apps

    def _app(self, app: str) -> _App:
        if not _APP_RE.match(app):
            raise DynoError(f"invalid app name {app!r}")
        st = self._apps.get(app)
        if st is None:
            d = self.base_dir / app
            (d / "dynos").mkdir(parents=True, exist_ok=True)
            st = self._apps[app] = _App(dir=d)
        return st

    def _start(self, st: _App, type_: str, index: int) -> _Dyno:
        if self._closed:
            raise DynoError("the simulator is stopping: no dyno starts")
        name = f"{type_}.{index}"
        prefix = self._next_prefix
        self._next_prefix += 1
        stem = st.dyno_dir / f"{prefix}.{name}"
        ledger = stem.with_name(stem.name + ".ledger")
        ready = stem.with_name(stem.name + ".ready")
        ledger.touch()
        argv = [
            sys.executable, "-m", "herokusim.dyno_writer",
            "--dyno", name,
            "--prefix", str(prefix),
            "--interval", repr(self.write_interval),
            "--ledger", str(ledger),
            "--ready", str(ready),
            "--parent-pid", str(os.getpid()),
        ]
        if type_ == "web":
            argv += ["--router-flag", str(st.router_flag)]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": _PKG_PARENT,
            "HOME": str(st.dir),
        }
        env.update({k: str(v) for k, v in st.env.items()})
        env["DYNO"] = name
        with open(stem.with_name(stem.name + ".log"), "ab") as log:
            proc = self.spawn(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                close_fds=True, cwd=str(st.dir),
            )
        d = _Dyno(name, type_, index, prefix, proc, time.time(), ledger, ready)
        st.dynos[name] = d
        return d

    def _stop(self, dynos: list[_Dyno]) -> None:
        """SIGTERM all, wait up to stop_timeout, SIGKILL the rest, reap."""
        for d in dynos:
            if d.proc.poll() is None:
                try:
                    d.proc.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + self.stop_timeout
        for d in dynos:
            try:
                d.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    d.proc.kill()
                except ProcessLookupError:
                    pass
                d.proc.wait()

    # ------------------------------------------------------------------- API

    def set_formation(self, app: str, quantities: dict[str, int],
                      env: dict[str, str]) -> list[DynoInfo]:
        """Make the app's running dynos match ``quantities`` (type -> count).

        ``quantities`` is the complete formation: a type that is absent is
        scaled to 0.  ``env`` (the config vars, including ``DATABASE_URL``)
        becomes the app's current env, used by dynos started from now on;
        dynos that keep running are not restarted (use :meth:`restart_app`).
        Crashed dynos inside the formation are started again.  Returns
        :meth:`dynos`.
        """
        for t, q in quantities.items():
            if not _TYPE_RE.match(t):
                raise DynoError(f"invalid process type {t!r}")
            if not isinstance(q, int) or q < 0:
                raise DynoError(f"invalid quantity {q!r} for {t}")
        with self._lock:
            st = self._app(app)
            st.env = dict(env)
            doomed = [d for d in st.dynos.values()
                      if d.index > quantities.get(d.type, 0)
                      or d.proc.poll() is not None]
            self._stop(doomed)
            for d in doomed:
                del st.dynos[d.name]
            for t, q in quantities.items():
                for i in range(1, q + 1):
                    if f"{t}.{i}" not in st.dynos:
                        self._start(st, t, i)
            return self.dynos(app)

    def restart_app(self, app: str, env: dict[str, str]) -> list[DynoInfo]:
        """Release: stop every dyno of the app, then start each again with
        ``env`` (which becomes the app's current env).  Returns :meth:`dynos`.
        """
        with self._lock:
            st = self._app(app)
            st.env = dict(env)
            old = list(st.dynos.values())
            self._stop(old)
            st.dynos.clear()
            for d in sorted(old, key=lambda d: (d.type, d.index)):
                self._start(st, d.type, d.index)
            return self.dynos(app)

    def restart_dyno(self, app: str, name: str) -> DynoInfo:
        """``heroku ps:restart web.1``: restart one dyno with the current env."""
        with self._lock:
            st = self._app(app)
            d = st.dynos.get(name)
            if d is None:
                raise DynoError(f"no dyno {name} in app {app}")
            self._stop([d])
            return self._start(st, d.type, d.index).info()

    def set_router_open(self, app: str, open: bool) -> None:
        """Maintenance mode off (``open=True``) or on (``open=False``).

        Web dynos check the flag before every write, so this takes effect
        within one write interval.  Persisted in the app directory.
        """
        with self._lock:
            flag = self._app(app).router_flag
            if open:
                flag.unlink(missing_ok=True)
            else:
                tmp = flag.with_name(flag.name + ".tmp")
                tmp.write_text("maintenance\n")
                os.replace(tmp, flag)

    def router_open(self, app: str) -> bool:
        with self._lock:
            return not self._app(app).router_flag.exists()

    def dynos(self, app: str) -> list[DynoInfo]:
        """The app's dynos, sorted by type then number."""
        with self._lock:
            st = self._app(app)
            return [d.info() for d in sorted(st.dynos.values(),
                                             key=lambda d: (d.type, d.index))]

    def stop_app(self, app: str) -> None:
        """Stop every dyno of the app (the formation is forgotten)."""
        with self._lock:
            st = self._apps.get(app)
            if st is None:
                return
            self._stop(list(st.dynos.values()))
            st.dynos.clear()

    def stop_all(self) -> None:
        """Stop every dyno of every app; waits for them (no orphans)."""
        with self._lock:
            self._closed = True
            everything = [d for st in self._apps.values() for d in st.dynos.values()]
            self._stop(everything)
            for st in self._apps.values():
                st.dynos.clear()

    # ---------------------------------------------------------------- ledger

    def ledger(self, app: str, since: float | None = None) -> list[tuple[int, float, str]]:
        """Every acknowledged write of the app, from all incarnations ever
        started under ``base_dir``: ``(id, unix_time, dyno_name)`` sorted by
        time.  ``since`` keeps writes acknowledged at or after that time."""
        with self._lock:
            st = self._app(app)
            files = sorted(st.dyno_dir.glob("*.ledger"))
        out: list[tuple[int, float, str]] = []
        for f in files:
            m = _LEDGER_RE.match(f.name)
            if not m:
                continue
            name = m.group(2)
            data = f.read_bytes()
            # A line without its newline may be mid-write: ignore it.
            for line in data[: data.rfind(b"\n") + 1].splitlines():
                wid, _sep, t = line.partition(b"\t")
                try:
                    entry = (int(wid), float(t), name)
                except ValueError:
                    continue
                if since is None or entry[1] >= since:
                    out.append(entry)
        out.sort(key=lambda e: e[1])
        return out

    def acknowledged_counts(self, app: str, since: float | None = None) -> dict[str, int]:
        """Acknowledged writes per dyno name (all incarnations summed)."""
        counts: dict[str, int] = {}
        for _wid, _t, name in self.ledger(app, since):
            counts[name] = counts.get(name, 0) + 1
        return counts

    def writes(self, app: str, database_url: str, since: float | None = None) -> dict:
        """Check the app's ledgers against the database ``database_url``.

        Returns ``{"acknowledged": N, "missing": M, "max_gap_seconds": G,
        "first_at": t0, "last_at": t1, "by_dyno": {name: n}}`` where
        ``missing`` counts acknowledged ids absent from ``sim_writes`` there
        (all of them if the table does not exist), ``max_gap_seconds`` is the
        longest interval between consecutive acknowledged writes across all
        the app's dynos (0 with fewer than 2), and ``first_at``/``last_at``
        the unix times of the first/last acknowledged write (None if none).
        ``since`` restricts everything to writes acknowledged at or after
        that unix time.  Raises :class:`DynoError` if the database cannot be
        reached (the message never contains the password).
        """
        import psycopg

        entries = self.ledger(app, since)
        times = [t for _wid, t, _name in entries]
        gap = max((b - a for a, b in zip(times, times[1:])), default=0.0)
        by_dyno: dict[str, int] = {}
        for _wid, _t, name in entries:
            by_dyno[name] = by_dyno.get(name, 0) + 1
        missing = 0
        target = _describe(database_url)
        try:
            with psycopg.connect(database_url, autocommit=True, connect_timeout=5,
                                 application_name="herokusim ledger check") as conn:
                if entries:
                    missing = _count_missing(conn, [e[0] for e in entries])
        except psycopg.Error as e:
            raise DynoError(
                f"cannot check writes of {app} against {target}: "
                f"{_scrub(str(e), database_url)}") from None
        return {
            "acknowledged": len(entries),
            "missing": missing,
            "max_gap_seconds": round(gap, 6),
            "first_at": times[0] if times else None,
            "last_at": times[-1] if times else None,
            "by_dyno": by_dyno,
        }


def _count_missing(conn, ids: list[int]) -> int:
    """Acknowledged ids absent from sim_writes.  Plain SELECTs with
    ``= ANY(array)`` in chunks (index scans), so it also works on a read-only
    follower or a database in recovery."""
    exists = conn.execute("SELECT to_regclass('sim_writes') IS NOT NULL").fetchone()[0]
    if not exists:
        return len(ids)
    found = 0
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        found += conn.execute(
            "SELECT count(*) FROM sim_writes WHERE id = ANY(%s::bigint[])", (chunk,)
        ).fetchone()[0]
    return len(ids) - found


_CHUNK = 20_000


def _describe(url: str) -> str:
    """host:port/dbname of a connection string, without credentials."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        d = conninfo_to_dict(url)
        return f"{d.get('host', 'localhost')}:{d.get('port', 5432)}/{d.get('dbname', '')}"
    except Exception:
        return "the database (unparsable URL)"


def _scrub(text: str, url: str) -> str:
    from herokusim.dyno_writer import _Scrubber

    return _Scrubber(url)(text)
