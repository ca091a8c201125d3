"""The one interface every database dialect implements.

Why: seeding, metadata and the workload runner are written once against
``Dialect`` and ``Connection``; a new database (SQL Server, …) is one new module
in this package registered in ``DIALECTS``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any, ClassVar

from semgraph.errors import InvalidInputError
from semgraph.workload.dsn import DSN


class ErrorClass(StrEnum):
    """What kind of failure a database error is; results group errors by it."""

    SYNTAX = "syntax"
    SCHEMA = "undefined_object"
    CONSTRAINT = "constraint"
    DEADLOCK = "deadlock_or_serialization"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    OTHER = "other"


_NAMED_PARAM = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|::|(?<![:\w]):([A-Za-z_]\w*))""")


class Connection(ABC):
    """One open connection; every statement runs under the statement timeout."""

    dialect: Dialect

    @abstractmethod
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; return the affected row count (-1 when unknown)."""

    @abstractmethod
    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return all rows as tuples."""

    async def query(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run a read and discard its rows (the workload's hot path: no row conversion)."""
        await self.fetch(sql, params)

    async def prepare(self, sql: str) -> Callable[..., Awaitable[Any]]:
        """A reader bound to one SQL text, called as ``await reader(*params)`` (the workload's hot path).

        Drivers that can prepare a statement do it here, once per connection; the default runs ``query``.
        """

        async def reader(*params: Any) -> None:
            await self.query(sql, params)

        return reader

    async def prepare_pipelined(self, sql: str) -> Callable[[list[tuple[Any, ...]]], Awaitable[Any]] | None:
        """A reader that runs one SQL text for many parameter tuples in one round trip, or None.

        None (the default): the driver cannot pipeline independent queries, so the runner sends one at a time.
        """
        return None

    @abstractmethod
    async def insert_returning(self, sql: str, params: Sequence[Any], key: str) -> Any:
        """Run an INSERT and return the generated value of column ``key``."""

    @abstractmethod
    async def begin(self) -> None: ...

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...

    def prepare_rows(self, rows: list[tuple[Any, ...]]) -> Any:
        """Convert generated rows for ``bulk_load`` (called off the event loop, in the generator thread)."""
        return rows

    @abstractmethod
    async def bulk_load(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Load ``rows`` in ONE transaction (all or nothing) with the dialect's fast path."""

    async def bulk_load_text(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Like ``bulk_load``, for rows holding values in their text input syntax (ltree, ranges, …)."""
        await self.bulk_load(table, columns, rows)

    @abstractmethod
    async def close(self) -> None: ...

    async def interrupt(self) -> None:
        """Abort the running statement if the driver can (used on cancellation)."""
        return None


class Dialect(ABC):
    """Identifier quoting, parameter style, connections, metadata SQL and error classes."""

    name: ClassVar[str]
    quote_char: ClassVar[str] = '"'
    supports_returning: ClassVar[bool] = True
    pipeline_seed: ClassVar[bool] = True
    plain_values: ClassVar[bool] = False
    """Generators emit ISO text for times and floats for decimals (dialects storing them as such)."""
    """Generate the next seed batch in a thread while this one loads (off where the GIL makes it slower)."""
    metadata_source: ClassVar[str] = "information_schema"
    """``information_schema`` (SQL in the attributes below) or ``sqlite`` (sqlite_master + PRAGMA)."""

    schema_expr: ClassVar[str] = "current_schema()"
    tables_sql: ClassVar[str] = ""
    columns_sql: ClassVar[str] = ""
    constraints_sql: ClassVar[str] = ""
    fk_targets_sql: ClassVar[str] = ""
    enums_sql: ClassVar[str] = ""
    """Rows ``(type name, label)`` of user-defined enum types, in their order (PostgreSQL)."""
    unique_indexes_sql: ClassVar[str] = ""
    """Rows ``(table, index, CREATE INDEX text)`` of unique indexes that are not constraints."""
    checks_sql: ClassVar[str] = ""
    """Rows ``(table, constraint, kind 'c' or 'x' (exclusion), definition)``."""
    triggers_sql: ClassVar[str] = ""
    """Rows ``(table, trigger, event)`` of the application's own triggers."""

    fk_checks_off: ClassVar[tuple[str, str] | None] = None
    """Statements that turn this session's foreign-key checks off and on again (for an FK cycle's first table)."""

    def error_details(self, exc: BaseException) -> dict[str, str]:
        """``column``, ``constraint`` and ``value`` named by a driver error, when it names them."""
        return _details_from_message(str(exc))

    def quote(self, ident: str) -> str:
        """Quote an identifier; a name that cannot be quoted safely is refused."""
        if not isinstance(ident, str) or not ident or "\x00" in ident or len(ident) > 128:
            raise InvalidInputError(f"invalid identifier {ident!r}", hint="use the real table/column name")
        q = self.quote_char
        return q + ident.replace(q, q + q) + q

    @abstractmethod
    def placeholder(self, index: int) -> str:
        """Placeholder for the ``index``-th (1-based) parameter."""

    def placeholders(self, count: int, start: int = 1) -> str:
        return ", ".join(self.placeholder(i) for i in range(start, start + count))

    def convert_named(self, sql: str) -> tuple[str, list[str]]:
        """Turn ``:name`` parameters into this dialect's placeholders; return the SQL and names in order.

        Quoted strings and identifiers are left alone; ``::`` casts survive.
        """
        names: list[str] = []

        def sub(m: re.Match[str]) -> str:
            token = m.group(0)
            if m.group(2):
                names.append(m.group(2))
                return self.placeholder(len(names))
            return token

        return _NAMED_PARAM.sub(sub, sql), names

    @abstractmethod
    async def connect(self, dsn: DSN, *, statement_timeout_s: float, read_only: bool = False) -> Connection:
        """Open a connection; ``read_only`` makes the database itself refuse writes (a second safety net)."""

    @abstractmethod
    def classify(self, exc: BaseException) -> ErrorClass:
        """Map a driver exception to an ``ErrorClass``."""

    @abstractmethod
    def is_driver_error(self, exc: BaseException) -> bool:
        """True for errors raised by the database or its driver (counted, not crashed on)."""

    async def truncate(self, conn: Connection, tables: Sequence[str]) -> None:
        """Empty ``tables`` (given children first) in one transaction."""
        await conn.begin()
        try:
            for table in tables:
                await conn.execute(f"DELETE FROM {self.quote(table)}")
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise

    async def after_explicit_keys(self, conn: Connection, table: str, column: str) -> None:
        """Called after rows were loaded with explicit key values (e.g. advance a sequence)."""
        return None


_DETAIL_PATTERNS = (
    re.compile(r"Key \((?P<column>[^)]*)\)=\((?P<value>.*?)\)"),
    re.compile(r"Duplicate entry '(?P<value>.*?)' for key '(?P<constraint>[^']+)'"),
    re.compile(
        r"(?:Out of range value|Data too long|Incorrect \w+ value: '(?P<value>.*?)') for column [`']?(?P<column>[^`' ]+)"
    ),
    re.compile(r"CONSTRAINT [`\"]?(?P<constraint>[^`\" ]+)[`\"]? FOREIGN KEY \([`\"]?(?P<column>[^`\")]+)"),
    re.compile(r"CONSTRAINT [`\"]?(?P<constraint>[^`\" ]+)[`\"]? failed"),
    re.compile(r"(?:UNIQUE|NOT NULL) constraint failed: (?:\w+\.)?(?P<column>[\w, .]+)"),
    re.compile(r"CHECK constraint failed: (?P<constraint>.+)"),
    re.compile(r"Column '(?P<column>[^']+)' cannot be null"),
    re.compile(r"violates (?:unique|check|foreign key|not-null|exclusion) constraint \"(?P<constraint>[^\"]+)\""),
    re.compile(r"column \"(?P<column>[^\"]+)\""),
)


def _details_from_message(message: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pattern in _DETAIL_PATTERNS:
        if m := pattern.search(message):
            for key, value in m.groupdict().items():
                if value and key not in out:
                    out[key] = value[:200]
    return out
