"""Streaming migrations: real logical replication from one cluster's database to another's.

Logical replication copies no DDL, so the target first gets the source's schema
(`Cluster.copy_from(..., schema_only=True)`); then a publication FOR ALL TABLES on the
source and a subscription to it on the target: the subscription's table synchronisation is
the initial copy, its apply worker streams every later change.  The subscription connects
as the superuser over the unix socket, so a fenced source (which rejects TCP) still feeds it.

What it cannot carry, a real tool must handle or report: sequence positions (synced at the
end, `sync_sequences`), UPDATE/DELETE on tables without a primary key or replica identity
(with this publication the *source* refuses them: "cannot update table ... because it does
not have a replica identity and publishes updates"), unlogged tables (never published: they
arrive empty).  `replication_gaps` lists the last two for a migration's preassessment.
"""

from psycopg import sql

# Leaf tables in user schemas; without a primary key, replica identity DEFAULT has no key.
_GAPS = """
SELECT c.oid::regclass::text, c.relpersistence = 'u' AS unlogged,
       c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS (
           SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)) AS no_identity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1"""


def ensure_logical(cluster) -> bool:
    """wal_level=logical, which a publication needs; returns whether the cluster had to restart
    for it (its sessions end; clients reconnect)."""
    if cluster._value("SHOW wal_level") == "logical":
        return False
    with cluster._session() as conn:
        conn.execute("ALTER SYSTEM SET wal_level = logical")
    cluster.restart()
    return True


def replication_gaps(cluster) -> tuple[list[str], list[str]]:
    """(tables without a primary key or replica identity, unlogged tables) of the database."""
    with cluster._session(cluster.dbname) as conn:
        rows = conn.execute(_GAPS).fetchall()
    return ([name for name, unlogged, no_identity in rows if no_identity and not unlogged],
            [name for name, unlogged, _n in rows if unlogged])


class Stream:
    """A publication on `source` and a subscription on `target`, both called `name` (the
    subscription's slot on the source too)."""

    def __init__(self, source, target, name: str):
        self.source, self.target, self.name = source, target, name

    def start(self) -> None:
        """Publish, subscribe: the initial copy starts, then changes stream."""
        with self.source._session(self.source.dbname) as conn:
            conn.execute(sql.SQL("CREATE PUBLICATION {} FOR ALL TABLES").format(sql.Identifier(self.name)))
        conninfo = self.source.env.conninfo(self.source.port, self.source.dbname)
        with self.target._session(self.target.dbname) as conn:
            conn.execute(sql.SQL("CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {}").format(
                sql.Identifier(self.name), sql.Literal(conninfo), sql.Identifier(self.name)))

    def synced(self) -> tuple[int, int]:
        """(tables copied, tables to copy) of the initial copy."""
        with self.target._session(self.target.dbname) as conn:
            return conn.execute(
                "SELECT count(*) FILTER (WHERE r.srsubstate = 'r'), count(*) FROM pg_subscription_rel r "
                "JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = %s", [self.name]).fetchone()

    def lag_bytes(self) -> int | None:
        """Bytes of the source's WAL written since the last position the target confirmed it
        applied and flushed: 0 once caught up; None without a slot."""
        row = self._slot("SELECT greatest(0, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn))::bigint")
        return row[0] if row else None

    def caught_up(self, lsn: str) -> bool:
        """Whether the target confirmed applying the source's WAL up to `lsn` (a fence point),
        so every change the source committed before it."""
        row = self._slot("SELECT coalesce(confirmed_flush_lsn >= %s::pg_lsn, false)", lsn)
        return bool(row and row[0])

    def _slot(self, select: str, *params):
        with self.source._session() as conn:
            return conn.execute(f"{select} FROM pg_replication_slots WHERE slot_name = %s",
                                [*params, self.name]).fetchone()

    def sync_sequences(self) -> int:
        """Set each target sequence to the source's position (logical replication carries rows,
        not sequences: the target's next ids would collide); returns how many were set."""
        with self.source._session(self.source.dbname) as conn:
            positions = conn.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
                                     "FROM pg_sequences WHERE last_value IS NOT NULL").fetchall()
        with self.target._session(self.target.dbname) as conn:
            for name, value in positions:
                conn.execute("SELECT setval(%s::regclass, %s, true)", [name, value])
        return len(positions)

    def differing_tables(self) -> list[str]:
        """Published tables whose row counts differ between source and target (once caught up)."""
        with self.source._session(self.source.dbname) as conn:
            tables = [row[0] for row in conn.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_publication_tables "
                "WHERE pubname = %s ORDER BY 1", [self.name])]
        return [table for table in tables if _count(self.source, table) != _count(self.target, table)]

    def stop(self) -> None:
        """Drop the subscription (and with it its slots on the source), then the publication.
        Idempotent; works on a fenced source."""
        with self.target._session(self.target.dbname) as conn:
            if conn.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", [self.name]).fetchone():
                conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(self.name)))
        with self.source._session(self.source.dbname) as conn:
            conn.execute("SET default_transaction_read_only = off")  # a fence's default
            # A slot is left only when its subscription went without dropping it.
            conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                         "WHERE slot_name = %s AND NOT active", [self.name])
            conn.execute(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(self.name)))


def _count(cluster, table: str) -> int:
    return cluster._value(sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(table)), dbname=cluster.dbname)
