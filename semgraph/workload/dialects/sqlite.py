"""SQLite through aiosqlite: the embedded default (a file under the root).

Statement timeout: a progress handler aborts a statement past its deadline, and
``busy_timeout`` bounds waiting for another connection's lock.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
import time
import uuid
from collections.abc import Sequence
from typing import Any

import aiosqlite

from semgraph.workload.dialects.base import Connection, Dialect, ErrorClass
from semgraph.workload.dsn import DSN
from semgraph.workload.readonly import sqlite_authorizer

BULK_CACHE_KIB = 131_072
"""Page cache of a connection that bulk-loads (seeding), in KiB."""


def _adapt(value: Any) -> Any:
    """SQLite stores these as text; convert explicitly (the stdlib adapters are deprecated)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


_NEEDS_ADAPT = (dt.date, dt.time, decimal.Decimal, uuid.UUID)


def _adapt_rows(rows: Sequence[tuple[Any, ...]]) -> Sequence[tuple[Any, ...]]:
    """Adapt only the columns that need it (checked on the first row): a bulk load stays cheap."""
    if not rows:
        return rows
    needs = [i for i, v in enumerate(rows[0]) if isinstance(v, _NEEDS_ADAPT)]
    if not needs:
        return rows
    columns = [list(c) for c in zip(*rows, strict=True)]
    for i in needs:
        columns[i] = [_adapt(v) for v in columns[i]]
    return list(zip(*columns, strict=True))


def _params(params: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_adapt(v) for v in params)


class SQLiteConnection(Connection):
    def __init__(self, dialect: SQLiteDialect, conn: aiosqlite.Connection, timeout_s: float) -> None:
        self.dialect = dialect
        self._conn = conn
        self._timeout = timeout_s
        self._deadline = float("inf")
        self._bulk = False

    def _arm(self) -> None:
        self._deadline = time.monotonic() + self._timeout

    def _expired(self) -> int:
        return 1 if time.monotonic() > self._deadline else 0

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._arm()
        cur = await self._conn.execute(sql, _params(params))
        count = cur.rowcount
        await cur.close()
        return count

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._arm()
        rows = await self._conn.execute_fetchall(sql, _params(params))
        return [tuple(r) for r in rows]

    async def insert_returning(self, sql: str, params: Sequence[Any], key: str) -> Any:
        rows = await self.fetch(f"{sql} RETURNING {self.dialect.quote(key)}", params)
        return rows[0][0]

    async def begin(self) -> None:
        # IMMEDIATE: take the write lock up front so two writers never deadlock on upgrade
        await self.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        await self._conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")

    def prepare_rows(self, rows: list[tuple[Any, ...]]) -> Any:
        return _adapt_rows(rows)

    async def bulk_load(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        q = self.dialect.quote
        sql = f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES ({self.dialect.placeholders(len(columns))})"
        if not self._bulk:
            # a large page cache keeps the (randomly ordered) unique-index pages in memory: far fewer page writes
            await self._conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            self._bulk = True
        await self.begin()
        try:
            self._deadline = time.monotonic() + max(self._timeout, 300.0)
            await self._conn.executemany(sql, rows)
            await self.commit()
        except BaseException:
            await self.rollback()
            raise

    async def interrupt(self) -> None:
        await self._conn.interrupt()

    async def close(self) -> None:
        await self._conn.close()


class SQLiteDialect(Dialect):
    name = "sqlite"
    quote_char = '"'
    fk_checks_off = ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON")
    plain_values = True
    pipeline_seed = False  # executemany re-takes the GIL per row: a generator thread alongside slows it down
    metadata_source = "sqlite"

    def placeholder(self, index: int) -> str:
        return "?"

    async def connect(self, dsn: DSN, *, statement_timeout_s: float, read_only: bool = False) -> Connection:
        assert dsn.path is not None
        # read-only: the file is opened mode=ro (the OS-level handle cannot write), and an authorizer
        # denies writes, ATTACH/VACUUM and PRAGMA changes, so SQL cannot switch query_only back off
        target = f"{dsn.path.as_uri()}?mode=ro" if read_only else str(dsn.path)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None, timeout=statement_timeout_s, uri=read_only)
        except sqlite3.Error as exc:
            from semgraph.errors import DatabaseError

            raise DatabaseError(f"cannot open SQLite database {dsn.redacted}: {exc}") from None
        wrapped = SQLiteConnection(self, conn, statement_timeout_s)
        await conn.execute(f"PRAGMA busy_timeout = {int(statement_timeout_s * 1000)}")
        if read_only:
            await conn.execute("PRAGMA query_only = ON")
        else:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.set_authorizer(sqlite_authorizer(read_only=read_only))
        await conn.set_progress_handler(wrapped._expired, 2000)
        return wrapped

    def is_driver_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.Error | ValueError | OverflowError)

    def classify(self, exc: BaseException) -> ErrorClass:
        text = str(exc).lower()
        if isinstance(exc, sqlite3.IntegrityError):
            return ErrorClass.CONSTRAINT
        if "interrupted" in text or "database is locked" in text or "busy" in text:
            return ErrorClass.TIMEOUT
        if "syntax error" in text or "incomplete input" in text or "unrecognized token" in text:
            return ErrorClass.SYNTAX
        if "no such table" in text or "no such column" in text or "has no column" in text:
            return ErrorClass.SCHEMA
        if "unable to open" in text or "closed" in text or "disk i/o" in text:
            return ErrorClass.CONNECTION
        if "deadlock" in text:
            return ErrorClass.DEADLOCK
        return ErrorClass.OTHER
