"""Fill tables with deterministic data in foreign-key order, in atomic batches.

Why this shape: parents load before children (networkx topological order), so
every foreign key points at a real parent row; each batch is one transaction
(COPY / multi-row INSERT / executemany), so a failure leaves no half-written
batch and the error says how many rows each table got.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx
from pydantic import BaseModel, Field

from semgraph.errors import DatabaseError, InvalidInputError, UnsupportedError
from semgraph.progress import ProgressFn, no_progress
from semgraph.workload import generators as gen
from semgraph.workload.connect import open_connection
from semgraph.workload.dialects import Connection
from semgraph.workload.dsn import DSN
from semgraph.workload.metadata import Schema, Table, load_schema
from semgraph.workload.seed_config import SIZES, SeedConfig


class TableSeedResult(BaseModel):
    table: str
    rows_before: int
    rows_written: int
    seconds: float
    rows_per_second: float
    generators: dict[str, str] = Field(description="Generator kind per column (configured or inferred).")


class SeedResult(BaseModel):
    dsn: str
    dialect: str
    seed: int
    order: list[str] = Field(description="Tables in the foreign-key order they were loaded.")
    cycles_broken: list[str] = Field(default_factory=list)
    tables: list[TableSeedResult]
    total_rows: int
    seconds: float
    rows_per_second: float


class SeedFailure(DatabaseError):
    """Seeding stopped; ``written`` says how many rows each table got (the failed batch was rolled back)."""

    def __init__(self, message: str, written: dict[str, int], hint: str | None = None) -> None:
        counts = ", ".join(f"{t}={n}" for t, n in written.items()) or "none"
        super().__init__(f"{message}; rows written per table: {counts} (the failed batch was rolled back)", hint=hint)
        self.written = written


def load_order(schema: Schema, names: Sequence[str], config: SeedConfig) -> tuple[list[str], list[str], set[tuple[str, str]]]:  # fmt: skip
    """Topological order of ``names``; cycles are broken at a nullable FK (set NULL) or reported."""
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    edge_cols: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for name in names:
        table = schema.table(name)
        for fk in table.foreign_keys:
            if fk.ref_table in names and fk.ref_table != name:
                graph.add_edge(fk.ref_table, name)
                nullable = all(table.column(c).nullable for c in fk.columns)
                edge_cols.setdefault((fk.ref_table, name), []).extend((c, nullable) for c in fk.columns)
    broken: list[str] = []
    nulled: set[tuple[str, str]] = set()
    while True:
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            break
        for parent, child in cycle:
            cols = edge_cols.get((parent, child), [])
            if cols and all(nullable for _, nullable in cols):
                graph.remove_edge(parent, child)
                for col, _ in cols:
                    nulled.add((child, col))
                    broken.append(f"{child}.{col} -> {parent} (set NULL to break the cycle)")
                break
        else:
            path = " -> ".join([cycle[0][0], *(c for _, c in cycle)])
            raise InvalidInputError(
                f"foreign-key cycle with no nullable column: {path}",
                hint="seed these tables with a config that sets one FK column to kind 'constant' after loading, "
                "or make one FK column nullable",
            )
    return list(nx.lexicographical_topological_sort(graph)), broken, nulled


async def seed_database(
    dsn: DSN,
    config: SeedConfig | None = None,
    *,
    rows: int | None = None,
    size: str | None = None,
    seed: int | None = None,
    tables: Sequence[str] | None = None,
    truncate: bool = False,
    incremental: bool = False,
    progress: ProgressFn | None = None,
) -> SeedResult:
    """Seed ``tables`` (default: all) of the database at ``dsn``."""
    config = config or SeedConfig()
    report = progress or no_progress
    if truncate and incremental:
        raise InvalidInputError("truncate and incremental exclude each other", hint="pick one")
    seed_value = seed if seed is not None else (config.seed if config.seed is not None else 0)
    base_rows = rows if rows is not None else config.rows
    if base_rows is None:
        base_rows = SIZES[size or config.size or "small"]
    conn = await open_connection(dsn, statement_timeout_s=600.0)
    started = time.perf_counter()
    written: dict[str, int] = {}
    try:
        schema = await load_schema(conn)
        names = list(tables) if tables else [n for n in schema.names if n not in _skipped(config)]
        for name in names:
            schema.table(name)  # unknown tables are refused with the list of real ones
        for name in config.tables:
            schema.table(name)
        order, broken, nulled = load_order(schema, names, config)
        plan = {
            name: config.tables[name].rows
            if name in config.tables and config.tables[name].rows is not None
            else base_rows
            for name in order
        }
        d = conn.dialect
        counts = {name: await _count(conn, name) for name in order}
        if truncate:
            try:
                await d.truncate(conn, list(reversed(order)))
            except Exception as exc:
                if not d.is_driver_error(exc):
                    raise
                raise DatabaseError(
                    f"cannot empty {', '.join(order)}: {dsn.scrub(str(exc)).splitlines()[0][:300]}",
                    hint="other tables reference these rows: include the referencing tables in tables, or omit tables",
                ) from None
            counts = dict.fromkeys(order, 0)
        elif not incremental:
            full = {n: c for n, c in counts.items() if c and plan[n]}
            if full:
                raise InvalidInputError(
                    "tables already have rows: " + ", ".join(f"{n} ({c})" for n, c in full.items()),
                    hint="pass truncate=true to replace them or incremental=true to append",
                )
        total = sum(plan.values())
        done = 0
        results: list[TableSeedResult] = []
        ctx = gen.Context(seed_value, config.anchor, plain=d.plain_values)
        report(0, total, f"seeding {len(order)} tables in order: {', '.join(order)}")
        for name in order:
            table = schema.table(name)
            t0 = time.perf_counter()
            if not plan[name]:
                results.append(TableSeedResult(table=name, rows_before=counts[name], rows_written=0, seconds=0.0, rows_per_second=0.0, generators={}))  # fmt: skip
                continue
            await _load_parent_keys(conn, schema, table, ctx)
            start_index = counts[name]
            generators, kinds, explicit_key = await _table_generators(conn, table, config, ctx, nulled, start_index)
            columns = list(generators)
            n = plan[name]
            written[name] = 0
            batch = config.batch_size

            make = functools.partial(_make_rows, [generators[c] for c in columns], start_index, conn.prepare_rows)

            # pipeline: the next batch is generated (in a thread) while the database loads this one
            offsets = [(o, min(batch, n - o)) for o in range(0, n, batch)]
            pipeline = _pipeline(d)
            upcoming = asyncio.ensure_future(asyncio.to_thread(make, *offsets[0]))
            for k, (offset, size_now) in enumerate(offsets):
                batch_rows = await upcoming
                if k + 1 < len(offsets):
                    upcoming = asyncio.ensure_future(asyncio.to_thread(make, *offsets[k + 1]))
                    if not pipeline:
                        await asyncio.wait([upcoming])
                try:
                    await conn.bulk_load(name, columns, batch_rows)
                except Exception as exc:
                    if k + 1 < len(offsets):
                        await asyncio.gather(upcoming, return_exceptions=True)
                    if not d.is_driver_error(exc):
                        raise
                    raise SeedFailure(
                        f"seeding {name} failed at rows {offset + 1}-{offset + size_now} "
                        f"({d.classify(exc).value}: {dsn.scrub(str(exc)).splitlines()[0][:300]})",
                        written,
                        hint="check the generator config for this table (types, lengths, unique columns)",
                    ) from None
                written[name] += size_now
                done += size_now
                report(done, total, f"{name}: {written[name]}/{n} rows")
            if explicit_key and n:
                await d.after_explicit_keys(conn, name, explicit_key)
            secs = time.perf_counter() - t0
            results.append(
                TableSeedResult(
                    table=name,
                    rows_before=start_index,
                    rows_written=n,
                    seconds=round(secs, 3),
                    rows_per_second=round(n / secs, 1) if secs > 0 else 0.0,
                    generators=kinds,
                )
            )
        elapsed = time.perf_counter() - started
        return SeedResult(
            dsn=dsn.redacted,
            dialect=dsn.dialect,
            seed=seed_value,
            order=order,
            cycles_broken=broken,
            tables=results,
            total_rows=total,
            seconds=round(elapsed, 3),
            rows_per_second=round(total / elapsed, 1) if elapsed > 0 else 0.0,
        )
    finally:
        await conn.close()


def _pipeline(dialect: Any) -> bool:
    import os

    flag = os.environ.get("SEMGRAPH_SEED_PIPELINE")
    return dialect.pipeline_seed if flag is None else flag == "1"


def _make_rows(generators: list[gen.Generator], start_index: int, prepare: Callable[[list[tuple[Any, ...]]], Any], offset: int, count: int) -> Any:  # fmt: skip
    """One batch of rows, already in the driver's preferred form (runs in a worker thread)."""
    values = [g.batch(start_index + offset, count) for g in generators]
    return prepare(list(zip(*values, strict=True)))


def _skipped(config: SeedConfig) -> set[str]:
    return {n for n, t in config.tables.items() if t.rows == 0}


async def _count(conn: Connection, table: str) -> int:
    return int((await conn.fetch(f"SELECT COUNT(*) FROM {conn.dialect.quote(table)}"))[0][0])


async def _load_parent_keys(conn: Connection, schema: Schema, table: Table, ctx: gen.Context) -> None:
    """Read the existing key values of every parent this table references (seeded or pre-existing)."""
    q = conn.dialect.quote
    for fk in table.foreign_keys:
        if len(fk.columns) != 1:
            raise UnsupportedError(
                f"{table.name}: composite foreign key {fk.name} ({', '.join(fk.columns)}) is not generated",
                hint="configure those columns explicitly in the seed config",
            )
        key = (fk.ref_table, fk.ref_columns[0])
        rows = await conn.fetch(f"SELECT {q(key[1])} FROM {q(key[0])} ORDER BY 1")
        ctx.parent_keys[key] = [r[0] for r in rows]


async def _table_generators(conn: Connection, table: Table, config: SeedConfig, ctx: gen.Context, nulled: set[tuple[str, str]], start_index: int) -> tuple[dict[str, gen.Generator], dict[str, str], str | None]:  # fmt: skip
    """Build one generator per column; integer keys continue after the current maximum."""
    configured = config.tables.get(table.name)
    specs = configured.columns if configured else {}
    for col in specs:
        table.column(col)  # refuse unknown column names
    out: dict[str, gen.Generator] = {}
    kinds: dict[str, str] = {}
    explicit_key: str | None = None
    for column in table.columns:
        spec = specs.get(column.name)
        if spec is None and (table.name, column.name) in nulled:
            spec = gen.GeneratorSpec(kind="null")
        if spec is None:
            spec = gen.infer(table, column)
            if spec.kind == "sequential":
                current = (
                    await conn.fetch(
                        f"SELECT MAX({conn.dialect.quote(column.name)}) FROM {conn.dialect.quote(table.name)}"
                    )
                )[0][0]
                spec = gen.GeneratorSpec(kind="sequential", start=int(current or 0) + 1 - start_index)
                explicit_key = column.name
        elif spec.kind == "sequential" and column.name in table.primary_key:
            explicit_key = column.name
        # a different stream per append, so incremental loads do not repeat the first load's values
        salt = f"@{start_index}" if start_index else ""
        out[column.name] = gen.build(spec, table, column, ctx, salt=salt)
        kinds[column.name] = spec.kind
    return out, kinds, explicit_key
