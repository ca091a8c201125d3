"""Operations generated from the live schema, plus custom SQL operations.

Why the safety rules live here: inserts reference only rows that existed before
the run (never rows this run may delete), and updates and deletes only ever
target keys this run inserted, so a workload cannot change or remove data the
user already had.
"""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from semgraph.errors import InvalidInputError
from semgraph.workload import generators as gen
from semgraph.workload.dialects import Connection, Dialect
from semgraph.workload.metadata import Column, Schema, Table
from semgraph.workload.patterns import WRITE_KINDS
from semgraph.workload.readonly import check_statement
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


class Operation:
    name: str
    kind: str
    table: str | None = None
    writes: bool = False

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        """Execute once; return the name of the operation actually executed."""
        raise NotImplementedError


class Query(Operation):
    """A read: fixed SQL with parameters drawn from the table's existing keys."""

    def __init__(self, kind: str, table: str, sql: str, keys: TableKeys, width: int, nparams: int) -> None:
        self.kind, self.table, self.name = kind, table, f"{kind}:{table}"
        self.sql, self.keys, self.width, self.nparams = sql, keys, width, nparams

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        if self.nparams == 0:
            await conn.fetch(self.sql, ())
            return self.name
        key = self.keys.pick_existing(rng)
        params = (key, key + self.width - 1) if self.nparams == 2 else (key,)
        await conn.fetch(self.sql, params)
        return self.name


class Insert(Operation):
    kind = "insert"
    writes = True

    def __init__(self, dialect: Dialect, table: Table, keys: TableKeys, seed: int, state: RunState) -> None:
        self.table, self.name = table.name, f"insert:{table.name}"
        self.keys = keys
        self.auto = table.column(keys.column).autoincrement
        self.columns: list[str] = []
        self.makers: list[Any] = []
        ctx = gen.Context(seed)
        for col in table.columns:
            if col.name == keys.column and self.auto:
                continue
            self.columns.append(col.name)
            self.makers.append(_value_maker(table, col, keys, ctx, state))
        q = dialect.quote
        self.sql = (
            f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in self.columns)}) "
            f"VALUES ({dialect.placeholders(len(self.columns))})"
        )
        self.key_pos = None if self.auto else self.columns.index(keys.column)

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        index = state.next_index()
        values = [make(index) for make in self.makers]
        if self.auto:
            key = await conn.insert_returning(self.sql, values, self.keys.column)
        else:
            await conn.execute(self.sql, values)
            key = values[self.key_pos] if self.key_pos is not None else None
        if key is not None:
            self.keys.inserted.append(key)
        state.note(self.table or "", "inserted")
        return self.name


class Update(Operation):
    kind = "update"
    writes = True

    def __init__(self, dialect: Dialect, table: Table, keys: TableKeys, insert: Insert, seed: int, state: RunState) -> None:  # fmt: skip
        self.table, self.name, self.keys, self.insert = table.name, f"update:{table.name}", keys, insert
        ctx = gen.Context(seed ^ 0x5EED)
        self.targets = [c for c in table.columns if _updatable(table, c)]
        self.makers = {c.name: _value_maker(table, c, keys, ctx, state) for c in self.targets}
        self.dialect = dialect

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        key = self.keys.take_inserted(rng, remove=False)
        if key is None or not self.targets:
            return await self.insert.run(conn, rng, state)  # nothing of ours to update yet
        chosen = rng.sample(self.targets, k=min(len(self.targets), rng.randint(1, 2)))
        q, d = self.dialect.quote, self.dialect
        sets = ", ".join(f"{q(c.name)} = {d.placeholder(i + 1)}" for i, c in enumerate(chosen))
        index = state.next_index()
        values = [self.makers[c.name](index) for c in chosen]
        sql = f"UPDATE {q(self.table or '')} SET {sets} WHERE {q(self.keys.column)} = {d.placeholder(len(chosen) + 1)}"
        await conn.execute(sql, [*values, key])
        state.note(self.table or "", "updated")
        return self.name


class Delete(Operation):
    kind = "delete"
    writes = True

    def __init__(self, dialect: Dialect, table: Table, keys: TableKeys, insert: Insert) -> None:
        self.table, self.name, self.keys, self.insert = table.name, f"delete:{table.name}", keys, insert
        q = dialect.quote
        self.sql = f"DELETE FROM {q(table.name)} WHERE {q(keys.column)} = {dialect.placeholder(1)}"

    async def run(self, conn: Connection, rng: random.Random, state: RunState) -> str:
        key = self.keys.take_inserted(rng, remove=True)
        if key is None:
            return await self.insert.run(conn, rng, state)  # only rows this run inserted may be deleted
        try:
            await conn.execute(self.sql, (key,))
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
    return (
        col.name not in table.primary_key
        and not col.autoincrement
        and table.fk_for(col.name) is None
        and not any(col.name in u.columns for u in table.unique)
    )


def _value_maker(table: Table, col: Column, keys: TableKeys, ctx: gen.Context, state: RunState) -> Any:
    """A function row-index -> value for an inserted/updated column."""
    fk = table.fk_for(col.name)
    if fk is not None and len(fk.columns) == 1:
        values = state.fk_values.get((fk.ref_table, fk.ref_columns[0]), [])
        if not values:
            return lambda i: None
        rng = gen.column_rng(ctx.seed, table.name, col.name, "#fk")
        n = len(values)
        return lambda i: values[int(rng.random() * n)]
    if col.name == keys.column and not col.autoincrement:
        if keys.integer:
            start = keys.high + 1_000_000
            return lambda i: start + (i - state.base)
        spec = gen.GeneratorSpec(kind="uuid")
    else:
        spec = gen.infer(table, col)
        if spec.kind == "sequential":
            spec = gen.GeneratorSpec(kind="int", min=0, max=2_000_000_000)
    return gen.build(spec, table, col, ctx, salt="#run").one


async def sample_keys(conn: Connection, table: Table) -> TableKeys | None:
    """Existing keys of a table with a single-column primary key (None when it has none)."""
    if len(table.primary_key) != 1:
        return None
    column = table.column(table.primary_key[0])
    q = conn.dialect.quote
    keys = TableKeys(column=column.name, integer=column.category == "integer")
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
            by_kind.setdefault("point_select", []).append(
                (Query("point_select", name, f"SELECT * FROM {q(name)} WHERE {pk} = {p(1)}", tk, 1, 1), weight)
            )
            if tk.integer:
                sql = f"SELECT * FROM {q(name)} WHERE {pk} BETWEEN {p(1)} AND {p(2)} ORDER BY {pk}"
                by_kind.setdefault("range_scan", []).append((Query("range_scan", name, sql, tk, RANGE_ROWS, 2), weight))
            else:
                sql = f"SELECT * FROM {q(name)} WHERE {pk} >= {p(1)} ORDER BY {pk} LIMIT {RANGE_ROWS}"
                by_kind.setdefault("range_scan", []).append((Query("range_scan", name, sql, tk, 1, 1), weight))
            agg = _aggregate_sql(dialect, table, tk)
            if agg:
                by_kind.setdefault("aggregate", []).append(
                    (Query("aggregate", name, agg, tk, AGG_ROWS, 2 if tk.integer else 0), weight)
                )
            for fk in table.foreign_keys:
                if len(fk.columns) != 1 or fk.ref_table not in schema.names:
                    continue
                where = f"c.{pk} BETWEEN {p(1)} AND {p(2)}" if tk.integer else f"c.{pk} = {p(1)}"
                sql = (
                    f"SELECT c.*, p.* FROM {q(name)} c JOIN {q(fk.ref_table)} p "
                    f"ON c.{q(fk.columns[0])} = p.{q(fk.ref_columns[0])} WHERE {where}"
                )
                by_kind.setdefault("join", []).append(
                    (Query("join", name, sql, tk, 10 if tk.integer else 1, 2 if tk.integer else 1), weight)
                )
        if _insertable(table, state):
            ins = Insert(dialect, table, tk, seed, state)
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


def _insertable(table: Table, state: RunState) -> bool:
    for fk in table.foreign_keys:
        if len(fk.columns) != 1:
            return False
        if not state.fk_values.get((fk.ref_table, fk.ref_columns[0])) and not table.column(fk.columns[0]).nullable:
            return False
    return True


def _aggregate_sql(dialect: Dialect, table: Table, tk: TableKeys) -> str | None:
    q, p = dialect.quote, dialect.placeholder
    group = next((c for c in table.columns if table.fk_for(c.name)), None) or next(
        (c for c in table.columns if c.category in {"text", "boolean"} and not table.is_unique(c.name)), None
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
    n = q(numeric.name) if numeric else q(tk.column)
    where = f"WHERE {q(tk.column)} BETWEEN {p(1)} AND {p(2)} " if tk.integer else ""
    g = q(group.name)
    return (
        f"SELECT {g}, COUNT(*), SUM({n}), AVG({n}), MIN({n}), MAX({n}) FROM {q(table.name)} {where}"
        f"GROUP BY {g} ORDER BY 2 DESC LIMIT 20"
    )


def writes_in(ops: Sequence[tuple[Operation, float]]) -> list[str]:
    return sorted({op.name for op, w in ops if w > 0 and (op.writes or op.kind in WRITE_KINDS)})
