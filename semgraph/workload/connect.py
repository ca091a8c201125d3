"""Open connections for a DSN with the dialect's statement timeout, passwords scrubbed from errors."""

from __future__ import annotations

from semgraph.errors import DatabaseError
from semgraph.workload.dialects import Connection, Dialect, get_dialect
from semgraph.workload.dsn import DSN


async def open_connection(dsn: DSN, *, statement_timeout_s: float = 30.0, read_only: bool = False) -> Connection:
    dialect: Dialect = get_dialect(dsn.dialect)
    try:
        return await dialect.connect(dsn, statement_timeout_s=statement_timeout_s, read_only=read_only)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"cannot connect to {dsn.redacted}: {dsn.scrub(str(exc))}") from None
