"""PostgreSQL through asyncpg: COPY for bulk loads, server-side statement timeout."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from semgraph.errors import DatabaseError
from semgraph.workload.dialects.base import Connection, Dialect, ErrorClass
from semgraph.workload.dsn import DSN


class PostgresConnection(Connection):
    def __init__(self, dialect: PostgresDialect, conn: asyncpg.Connection, *, read_only: bool = False) -> None:
        self.dialect = dialect
        self._conn = conn
        self._tx: Any = None
        self.read_only = read_only

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        status = await self._conn.execute(sql, *params)
        tail = status.rsplit(" ", 1)[-1] if status else ""
        return int(tail) if tail.isdigit() else -1

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self._conn.fetch(sql, *params)]

    async def query(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self._conn.fetch(sql, *params)  # prepared once per connection (asyncpg's statement cache)

    async def prepare(self, sql: str) -> Callable[..., Awaitable[Any]]:
        """A named server-side statement whose calls go straight to asyncpg's protocol ``bind_execute``.

        Why: ``PreparedStatement.fetch`` wraps that one protocol call in a validity-check decorator and three
        Python coroutines (about a quarter of the client's CPU per point select); the protocol call is what they
        all end in, with the same arguments, so the rows, errors and the server-side statement timeout are
        unchanged. Falls back to ``fetch`` if a future asyncpg moves these internals.
        """
        stmt = await self._conn.prepare(sql)
        protocol, state = getattr(self._conn, "_protocol", None), getattr(stmt, "_state", None)
        bind_execute = getattr(protocol, "bind_execute", None)
        if bind_execute is None or state is None:
            return stmt.fetch

        def reader(*params: Any) -> Awaitable[Any]:
            _ = stmt  # held: dropping the PreparedStatement would close the server-side statement
            return bind_execute(state, params, "", 0, False, None)

        return reader

    async def prepare_pipelined(self, sql: str) -> Callable[[list[tuple[Any, ...]]], Awaitable[Any]] | None:
        """Prepared, then run for many parameter tuples in one pipeline: asyncpg's ``fetchmany`` (0.30+).

        All Bind/Execute messages go out in one write with one Sync, and the rows of every execution come
        back in order; called straight on the protocol for the reason ``prepare`` gives.
        """
        stmt = await self._conn.prepare(sql)
        protocol, state = getattr(self._conn, "_protocol", None), getattr(stmt, "_state", None)
        execute_many = getattr(protocol, "bind_execute_many", None)
        if execute_many is None or state is None:
            return stmt.fetchmany

        def readers(params: list[tuple[Any, ...]]) -> Awaitable[Any]:
            _ = stmt
            return execute_many(state, params, "", None, True)

        return readers

    async def insert_returning(self, sql: str, params: Sequence[Any], key: str) -> Any:
        return await self._conn.fetchval(f"{sql} RETURNING {self.dialect.quote(key)}", *params)

    async def begin(self) -> None:
        # read-only: BEGIN READ ONLY explicitly, not only the session default that SQL could change
        self._tx = self._conn.transaction(readonly=self.read_only)
        await self._tx.start()

    async def commit(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            await tx.commit()

    async def rollback(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None and not self._conn.is_closed():
            await tx.rollback()

    async def bulk_load(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        # COPY is one statement: atomic, so a failed batch leaves nothing behind
        await self._conn.copy_records_to_table(table, records=rows, columns=list(columns), timeout=300)

    async def bulk_load_text(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        # COPY … CSV: types binary COPY cannot carry (ltree, tsvector, citext, ranges) go as their text syntax
        data = io.BytesIO("".join(_csv_line(row) for row in rows).encode())
        await self._conn.copy_to_table(table, source=data, columns=list(columns), format="csv", timeout=300)

    async def interrupt(self) -> None:
        self._conn.terminate()

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._conn.close(), 2)
        except Exception:
            self._conn.terminate()


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, list | tuple):
        text = "{" + ",".join("NULL" if v is None else '"' + _pg_text(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"  # fmt: skip
    else:
        text = _pg_text(value)
    return '"' + text.replace('"', '""') + '"'


def _pg_text(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bytes | bytearray):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _csv_line(row: tuple[Any, ...]) -> str:
    return ",".join(_csv_field(v) for v in row) + "\n"


class PostgresDialect(Dialect):
    name = "postgres"
    quote_char = '"'
    fk_checks_off = ("SET session_replication_role = replica", "SET session_replication_role = DEFAULT")
    tables_sql = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    columns_sql = (
        "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length, "
        "numeric_precision, numeric_scale, (is_identity = 'YES' OR column_default LIKE 'nextval(%%') AS auto, "
        "udt_name, (is_generated = 'ALWAYS' OR identity_generation = 'ALWAYS') AS generated "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "ORDER BY table_name, ordinal_position"
    ).replace("%%", "%")
    constraints_sql = (
        "SELECT tc.table_name, tc.constraint_name, tc.constraint_type, kcu.column_name, kcu.ordinal_position "
        "FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu "
        "ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name "
        "AND kcu.table_name = tc.table_name "
        "WHERE tc.table_schema = current_schema() AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') "
        "ORDER BY tc.table_name, tc.constraint_name, kcu.ordinal_position"
    )
    fk_targets_sql = (
        "SELECT kcu.table_name, kcu.constraint_name, kcu.column_name, ref.table_name, ref.column_name "
        "FROM information_schema.referential_constraints rc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = rc.constraint_schema "
        "AND kcu.constraint_name = rc.constraint_name "
        "JOIN information_schema.key_column_usage ref ON ref.constraint_schema = rc.unique_constraint_schema "
        "AND ref.constraint_name = rc.unique_constraint_name "
        "AND ref.ordinal_position = kcu.position_in_unique_constraint "
        "WHERE rc.constraint_schema = current_schema() ORDER BY kcu.table_name, kcu.constraint_name, kcu.ordinal_position"
    )

    enums_sql = (
        "SELECT t.typname, e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
        "ORDER BY t.typname, e.enumsortorder"
    )
    unique_indexes_sql = (
        "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indisunique AND NOT x.indisprimary AND c.relkind IN ('r', 'p') "
        "AND c.relnamespace = current_schema()::regnamespace "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('u', 'p')) "
        "ORDER BY 1, 2"
    )
    checks_sql = (
        "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype IN ('c', 'x') "
        "AND c.relnamespace = current_schema()::regnamespace "
        "UNION ALL SELECT col.table_name, k.conname, 'c', replace(pg_get_constraintdef(k.oid), 'VALUE', "
        "quote_ident(col.column_name)) FROM information_schema.columns col "
        "JOIN pg_type t ON t.typname = col.domain_name JOIN pg_constraint k ON k.contypid = t.oid "
        "WHERE col.table_schema = current_schema() AND k.contype = 'c' ORDER BY 1, 2"
    )
    triggers_sql = (
        "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) || ': ' || p.prosrc FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2"
    )

    def placeholder(self, index: int) -> str:
        return f"${index}"

    async def connect(self, dsn: DSN, *, statement_timeout_s: float, read_only: bool = False) -> Connection:
        ms = str(int(statement_timeout_s * 1000))
        settings = {"statement_timeout": ms, "lock_timeout": ms, "idle_in_transaction_session_timeout": "60000"}
        if read_only:
            settings["default_transaction_read_only"] = "on"
        if dsn.options.get("search_path"):
            settings["search_path"] = dsn.options["search_path"]
        try:
            conn = await asyncpg.connect(
                host=dsn.host,
                port=dsn.port,
                user=dsn.user,
                password=dsn.password,
                database=dsn.database,
                server_settings=settings,
                timeout=10,
                statement_cache_size=256,
            )
        except Exception as exc:
            raise DatabaseError(
                f"cannot connect to {dsn.redacted}: {dsn.scrub(str(exc))}",
                hint="check host, port, user, password and database name",
            ) from None
        return PostgresConnection(self, conn, read_only=read_only)

    def error_details(self, exc: BaseException) -> dict[str, str]:
        out = super().error_details(exc)
        out.update(super().error_details(Exception(getattr(exc, "detail", None) or "")))
        for key, attr in (("column", "column_name"), ("constraint", "constraint_name")):
            if getattr(exc, attr, None):
                out[key] = str(getattr(exc, attr))
        return out

    def is_driver_error(self, exc: BaseException) -> bool:
        return isinstance(
            exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError | asyncio.TimeoutError | ValueError
        ) or type(exc).__module__.startswith("asyncpg")

    def classify(self, exc: BaseException) -> ErrorClass:
        state = getattr(exc, "sqlstate", None) or ""
        if state in {"57014", "55P03"}:  # query_canceled (statement_timeout), lock_not_available
            return ErrorClass.TIMEOUT
        if state in {"40001", "40P01"}:
            return ErrorClass.DEADLOCK
        if state.startswith("23"):
            return ErrorClass.CONSTRAINT
        if state == "42601":
            return ErrorClass.SYNTAX
        if state in {"42P01", "42703", "42883", "3F000"}:
            return ErrorClass.SCHEMA
        if state.startswith("08") or isinstance(exc, OSError | asyncpg.InterfaceError | ConnectionError):
            return ErrorClass.CONNECTION
        if isinstance(exc, asyncio.TimeoutError):
            return ErrorClass.TIMEOUT
        if state.startswith("42"):
            return ErrorClass.SYNTAX
        return ErrorClass.OTHER

    async def truncate(self, conn: Connection, tables: Sequence[str]) -> None:
        if not tables:
            return
        try:
            await conn.execute(f"TRUNCATE {', '.join(self.quote(t) for t in tables)}")
        except asyncpg.FeatureNotSupportedError:
            # other (unselected) tables reference these: DELETE works when they hold no referencing rows
            await super().truncate(conn, tables)

    async def after_explicit_keys(self, conn: Connection, table: str, column: str) -> None:
        # explicit ids leave a serial/identity sequence behind: move it past the max
        qt, qc = self.quote(table), self.quote(column)
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max({qc}) FROM {qt}), 0) + 1, false) "
            "WHERE pg_get_serial_sequence($1, $2) IS NOT NULL",
            (qt, column),
        )
