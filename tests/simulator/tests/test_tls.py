"""TLS on every cluster (pg/tls.py): natively where the build has OpenSSL, through a TlsFront
where it does not; plain connections keep working."""

import os
import subprocess
import sys

import psycopg
import pytest

CANCEL = """
import sys, threading, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    threading.Timer(0.3, conn.cancel).start()
    try:
        conn.execute("SELECT pg_sleep(10)")
    except psycopg.errors.QueryCanceled:
        print("cancelled")
"""


def encryption(url: str, sslmode: str) -> tuple[bool, bool]:
    """(the client's view, pg_stat_ssl's view) of whether the connection is encrypted."""
    with psycopg.connect(url, sslmode=sslmode, connect_timeout=5) as conn:
        server = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]
        return conn.pgconn.ssl_in_use, server


def test_key_belongs_to_the_server_account_alone(env):
    stat = os.stat(env.certificate.key)
    assert stat.st_mode & 0o777 == 0o600
    assert stat.st_uid == (env.account.pw_uid if env.account else os.geteuid())


@pytest.mark.parametrize("version", ["15", "16"])
def test_tls_and_plain_connections(manager, env, version):
    db = manager.create_primary(f"tls{version}", version)
    native = env.native_tls(version)
    assert encryption(db.url, "require") == (True, native)  # a front's server sees plain text
    assert encryption(db.url, "disable") == (False, False)
    assert encryption(db.url, "prefer")[0] is True
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(db.url.replace(db.password, "wrong"), sslmode="require").close()


def test_debian_15_does_tls_itself(env):
    assert env.native_tls("15")


def test_front_goes_and_comes_with_its_server(manager):
    db = manager.create_primary("front", "16")
    url = f"{db.url}?sslmode=require"
    # A cancel request crosses the front too (from another process: psycopg's cancel()
    # holds the GIL that the front's thread needs).
    cancel = subprocess.run([sys.executable, "-c", CANCEL, url], capture_output=True, text=True, timeout=30,
                            check=False)
    assert cancel.stdout.strip() == "cancelled", cancel.stderr
    db.stop()
    with pytest.raises(psycopg.OperationalError, match="refused"):
        psycopg.connect(url, connect_timeout=5).close()
    db.start()
    assert encryption(db.url, "require")[0]


def test_upgrade_from_native_tls_to_a_front_keeps_the_url(manager):
    db = manager.create_primary("tls-upg", "15")
    db.seed(3)
    url = db.url
    db.upgrade("16")
    assert db.url == url and encryption(url, "require")[0]
    with psycopg.connect(url, sslmode="require") as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 3
