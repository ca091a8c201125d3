"""MySQL / MariaDB through asyncmy: multi-row INSERT for bulk loads.

Statement timeout: ``max_statement_time`` (MariaDB) or ``max_execution_time``
(MySQL, SELECT only) plus ``innodb_lock_wait_timeout`` for lock waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Sequence
from typing import Any

import asyncmy
import asyncmy.errors as myerr

from semgraph.errors import DatabaseError
from semgraph.workload.dialects.base import Connection, Dialect, ErrorClass
from semgraph.workload.dsn import DSN

_CONSTRAINT = {1062, 1451, 1452, 1048, 1216, 1217, 1557, 1586, 4025, 3819}
_TIMEOUT = {1205, 1969, 3024, 1317}
_SYNTAX = {1064, 1149}
_SCHEMA = {1146, 1054, 1049, 1305}
_CONNECTION = {2002, 2003, 2006, 2013, 2055, 1040, 1045, 1043}


class MySQLConnection(Connection):
    def __init__(self, dialect: MySQLDialect, conn: Any) -> None:
        self.dialect = dialect
        self._conn = conn
        self.read_only = False

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._conn.cursor() as cur:
            return await cur.execute(sql, tuple(params) if params else None)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async with self._conn.cursor() as cur:
            await cur.execute(sql, tuple(params) if params else None)
            return [tuple(r) for r in await cur.fetchall()]

    async def insert_returning(self, sql: str, params: Sequence[Any], key: str) -> Any:
        async with self._conn.cursor() as cur:
            await cur.execute(sql, tuple(params) if params else None)
            return cur.lastrowid

    async def begin(self) -> None:
        if self.read_only:  # explicit, not only the session characteristic that SQL could change
            await self.execute("START TRANSACTION READ ONLY")
        else:
            await self._conn.begin()

    async def commit(self) -> None:
        await self._conn.commit()

    async def rollback(self) -> None:
        with contextlib.suppress(Exception):  # a broken connection has nothing to roll back
            await self._conn.rollback()

    async def bulk_load(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        q = self.dialect.quote
        sql = f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES ({self.dialect.placeholders(len(columns))})"
        await self.begin()
        try:
            async with self._conn.cursor() as cur:
                # asyncmy rewrites INSERT … VALUES executemany into multi-row INSERT statements
                await cur.executemany(sql, rows)
            await self.commit()
        except BaseException:
            await self.rollback()
            raise

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._conn.ensure_closed(), 2)
        except Exception:
            self._conn.close()


class MySQLDialect(Dialect):
    name = "mysql"
    quote_char = "`"
    fk_checks_off = ("SET SESSION foreign_key_checks = 0", "SET SESSION foreign_key_checks = 1")
    supports_returning = False
    tables_sql = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    columns_sql = (
        "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length, "
        "numeric_precision, numeric_scale, extra LIKE '%auto_increment%' AS auto, column_type, "
        "extra LIKE '%GENERATED%' AS generated FROM information_schema.columns WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"
    )
    constraints_sql = (
        "SELECT tc.table_name, tc.constraint_name, tc.constraint_type, kcu.column_name, kcu.ordinal_position "
        "FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu "
        "ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name "
        "AND kcu.table_name = tc.table_name "
        "WHERE tc.table_schema = DATABASE() AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') "
        "ORDER BY tc.table_name, tc.constraint_name, kcu.ordinal_position"
    )
    fk_targets_sql = (
        "SELECT table_name, constraint_name, column_name, referenced_table_name, referenced_column_name "
        "FROM information_schema.key_column_usage WHERE table_schema = DATABASE() "
        "AND referenced_table_name IS NOT NULL ORDER BY table_name, constraint_name, ordinal_position"
    )

    checks_sql = (
        "SELECT tc.table_name, cc.constraint_name, 'c', cc.check_clause FROM information_schema.check_constraints cc "
        "JOIN information_schema.table_constraints tc ON tc.constraint_schema = cc.constraint_schema "
        "AND tc.constraint_name = cc.constraint_name AND tc.constraint_type = 'CHECK' "
        "WHERE cc.constraint_schema = DATABASE() ORDER BY 1, 2"
    )
    triggers_sql = (
        "SELECT event_object_table, trigger_name, CONCAT(action_timing, ' ', event_manipulation, ': ', action_statement) "
        "FROM information_schema.triggers WHERE trigger_schema = DATABASE() ORDER BY 1, 2"
    )

    def placeholder(self, index: int) -> str:
        return "%s"

    def convert_named(self, sql: str) -> tuple[str, list[str]]:
        """The driver formats with ``%``: with parameters every literal ``%`` must be doubled first."""
        _, names = super().convert_named(sql)
        if not names:
            return sql, []
        return super().convert_named(sql.replace("%", "%%"))

    async def connect(self, dsn: DSN, *, statement_timeout_s: float, read_only: bool = False) -> Connection:
        try:
            conn = await asyncmy.connect(
                host=dsn.host,
                port=dsn.port or 3306,
                user=dsn.user or "root",
                password=dsn.password or "",
                database=dsn.database,
                autocommit=True,
                connect_timeout=10,
                charset="utf8mb4",
            )
        except Exception as exc:
            raise DatabaseError(
                f"cannot connect to {dsn.redacted}: {dsn.scrub(str(exc))}",
                hint="check host, port, user, password and database name",
            ) from None
        wrapped = MySQLConnection(self, conn)
        lock_wait = max(1, math.ceil(statement_timeout_s))
        await wrapped.execute(f"SET SESSION innodb_lock_wait_timeout = {lock_wait}")
        version = (await wrapped.fetch("SELECT VERSION()"))[0][0]
        if "mariadb" in str(version).lower():
            await wrapped.execute(f"SET SESSION max_statement_time = {float(statement_timeout_s)}")
        else:
            await wrapped.execute(f"SET SESSION max_execution_time = {int(statement_timeout_s * 1000)}")
        if read_only:
            await wrapped.execute("SET SESSION TRANSACTION READ ONLY")
            wrapped.read_only = True
        return wrapped

    def is_driver_error(self, exc: BaseException) -> bool:
        return isinstance(exc, myerr.MySQLError | OSError | asyncio.TimeoutError | ValueError | TypeError)

    def classify(self, exc: BaseException) -> ErrorClass:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if code in _CONSTRAINT or isinstance(exc, myerr.IntegrityError):
            return ErrorClass.CONSTRAINT
        if code == 1213:
            return ErrorClass.DEADLOCK
        if code in _TIMEOUT or isinstance(exc, asyncio.TimeoutError):
            return ErrorClass.TIMEOUT
        if code in _SYNTAX:
            return ErrorClass.SYNTAX
        if code in _SCHEMA:
            return ErrorClass.SCHEMA
        if code in _CONNECTION or isinstance(exc, OSError | ConnectionError):
            return ErrorClass.CONNECTION
        return ErrorClass.OTHER
