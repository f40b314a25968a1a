"""What a test puts inside a database besides the sample rows, and how big its catalog is.

Everything is created by the application role, as a Heroku user does (the default credential
is no superuser): so pg:copy, which drops what the target's role owns and restores as that
role, handles it like the rest, and only what such a role may create can be asked for
(trusted extensions; publications of its own tables, not FOR ALL TABLES).  DDL in bulk runs
in one DO block, so a thousand schemas take about a second.
"""

from psycopg import sql

from .errors import PgError

# User schemas: all but PostgreSQL's own (pg_catalog, pg_toast, information_schema...), so
# `public` counts.  User objects: their rows of pg_class (tables, indexes, sequences, views,
# materialized views...; TOAST tables live in pg_toast and do not count) plus their functions
# -- what pg_upgrade's schema dump holds in memory, counted with two cheap catalog scans.
_USER_SCHEMA = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
_CATALOG_SIZE = sql.SQL(
    "SELECT (SELECT count(*) FROM pg_namespace n WHERE {user}),"
    " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user})"
    " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {user})"
).format(user=sql.SQL(_USER_SCHEMA))

_SCHEMAS = """DO $$ BEGIN
  FOR i IN 1..{count} LOOP
    EXECUTE format('CREATE SCHEMA %I', 'tenant_' || i);
    EXECUTE format('CREATE TABLE %I.accounts (id int PRIMARY KEY, name text)', 'tenant_' || i);
  END LOOP;
END $$"""

# Views: one pg_class row each and no storage, the cheapest object to have thousands of.
_OBJECTS = """DO $$ BEGIN
  FOR i IN 1..{count} LOOP
    EXECUTE format('CREATE VIEW %I AS SELECT %s AS n', 'object_' || i, i);
  END LOOP;
END $$"""


def catalog_size(cluster) -> tuple[int, int]:
    """(user schemas, user objects) of the cluster's database; see above."""
    with cluster._session(cluster.dbname) as conn:
        return conn.execute(_CATALOG_SIZE).fetchone()


def fill(cluster, unlogged_tables: dict | None = None, keyless_tables: dict | None = None, schemas: int = 0,
         objects: int = 0, extensions: list | None = None, large_objects: int = 0,
         publications: list | None = None) -> None:
    """Add to the cluster's database, as its role:
    unlogged_tables  {name: rows}: UNLOGGED tables with that many rows each;
    keyless_tables   {name: rows}: tables without a primary key (no replica identity) with that many rows each;
    schemas          schemas tenant_1..N, each with an empty table `accounts`;
    objects          views object_1..N in `public`;
    extensions       CREATE EXTENSION for each (trusted ones available in this version);
    large_objects    N small large objects;
    publications     publications of the role's permanent tables in `public` (made last)."""
    _check_extensions(cluster, extensions or [])
    with cluster._session(cluster.dbname, cluster.user) as conn:
        for table, rows in (unlogged_tables or {}).items():
            conn.execute(sql.SQL("CREATE UNLOGGED TABLE {} (id bigint GENERATED ALWAYS AS IDENTITY "
                                 "PRIMARY KEY, data text NOT NULL)").format(sql.Identifier(table)))
            conn.execute(sql.SQL("INSERT INTO {} (data) SELECT 'session ' || g "
                                 "FROM generate_series(1, %s) g").format(sql.Identifier(table)),
                         [int(rows)])
        for table, rows in (keyless_tables or {}).items():
            conn.execute(sql.SQL("CREATE TABLE {} (data text NOT NULL)").format(sql.Identifier(table)))
            conn.execute(sql.SQL("INSERT INTO {} (data) SELECT 'event ' || g "
                                 "FROM generate_series(1, %s) g").format(sql.Identifier(table)),
                         [int(rows)])
        if schemas:
            conn.execute(_SCHEMAS.format(count=int(schemas)))
        if objects:
            conn.execute(_OBJECTS.format(count=int(objects)))
        for name in extensions or []:
            conn.execute(sql.SQL("CREATE EXTENSION {}").format(sql.Identifier(name)))
        if large_objects:
            conn.execute("SELECT count(lo_from_bytea(0, convert_to('large object ' || g, 'UTF8'))) "
                         "FROM generate_series(1, %s) g", [int(large_objects)])
        for name in publications or []:
            _publish(conn, name)


def _check_extensions(cluster, names: list) -> None:
    with cluster._session(cluster.dbname) as conn:
        available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
    missing = sorted(set(names) - available)
    if missing:
        raise PgError(f"{cluster.name}: extension {', '.join(missing)} not available in this "
                      f"PostgreSQL {cluster.version} build (it has: {', '.join(sorted(available))})")


def _publish(conn, name: str) -> None:
    # Unlogged tables cannot be published; FOR ALL TABLES would need a superuser.
    tables = [sql.Identifier(row[0]) for row in conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('r', 'p') AND relpersistence = 'p' AND NOT relispartition "
        "AND pg_get_userbyid(relowner) = current_user ORDER BY relname")]
    query = sql.SQL("CREATE PUBLICATION {}").format(sql.Identifier(name))
    if tables:
        query += sql.SQL(" FOR TABLE {}").format(sql.SQL(", ").join(tables))
    conn.execute(query)
