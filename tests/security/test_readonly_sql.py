"""Finding 1: allow_writes=false must not be undone by the SQL itself, on any dialect."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError
from semgraph.workload.connect import open_connection
from semgraph.workload.readonly import classify
from semgraph.workload.runner import RunSpec, run_workload
from semgraph.workload.seeder import seed_database
from semgraph.workload.workload_config import WorkloadConfig
from tests.workload.conftest import ShopDB
from tests.workload.helpers import checksums

OUTSIDE = "/tmp/i18_outside_{n}.db"

# (dialect, statement): every one of these is refused outright or classified as a write.
BYPASSES = [
    # the findings
    ("sqlite", "PRAGMA query_only=OFF"),
    ("sqlite", "VACUUM INTO '/tmp/i18_outside_1.db'"),
    ("sqlite", "ATTACH '/tmp/i18_outside_2.db' AS o"),
    ("postgres", "SET default_transaction_read_only=off"),
    ("postgres", "SELECT * INTO stolen FROM customers"),
    ("mysql", "SET SESSION TRANSACTION READ WRITE"),
    ("mysql", "SELECT * FROM customers INTO OUTFILE '/tmp/i18_outfile'"),
    # our own
    ("sqlite", "VACUUM"),
    ("sqlite", "DETACH o"),
    ("sqlite", "PRAGMA writable_schema=ON"),
    ("sqlite", "SELECT load_extension('/tmp/evil')"),
    ("sqlite", "SELECT * FROM o.secrets"),
    ("sqlite", "WITH x AS (SELECT 1) INSERT INTO customers(email) SELECT 'a' FROM x"),
    ("sqlite", "select 1 from customers; delete from customers"),
    ("sqlite", "REPLACE INTO customers(id) VALUES (1)"),
    ("sqlite", "BEGIN"),
    ("postgres", "RESET ALL"),
    ("postgres", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
    ("postgres", "SET transaction_read_only = off"),
    ("postgres", "SELECT set_config('default_transaction_read_only', 'off', false)"),
    ("postgres", "DO $$ BEGIN CREATE TABLE pwn(a int); END $$"),
    ("postgres", "COPY customers TO '/tmp/i18_copy'"),
    ("postgres", "COPY (SELECT 1) TO PROGRAM 'touch /tmp/i18_prog'"),
    ("postgres", "CALL some_proc()"),
    ("postgres", "LOAD 'auto_explain'"),
    ("postgres", "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d"),
    ("postgres", "SELECT pg_read_file('/etc/passwd')"),
    ("postgres", "SELECT lo_export(1, '/tmp/i18_lo')"),
    ("postgres", "SELECT * FROM dblink('dbname=postgres', 'select 1') AS t(a int)"),
    ("postgres", "SELECT nextval('customers_id_seq')"),
    ("postgres", "SELECT * FROM customers FOR UPDATE"),
    ("postgres", "EXPLAIN ANALYZE DELETE FROM orders"),
    ("postgres", "SELECT * FROM otherdb.public.customers"),
    ("postgres", "BEGIN READ WRITE"),
    ("mysql", "SET autocommit=0"),
    ("mysql", "SET @@session.transaction_read_only = 0"),
    ("mysql", "SELECT * INTO DUMPFILE '/tmp/i18_dump' FROM customers"),
    ("mysql", "SELECT email INTO @x FROM customers LIMIT 1"),
    ("mysql", "LOAD DATA INFILE '/etc/passwd' INTO TABLE customers"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')"),
    ("mysql", "SELECT * FROM mysql.user"),
    ("mysql", "SELECT @a := 1"),
    ("mysql", "HANDLER customers OPEN"),
    ("mysql", "USE mysql"),
    ("mysql", "SELECT GET_LOCK('x', 10)"),
    ("mysql", "INSERT INTO customers(email) VALUES ('a') ON DUPLICATE KEY UPDATE email = 'b'"),
]


@pytest.mark.parametrize(("dialect", "sql"), BYPASSES)
def test_bypass_is_refused_or_a_write(dialect: str, sql: str) -> None:
    verdict = classify(sql, dialect)
    assert verdict.refused or verdict.writes, (dialect, sql)


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("sqlite", "SELECT c.email, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY 1"),
        ("postgres", "WITH r AS (SELECT * FROM orders WHERE id > :lo) SELECT count(*) FROM r"),
        ("postgres", "SELECT 'delete from x; set a=b' AS s FROM public.customers"),
        ("mysql", "SELECT `email` FROM customers WHERE id = :id UNION ALL SELECT 'INTO OUTFILE'"),
    ],
)
def test_plain_reads_stay_reads(dialect: str, sql: str) -> None:
    assert classify(sql, dialect).refused is None
    assert classify(sql, dialect).writes is False


def _config(*statements: str) -> WorkloadConfig:
    return WorkloadConfig.model_validate(
        {"operations": [{"name": f"op{i}", "sql": s} for i, s in enumerate(statements)]}
    )


def _outside_files() -> list[Path]:
    return sorted(Path("/tmp").glob("i18_out*")) + sorted(Path("/tmp").glob("i18_dump*"))


async def test_session_switches_refused_before_sending(db: ShopDB) -> None:
    await seed_database(db.dsn, rows=20, seed=1, truncate=True)
    before = await checksums(db.dsn)
    attacks = [sql for dialect, sql in BYPASSES if dialect == db.dialect]
    for sql in attacks:
        with pytest.raises((InvalidInputError, ValueError), match=r"refused|allow_writes|one statement"):
            await run_workload(db.dsn, RunSpec(config=_config(sql), transactions=3))
    assert await checksums(db.dsn) == before
    assert _outside_files() == []


async def test_sqlite_connection_sealed_below_the_parser(sqlite_db: ShopDB) -> None:
    """Even SQL that skips the parser cannot write through a read-only SQLite connection."""
    await seed_database(sqlite_db.dsn, rows=10, seed=1)
    conn = await open_connection(sqlite_db.dsn, read_only=True)
    try:
        for sql in [
            "PRAGMA query_only=OFF",
            "VACUUM INTO '/tmp/i18_outside_3.db'",
            "ATTACH '/tmp/i18_outside_4.db' AS o",
            "INSERT INTO customers(email, name, created_at) VALUES ('x@y', 'x', '2020-01-01')",
            "CREATE TEMP TABLE t(a)",
        ]:
            with pytest.raises(sqlite3.Error):
                await conn.execute(sql)
        assert (await conn.fetch("PRAGMA query_only"))[0][0] == 1
        assert (await conn.fetch("SELECT count(*) FROM customers"))[0][0] == 10
    finally:
        await conn.close()
    assert _outside_files() == []


async def test_sqlite_writes_allowed_still_cannot_leave_the_roots(sqlite_db: ShopDB) -> None:
    await seed_database(sqlite_db.dsn, rows=10, seed=1)
    for sql in ["VACUUM INTO '/tmp/i18_outside_5.db'", "ATTACH '/tmp/i18_outside_6.db' AS o"]:
        with pytest.raises(InvalidInputError, match="refused"):
            await run_workload(sqlite_db.dsn, RunSpec(config=_config(sql), transactions=2, allow_writes=True))
    conn = await open_connection(sqlite_db.dsn, read_only=False)
    try:
        for sql in ["VACUUM INTO '/tmp/i18_outside_7.db'", "ATTACH '/tmp/i18_outside_8.db' AS o", "VACUUM"]:
            with pytest.raises(sqlite3.Error, match=r"not authorized|authorization denied"):
                await conn.execute(sql)
    finally:
        await conn.close()
    assert _outside_files() == []


async def test_server_side_transactions_start_read_only(pg_db: ShopDB, my_db: ShopDB) -> None:
    """A read-only connection's transactions are READ ONLY on the server (second net under the parser)."""
    for db, insert in [
        (pg_db, "INSERT INTO customers(email, name, created_at) VALUES ('i18@x', 'x', now())"),
        (my_db, "INSERT INTO customers(email, name, created_at) VALUES ('i18@x', 'x', now())"),
    ]:
        conn = await open_connection(db.dsn, read_only=True)
        try:
            with pytest.raises(Exception, match=r"(?i)read.only"):
                await conn.execute(insert)
            await conn.begin()
            with pytest.raises(Exception, match=r"(?i)read.only"):
                await conn.execute(insert)
            await conn.rollback()
        finally:
            await conn.close()
