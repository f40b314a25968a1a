"""Dynos are processes that really write: tests against a real PostgreSQL.

A throwaway PostgreSQL 15 cluster is started as the ``postgres`` user for this
module (trust auth, except scram for role ``pwuser`` so password handling can
be checked) and stopped afterwards.  Every test checks that no dyno process it
started remains.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest

from herokusim.dynos import ID_BASE, DynoError, DynoSupervisor

PG_BIN = Path("/usr/lib/postgresql/15/bin")
INTERVAL = 0.05
PASSWORD = "s3cr3t-Pa55word"
WRONG_PASSWORD = "wr0ng-Pa55word"

pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists(),
                                reason="PostgreSQL 15 not installed")


# ---------------------------------------------------------------- helpers

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*argv: str, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 30)
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True,
                          capture_output=True, text=True, **kw)


def wait_until(pred, timeout: float = 5.0, step: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


def dyno_pids(marker: str) -> set[int]:
    """Live (non-zombie) dyno_writer processes whose argv mentions marker."""
    pids = set()
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (p / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if "herokusim.dyno_writer" in cmd and marker in cmd and state != "Z":
            pids.add(int(p.name))
    return pids


class Cluster:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="herokusim-dynos-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        hba = self.data / "pg_hba.conf"
        hba.write_text("host all pwuser 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                     str(self.dir / "log"), "start", "-o",
                     f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                     "-c fsync=off -c max_connections=200")
        with self.admin() as c:
            c.execute(f"CREATE ROLE pwuser LOGIN SUPERUSER PASSWORD '{PASSWORD}'")

    def url(self, db: str, user: str = "postgres", password: str | None = None,
            port: int | None = None) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgres://{auth}@127.0.0.1:{port or self.port}/{db}"

    def admin(self, db: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(db), autocommit=True)

    def new_db(self) -> str:
        name = f"d{next(self._names)}"
        with self.admin() as c:
            c.execute(f"CREATE DATABASE {name}")
        return name

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"),
                        "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def pg():
    c = Cluster()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def sup(tmp_path):
    s = DynoSupervisor(tmp_path / "dynos", write_interval=INTERVAL, stop_timeout=2.0)
    try:
        yield s
    finally:
        s.stop_all()
        assert dyno_pids(str(tmp_path)) == set(), "dyno processes left behind"


def count(sup, app, name) -> int:
    return sup.acknowledged_counts(app).get(name, 0)


def rows(pg, db, where: str = "true") -> int:
    with pg.admin(db) as c:
        return c.execute(f"SELECT count(*) FROM sim_writes WHERE {where}").fetchone()[0]


# ------------------------------------------------------------------ tests

def test_dynos_write_and_ledger_catches_lost_write(pg, sup, tmp_path):
    db = pg.new_db()
    env = {"DATABASE_URL": pg.url(db)}
    infos = sup.set_formation("app1", {"web": 2, "worker": 1}, env)
    assert [d.name for d in infos] == ["web.1", "web.2", "worker.1"]
    assert len({d.prefix for d in infos}) == 3 and len({d.pid for d in infos}) == 3
    assert dyno_pids(str(tmp_path)) == {d.pid for d in infos}
    wait_until(lambda: all(d.state == "up" for d in sup.dynos("app1")), what="dynos up")
    wait_until(lambda: all(count(sup, "app1", n) >= 5 for n in ("web.1", "web.2", "worker.1")),
               what="writes from every dyno")
    first = sup.acknowledged_counts("app1")
    time.sleep(0.3)
    second = sup.acknowledged_counts("app1")
    assert all(second[n] > first[n] for n in first), (first, second)

    w = sup.writes("app1", pg.url(db))
    assert w["missing"] == 0
    assert w["acknowledged"] >= sum(second.values())
    assert 0 < w["max_gap_seconds"] < 0.5
    assert rows(pg, db) >= w["acknowledged"]

    # Ids: prefix * 1e9 + counter, the dyno column says who wrote it.
    ids = [wid for wid, _t, name in sup.ledger("app1") if name == "worker.1"]
    worker = next(d for d in infos if d.name == "worker.1")
    assert all(wid // ID_BASE == worker.prefix for wid in ids)

    # Deliberately lose one acknowledged write: the ledger notices.
    victim = ids[3]
    with pg.admin(db) as c:
        assert c.execute("DELETE FROM sim_writes WHERE id = %s AND dyno = 'worker.1'",
                         (victim,)).rowcount == 1
    w = sup.writes("app1", pg.url(db))
    assert w["missing"] == 1

    sup.set_formation("app1", {}, env)
    assert sup.dynos("app1") == []
    assert dyno_pids(str(tmp_path)) == set()


def test_router_closed_stops_web_only(pg, sup):
    db = pg.new_db()
    sup.set_formation("app2", {"web": 1, "worker": 1}, {"DATABASE_URL": pg.url(db)})
    wait_until(lambda: count(sup, "app2", "web.1") >= 3 and count(sup, "app2", "worker.1") >= 3,
               what="writes")
    closed_at = time.time()
    sup.set_router_open("app2", False)
    assert not sup.router_open("app2")
    time.sleep(2 * INTERVAL + 0.05)
    web, worker = count(sup, "app2", "web.1"), count(sup, "app2", "worker.1")
    last_web = max(t for _wid, t, n in sup.ledger("app2") if n == "web.1")
    # Effective within one interval (plus the write already in flight).
    assert last_web - closed_at < 2 * INTERVAL
    time.sleep(0.5)
    assert count(sup, "app2", "web.1") == web
    assert count(sup, "app2", "worker.1") >= worker + 5

    sup.set_router_open("app2", True)
    wait_until(lambda: count(sup, "app2", "web.1") >= web + 3, what="web writing again")
    assert sup.writes("app2", pg.url(db))["missing"] == 0


def test_scaling_down_and_to_zero(pg, sup, tmp_path):
    db = pg.new_db()
    env = {"DATABASE_URL": pg.url(db)}
    # Called from a short-lived thread, as an API request handler would:
    # the dynos must outlive that thread.
    t = threading.Thread(target=sup.set_formation, args=("app3", {"web": 2, "worker": 1}, env))
    t.start()
    t.join()
    before = {d.name: d for d in sup.dynos("app3")}
    wait_until(lambda: all(count(sup, "app3", n) >= 3 for n in before), what="writes")
    assert {d.state for d in sup.dynos("app3")} == {"up"}

    infos = sup.set_formation("app3", {"web": 1, "worker": 0}, env)
    assert [d.name for d in infos] == ["web.1"]
    assert infos[0].pid == before["web.1"].pid  # kept running, not restarted
    assert dyno_pids(str(tmp_path)) == {before["web.1"].pid}
    stopped = {n: count(sup, "app3", n) for n in ("web.2", "worker.1")}
    web1 = count(sup, "app3", "web.1")
    time.sleep(0.3)
    assert {n: count(sup, "app3", n) for n in stopped} == stopped
    assert count(sup, "app3", "web.1") > web1

    sup.set_formation("app3", {"web": 0}, env)
    assert sup.dynos("app3") == []
    assert dyno_pids(str(tmp_path)) == set()
    total = sum(sup.acknowledged_counts("app3").values())
    time.sleep(0.2)
    assert sum(sup.acknowledged_counts("app3").values()) == total
    assert sup.writes("app3", pg.url(db))["missing"] == 0


def test_release_restarts_onto_new_database(pg, sup, tmp_path):
    db1, db2 = pg.new_db(), pg.new_db()  # db2 is brand new: no sim_writes table
    sup.set_formation("app4", {"web": 1, "worker": 1}, {"DATABASE_URL": pg.url(db1)})
    wait_until(lambda: sum(sup.acknowledged_counts("app4").values()) >= 6, what="writes")
    old = {d.name: d for d in sup.dynos("app4")}

    t0 = time.time()
    new = {d.name: d for d in sup.restart_app("app4", {"DATABASE_URL": pg.url(db2)})}
    restarted = time.time()  # the old dynos are gone: a write acknowledged after this is a new dyno's, into db2
    restart_s = restarted - t0
    assert restart_s < 1.5, restart_s  # SIGTERM is honoured at once
    assert set(new) == set(old)
    assert all(new[n].pid != old[n].pid for n in new)
    old_prefixes = {d.prefix for d in old.values()}
    new_prefixes = {d.prefix for d in new.values()}
    assert not old_prefixes & new_prefixes
    assert dyno_pids(str(tmp_path)) == {d.pid for d in new.values()}

    wait_until(lambda: all(count(sup, "app4", n) > 0 for n in new) and
               len(sup.acknowledged_counts("app4", since=restarted)) == 2, what="writes to db2")
    assert sup.writes("app4", pg.url(db2), since=restarted)["missing"] == 0
    old_ids = [w for w, _t, _name in sup.ledger("app4") if w // ID_BASE in old_prefixes]
    # Writes before the release went to db1 only, later ones to db2 only.
    assert sup.writes("app4", pg.url(db2))["missing"] == len(old_ids)
    lo, hi = min(new_prefixes) * ID_BASE, (max(new_prefixes) + 1) * ID_BASE
    assert rows(pg, db1, f"id >= {lo}") == 0
    assert rows(pg, db2, f"id < {lo} OR id >= {hi}") == 0

    # A new supervisor over the same base_dir continues the prefixes.
    sup.stop_all()
    again = DynoSupervisor(sup.base_dir, write_interval=INTERVAL, stop_timeout=2.0)
    try:
        d = again.set_formation("app4", {"worker": 1}, {"DATABASE_URL": pg.url(db2)})[0]
        assert d.prefix > max(new_prefixes)
    finally:
        again.stop_all()


def test_max_gap_reflects_pause(pg, sup):
    db = pg.new_db()
    env = {"DATABASE_URL": pg.url(db)}
    sup.set_formation("app5", {"web": 1, "worker": 2}, env)
    wait_until(lambda: sum(sup.acknowledged_counts("app5").values()) >= 15, what="writes")
    assert sup.writes("app5", pg.url(db))["max_gap_seconds"] < 0.5

    # Maintenance on and workers scaled down: nobody writes for ~1 s.
    sup.set_router_open("app5", False)
    sup.set_formation("app5", {"web": 1, "worker": 0}, env)
    time.sleep(1.0)
    sup.set_router_open("app5", True)
    sup.set_formation("app5", {"web": 1, "worker": 2}, env)
    n = sum(sup.acknowledged_counts("app5").values())
    wait_until(lambda: sum(sup.acknowledged_counts("app5").values()) >= n + 10, what="writes")
    w = sup.writes("app5", pg.url(db))
    assert w["missing"] == 0
    assert 1.0 <= w["max_gap_seconds"] < 2.5, w


def test_unwritable_databases_retry_and_never_crash(pg, sup, tmp_path):
    ro = pg.new_db()
    with pg.admin() as c:
        c.execute(f"ALTER DATABASE {ro} SET default_transaction_read_only = on")
    pw_db = pg.new_db()
    cases = {
        "refused": pg.url("postgres", port=_free_port()),
        "readonly": pg.url(ro),
        "badauth": pg.url(pw_db, user="pwuser", password=WRONG_PASSWORD),
        "nodb": pg.url("does_not_exist"),
        "nourl": None,
        "goodauth": pg.url(pw_db, user="pwuser", password=PASSWORD),
    }
    for app, url in cases.items():
        sup.set_formation(app, {"worker": 1}, {"DATABASE_URL": url} if url else {})
    wait_until(lambda: count(sup, "goodauth", "worker.1") >= 5, what="writes with password")
    wait_until(lambda: all(sup.dynos(a)[0].state == "up" for a in cases), what="dynos up")
    time.sleep(0.5)
    for app in cases:
        (d,) = sup.dynos(app)
        assert d.state == "up", (app, d)
        if app != "goodauth":
            assert sup.acknowledged_counts(app) == {}, app
    assert sup.writes("goodauth", pg.url(pw_db))["missing"] == 0

    # The read-only database becomes writable: the dyno starts writing.
    with pg.admin() as c:
        c.execute(f"ALTER DATABASE {ro} RESET default_transaction_read_only")
    wait_until(lambda: count(sup, "readonly", "worker.1") >= 3, what="writes after RESET")
    assert sup.writes("readonly", pg.url(ro))["missing"] == 0

    # Failures are logged, the password never is (nor is it in any argv).
    logs = {p: p.read_text() for p in (tmp_path / "dynos").glob("*/dynos/*.log")}
    text = "\n".join(logs.values())
    assert "password authentication failed" in text
    assert "read-only transaction" in text
    assert "DATABASE_URL is not set" in text
    assert PASSWORD not in text and WRONG_PASSWORD not in text
    for pid in dyno_pids(str(tmp_path)):
        assert PASSWORD not in Path(f"/proc/{pid}/cmdline").read_text()

    # Checking against an unreachable database is a clear error, no secret.
    with pytest.raises(DynoError, match="cannot check writes") as exc:
        sup.writes("goodauth", pg.url(pw_db, user="pwuser", password=PASSWORD,
                                      port=_free_port()))
    assert PASSWORD not in str(exc.value)


def test_stop_is_bounded_while_insert_blocked(pg, sup, tmp_path):
    db = pg.new_db()
    sup.set_formation("app6", {"worker": 1}, {"DATABASE_URL": pg.url(db)})
    wait_until(lambda: count(sup, "app6", "worker.1") >= 3, what="writes")
    with pg.admin(db) as locker, pg.admin(db) as watch:
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE sim_writes IN ACCESS EXCLUSIVE MODE")
        wait_until(lambda: watch.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND application_name LIKE 'herokusim dyno%'").fetchone()[0] == 1,
            what="insert blocked on lock")
        t0 = time.monotonic()
        sup.stop_app("app6")
        elapsed = time.monotonic() - t0
        locker.execute("ROLLBACK")
    assert elapsed < 1.0, elapsed  # SIGTERM ends a dyno even mid-INSERT
    assert dyno_pids(str(tmp_path)) == set()
    assert sup.writes("app6", pg.url(db))["missing"] == 0


HOST_SCRIPT = """
import json, sys, time
from pathlib import Path
from herokusim.dynos import DynoSupervisor
sup = DynoSupervisor(Path(sys.argv[1]), write_interval=0.05)
infos = sup.set_formation("host", {"web": 1, "worker": 2}, {"DATABASE_URL": sys.argv[2]})
print(json.dumps([d.pid for d in infos]), flush=True)
time.sleep(60)
"""


def test_sigkill_of_supervisor_host_leaves_no_dyno(pg, tmp_path):
    db = pg.new_db()
    base = tmp_path / "host"
    host = subprocess.Popen([sys.executable, "-c", HOST_SCRIPT, str(base), pg.url(db)],
                            stdout=subprocess.PIPE, text=True)
    try:
        pids = set(json.loads(host.stdout.readline()))
        assert len(pids) == 3 and dyno_pids(str(base)) == pids
        sup = DynoSupervisor(base)  # read-only use: ledger of the host's dynos
        wait_until(lambda: sum(sup.acknowledged_counts("host").values()) >= 10, what="writes")
        t0 = time.monotonic()
        host.send_signal(signal.SIGKILL)
        host.wait()
        wait_until(lambda: not dyno_pids(str(base)), timeout=3, what="orphans to exit")
        gone_after = time.monotonic() - t0
        assert gone_after < 1.0, gone_after
        assert sup.writes("host", pg.url(db))["missing"] == 0
    finally:
        if host.poll() is None:
            host.kill()
            host.wait()
        for pid in dyno_pids(str(base)):
            os.kill(pid, signal.SIGKILL)


def test_sigkilled_dyno_is_crashed_keeps_ledger_and_restarts(pg, sup, tmp_path):
    db = pg.new_db()
    env = {"DATABASE_URL": pg.url(db)}
    (d,) = sup.set_formation("app7", {"worker": 1}, env)
    wait_until(lambda: count(sup, "app7", "worker.1") >= 10, what="writes")
    os.kill(d.pid, signal.SIGKILL)
    wait_until(lambda: sup.dynos("app7")[0].state == "crashed", what="crashed state")
    # Every entry flushed before the SIGKILL is an acknowledged row.
    w = sup.writes("app7", pg.url(db))
    assert w["missing"] == 0 and w["acknowledged"] >= 10
    (d2,) = sup.set_formation("app7", {"worker": 1}, env)  # reconcile restarts it
    assert d2.pid != d.pid and d2.prefix != d.prefix
    wait_until(lambda: count(sup, "app7", "worker.1") >= w["acknowledged"] + 3, what="writes")


def test_writes_check_is_fast_for_many_ids(pg, sup, tmp_path):
    db = pg.new_db()
    n = 60_000
    ledger_dir = sup.base_dir / "bulk" / "dynos"
    ledger_dir.mkdir(parents=True)
    t = time.time()
    (ledger_dir / "1.worker.1.ledger").write_text(
        "".join(f"{ID_BASE + i}\t{t + i * 0.001:.6f}\n" for i in range(1, n + 1)))
    with pg.admin(db) as c:
        c.execute("CREATE TABLE sim_writes (id bigint PRIMARY KEY, dyno text NOT NULL, "
                  "at timestamptz NOT NULL DEFAULT now())")
        c.execute("INSERT INTO sim_writes (id, dyno) SELECT %s + g, 'worker.1' "
                  "FROM generate_series(1, %s) g WHERE g %% 1000 <> 7", (ID_BASE, n))
    t0 = time.monotonic()
    w = sup.writes("bulk", pg.url(db))
    elapsed = time.monotonic() - t0
    assert w["acknowledged"] == n and w["missing"] == n // 1000
    assert abs(w["max_gap_seconds"] - 0.001) < 1e-4
    assert elapsed < 2.0, elapsed


def test_follower_in_recovery_refuses_then_promoted_accepts(pg, sup, tmp_path):
    db = pg.new_db()
    with pg.admin(db) as c:  # the table exists, as after a migration
        c.execute("CREATE TABLE sim_writes (id bigint PRIMARY KEY, dyno text NOT NULL, "
                  "at timestamptz NOT NULL DEFAULT now())")
    standby = pg.dir / "standby"
    port = _free_port()
    _as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(pg.port),
                 "-U", "postgres", "-D", str(standby), "-R", "-X", "stream", "--no-sync",
                 "--checkpoint=fast")
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(standby), "-w"]
    _as_postgres(*ctl, "-l", str(pg.dir / "standby.log"), "start", "-o",
                 f"-p {port} -k {pg.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                 "-c max_connections=200")
    try:
        url = pg.url(db, port=port)
        sup.set_formation("app8", {"worker": 1}, {"DATABASE_URL": url})
        wait_until(lambda: sup.dynos("app8")[0].state == "up", what="dyno up")
        time.sleep(0.5)
        assert sup.dynos("app8")[0].state == "up"
        assert sup.acknowledged_counts("app8") == {}
        _as_postgres(*ctl, "promote")
        wait_until(lambda: count(sup, "app8", "worker.1") >= 5, what="writes after promote")
        assert sup.writes("app8", url)["missing"] == 0
        log = next((tmp_path / "dynos" / "app8" / "dynos").glob("*.log")).read_text()
        assert "read-only transaction" in log
    finally:
        sup.stop_all()
        subprocess.run(["runuser", "-u", "postgres", "--", *ctl, "-m", "immediate", "stop"],
                       capture_output=True, check=False)


def test_ids_are_unique_across_apps(tmp_path):
    """Apps attached to one database write into the same table: their ids must not collide."""
    sup = DynoSupervisor(tmp_path / "dynos")
    try:
        sup.set_formation("app-one", {"worker": 1}, {})
        sup.set_formation("app-two", {"worker": 1}, {})
        prefixes = [d.prefix for app in ("app-one", "app-two") for d in sup.dynos(app)]
        assert len(set(prefixes)) == 2
    finally:
        sup.stop_all()
    later = DynoSupervisor(tmp_path / "dynos")   # a new supervisor over the same ledgers
    try:
        assert [d.prefix for d in later.set_formation("app-three", {"worker": 1}, {})][0] > max(prefixes)
    finally:
        later.stop_all()
