"""The Simulator: state, real clusters, writing dynos and background jobs in one object.

Request handlers call its operations (in `ops/`); every change a client can observe goes
through here so config vars, releases and dyno restarts stay consistent.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import clock
from .dynos import DynoSupervisor
from .model import Addon, App, Formation, Release, Store
from .pg import ClusterManager, PgEnv, spawn
from .timings import Timings

log = logging.getLogger("herokusim")


class Stopping(Exception):
    """Raised by Simulator.pause once the simulator stops: the background job ends unfinished."""


_SCHEDULE_TICK = 0.2   # seconds between two looks at what Heroku has scheduled


class Simulator:
    def __init__(self, data_dir: Path, timings: Timings | None = None,
                 template_cache: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.timings = timings or Timings()
        self.store = Store()
        self.pg = ClusterManager(PgEnv(self.data_dir / "pg", template_cache))
        self.versions: list[str] = self.pg.env.versions()
        self.dynos = DynoSupervisor(self.data_dir / "dynos", spawn=spawn,
                                    write_interval=self.timings.write_interval)
        self.jobs = ThreadPoolExecutor(max_workers=16, thread_name_prefix="herokusim-job")
        self.operations: list[dict] = []   # durations of simulated operations, for benchmarks
        self._ops_lock = threading.Lock()
        self._stopping = threading.Event()
        self._due: list[tuple] = []       # (what, when, fn, args): work Heroku runs by itself
        self._due_lock = threading.Lock()
        self._scheduler = threading.Thread(target=self._run_schedule, name="herokusim-schedule", daemon=True)
        self._scheduler.start()

    def close(self) -> None:
        self._stopping.set()
        self._scheduler.join()
        self.dynos.stop_all()
        self.jobs.shutdown(wait=False, cancel_futures=True)
        self.pg.stop_all()

    # -- background work -------------------------------------------------------------
    def submit(self, what: str, fn, *args) -> None:
        def run() -> None:
            try:
                fn(*args)
            except Stopping:
                pass
            except Exception:  # a job's failure must be visible, never kill the server
                log.exception("background job failed: %s", what)
        self.jobs.submit(run)

    def pause(self, seconds: float) -> None:
        """A simulated duration inside a background job. Interrupted when the simulator stops, which
        would otherwise wait for the job at exit (a 20 s maintenance preparation held up a test's teardown)."""
        if self._stopping.wait(max(0.0, seconds)):
            raise Stopping

    def when_due(self, what: str, when, fn, *args) -> None:
        """Heroku's own schedule: submit fn(*args) once when() (read again at every tick, so a
        rescheduled time counts) has come; when() returning None drops it (run or cancelled meanwhile)."""
        with self._due_lock:
            self._due.append((what, when, fn, args))

    def _run_schedule(self) -> None:
        while not self._stopping.wait(_SCHEDULE_TICK):
            with self._due_lock:
                entries = list(self._due)
            for entry in entries:
                what, when, fn, args = entry
                try:
                    with self.store.lock:
                        moment = when()
                except Exception:  # a broken entry must not stop the schedule of the others
                    log.exception("scheduled work dropped: %s", what)
                    moment = None
                if moment is not None and moment > clock.now():
                    continue
                with self._due_lock:
                    self._due.remove(entry)
                if moment is not None:
                    self.submit(what, fn, *args)

    def record_operation(self, op: str, addon: str, started: float) -> None:
        with self._ops_lock:
            self.operations.append({"operation": op, "addon": addon, "started_at": started,
                                    "seconds": round(time.time() - started, 3)})

    # -- config vars -----------------------------------------------------------------
    @staticmethod
    def url(addon: Addon) -> str | None:
        return addon.db.cluster.url if addon.db.cluster is not None else None

    def config_vars(self, app: App) -> dict[str, str]:
        config = dict(app.config)
        for att in self.store.attachments_of_app(app.name):
            addon = self.store.addon(att.addon_id)
            url = self.url(addon) if addon else None
            if url:
                # Heroku's pooler is a pgbouncer in front of the same database; the query
                # parameter keeps its URL distinct the way a different port would.
                config[att.name + "_URL"] = url + ("?application_name=pgbouncer" if att.is_pool else "")
        return config

    def dyno_env(self, app: App) -> dict[str, str]:
        return self.config_vars(app)

    # -- releases and dynos ------------------------------------------------------------
    def release(self, app: App, description: str, restart: bool = True) -> Release:
        """A new release; with a `release` process type it stays pending while the release
        phase runs, and dynos restart only once it succeeded."""
        with self.store.lock:
            for old in app.releases:
                old.current = False
            moment = clock.now()
            rel = Release(clock.new_id(), len(app.releases) + 1, description,
                          "pending" if app.has_release_phase else "succeeded", moment, moment)
            app.releases.append(rel)
        if app.has_release_phase:
            self.submit(f"release phase {app.name} v{rel.version}", self._release_phase, app, rel, restart)
        elif restart:
            self.restart_dynos(app)
        return rel

    def _release_phase(self, app: App, rel: Release, restart: bool) -> None:
        self.pause(self.timings.release_phase_seconds)
        with self.store.lock:
            rel.status = "succeeded"
            rel.updated_at = clock.now()
        if restart:
            self.restart_dynos(app)

    def restart_dynos(self, app: App) -> None:
        self.dynos.restart_app(app.name, self.dyno_env(app))

    def apply_formation(self, app: App) -> None:
        # The release process type runs only during release phases, never as a dyno.
        quantities = {t: f.quantity for t, f in app.formation.items() if t != "release"}
        self.dynos.set_formation(app.name, quantities, self.dyno_env(app))

    def set_maintenance(self, app: App, on: bool) -> None:
        with self.store.lock:
            app.maintenance = on
            app.updated_at = clock.now()
        self.dynos.set_router_open(app.name, not on)

    # -- creation helpers used by fixtures and the API ---------------------------------
    def create_app(self, name: str, region: str = "us", space: str | None = None,
                   shield: bool = False, formation: dict[str, int] | None = None,
                   config: dict[str, str] | None = None, team: str | None = None) -> App:
        with self.store.lock:
            app = App(clock.new_id(), name, region=region, space=space, shield=shield,
                      config=dict(config or {}), team=team)
            for ptype, qty in (formation or {}).items():
                app.formation[ptype] = Formation(clock.new_id(), ptype, int(qty),
                                                 command=f"bin/{ptype}")
            self.store.apps[name] = app
            self.release(app, "Initial release", restart=False)
        self.dynos.set_router_open(name, True)
        return app
