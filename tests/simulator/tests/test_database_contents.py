"""What tests put inside a database (pg/contents.py), and that it lives through replication,
pg:copy and pg_upgrade the way PostgreSQL and Heroku keep it."""

import time

import psycopg
import pytest

from herokusim.pg import PgError


def contents(url: str) -> dict:
    """What fill() makes, as the application role sees it."""
    with psycopg.connect(url) as conn:
        def value(query):
            return conn.execute(query).fetchone()[0]
        return {
            "sessions": value("SELECT count(*) FROM sessions"),
            "unlogged": value("SELECT relpersistence FROM pg_class WHERE relname = 'sessions'"),
            "tenants": value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'"),
            "objects": value("SELECT count(*) FROM pg_views WHERE viewname LIKE 'object\\_%'"),
            "extensions": value("SELECT array_agg(extname::text ORDER BY extname) FROM pg_extension"),
            "large_objects": value("SELECT count(*) FROM pg_largeobject_metadata"),
            "published": value("SELECT array_agg(pubname || ':' || tablename ORDER BY pubname, tablename) "
                               "FROM pg_publication_tables"),
        }


def replayed(follower) -> bool:
    return follower.behind_by() == 0


def test_fill_is_fast_and_counts_schemas_and_objects(manager):
    db = manager.create_primary("many", "15")
    assert db.catalog_size() == (1, 0)  # public, nothing in it
    started = time.monotonic()
    db.fill(schemas=1001, objects=10001)
    elapsed = time.monotonic() - started
    # public + 1,001 schemas; each schema's table and primary key index, and the views.
    assert db.catalog_size() == (1002, 2 * 1001 + 10001)
    assert elapsed < 15, f"1,001 schemas and 10,001 objects took {elapsed:.1f}s"


def test_fill_makes_everything_as_the_application_role(manager):
    db = manager.create_primary("filled", "15")
    db.seed(5)
    db.fill(unlogged_tables={"sessions": 100}, schemas=2, objects=3, extensions=["hstore", "pg_trgm"],
            large_objects=4, publications=["everything"])
    assert contents(db.url) == {"sessions": 100, "unlogged": "u", "tenants": 2, "objects": 3,
                                "extensions": ["hstore", "pg_trgm", "plpgsql"], "large_objects": 4,
                                "published": ["everything:items"]}  # unlogged tables cannot be published
    with db.connect(db.dbname) as conn:
        owners = {row[0] for row in conn.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname IN ('sessions', 'accounts', 'object_1') "
            "UNION SELECT pg_get_userbyid(extowner) FROM pg_extension WHERE extname = 'hstore' "
            "UNION SELECT pg_get_userbyid(pubowner) FROM pg_publication")}
    assert owners == {db.user}


def test_unknown_extension_is_refused_clearly(manager):
    db = manager.create_primary("noext", "16")
    with pytest.raises(PgError, match="extension hstore not available in this PostgreSQL 16 build"):
        db.fill(extensions=["hstore"])


def test_follower_streams_unlogged_tables_empty(manager):
    db = manager.create_primary("unlogged-lead", "15")
    db.seed(5)
    db.fill(unlogged_tables={"sessions": 50})
    follower = manager.create_replica("unlogged-follow", db)
    deadline = time.monotonic() + 10
    while not replayed(follower):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    follower.promote()
    with psycopg.connect(follower.url) as conn:
        # The table is there, its rows are not: unlogged data is never replicated.
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 5
    assert contents(db.url)["sessions"] == 50


def test_copy_keeps_contents(manager):
    source = manager.create_primary("contents-src", "15")
    source.seed(5)
    source.fill(unlogged_tables={"sessions": 20}, schemas=3, objects=5, extensions=["hstore"],
                large_objects=2, publications=["everything"])
    target = manager.create_primary("contents-dst", "15")
    expected = contents(source.url)
    target.copy_from(source)
    assert contents(target.url) == expected
    assert target.catalog_size() == source.catalog_size()
    target.copy_from(source)  # again, over contents of the role's own (extension included)
    assert contents(target.url) == expected


def test_upgrade_keeps_contents(manager):
    db = manager.create_primary("contents-upg", "15")
    db.seed(5)
    db.fill(unlogged_tables={"sessions": 20}, schemas=3, objects=5, large_objects=2,
            publications=["everything"])
    expected, size = contents(db.url), db.catalog_size()
    db.upgrade("16")
    assert db.server_version().startswith("16.")
    assert contents(db.url) == expected and db.catalog_size() == size


def test_upgrade_to_a_build_without_the_extension_fails_and_keeps_15(manager):
    """The pgserver wheel's 16 has no contrib extensions: pg_upgrade refuses what needs one."""
    db = manager.create_primary("contents-ext", "15")
    db.fill(extensions=["hstore"])
    with pytest.raises(PgError, match="still running PostgreSQL 15"):
        db.upgrade("16")
    assert db.server_version().startswith("15.")
