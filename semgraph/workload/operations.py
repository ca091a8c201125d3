"""Operations generated from the live schema, plus custom SQL operations.

Why the safety rules live here: inserts reference only rows that existed before
the run (never rows this run may delete), and updates and deletes only ever
target keys this run inserted, so a workload cannot change or remove data the
user already had.
"""

from __future__ import annotations

import functools
import itertools
import random
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from semgraph.errors import InvalidInputError
from semgraph.workload import generators as gen
from semgraph.workload.dialects import Connection, Dialect
from semgraph.workload.metadata import Column, Schema, Table
from semgraph.workload.patterns import WRITE_KINDS
from semgraph.workload.readonly import check_statement
from semgraph.workload.seed_config import SeedConfig
from semgraph.workload.texttypes import is_text_input
from semgraph.workload.uniqueness import RowFixer, plan_table
from semgraph.workload.workload_config import CustomOperation

SAMPLE_KEYS = 100_000
RANGE_ROWS = 100
AGG_ROWS = 1_000


@dataclass
class TableKeys:
    """Pre-existing keys of a table (sampled) and the keys this run inserted."""

    column: str
    integer: bool
    sample: list[Any] = field(default_factory=list)
    low: int = 0
    high: int = 0
    inserted: list[Any] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    """Every key column; more than one for a composite key (keys are then tuples)."""

    @property
    def composite(self) -> bool:
        return len(self.columns) > 1

    def pick_existing(self, rng: random.Random) -> Any:
        if self.integer and self.high >= self.low and self.sample:
            return self.low + int(rng.random() * (self.high - self.low + 1))
        return self.sample[int(rng.random() * len(self.sample))]

    def take_inserted(self, rng: random.Random, *, remove: bool) -> Any | None:
        if not self.inserted:
            return None
        i = int(rng.random() * len(self.inserted))
        if remove:
            self.inserted[i], self.inserted[-1] = self.inserted[-1], self.inserted[i]
            return self.inserted.pop()
        return self.inserted[i]


@dataclass
class RunState:
    """What operations share during one run."""

    keys: dict[str, TableKeys] = field(default_factory=dict)
    fk_values: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    base: int = field(default_factory=lambda: secrets.randbelow(10**9) * 1000 + 10**9)
    written: dict[str, dict[str, int]] = field(default_factory=dict)

    def note(self, table: str, kind: str, n: int = 1) -> None:
        per = self.written.setdefault(table, {"inserted": 0, "updated": 0, "deleted": 0})
        per[kind] += n

    def next_index(self) -> int:
        """Row index for generated values: offset by a per-run base so unique columns do not collide."""
        return self.base + next(self.counter)


Bound = Callable[[random.Random, "RunState"], Awaitable[Any]]
"""An operation bound to a connection (see ``Operation.bind``)."""

BoundMany = Callable[[random.Random, int], Awaitable[Any]]
"""An operation bound to a connection, run ``n`` times in one pipeline (see ``Operation.bind_pipelined``)."""


class Operation:
    name: str
    kind: str
    table: str | None = None
    writes: bool = False
    bound_returns_name: bool = True
    """Whether a bound call's result is the name of the operation executed (an update may run as an insert);
    when False the bound call always executes ``name`` and its result (rows) is ignored."""

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        """Execute once; return the name of the operation actually executed."""
        raise NotImplementedError

    async def bind(self, conn: Connection) -> Bound:
        """This operation tied to one connection: the worker calls ``await bound(rng, state)`` in its loop.

        Why: the hot path then does no per-call lookups; reads override it with a prepared statement.
        """
        return functools.partial(self.run, conn)  # awaited as run's own coroutine: no wrapper coroutine per call

    async def bind_pipelined(self, conn: Connection) -> BoundMany | None:
        """This operation run ``n`` times in one pipeline on ``conn`` (``await bound(rng, n)``), or None.

        Only reads whose driver pipelines independent queries can; the rest run one at a time.
        """
        return None


class Query(Operation):
    """A read: fixed SQL with parameters drawn from the table's existing keys."""

    bound_returns_name = False

    def __init__(self, kind: str, table: str, sql: str, keys: TableKeys, width: int, nparams: int) -> None:
        self.kind, self.table, self.name = kind, table, f"{kind}:{table}"
        self.sql, self.keys, self.width, self.nparams = sql, keys, width, nparams

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        await conn.query(self.sql, self._drawer()(rng))
        return self.name

    async def bind(self, conn: Connection) -> Bound:
        """A prepared reader called with freshly drawn parameters: no coroutine of ours per call.

        The bound call returns the driver's own awaitable (``bound_returns_name`` is False).
        """
        reader, draw = await conn.prepare(self.sql), self._drawer()
        return lambda rng, state: reader(*draw(rng))

    async def bind_pipelined(self, conn: Connection) -> BoundMany | None:
        readers = await conn.prepare_pipelined(self.sql)
        if readers is None:
            return None
        draw = self._drawer()
        return lambda rng, n: readers([draw(rng) for _ in range(n)])

    def _drawer(self) -> Callable[[random.Random], tuple[Any, ...]]:
        """The parameters of one call drawn from the table's existing keys (what ``run`` and ``bind`` share).

        An integer key range is drawn inline (no list lookup); a composite key gives its first ``nparams``
        columns; two parameters are a range of ``width`` keys.
        """
        keys, width, nparams = self.keys, self.width, self.nparams
        if nparams == 0:
            return lambda rng: ()
        if keys.integer and keys.high >= keys.low and keys.sample and not keys.composite:
            low, span = keys.low, keys.high - keys.low + 1
            if nparams == 1:
                return lambda rng: (low + int(rng.random() * span),)

            def ranged(rng: random.Random) -> tuple[Any, ...]:
                key = low + int(rng.random() * span)
                return key, key + width - 1

            return ranged

        def sampled(rng: random.Random) -> tuple[Any, ...]:
            key = keys.pick_existing(rng)
            if keys.composite:
                return tuple(key[:nparams])
            return (key, key + width - 1) if nparams == 2 else (key,)

        return sampled


class Insert(Operation):
    kind = "insert"
    writes = True

    def __init__(self, dialect: Dialect, table: Table, keys: TableKeys, seed: int, state: RunState, specs: dict[str, gen.GeneratorSpec] | None = None) -> None:  # fmt: skip
        self.table, self.name = table.name, f"insert:{table.name}"
        self.keys = keys
        self.auto = not keys.composite and table.column(keys.column).autoincrement
        self.columns: list[str] = []
        self.makers: list[Any] = []
        ctx = gen.Context(seed)
        planned = specs if specs is not None else {}
        self.planned = planned
        for col in table.writable:
            if col.name == keys.column and self.auto:
                continue
            self.columns.append(col.name)
            self.makers.append(_value_maker(table, col, keys, ctx, state, planned.get(col.name)))
        q = dialect.quote
        marks = [_placeholder(dialect, table.column(c), i + 1) for i, c in enumerate(self.columns)]
        self.sql = f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in self.columns)}) VALUES ({', '.join(marks)})"
        self.key_pos = (
            None if self.auto else [self.columns.index(c) for c in (keys.columns or [keys.column]) if c in self.columns]
        )
        self.fixer = RowFixer(self.columns, table.comparisons, [])

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        index = state.next_index()
        values = [make(index) for make in self.makers]
        if self.fixer.comparisons:
            values = list(self.fixer([tuple(values)])[0])
        if self.auto:
            key = await conn.insert_returning(self.sql, values, self.keys.column)
        else:
            await conn.execute(self.sql, values)
            pos = self.key_pos or []
            key = tuple(values[p] for p in pos) if self.keys.composite else (values[pos[0]] if pos else None)
        if key is not None:
            self.keys.inserted.append(key)
        state.note(self.table or "", "inserted")
        return self.name


def _placeholder(dialect: Dialect, column: Column, index: int) -> str:
    """A parameter marker; types that go to the database as text get a cast (``$1::text::ltree``)."""
    mark = dialect.placeholder(index)
    if dialect.name == "postgres" and is_text_input(column.udt, column.data_type) and not column.enum_values:
        return f"{mark}::text::{dialect.quote(column.udt or 'text')}"
    return mark


def _key_where(dialect: Dialect, keys: TableKeys, start: int) -> str:
    cols = keys.columns or [keys.column]
    return " AND ".join(f"{dialect.quote(c)} = {dialect.placeholder(start + i)}" for i, c in enumerate(cols))


def _key_params(keys: TableKeys, key: Any) -> list[Any]:
    return list(key) if keys.composite else [key]


class Update(Operation):
    kind = "update"
    writes = True

    def __init__(self, dialect: Dialect, table: Table, keys: TableKeys, insert: Insert, seed: int, state: RunState) -> None:  # fmt: skip
        self.table, self.name, self.keys, self.insert = table.name, f"update:{table.name}", keys, insert
        ctx = gen.Context(seed ^ 0x5EED)
        self.targets = [c for c in table.writable if _updatable(table, c)]
        planned = insert.planned
        self.makers = {c.name: _value_maker(table, c, keys, ctx, state, planned.get(c.name)) for c in self.targets}
        self.dialect = dialect

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        key = self.keys.take_inserted(rng, remove=False)
        if key is None or not self.targets:
            return await self.insert.run(conn, rng, state)  # nothing of ours to update yet
        chosen = rng.sample(self.targets, k=min(len(self.targets), rng.randint(1, 2)))
        q, d = self.dialect.quote, self.dialect
        sets = ", ".join(f"{q(c.name)} = {_placeholder(d, c, i + 1)}" for i, c in enumerate(chosen))
        index = state.next_index()
        values = [self.makers[c.name](index) for c in chosen]
        sql = f"UPDATE {q(self.table or '')} SET {sets} WHERE {_key_where(d, self.keys, len(chosen) + 1)}"
        await conn.execute(sql, [*values, *_key_params(self.keys, key)])
        state.note(self.table or "", "updated")
        return self.name


class Delete(Operation):
    kind = "delete"
    writes = True

    def __init__(self, dialect: Dialect, table: Table, keys: TableKeys, insert: Insert) -> None:
        self.table, self.name, self.keys, self.insert = table.name, f"delete:{table.name}", keys, insert
        self.sql = f"DELETE FROM {dialect.quote(table.name)} WHERE {_key_where(dialect, keys, 1)}"

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        key = self.keys.take_inserted(rng, remove=True)
        if key is None:
            return await self.insert.run(conn, rng, state)  # only rows this run inserted may be deleted
        try:
            await conn.execute(self.sql, _key_params(self.keys, key))
        except BaseException:
            self.keys.inserted.append(key)
            raise
        state.note(self.table or "", "deleted")
        return self.name


class Custom(Operation):
    kind = "custom"

    def __init__(self, dialect: Dialect, op: CustomOperation, seed: int, fk_values: dict[tuple[str, str], list[Any]]) -> None:  # fmt: skip
        self.name = op.name
        # parsed, not word-matched: refused statements (SET, ATTACH, INTO OUTFILE, …) never reach the database
        self.writes = any([check_statement(stmt, dialect.name, operation=op.name).writes for stmt in op.statements])
        self.statements: list[tuple[str, list[str]]] = []
        for stmt in op.statements:
            sql, names = dialect.convert_named(stmt)
            missing = sorted(set(names) - set(op.params))
            if missing:
                raise InvalidInputError(
                    f"operation {op.name!r} uses :{', :'.join(missing)} but 'params' does not define it",
                    hint="add a generator for each :name under params",
                )
            self.statements.append((sql, names))
        ctx = gen.Context(seed, parent_keys=fk_values)
        fake = Table(name=f"param:{op.name}", columns=[])
        self.makers = {
            name: gen.build(
                spec,
                fake,
                Column(name=name, data_type=_param_type(spec), category=_param_type(spec), nullable=True),
                ctx,
            ).one
            for name, spec in op.params.items()
        }
        self.transaction = len(self.statements) > 1

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        index = state.next_index()
        values = {name: make(index) for name, make in self.makers.items()}
        if not self.transaction:
            sql, names = self.statements[0]
            await conn.execute(sql, [values[n] for n in names])
            return self.name
        await conn.begin()
        try:
            for sql, names in self.statements:
                await conn.execute(sql, [values[n] for n in names])
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        return self.name


def _param_type(spec: gen.GeneratorSpec) -> str:
    return {"timestamp": "timestamp", "date": "date", "uuid": "text"}.get(spec.kind, "text")


def _updatable(table: Table, col: Column) -> bool:
    """Not a key, not in a unique set or a column comparison, not a foreign key: free to change."""
    return (
        col.name not in table.primary_key
        and not col.autoincrement
        and not col.generated
        and table.fk_for(col.name) is None
        and not any(col.name in u.columns for u in table.unique)
        and not any(col.name in (a, b) for a, _, b in table.comparisons)
    )


def _value_maker(table: Table, col: Column, keys: TableKeys, ctx: gen.Context, state: RunState, planned: gen.GeneratorSpec | None) -> Any:  # fmt: skip
    """A function row-index -> value for an inserted/updated column (same constraints as seeding)."""
    fk = table.fk_for(col.name)
    if fk is not None and len(fk.columns) == 1:
        values = state.fk_values.get((fk.ref_table, fk.ref_columns[0]), [])
        if not values:
            return lambda i: None
        rng = gen.column_rng(ctx.seed, table.name, col.name, "#fk")
        n = len(values)
        return lambda i: values[int(rng.random() * n)]
    # keys and unique columns draw from a stream of this run (run id in the key space): a rerun with the
    # same seed inserts new keys instead of colliding with the first run's rows
    run_salt = f"#run{state.base}"
    if col.name == keys.column and not col.autoincrement and not keys.composite:
        if keys.integer:
            start = keys.high + 1_000_000
            return gen.build(gen.GeneratorSpec(kind="sequential", start=start - state.base), table, col, ctx).one
        spec = planned if planned is not None and planned.kind not in {"sequential"} else gen.GeneratorSpec(kind="uuid")
        if col.category != "uuid" and spec.kind == "uuid" and (col.max_length or 36) < 36:
            spec = gen.GeneratorSpec(kind="template", template="{hex}{i}")
        return gen.build(spec, table, col, ctx, salt=run_salt).one
    spec = planned if planned is not None else gen.infer(table, col)
    if spec.kind == "sequential":
        spec = gen.GeneratorSpec(kind="int", min=0, max=2_000_000_000, unique=True)
    unique = spec.unique or spec.kind in {"uuid", "code", "email"} or table.is_unique(col.name)
    make = gen.build(spec, table, col, ctx, salt=run_salt if unique else "#run").one
    if unique and col.category == "text" and not gen.unique_by_construction(spec):
        return _suffixed(make, col.max_length)  # a seeded value may be drawn again: the run's index sets it apart
    return make


def _suffixed(make: Any, limit: int | None) -> Any:
    def value(i: int) -> Any:
        base, suffix = make(i), f"-{i}"
        if not isinstance(base, str):
            return base
        return (base[: max(0, limit - len(suffix))] + suffix)[-limit:] if limit else base + suffix

    return value


async def sample_keys(conn: Connection, table: Table) -> TableKeys | None:
    """Existing keys of a table with a single-column primary key (None when it has none)."""
    if not table.primary_key:
        return None
    q = conn.dialect.quote
    if len(table.primary_key) > 1:
        cols = list(table.primary_key)
        order = ", ".join(q(c) for c in cols)
        keys = TableKeys(column=cols[0], integer=False, columns=cols)
        keys.sample = [
            tuple(r)
            for r in await conn.fetch(f"SELECT {order} FROM {q(table.name)} ORDER BY {order} LIMIT {SAMPLE_KEYS}")
        ]
        return keys
    column = table.column(table.primary_key[0])
    keys = TableKeys(column=column.name, integer=column.category == "integer", columns=[column.name])
    keys.sample = [
        r[0] for r in await conn.fetch(f"SELECT {q(column.name)} FROM {q(table.name)} ORDER BY 1 LIMIT {SAMPLE_KEYS}")
    ]
    if keys.integer and keys.sample:
        low, high = (await conn.fetch(f"SELECT MIN({q(column.name)}), MAX({q(column.name)}) FROM {q(table.name)}"))[0]
        keys.low, keys.high = int(low), int(high)
    return keys


def build_operations(
    dialect: Dialect,
    schema: Schema,
    tables: Sequence[str],
    keys: dict[str, TableKeys],
    mix: dict[str, float],
    prefer: Sequence[str],
    seed: int,
    state: RunState,
    seed_config: SeedConfig | None = None,
) -> list[tuple[Operation, float]]:
    """Weighted operations for ``mix`` over ``tables``; kinds with no usable table are dropped."""
    q = dialect.quote
    p = dialect.placeholder
    by_kind: dict[str, list[tuple[Operation, float]]] = {}
    for name in tables:
        table = schema.table(name)
        tk = keys.get(name)
        if tk is None:
            continue
        weight = 3.0 if any(f in name.lower() for f in prefer) else 1.0
        pk = q(tk.column)
        has_rows = bool(tk.sample)
        if has_rows:
            where = _key_where(dialect, tk, 1)
            width = len(tk.columns) if tk.composite else 1
            by_kind.setdefault("point_select", []).append(
                (Query("point_select", name, f"SELECT * FROM {q(name)} WHERE {where}", tk, 1, width), weight)
            )
            if tk.composite:  # the rows sharing the key's first column, in key order
                order = ", ".join(q(c) for c in tk.columns)
                sql = f"SELECT * FROM {q(name)} WHERE {pk} = {p(1)} ORDER BY {order} LIMIT {RANGE_ROWS}"
                by_kind.setdefault("range_scan", []).append((Query("range_scan", name, sql, tk, 1, 1), weight))
            elif tk.integer:
                sql = f"SELECT * FROM {q(name)} WHERE {pk} BETWEEN {p(1)} AND {p(2)} ORDER BY {pk}"
                by_kind.setdefault("range_scan", []).append((Query("range_scan", name, sql, tk, RANGE_ROWS, 2), weight))
            else:
                sql = f"SELECT * FROM {q(name)} WHERE {pk} >= {p(1)} ORDER BY {pk} LIMIT {RANGE_ROWS}"
                by_kind.setdefault("range_scan", []).append((Query("range_scan", name, sql, tk, 1, 1), weight))
            agg = _aggregate_sql(dialect, table, tk)
            if agg:
                nparams = 2 if tk.integer and not tk.composite else (1 if tk.composite else 0)
                by_kind.setdefault("aggregate", []).append(
                    (Query("aggregate", name, agg, tk, AGG_ROWS, nparams), weight)
                )
            for fk in table.foreign_keys:
                if len(fk.columns) != 1 or fk.ref_table not in schema.names:
                    continue
                if tk.composite:
                    cond = " AND ".join(f"c.{q(c)} = {p(i + 1)}" for i, c in enumerate(tk.columns))
                    nparams, span = len(tk.columns), 1
                elif tk.integer:
                    cond, nparams, span = f"c.{pk} BETWEEN {p(1)} AND {p(2)}", 2, 10
                else:
                    cond, nparams, span = f"c.{pk} = {p(1)}", 1, 1
                sql = (
                    f"SELECT c.*, p.* FROM {q(name)} c JOIN {q(fk.ref_table)} p "
                    f"ON c.{q(fk.columns[0])} = p.{q(fk.ref_columns[0])} WHERE {cond}"
                )
                by_kind.setdefault("join", []).append((Query("join", name, sql, tk, span, nparams), weight))
        writes_wanted = any(mix.get(k, 0) > 0 for k in ("insert", "update", "delete"))
        configured = seed_config.tables.get(name).columns if seed_config and name in seed_config.tables else {}  # type: ignore[union-attr]
        planned = _insert_plan(table, state, configured, len(tk.sample)) if writes_wanted else None
        if planned is not None:
            ins = Insert(dialect, table, tk, seed, state, planned)
            by_kind.setdefault("insert", []).append((ins, weight))
            by_kind.setdefault("update", []).append((Update(dialect, table, tk, ins, seed, state), weight))
            by_kind.setdefault("delete", []).append((Delete(dialect, table, tk, ins), weight))
    ops: list[tuple[Operation, float]] = []
    for kind, kind_weight in mix.items():
        candidates = by_kind.get(kind, [])
        total = sum(w for _, w in candidates)
        if kind_weight <= 0 or not total:
            continue
        ops.extend((op, kind_weight * w / total) for op, w in candidates)
    return ops


def _insert_plan(table: Table, state: RunState, configured: dict[str, gen.GeneratorSpec] | None = None, existing: int = 0) -> dict[str, gen.GeneratorSpec] | None:  # fmt: skip
    """Generator specs for inserts (unique keys planned as for seeding), or None when inserts cannot succeed.

    No inserts: a composite foreign key, a NOT NULL foreign key to an empty parent, a unique foreign key
    (one child per parent: the seed already gave every parent its child), or a table whose unique keys range
    over finite values it already fills (``CHECK (id = 0)`` on the key: ``existing`` rows of at most that many).
    """
    for fk in table.foreign_keys:
        if len(fk.columns) != 1:
            return None
        if not state.fk_values.get((fk.ref_table, fk.ref_columns[0])) and not table.column(fk.columns[0]).nullable:
            return None
    configured = configured or {}
    specs = {c.name: configured.get(c.name) or gen.infer(table, c) for c in table.writable}

    def domain(column: Column, spec: gen.GeneratorSpec) -> list[Any] | None:
        fk = table.fk_for(column.name)
        if fk is not None:
            return list(state.fk_values.get((fk.ref_table, fk.ref_columns[0]), [])) or [None]
        if spec.kind == "enum":
            return list(spec.values or [])
        if spec.kind in {"boolean", "constant", "null"}:
            return [False, True] if spec.kind == "boolean" else [spec.value]
        return None

    plan = plan_table(table, specs, set(configured), domain)
    if any(len(cols) == 1 and table.fk_for(cols[0]) for cols, _ in plan.joint):
        return None
    if plan.cap is not None and existing >= plan.cap:
        return None
    return plan.specs


def _aggregate_sql(dialect: Dialect, table: Table, tk: TableKeys) -> str | None:
    """COUNT plus SUM/AVG/MIN/MAX over a numeric column (never over text); COUNT alone when there is none."""
    q, p = dialect.quote, dialect.placeholder
    group = next((c for c in table.columns if table.fk_for(c.name) and c.name != tk.column), None) or next(
        (
            c
            for c in table.columns
            if c.category in {"text", "boolean"} and not table.is_unique(c.name) and c.name not in tk.columns
        ),
        None,
    )
    numeric = next(
        (
            c
            for c in table.columns
            if c.category in {"decimal", "float", "integer"}
            and c.name not in table.primary_key
            and not table.fk_for(c.name)
        ),
        None,
    )
    if group is None:
        return None
    if tk.composite:
        where = f"WHERE {q(tk.column)} = {p(1)} "
    elif tk.integer:
        where = f"WHERE {q(tk.column)} BETWEEN {p(1)} AND {p(2)} "
    else:
        where = ""
    g = q(group.name)
    stats = ""
    if numeric is not None:
        n = q(numeric.name)
        stats = f", SUM({n}), AVG({n}), MIN({n}), MAX({n})"
    return f"SELECT {g}, COUNT(*){stats} FROM {q(table.name)} {where}GROUP BY {g} ORDER BY 2 DESC LIMIT 20"


def writes_in(ops: Sequence[tuple[Operation, float]]) -> list[str]:
    return sorted({op.name for op, w in ops if w > 0 and (op.writes or op.kind in WRITE_KINDS)})
