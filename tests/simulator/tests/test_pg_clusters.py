"""herokusim.pg against real PostgreSQL 15 and 16 servers."""

import threading
import time

import psycopg
import pytest

from herokusim.pg import PgError


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(interval)
    return result


def count_rows(url: str, table: str = "items") -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_versions(env):
    assert env.versions() == ["15", "16"]


def test_primary_over_url_with_password(manager):
    db = manager.create_primary("prim", "15")
    assert db.url == f"postgres://{db.user}:{db.password}@127.0.0.1:{db.port}/{db.dbname}"
    assert db.user.startswith("u") and len(db.user) == 13 and len(db.password) == 64
    with psycopg.connect(db.url) as conn:
        conn.execute("CREATE TABLE notes (body text)")
        conn.execute("INSERT INTO notes VALUES ('hello')")
        conn.commit()
        assert conn.execute("SELECT body FROM notes").fetchone() == ("hello",)
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("15")
    assert db.server_version().startswith("15.")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(db.url.replace(db.password, "0" * 64))
    assert db.table_count() == 1


def test_stats_seed_and_read_only(manager):
    db = manager.create_primary("stats", "16")
    db.seed(1000)
    assert count_rows(db.url) == 1000
    assert db.table_count() == 1
    assert db.data_size() > 7_000_000
    with psycopg.connect(db.url) as conn:
        assert db.connections() == 1
        db.set_read_only(True)
        with pytest.raises(psycopg.OperationalError):  # the session was terminated
            conn.execute("SELECT 1")
    with psycopg.connect(db.url) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO items (name) VALUES ('x')")
    db.set_read_only(False)
    db.seed(1)
    assert count_rows(db.url) == 1001


def test_rotate_credentials(manager):
    db = manager.create_primary("rot", "16")
    follower = manager.create_replica("rot-f", db)
    old_url = db.url
    session = psycopg.connect(old_url)
    new_url = db.rotate_credentials()
    assert new_url == db.url != old_url and follower.password == db.password
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(old_url)
    with pytest.raises(psycopg.OperationalError):
        session.execute("SELECT 1")
    psycopg.connect(new_url).close()
    wait_for(lambda: follower.behind_by() == 0, 5)
    psycopg.connect(follower.url).close()
    with pytest.raises(PgError, match="follower"):
        follower.rotate_credentials()


def test_replica_lag_under_load(manager):
    db = manager.create_primary("lead", "16")
    db.seed(10)
    follower = manager.create_replica("follow", db, apply_delay_ms=1000)
    assert follower.is_in_recovery() and not db.is_in_recovery()
    assert follower.leader is db and db.followers == [follower]
    assert (follower.user, follower.password, follower.dbname) == (db.user, db.password, db.dbname)
    assert follower.behind_by() == 0

    stop = threading.Event()

    def write():
        with psycopg.connect(db.url, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("INSERT INTO items (name) VALUES ('load')")
                time.sleep(0.003)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        lags = []
        for _attempt in range(6):
            time.sleep(0.25)
            lags.append(follower.behind_by())
    finally:
        stop.set()
        writer.join()
    assert max(lags) > 50, lags
    wait_for(lambda: follower.behind_by() == 0, 10)
    assert count_rows(follower.url) == count_rows(db.url)

    follower.set_apply_delay(0)
    follower.pause_replay()
    assert follower.replay_paused()
    db.seed(10)
    for _attempt in range(10):
        db.seed(1)
    time.sleep(0.3)
    assert follower.behind_by() >= 11
    follower.resume_replay()
    wait_for(lambda: follower.behind_by() == 0, 5)


def test_promote(manager):
    db = manager.create_primary("p-lead", "15")
    db.seed(100)
    follower = manager.create_replica("p-follow", db, apply_delay_ms=200)
    wait_for(lambda: follower.behind_by() == 0, 5)
    follower.promote()
    assert not follower.is_in_recovery()
    assert follower.leader is None and db.followers == []
    follower.seed(5)
    assert count_rows(follower.url) == 105 and count_rows(db.url) == 100
    with follower.connect() as conn:
        assert conn.execute("SHOW recovery_min_apply_delay").fetchone()[0] == "0"
    with pytest.raises(PgError, match="not a follower"):
        follower.promote()

    stuck = manager.create_replica("p-stuck", db)
    stuck.pause_replay()
    stuck.promote()  # a paused follower can still be unfollowed
    assert not stuck.is_in_recovery()
    stuck.seed(1)


def test_fence_then_switch_over_loses_no_acknowledged_write(manager):
    """Cluster.fence as a changeover uses it: a client that keeps writing (reconnecting after
    every failure, like a dyno) gets no write acknowledged once fence() returned, and a follower
    that replayed past the fence point holds every write that was acknowledged."""
    db = manager.create_primary("f-lead", "15")
    db.seed(1)
    follower = manager.create_replica("f-follow", db, apply_delay_ms=300)
    acknowledged, refusals, fenced_at = [], [], []
    stop = threading.Event()

    def write():
        conn, n = None, 0
        while not stop.is_set():
            try:
                conn = conn or psycopg.connect(db.url, autocommit=True, connect_timeout=2)
                n += 1
                conn.execute("INSERT INTO items (id, name) OVERRIDING SYSTEM VALUE VALUES (%s, 'w')",
                             [1000 + n])
                acknowledged.append((1000 + n, time.monotonic()))
            except psycopg.Error as exc:
                refusals.append(str(exc))
                conn = None
            time.sleep(0.002)

    session = psycopg.connect(db.url, autocommit=True)  # an already-connected client
    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for(lambda: len(acknowledged) > 50, 10)
        fence_point = db.fence()
        fenced_at.append(time.monotonic())
        assert db.fenced() and db.fence() and db.fenced()  # idempotent
        with pytest.raises(psycopg.OperationalError):
            session.execute("INSERT INTO items (name) VALUES ('after the fence')")
        with pytest.raises(psycopg.OperationalError, match="rejects connection"):
            psycopg.connect(db.url)
        assert db.data_size() > 0  # the simulator's own connections still work
        wait_for(lambda: refusals and any("rejects connection" in r for r in refusals), 5)
    finally:
        stop.set()
        writer.join()
    assert not [t for _id, t in acknowledged if t > fenced_at[0]]
    wait_for(lambda: follower.replayed_past(fence_point), 10)
    follower.promote()
    with psycopg.connect(follower.url) as conn:
        present = {row[0] for row in conn.execute("SELECT id FROM items")}
    assert {wid for wid, _t in acknowledged} <= present
    db.unfence()
    assert not db.fenced()
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute("INSERT INTO items (name) VALUES ('writable again')")


def test_upgrade_15_to_16(manager):
    db = manager.create_primary("upg", "15")
    db.seed(500)
    port, url = db.port, db.url
    steps = []
    started = time.monotonic()
    db.upgrade("16", lambda n, total, msg: steps.append((n, total, msg)))
    elapsed = time.monotonic() - started
    assert [s[:2] for s in steps] == [(n, 7) for n in range(1, 8)]
    assert db.version == "16" and db.port == port and db.url == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("16")
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 500
        conn.execute("INSERT INTO items (name) VALUES ('after')")
    assert not (db.dir / "data.old").exists() and not (db.dir / "data.new").exists()
    new_url = db.rotate_credentials()
    assert count_rows(new_url) == 501
    print(f"upgrade 15->16 took {elapsed:.2f}s")


def test_upgrade_failure_keeps_old_cluster(manager):
    db = manager.create_primary("upg-bad", "15")
    db.seed(3)
    # pg_upgrade refuses user columns of reg* types other than regclass, regrole and regtype.
    with db.connect(db.dbname) as conn:
        conn.execute("CREATE TABLE bad (f regproc)")
    with pytest.raises(PgError, match="reg\\*") as failure:
        db.upgrade("16")
    assert "still running PostgreSQL 15" in str(failure.value)
    assert db.version == "15"
    with psycopg.connect(db.url) as conn:
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("15")
    assert count_rows(db.url) == 3
    with pytest.raises(PgError, match="cannot upgrade"):
        db.upgrade("15")


def test_upgrade_detaches_followers_and_names_can_be_reused(manager):
    db = manager.create_primary("upg-lead", "15")
    db.seed(10)
    old = manager.create_replica("upg-follow", db)
    wait_for(lambda: old.behind_by() == 0, 5)
    with pytest.raises(PgError, match="promote it first"):
        old.upgrade("16")
    db.upgrade("16")
    assert db.followers == [] and old.leader is None
    assert old.is_in_recovery() and old.server_version().startswith("15.")
    # The re-created follower takes the add-on's name while the old one still exists.
    new = manager.create_replica("upg-follow", db)
    assert new.name == "upg-follow-2" and manager.get("upg-follow-2") is new
    assert new.server_version().startswith("16.")
    db.seed(5)
    wait_for(lambda: new.behind_by() == 0, 5)
    assert count_rows(new.url) == 15
    old.destroy()
    assert manager.create_primary("upg-follow", "16").name == "upg-follow"


def test_copy_replaces_contents(manager):
    source = manager.create_primary("src", "15")
    source.seed(20000)
    target = manager.create_primary("dst", "16")
    target.seed(5, table="old_stuff")
    progress = []
    copied = target.copy_from(source, progress.append)
    assert copied > 0 and progress[-1] == copied and progress == sorted(progress)
    assert count_rows(target.url) == 20000
    assert target.table_count() == 1  # old_stuff is gone
    target.seed(1)  # restored objects belong to the target's role
    assert count_rows(target.url) == 20001 and count_rows(source.url) == 20000
    # Again, onto contents from the previous copy.
    assert target.copy_from(source) > 0
    assert count_rows(target.url) == 20000


def test_copy_failure_reports_log(manager):
    source = manager.create_primary("src-bad", "16")
    target = manager.create_primary("dst-bad", "16")
    source.stop()
    with pytest.raises(PgError, match="pg_dump exit 1") as failure:
        target.copy_from(source)
    assert "connection to server" in str(failure.value)
