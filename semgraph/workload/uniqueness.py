"""Plan a table's unique keys before generating it, and fix rows the plan cannot guarantee.

Why: random values collide. For every unique set (primary key, unique
constraint, unique index) one of two rules makes the rows distinct by
construction: a column with an open domain (text, number, time) is generated
unique; when every column has a finite domain (foreign keys, enums, booleans)
the set gets distinct tuples by counting through the combinations (one child
per parent for a unique foreign key), and the table is capped at the number of
combinations. What neither rule covers is dropped as a duplicate and reported.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from semgraph.workload import generators as gen
from semgraph.workload.metadata import Column, Table

_OPEN_PREFERENCE = ("text", "integer", "uuid", "timestamp", "decimal", "float", "date")


@dataclass
class TablePlan:
    specs: dict[str, gen.GeneratorSpec]
    joint: list[tuple[list[str], list[list[Any]]]] = field(default_factory=list)
    """Column groups whose tuples count through their domains: ``(columns, domain per column)``."""
    cap: int | None = None
    notes: list[str] = field(default_factory=list)
    dedupe: list[list[str]] = field(default_factory=list)
    """Unique sets only guarded by dropping duplicate rows."""


def plan_table(table: Table, specs: dict[str, gen.GeneratorSpec], configured: set[str], domain: Callable[[Column, gen.GeneratorSpec], list[Any] | None]) -> TablePlan:  # fmt: skip
    """Adjust ``specs`` so every unique set of ``table`` is distinct; ``domain`` gives a column's finite values."""
    plan = TablePlan(specs=dict(specs))
    unique_cols = {c for c, s in specs.items() if _unique_spec(s)}
    joint_sets: list[set[str]] = []
    writable = {c.name for c in table.writable}
    handled = _partial_booleans(table, plan)
    # partial unique indexes are held to the stricter rule (unique everywhere), unless a flag keeps them empty
    sets = table.unique_sets() + [u.columns for u in table.unique if u.partial and u.name not in handled]
    for cols in sorted(sets, key=len):
        if any(c not in writable for c in cols):
            plan.dedupe.append(cols)  # a generated column is part of it: only the check after generation helps
            continue
        if unique_cols & set(cols) or any(j <= set(cols) for j in joint_sets):
            continue
        domains = {c: domain(table.column(c), plan.specs[c]) for c in cols}
        if any(domains[c] == [None] for c in cols):
            continue  # a column that is always NULL: NULLs never collide in a unique key
        open_cols = [c for c in cols if domains[c] is None]
        if open_cols:
            best = min(open_cols, key=lambda c: _rank(table.column(c), c in configured))
            column = table.column(best)
            spec = plan.specs[best]
            if best in configured or spec.kind in {"constant", "null"}:
                plan.specs[best] = spec.model_copy(update={"unique": True})
            else:
                plan.specs[best] = gen.infer(table, column, unique=True)
            unique_cols.add(best)
            continue
        values = [list(domains[c] or []) for c in cols]
        size = 1
        for v in values:
            size *= max(len(v), 0)
        plan.joint.append((list(cols), values))
        joint_sets.append(set(cols))
        if plan.cap is None or size < plan.cap:
            plan.cap = size
        plan.notes.append(f"unique ({', '.join(cols)}) over finite values: at most {size} rows")
    # a column in two joint groups would get two values: keep the first group, guard the others by dedupe
    seen: set[str] = set()
    kept = []
    for cols, values in plan.joint:
        if seen & set(cols):
            plan.dedupe.append(cols)
        else:
            kept.append((cols, values))
            seen |= set(cols)
    plan.joint = kept
    for cols in sets:
        guarded = unique_cols & set(cols) or any(set(c) <= set(cols) for c, _ in plan.joint)
        if not guarded and cols not in plan.dedupe:
            plan.dedupe.append(cols)
    return plan


def _partial_booleans(table: Table, plan: TablePlan) -> set[str]:
    """``UNIQUE (flag) WHERE flag = true``: generate the other value so the predicate never matches."""
    handled: set[str] = set()
    for u in table.unique:
        if not u.partial:
            continue
        for c in u.columns:
            col = table.column(c)
            text = u.partial.lower()
            if col.category == "boolean" and c.lower() in text:
                value = "false" not in text.split(c.lower(), 1)[1][:20]
                plan.specs[c] = gen.GeneratorSpec(kind="constant", value=not value)
                plan.notes.append(f"{c}: constant {not value} (partial unique index {u.name} WHERE {u.partial})")
                handled.add(u.name)
    return handled


def _unique_spec(spec: gen.GeneratorSpec) -> bool:
    return (
        spec.unique
        or spec.kind in {"sequential", "uuid", "email", "code"}
        or (spec.kind == "template" and any(f in (spec.template or "") for f in ("{i", "{seq")))
    )


def _rank(column: Column, configured: bool) -> tuple[int, int]:
    cat = column.category
    return (1 if configured else 0, _OPEN_PREFERENCE.index(cat) if cat in _OPEN_PREFERENCE else len(_OPEN_PREFERENCE))


def joint_generators(plan: TablePlan, seed: int, table: str) -> dict[str, gen.Generator]:
    """Generators for the joint groups: row ``i`` takes combination ``i`` (mixed radix over shuffled domains)."""
    out: dict[str, gen.Generator] = {}
    for cols, values in plan.joint:
        stride = 1
        for c, domain in zip(cols, values, strict=True):
            shuffled = list(domain)
            random.Random(seed ^ gen.stable_hash(f"{table}.{c}#joint")).shuffle(shuffled)
            n = max(len(shuffled), 1)
            out[c] = gen.Generator(functools_partial(_digit, shuffled, stride, n))
            stride *= n
    return out


def _digit(domain: Sequence[Any], stride: int, n: int, i: int) -> Any:
    return domain[(i // stride) % n] if domain else None


def functools_partial(fn: Callable[..., Any], *args: Any) -> Callable[[int], Any]:
    return lambda i: fn(*args, i)


class RowFixer:
    """Make generated rows satisfy column comparisons (``a < b``) and drop duplicates of unguarded unique sets."""

    def __init__(self, columns: list[str], comparisons: Sequence[tuple[str, str, str]], dedupe: Sequence[list[str]]):
        pos = {c: i for i, c in enumerate(columns)}
        self.comparisons = [(pos[a], op, pos[b]) for a, op, b in comparisons if a in pos and b in pos]
        self.dedupe = [[pos[c] for c in cols] for cols in dedupe if all(c in pos for c in cols)]
        self.seen: list[set[tuple[Any, ...]]] = [set() for _ in self.dedupe]
        self.dropped = 0

    @property
    def active(self) -> bool:
        return bool(self.comparisons or self.dedupe)

    def __call__(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        out = []
        for row in rows:
            if self.comparisons:
                row = self._order(row)
            if self.dedupe and not self._first(row):
                self.dropped += 1
                continue
            out.append(row)
        return out

    def _first(self, row: tuple[Any, ...]) -> bool:
        keys = []
        for positions, seen in zip(self.dedupe, self.seen, strict=True):
            key = tuple(row[p] for p in positions)
            if None not in key and key in seen:
                return False
            keys.append(key)
        for key, seen in zip(keys, self.seen, strict=True):
            seen.add(key)
        return True

    def _order(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for a, op, b in self.comparisons:
            x, y = values[a], values[b]
            if x is None or y is None or _holds(x, op, y):
                continue
            try:
                if op in {"<", "<="}:
                    x, y = min(x, y), max(x, y)
                elif op in {">", ">="}:
                    x, y = max(x, y), min(x, y)
                if not _holds(x, op, y):
                    y = _step(y, -1 if op in {">", ">="} else 1)
            except TypeError:
                continue
            values[a], values[b] = x, y
        return tuple(values)


def _holds(x: Any, op: str, y: Any) -> bool:
    try:
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "<>": x != y}[op]
    except TypeError:
        return True


def _step(value: Any, direction: int) -> Any:
    """The next value after ``value`` in ``direction`` (1 up, -1 down) for the common key types."""
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(seconds=direction)
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=direction)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return value + direction
    if isinstance(value, str):
        return value + "~" if direction > 0 else value[:-1] or " "
    return value
