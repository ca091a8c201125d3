"""Fill tables with deterministic data in foreign-key order, in atomic batches.

Why this shape: parents load before children (networkx topological order), so
every foreign key points at a real parent row; each batch is one transaction
(COPY / multi-row INSERT / executemany), so a failed batch leaves nothing half
written. A table that fails is reported (column, constraint, value) and the
rest of the schema is still seeded; tables that need its rows are skipped with
the reason. Unique keys are planned per table (``uniqueness``), so composite
keys and unique foreign keys get distinct tuples instead of failing a batch.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx
from pydantic import BaseModel, Field

from semgraph.errors import DatabaseError, InvalidInputError
from semgraph.progress import ProgressFn, no_progress
from semgraph.workload import generators as gen
from semgraph.workload.connect import open_connection
from semgraph.workload.dialects import Connection
from semgraph.workload.dsn import DSN
from semgraph.workload.metadata import Schema, Table, load_schema
from semgraph.workload.seed_config import SIZES, SeedConfig
from semgraph.workload.texttypes import is_text_input
from semgraph.workload.uniqueness import RowFixer, joint_generators, plan_table


class TableSeedResult(BaseModel):
    table: str
    rows_before: int
    rows_written: int
    seconds: float
    rows_per_second: float
    generators: dict[str, str] = Field(description="Generator kind per column (configured or inferred).")
    notes: list[str] = Field(default_factory=list, description="Row caps, dropped duplicates, unhonoured CHECKs.")
    rows_added_by_triggers: int = 0


class TableProblem(BaseModel):
    """A table that failed (its failed batch rolled back) or was skipped."""

    table: str
    status: str = Field(description="'failed' or 'skipped'")
    reason: str
    column: str | None = None
    constraint: str | None = None
    value: str | None = None
    rows_written: int = 0


class SeedResult(BaseModel):
    dsn: str
    dialect: str
    seed: int
    order: list[str] = Field(description="Tables in the foreign-key order they were loaded.")
    cycles_broken: list[str] = Field(default_factory=list)
    tables: list[TableSeedResult]
    problems: list[TableProblem] = Field(default_factory=list, description="Failed and skipped tables.")
    triggers: dict[str, list[str]] = Field(
        default_factory=dict, description="Application triggers per table (left on)."
    )
    total_rows: int
    seconds: float
    rows_per_second: float


class SeedFailure(DatabaseError):
    """Seeding stopped; ``written`` says how many rows each table got (the failed batch was rolled back)."""

    def __init__(self, message: str, written: dict[str, int], hint: str | None = None) -> None:
        counts = ", ".join(f"{t}={n}" for t, n in written.items()) or "none"
        super().__init__(f"{message}; rows written per table: {counts} (the failed batch was rolled back)", hint=hint)
        self.written = written


def load_order(schema: Schema, names: Sequence[str], config: SeedConfig) -> tuple[list[str], list[str], set[tuple[str, str]], set[tuple[str, str]]]:  # fmt: skip
    """Topological order of ``names`` (config ``order`` first where keys allow) and how cycles were broken.

    Returns ``(order, notes, nulled, ahead)``: ``nulled`` FK columns load as NULL (nullable cycle edge),
    ``ahead`` NOT NULL FK columns load before their parent, with the parent's future keys.
    """
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
    for name in names:  # a trigger that inserts into another table: load that table after this one
        for trigger in schema.table(name).triggers:
            for target in _TRIGGER_INSERT.findall(trigger.event):
                if target in names and target != name and not nx.has_path(graph, target, name):
                    graph.add_edge(name, target)
    preferred = set(config.cycle_breaks)
    broken: list[str] = []
    nulled: set[tuple[str, str]] = set()
    ahead: set[tuple[str, str]] = set()
    while True:
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            break
        edge = _pick_break(schema, cycle, edge_cols, preferred)
        if edge is None:
            path = " -> ".join([cycle[0][0], *(c for _, c in cycle)])
            raise InvalidInputError(
                f"foreign-key cycle with no nullable column and no integer parent key: {path}",
                hint="name one FK in the seed config's cycle_breaks ('table.column'), or make one FK column nullable",
            )
        parent, child = edge
        graph.remove_edge(parent, child)
        for col, nullable in edge_cols.get(edge, []):
            if nullable:
                nulled.add((child, col))
                broken.append(f"{child}.{col} -> {parent} (NULL first, filled after {parent} is loaded)")
            else:
                ahead.add((child, col))
                broken.append(f"{child}.{col} -> {parent} (loaded first with {parent}'s future keys, FK checks off, verified after)")  # fmt: skip
    rank = {n: i for i, n in enumerate(config.order)}
    order = list(nx.lexicographical_topological_sort(graph, key=lambda n: (rank.get(n, len(rank)), n)))
    return order, broken, nulled, ahead


def _trigger_targets(schema: Schema, names: Sequence[str]) -> dict[str, str]:
    """Tables that an application trigger on another seeded table inserts into: target -> 'trigger on table'."""
    out: dict[str, str] = {}
    for name in names:
        for trigger in schema.table(name).triggers:
            for target in _TRIGGER_INSERT.findall(trigger.event):
                if target in names and target != name:
                    out.setdefault(target, f"{trigger.name} on {name}")
    return out


_TRIGGER_INSERT = re.compile(r"\bINSERT\s+INTO\s+(?:\w+\.)?[`\"]?(\w+)", re.IGNORECASE)


def _pick_break(schema: Schema, cycle: list[tuple[str, str]], edge_cols: dict[tuple[str, str], list[tuple[str, bool]]], preferred: set[str]) -> tuple[str, str] | None:  # fmt: skip
    """The cycle edge to break: configured first, then a nullable one, then one whose parent has an integer key."""
    for parent, child in cycle:
        if any(f"{child}.{c}" in preferred for c, _ in edge_cols.get((parent, child), [])):
            return parent, child
    for parent, child in cycle:
        cols = edge_cols.get((parent, child), [])
        if cols and all(nullable for _, nullable in cols):
            return parent, child
    # a parent whose integer keys the seeder writes itself (not identity ALWAYS) has exactly predictable keys
    for generated_ok in (False, True):
        for parent, child in cycle:
            p = schema.table(parent)
            cols = edge_cols.get((parent, child), [])
            unique = any(schema.table(child).is_unique(c) for c, _ in cols)
            if len(p.primary_key) != 1 or unique:
                continue
            key = p.column(p.primary_key[0])
            if key.category == "integer" and (generated_ok or not key.generated):
                return parent, child
    return None


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
    """Seed ``tables`` (default: all) of the database at ``dsn``; failed tables are reported, not fatal."""
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
    try:
        schema = await load_schema(conn)
        names = list(tables) if tables else [n for n in schema.names if n not in _skipped(config)]
        for name in names:
            schema.table(name)  # unknown tables are refused with the list of real ones
        for name in config.tables:
            schema.table(name)
        order, broken, nulled, ahead = load_order(schema, names, config)
        plan = {
            name: config.tables[name].rows
            if name in config.tables and config.tables[name].rows is not None
            else base_rows
            for name in order
        }
        filled_by = _trigger_targets(schema, order)
        for target in filled_by:  # the application's trigger writes these rows: extra rows would collide
            if not (target in config.tables and config.tables[target].rows is not None):
                plan[target] = 0
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
        loader = _Loader(conn, dsn, schema, config, gen.Context(seed_value, config.anchor, plain=d.plain_values), nulled, ahead, plan, report, total)  # fmt: skip
        loader.rows_at_start = dict(counts)
        report(0, total, f"seeding {len(order)} tables in order: {', '.join(order)}")
        for name in order:
            await loader.table(name)
        await loader.finish_cycles()
        after = {name: await _count(conn, name) for name in order}
        for res in loader.results:
            res.rows_added_by_triggers = max(0, after[res.table] - counts[res.table] - res.rows_written)
            if res.table in filled_by and plan[res.table] == 0:
                res.notes.append(f"not seeded: filled by trigger {filled_by[res.table]} (set rows in the config to add more)")  # fmt: skip
        written = sum(r.rows_written for r in loader.results)
        elapsed = time.perf_counter() - started
        return SeedResult(
            dsn=dsn.redacted,
            dialect=dsn.dialect,
            seed=seed_value,
            order=order,
            cycles_broken=broken + loader.cycle_notes,
            tables=loader.results,
            problems=loader.problems,
            triggers={
                t.name: [f"{x.name} ({x.event[:80]})" for x in t.triggers]
                for t in schema.tables
                if t.triggers and t.name in order
            },
            total_rows=written,
            seconds=round(elapsed, 3),
            rows_per_second=round(written / elapsed, 1) if elapsed > 0 else 0.0,
        )
    finally:
        await conn.close()


class _Loader:
    """Loads one table after another; remembers failures so dependents are skipped with the reason."""

    def __init__(self, conn: Connection, dsn: DSN, schema: Schema, config: SeedConfig, ctx: gen.Context, nulled: set[tuple[str, str]], ahead: set[tuple[str, str]], plan: dict[str, int], report: ProgressFn, total: int) -> None:  # fmt: skip
        self.conn, self.dsn, self.schema, self.config, self.ctx = conn, dsn, schema, config, ctx
        self.nulled, self.ahead, self.plan, self.report, self.total = nulled, ahead, plan, report, total
        self.results: list[TableSeedResult] = []
        self.problems: list[TableProblem] = []
        self.cycle_notes: list[str] = []
        self.done = 0
        self.unavailable: dict[str, str] = {}
        self.rows_at_start: dict[str, int] = {}

    async def table(self, name: str) -> None:
        conn, d = self.conn, self.conn.dialect
        table = self.schema.table(name)
        n = self.plan[name]
        before = await _count(conn, name)
        if not n:
            self.results.append(TableSeedResult(table=name, rows_before=before, rows_written=0, seconds=0.0, rows_per_second=0.0, generators={}))  # fmt: skip
            return
        missing = await self._missing_parent(table)
        if missing:
            self._problem(TableProblem(table=name, status="skipped", reason=missing))
            return
        t0 = time.perf_counter()
        try:
            await self._load_parent_keys(table)
            generators, kinds, explicit_key, fixer, n, notes = await self._generators(table, n, before)
        except Exception as exc:  # a generator that cannot be built (config, no parent rows)
            if not isinstance(exc, InvalidInputError | ValueError):
                raise
            self._problem(TableProblem(table=name, status="failed", reason=f"cannot generate: {exc}"))
            return
        columns = list(generators)
        text = any(is_text_input(table.column(c).udt, table.column(c).data_type) and not table.column(c).enum_values for c in columns)  # fmt: skip
        load = conn.bulk_load_text if text else conn.bulk_load
        fk_off = any((name, c) in self.ahead for c in columns) and d.fk_checks_off
        written = 0
        batch = self.config.batch_size
        make = functools.partial(_make_rows, [generators[c] for c in columns], before, conn.prepare_rows, fixer)
        offsets = [(o, min(batch, n - o)) for o in range(0, n, batch)]
        pipeline = _pipeline(d) and not fixer.active  # the fixer keeps state across batches: one at a time
        upcoming = asyncio.ensure_future(asyncio.to_thread(make, *offsets[0])) if offsets else None
        try:
            if fk_off:
                await conn.execute(d.fk_checks_off[0])  # type: ignore[index]
            for k, (offset, size_now) in enumerate(offsets):
                batch_rows = await upcoming  # type: ignore[misc]
                if k + 1 < len(offsets):
                    upcoming = asyncio.ensure_future(asyncio.to_thread(make, *offsets[k + 1]))
                    if not pipeline:
                        await asyncio.wait([upcoming])
                try:
                    if len(batch_rows):
                        await load(name, columns, batch_rows)
                except Exception as exc:
                    if k + 1 < len(offsets):
                        await asyncio.gather(upcoming, return_exceptions=True)  # type: ignore[arg-type]
                    if not d.is_driver_error(exc):
                        raise
                    details = d.error_details(exc)
                    message = self.dsn.scrub(str(exc)).splitlines()[0][:300]
                    self._problem(
                        TableProblem(
                            table=name,
                            status="failed",
                            reason=f"rows {offset + 1}-{offset + size_now}: {d.classify(exc).value}: {message} (the failed batch was rolled back)",
                            column=details.get("column"),
                            constraint=details.get("constraint"),
                            value=details.get("value"),
                            rows_written=written,
                        )
                    )
                    if written == 0:
                        return
                    break
                written += len(batch_rows)
                self.done += size_now
                self.report(self.done, self.total, f"{name}: {written}/{n} rows")
        finally:
            if fk_off:
                await conn.execute(d.fk_checks_off[1])  # type: ignore[index]
        if explicit_key and written:
            await d.after_explicit_keys(conn, name, explicit_key)
        if fixer.dropped:
            notes.append(f"{fixer.dropped} generated rows dropped as duplicates of a unique key")
        notes.extend(f"CHECK not generated for: {s}" for s in table.skipped_checks)
        notes.extend(f"exclusion constraint not generated for: {x}" for x in table.exclusions)
        secs = time.perf_counter() - t0
        self.results.append(
            TableSeedResult(
                table=name,
                rows_before=before,
                rows_written=written,
                seconds=round(secs, 3),
                rows_per_second=round(written / secs, 1) if secs > 0 else 0.0,
                generators=kinds,
                notes=notes,
            )
        )

    def _problem(self, problem: TableProblem) -> None:
        self.problems.append(problem)
        self.unavailable[problem.table] = problem.reason

    async def _missing_parent(self, table: Table) -> str | None:
        """Why ``table`` cannot be seeded: a NOT NULL foreign key to a parent that failed and has no rows."""
        for fk in table.foreign_keys:
            parent = fk.ref_table
            if parent not in self.unavailable or all(table.column(c).nullable for c in fk.columns):
                continue
            if await _count(self.conn, parent) == 0:
                return f"{', '.join(fk.columns)} references {parent}, which was not seeded ({self.unavailable[parent][:200]})"  # fmt: skip
        return None

    async def _load_parent_keys(self, table: Table) -> None:
        """Existing key values of every parent (seeded or pre-existing); future keys for a cycle's first table."""
        q = self.conn.dialect.quote
        for fk in table.foreign_keys:
            if len(fk.columns) != 1:
                rows = await self.conn.fetch(
                    f"SELECT {', '.join(q(c) for c in fk.ref_columns)} FROM {q(fk.ref_table)} ORDER BY 1"
                )
                self.ctx.parent_keys[(fk.ref_table, "(" + ",".join(fk.ref_columns) + ")")] = [tuple(r) for r in rows]
                continue
            key = (fk.ref_table, fk.ref_columns[0])
            if (table.name, fk.columns[0]) in self.ahead:
                current = (await self.conn.fetch(f"SELECT MAX({q(key[1])}) FROM {q(key[0])}"))[0][0]
                start = int(current or 0) + 1
                self.ctx.parent_keys[key] = list(range(start, start + max(1, self.plan.get(key[0], 1))))
                continue
            rows = await self.conn.fetch(f"SELECT {q(key[1])} FROM {q(key[0])} ORDER BY 1")
            self.ctx.parent_keys[key] = [r[0] for r in rows]

    async def _generators(self, table: Table, n: int, start_index: int) -> tuple[dict[str, gen.Generator], dict[str, str], str | None, RowFixer, int, list[str]]:  # fmt: skip
        """One generator per written column, unique keys planned; integer keys continue after the current max."""
        conn = self.conn
        configured = self.config.tables.get(table.name)
        specs_cfg = configured.columns if configured else {}
        for col in specs_cfg:
            table.column(col)  # refuse unknown column names
        specs: dict[str, gen.GeneratorSpec] = {}
        for column in table.writable:
            spec = specs_cfg.get(column.name)
            if spec is None and (table.name, column.name) in self.nulled:
                spec = gen.GeneratorSpec(kind="null")
            specs[column.name] = spec or gen.infer(table, column)
        plan = plan_table(table, specs, set(specs_cfg), self._domain(table))
        notes = list(plan.notes)
        if plan.cap is not None and plan.cap - start_index < n:
            n = max(0, plan.cap - start_index)
            notes.append(f"rows capped at {n}: no more distinct combinations for the unique keys")
        joint = joint_generators(plan, self.ctx.seed, table.name)
        out: dict[str, gen.Generator] = {}
        kinds: dict[str, str] = {}
        explicit_key: str | None = None
        salt = f"@{start_index}" if start_index else ""
        for column in table.writable:
            if column.name in joint:
                out[column.name] = joint[column.name]
                kinds[column.name] = "unique-combination"
                continue
            spec = plan.specs[column.name]
            if spec.kind == "sequential" and column.name not in specs_cfg:
                current = (await conn.fetch(f"SELECT MAX({conn.dialect.quote(column.name)}) FROM {conn.dialect.quote(table.name)}"))[0][0]  # fmt: skip
                spec = gen.GeneratorSpec(kind="sequential", start=int(current or 0) + 1 - start_index)
                if column.name in table.primary_key:
                    explicit_key = column.name
            elif spec.kind == "sequential" and column.name in table.primary_key:
                explicit_key = column.name
            fk = table.fk_for(column.name)
            if spec.kind == "fk" and fk is not None and len(fk.columns) > 1:
                out[column.name] = _composite_fk(self.ctx, table.name, fk, column.name)
            else:
                # a different stream per append, so incremental loads do not repeat the first load's values
                out[column.name] = gen.build(spec, table, column, self.ctx, salt=salt)
            kinds[column.name] = spec.kind + (" unique" if spec.unique else "")
        fixer = RowFixer(list(out), table.comparisons, plan.dedupe)
        return out, kinds, explicit_key, fixer, n, notes

    def _domain(self, table: Table) -> Callable[[Any, gen.GeneratorSpec], list[Any] | None]:
        def domain(column: Any, spec: gen.GeneratorSpec) -> list[Any] | None:
            fk = table.fk_for(column.name)
            if spec.kind == "fk" and fk is not None and len(fk.columns) == 1:
                keys = list(self.ctx.parent_keys.get((fk.ref_table, fk.ref_columns[0]), []))
                return keys if keys or not column.nullable else [None]
            if spec.kind == "enum":
                return list(spec.values or [])
            if spec.kind == "boolean":
                return [False, True]
            if spec.kind in {"constant", "null"}:
                return [spec.value]
            return None

        return domain

    async def finish_cycles(self) -> None:
        """Repair rows loaded with a cycle parent's future keys; fill NULL-first cycle columns."""
        conn, q = self.conn, self.conn.dialect.quote
        for child, column in sorted(self.ahead | self.nulled):
            table = self.schema.table(child)
            fk = table.fk_for(column)
            if fk is None or child in self.unavailable or len(fk.columns) != 1:
                continue
            parent, ref = fk.ref_table, fk.ref_columns[0]
            first = (await conn.fetch(f"SELECT MIN({q(ref)}) FROM {q(parent)}"))[0][0]
            if (child, column) in self.ahead:
                sql = f"UPDATE {q(child)} SET {q(column)} = {conn.dialect.placeholder(1)} WHERE {q(column)} NOT IN (SELECT {q(ref)} FROM {q(parent)})"  # fmt: skip
                if first is None:
                    self.cycle_notes.append(f"{child}.{column}: {parent} has no rows, rows keep keys that do not exist")
                    continue
                fixed = await conn.execute(sql, (first,))
                self.cycle_notes.append(f"{child}.{column}: verified against {parent}; {max(fixed, 0)} rows pointed at keys it did not get and now reference {first}")  # fmt: skip
            elif self.rows_at_start.get(child, 0):
                self.cycle_notes.append(f"{child}.{column}: left NULL (the table had rows before: they are not touched)")  # fmt: skip
            elif first is not None and not table.is_unique(column):
                filled = await conn.execute(f"UPDATE {q(child)} SET {q(column)} = {conn.dialect.placeholder(1)} WHERE {q(column)} IS NULL", (first,))  # fmt: skip
                self.cycle_notes.append(f"{child}.{column}: {max(filled, 0)} NULLs filled with {parent} key {first} after the cycle")  # fmt: skip


def _composite_fk(ctx: gen.Context, table: str, fk: Any, column: str) -> gen.Generator:
    """All columns of a composite foreign key take the same parent row (chosen by the row index)."""
    rows = ctx.parent_keys.get((fk.ref_table, "(" + ",".join(fk.ref_columns) + ")"), [])
    pos = fk.columns.index(column)
    n = len(rows)
    salt = gen.stable_hash(f"{table}.{fk.name}") % 1_000_003
    if not n:
        return gen.Generator(lambda i: None)
    return gen.Generator(lambda i: rows[(i * 2_654_435_761 + salt) % n][pos])


def _pipeline(dialect: Any) -> bool:
    import os

    flag = os.environ.get("SEMGRAPH_SEED_PIPELINE")
    return dialect.pipeline_seed if flag is None else flag == "1"


def _make_rows(generators: list[gen.Generator], start_index: int, prepare: Callable[[list[tuple[Any, ...]]], Any], fixer: RowFixer, offset: int, count: int) -> Any:  # fmt: skip
    """One batch of rows, already in the driver's preferred form (runs in a worker thread)."""
    values = [g.batch(start_index + offset, count) for g in generators]
    rows = list(zip(*values, strict=True))
    if fixer.active:
        rows = fixer(rows)
    return prepare(rows)


def _skipped(config: SeedConfig) -> set[str]:
    return {n for n, t in config.tables.items() if t.rows == 0}


async def _count(conn: Connection, table: str) -> int:
    return int((await conn.fetch(f"SELECT COUNT(*) FROM {conn.dialect.quote(table)}"))[0][0])
