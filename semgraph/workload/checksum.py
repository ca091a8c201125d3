"""Order-independent-of-driver table checksums: compare data across runs and seeds."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from typing import Any

from semgraph.workload.dialects import Connection
from semgraph.workload.metadata import Table


def _norm(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


async def table_checksum(conn: Connection, table: Table, *, where: str = "", params: tuple[Any, ...] = ()) -> tuple[int, str]:  # fmt: skip
    """(row count, sha256 of the rows in primary-key order)."""
    q = conn.dialect.quote
    order = ", ".join(q(c) for c in (table.primary_key or table.column_names))
    cols = ", ".join(q(c) for c in table.column_names)
    rows = await conn.fetch(f"SELECT {cols} FROM {q(table.name)} {where} ORDER BY {order}", params)
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(_norm(v) for v in row).encode())
        h.update(b"\x1e")
    return len(rows), h.hexdigest()
