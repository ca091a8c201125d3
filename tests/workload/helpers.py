"""Small async helpers shared by the workload tests."""

from __future__ import annotations

from semgraph.workload.checksum import table_checksum
from semgraph.workload.connect import open_connection
from semgraph.workload.dsn import DSN
from semgraph.workload.metadata import Schema, load_schema


async def schema_of(dsn: DSN) -> Schema:
    conn = await open_connection(dsn)
    try:
        return await load_schema(conn)
    finally:
        await conn.close()


async def checksums(dsn: DSN, *, upto: dict[str, int] | None = None) -> dict[str, tuple[int, str]]:
    """Checksum per table; with ``upto``, only rows whose id <= the given value (the pre-existing rows)."""
    conn = await open_connection(dsn)
    try:
        schema = await load_schema(conn)
        out = {}
        for t in schema.tables:
            if upto is not None:
                where = f"WHERE {conn.dialect.quote('id')} <= {int(upto[t.name])}"
                out[t.name] = await table_checksum(conn, t, where=where)
            else:
                out[t.name] = await table_checksum(conn, t)
        return out
    finally:
        await conn.close()


async def scalar(dsn: DSN, sql: str) -> int:
    conn = await open_connection(dsn)
    try:
        return int((await conn.fetch(sql))[0][0])
    finally:
        await conn.close()


async def execute(dsn: DSN, *sqls: str) -> None:
    conn = await open_connection(dsn)
    try:
        for sql in sqls:
            await conn.execute(sql)
    finally:
        await conn.close()


ORPHANS = {
    "orders.customer_id": "SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL",
    "order_items.order_id": "SELECT COUNT(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL",
    "order_items.product_id": "SELECT COUNT(*) FROM order_items i LEFT JOIN products p ON p.id = i.product_id WHERE p.id IS NULL",
}
