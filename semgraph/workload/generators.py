"""Deterministic column value generators.

Why seeded per column: ``random.Random(seed ^ stable_hash(table.column))`` gives
each column its own stream, so the same seed yields byte-identical data no
matter the batch size, the column order or the Python process (no salted
``hash()``). Values depend only on the seed and the absolute row index.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import itertools
import random
import string
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from semgraph.errors import InvalidInputError
from semgraph.workload import texttypes, vocab
from semgraph.workload.metadata import Column, Table

GeneratorKind = Literal[
    "sequential", "int", "decimal", "float", "boolean", "timestamp", "date", "email", "phone", "name",
    "first_name", "last_name", "address", "city", "template", "enum", "weighted", "fk", "uuid", "text",
    "constant", "null", "set", "code",
]  # fmt: skip

DEFAULT_ANCHOR = dt.datetime(2025, 1, 1, 12, 0, 0)
"""'now' for generated timestamps: fixed, so the same seed gives the same data on any day."""


class GeneratorSpec(BaseModel):
    """How one column's values are produced (config files use these field names)."""

    model_config = ConfigDict(extra="forbid")

    kind: GeneratorKind
    start: int = 1
    step: int = 1
    min: float | None = None
    max: float | None = None
    scale: int = 2
    true_ratio: float = Field(0.5, ge=0.0, le=1.0)
    mode: Literal["now", "range", "relative"] = "relative"
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    days: float = 365.0
    values: list[Any] | None = None
    weights: list[float] | None = None
    template: str | None = None
    min_length: int = 8
    max_length: int = 40
    table: str | None = None
    column: str | None = None
    distribution: Literal["uniform", "zipf"] = "uniform"
    skew: float = 1.1
    domain: str | None = None
    value: Any = None
    null_ratio: float = Field(0.0, ge=0.0, le=1.0)
    unique: bool = False

    @model_validator(mode="after")
    def _check(self) -> GeneratorSpec:
        if self.kind in {"enum", "weighted"} and not self.values:
            raise ValueError(f"generator {self.kind!r} needs 'values'")
        if self.kind == "weighted" and (not self.weights or len(self.weights) != len(self.values or [])):
            raise ValueError("generator 'weighted' needs 'weights', one per value")
        if self.weights and any(w < 0 for w in self.weights):
            raise ValueError("weights must be >= 0")
        if self.kind == "template" and not self.template:
            raise ValueError("generator 'template' needs 'template', e.g. 'SKU-{seq:06d}'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must be <= max")
        if self.min_length > self.max_length or self.min_length < 0:
            raise ValueError("min_length must be between 0 and max_length")
        if self.skew <= 0:
            raise ValueError("skew must be > 0")
        return self


def stable_hash(text: str) -> int:
    """A process-independent 64-bit hash (Python's ``hash()`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def column_rng(seed: int, table: str, column: str, salt: str = "") -> random.Random:
    return random.Random(seed ^ stable_hash(f"{table}.{column}{salt}"))


class Generator:
    """Produces a column's values for consecutive absolute row indexes."""

    def __init__(self, fn: Callable[[int], Any], *, null_ratio: float = 0.0, null_rng: random.Random | None = None, many: Callable[[int, int], list[Any]] | None = None):  # fmt: skip
        self._fn = fn
        self._null_ratio = null_ratio
        self._null_rng = null_rng
        self._many = many
        """Whole batches at once (same values, same random draws as ``fn`` one by one): seeding's hot path."""

    def batch(self, start: int, count: int) -> list[Any]:
        if self._many is not None:
            values = self._many(start, count)
        else:
            fn = self._fn
            values = [fn(i) for i in range(start, start + count)]
        if self._null_ratio > 0 and self._null_rng is not None:
            r, ratio = self._null_rng.random, self._null_ratio
            values = [None if r() < ratio else v for v in values]
        return values

    def one(self, index: int) -> Any:
        return self.batch(index, 1)[0]


class Context:
    """Where a generator is built: seed, time anchor, and parent keys for foreign keys."""

    def __init__(self, seed: int, anchor: dt.datetime = DEFAULT_ANCHOR, parent_keys: dict[tuple[str, str], Sequence[Any]] | None = None, *, plain: bool = False):  # fmt: skip
        self.seed = seed
        self.anchor = anchor
        self.parent_keys = parent_keys or {}
        self.plain = plain
        """Produce times as ISO text and decimals as rounded floats (SQLite stores them so anyway)."""


def build(spec: GeneratorSpec, table: Table, column: Column, ctx: Context, *, salt: str = "") -> Generator:
    """A generator for ``column`` following ``spec``; raises InvalidInputError on a bad combination."""
    rng = column_rng(ctx.seed, table.name, column.name, salt)
    element = _element_column(column) if column.category == "array" else column
    fn = _value_fn(spec, table, element, ctx, rng)
    plain = fn
    if spec.unique and not unique_by_construction(spec):
        fn = _uniquify(fn, element)
    fn = _fit(fn, element, spec)
    if column.category == "array" and spec.kind not in {"constant", "null"}:
        fn = _array_fn(fn, column_rng(ctx.seed, table.name, column.name, salt + "#len"))
    null_ratio = spec.null_ratio if column.nullable else 0.0
    many = _value_many(spec, element, rng) if fn is plain else None
    null_rng = column_rng(ctx.seed, table.name, column.name, salt + "#null")
    return Generator(fn, null_ratio=null_ratio, null_rng=null_rng, many=many)


def _value_many(spec: GeneratorSpec, column: Column, rng: random.Random) -> Callable[[int, int], list[Any]] | None:
    """Batch forms of the commonest kinds (keys, numbers, filler text): no function call per value.

    Each draws from ``rng`` in exactly the order the one-value form does, so the data does not depend on
    which form produced it.
    """
    kind = spec.kind
    if kind == "sequential" and spec.step:
        first, step = spec.start, spec.step
        return lambda start, count: list(range(first + start * step, first + (start + count) * step, step))
    if not _WORDS_OK:
        return None
    if kind == "int" and column.category == "integer":
        lo, hi = int(spec.min if spec.min is not None else 0), int(spec.max if spec.max is not None else 1_000_000)
        width = hi - lo + 1
        if width > 1 << 32:
            return None
        return lambda start, count: [lo + (v * width >> 32) for v in _words(rng, count).cast("I")]
    if kind == "text":
        lo, hi = spec.min_length, spec.max_length
        if column.max_length:
            hi = min(hi, column.max_length)
            lo = min(lo, hi)
        pool = _text_pool(lo, hi)
        # the high 16 bits of each 32-bit draw, picked out and looked up in C (no Python code per value)
        return lambda start, count: list(map(pool.__getitem__, _words(rng, count).cast("H")[1::2]))
    return None


_WORDS_OK = sys.byteorder == "little"
"""Batches read ``getrandbits`` output as native 32-bit words: the same numbers as one call per value."""


def _words(rng: random.Random, count: int) -> memoryview:
    """``count`` 32-bit draws, equal in order to ``count`` calls of ``rng.getrandbits(32)``."""
    return (
        memoryview(rng.getrandbits(32 * count).to_bytes(4 * count, "little")) if count else memoryview(b"\0\0\0\0")[:0]
    )


@functools.cache
def _slice_text(corpus: str, at: int, length: int) -> str:
    """``length`` characters of the word stream from ``at``, a trailing space made a letter: exactly the length
    drawn (a stripped slice could fall below the column's minimum length)."""
    text = corpus[at : at + max(1, length)]
    return text[:-1] + "s" if text.endswith(" ") else text


def _text_pool(lo: int, hi: int) -> tuple[str, ...]:
    """65,536 filler texts of ``lo``..``hi`` characters (slices of the word stream), picked by a 16-bit draw."""
    corpus, starts = _corpus()
    rng = random.Random(0x7E48 ^ lo ^ (hi << 8))
    r, n, span = rng.random, len(starts), hi - lo + 1
    out = []
    for _ in range(1 << 16):
        at = starts[int(r() * n)]
        out.append(_slice_text(corpus, at, lo + int(r() * span)))
    return tuple(out)


def _element_column(column: Column) -> Column:
    """The column an array's elements are generated for (same enum values and length limit)."""
    return column.model_copy(update={"category": column.array_of or "text", "data_type": column.array_of or "text"})


def _array_fn(fn: Callable[[int], Any], rng: random.Random) -> Callable[[int], Any]:
    """1-3 elements per row; element indexes are spread so unique element generators stay unique."""
    return lambda i: [fn(i * 4 + k) for k in range(1 + int(rng.random() * 3))]


def unique_by_construction(spec: GeneratorSpec) -> bool:
    """Emails embed the row index, templates with {i}/{seq} too; sequential, code and uuid never repeat."""
    if spec.kind in {"sequential", "uuid", "email", "code"}:
        return True
    return (
        spec.kind == "template"
        and bool(spec.template)
        and ("{i" in (spec.template or "") or "{seq" in (spec.template or ""))
    )


def _fit(fn: Callable[[int], Any], column: Column, spec: GeneratorSpec | None = None) -> Callable[[int], Any]:
    """Cut text to the column's length and clamp numbers to its range (type width, CHECK bounds)."""
    limit = column.max_length
    if spec is not None and _within(spec, column):
        return fn  # the generator's own range is inside the column's: no per-value check
    if spec is not None and spec.kind == "text" and column.category == "text":
        return fn  # filler text is drawn no longer than the column's length already
    if column.category in {"integer", "decimal", "float"} and (column.min_value is not None or column.max_value is not None):  # fmt: skip
        lo = column.min_value if column.min_value is not None else float("-inf")
        hi = column.max_value if column.max_value is not None else float("inf")
        if column.category == "integer":
            lo_i = int(lo) if lo != float("-inf") else None
            hi_i = int(hi) if hi != float("inf") else None
            return lambda i: _clamp_int(fn(i), lo_i, hi_i)
        return lambda i: _clamp_num(fn(i), lo, hi)
    if column.category != "text" or not limit:
        return fn
    return lambda i: v[:limit] if isinstance(v := fn(i), str) else v


def _within(spec: GeneratorSpec, column: Column) -> bool:
    """True when every value of ``spec`` already fits the column's numeric bounds (hot path: skip the clamp)."""
    if column.category not in {"integer", "decimal", "float"}:
        return False
    if spec.kind in {"sequential", "enum", "weighted", "constant", "null", "fk", "boolean"}:
        return True  # keys, listed values and parent keys are what they are; clamping would only hide a clash
    if spec.kind in {"int", "decimal", "float"} and spec.min is not None and spec.max is not None:
        lo = column.min_value if column.min_value is not None else float("-inf")
        hi = column.max_value if column.max_value is not None else float("inf")
        return lo <= spec.min and spec.max <= hi
    return False


def _clamp_int(v: Any, lo: int | None, hi: int | None) -> Any:
    if not isinstance(v, int) or isinstance(v, bool):
        return v
    if lo is not None and v < lo:
        return lo
    if hi is not None and v > hi:
        return hi
    return v


def _clamp_num(v: Any, lo: float, hi: float) -> Any:
    if v is None or isinstance(v, bool) or not isinstance(v, int | float | decimal.Decimal):
        return v
    if v < lo:
        return type(v)(str(lo)) if isinstance(v, decimal.Decimal) else lo
    if v > hi:
        return type(v)(str(hi)) if isinstance(v, decimal.Decimal) else hi
    return v


def _uniquify(fn: Callable[[int], Any], column: Column) -> Callable[[int], Any]:
    seen: set[Any] = set()

    def unique(i: int) -> Any:
        value = fn(i)
        tries = 0
        while value in seen:
            tries += 1
            if isinstance(value, str):
                value = f"{value}-{i}" if tries == 1 else f"{value}{tries}"
            elif isinstance(value, int) and tries < 50:
                value = fn(i)
            else:
                raise InvalidInputError(
                    f"cannot generate unique values for column {column.name!r}",
                    hint="widen the min/max range or use a sequential/uuid generator",
                )
        seen.add(value)
        return value

    return unique


def _value_fn(spec: GeneratorSpec, table: Table, column: Column, ctx: Context, rng: random.Random) -> Callable[[int], Any]:  # fmt: skip
    kind = spec.kind
    r = rng.random
    if kind == "sequential":
        start, step = spec.start, spec.step
        return lambda i: start + i * step
    if kind == "int":
        lo, hi = int(spec.min if spec.min is not None else 0), int(spec.max if spec.max is not None else 1_000_000)
        width = hi - lo + 1
        if _WORDS_OK and width <= 1 << 32:
            bits = rng.getrandbits
            return lambda i: lo + (bits(32) * width >> 32)
        return lambda i: lo + int(r() * width)
    if kind == "decimal":
        lo = spec.min if spec.min is not None else 0.0
        hi = spec.max if spec.max is not None else 1000.0
        scale = spec.scale if column.scale is None else min(spec.scale, column.scale)
        if ctx.plain:
            return lambda i: round(lo + (hi - lo) * r(), scale)
        q = decimal.Decimal(1).scaleb(-scale)
        return lambda i: decimal.Decimal(round(lo + (hi - lo) * r(), scale)).quantize(q)
    if kind == "float":
        lo = spec.min if spec.min is not None else 0.0
        hi = spec.max if spec.max is not None else 1000.0
        return lambda i: round(lo + (hi - lo) * r(), 6)
    if kind == "boolean":
        ratio = spec.true_ratio
        return lambda i: r() < ratio
    if kind in {"timestamp", "date"}:
        return _time_fn(spec, column, ctx, rng, as_date=kind == "date" or column.category == "date")
    if kind == "email":
        first = [n.lower() for n in vocab.FIRST_NAMES]
        last = [n.lower() for n in vocab.LAST_NAMES]
        nf, nl = len(first), len(last)
        if spec.domain:
            domain = spec.domain
            return lambda i: f"{first[int(r() * nf)]}.{last[int(r() * nl)]}{i}@{domain}"
        domains, nd = vocab.DOMAINS, len(vocab.DOMAINS)
        return lambda i: f"{first[int(r() * nf)]}.{last[int(r() * nl)]}{i}@{domains[int(r() * nd)]}"
    if kind == "phone":
        area, exchange, line = _phone_parts()  # lookups: the same strings as formatting each draw, twice as fast
        return lambda i: area[int(r() * 790)] + exchange[int(r() * 800)] + line[int(r() * 10000)]
    if kind == "name":
        first, last, nf, nl = vocab.FIRST_NAMES, vocab.LAST_NAMES, len(vocab.FIRST_NAMES), len(vocab.LAST_NAMES)
        return lambda i: f"{first[int(r() * nf)]} {last[int(r() * nl)]}"
    if kind == "first_name":
        return _pick_fn(vocab.FIRST_NAMES, r)
    if kind == "last_name":
        return _pick_fn(vocab.LAST_NAMES, r)
    if kind == "city":
        return _pick_fn(vocab.CITIES, r)
    if kind == "address":
        return lambda i: (
            f"{rng.randint(1, 9999)} {rng.choice(vocab.STREETS)} {rng.choice(vocab.STREET_KINDS)}, "
            f"{rng.choice(vocab.CITIES)}"
        )
    if kind == "template":
        return _template_fn(spec.template or "", spec, rng)
    if kind == "enum":
        return _pick_fn(list(spec.values or []), r)
    if kind == "weighted":
        values = list(spec.values or [])
        cum = list(itertools.accumulate(spec.weights or []))
        if not cum or cum[-1] <= 0:
            raise InvalidInputError(f"weights of {table.name}.{column.name} sum to zero")
        return lambda i: rng.choices(values, cum_weights=cum)[0]
    if kind == "fk":
        return _fk_fn(spec, table, column, ctx, rng)
    if kind == "uuid" and column.category == "bytes":
        size = min(16, column.max_length or 16)
        return lambda i: rng.getrandbits(128).to_bytes(16, "big")[:size]
    if kind == "uuid":
        as_text = column.category != "uuid"
        return lambda i: (str if as_text else _identity)(uuid.UUID(int=rng.getrandbits(128), version=4))
    if kind == "text":
        lo, hi = spec.min_length, spec.max_length
        if column.max_length:
            hi = min(hi, column.max_length)
            lo = min(lo, hi)
        if _WORDS_OK:
            pool, bits = _text_pool(lo, hi), rng.getrandbits
            return lambda i: pool[bits(32) >> 16]
        corpus, starts = _corpus()
        n_starts, span = len(starts), hi - lo + 1
        r = rng.random

        def text(i: int) -> str:
            # a slice of a fixed word stream at a random word start: same look as joined words, ~10x faster
            start = starts[int(r() * n_starts)]
            return _slice_text(corpus, start, lo + int(r() * span))

        return text
    if kind == "set":
        members = list(spec.values or [])
        m = len(members)
        return lambda i: ",".join(v for k, v in enumerate(members) if (int(r() * (1 << m)) >> k) & 1)
    if kind == "code":
        width = max(1, min(column.max_length or 12, 12))
        start = spec.start
        return lambda i: _base36(start + i).rjust(width, "0")[-width:]
    if kind == "constant":
        value = spec.value
        return lambda i: value
    if kind == "null":
        return lambda i: None
    raise InvalidInputError(f"unknown generator {kind!r}")  # pragma: no cover - Literal guards it


_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    out = ""
    while True:
        n, d = divmod(n, 36)
        out = _DIGITS36[d] + out
        if not n:
            return out


def _pick_fn(values: Sequence[Any], r: Callable[[], float]) -> Callable[[int], Any]:
    """Uniform choice; ``seq[int(random() * n)]`` is several times faster than ``Random.choice``."""
    n = len(values)
    return lambda i: values[int(r() * n)]


def _identity(x: Any) -> Any:
    return x


def _time_fn(spec: GeneratorSpec, column: Column, ctx: Context, rng: random.Random, *, as_date: bool) -> Callable[[int], Any]:  # fmt: skip
    anchor = ctx.anchor
    if spec.mode == "now":
        lo, hi = anchor, anchor
    elif spec.mode == "range":
        if spec.start_time is None or spec.end_time is None:
            raise InvalidInputError(f"timestamp range for {column.name!r} needs start_time and end_time")
        lo, hi = spec.start_time.replace(tzinfo=None), spec.end_time.replace(tzinfo=None)
    else:
        lo, hi = anchor - dt.timedelta(days=spec.days), anchor
    span = int((hi - lo).total_seconds())
    as_time = column.category == "time"
    aware = "with time zone" in column.data_type.lower() or column.data_type.lower() == "timestamptz"
    tz = dt.UTC if aware else None

    r = rng.random
    width = span + 1
    stride = 7919 if width % 7919 else 7907
    unique = spec.unique

    def value(i: int) -> Any:
        # unique: a stride through the span (distinct for width rows); otherwise a uniform draw
        offset = (i * stride) % width if unique else (int(r() * width) if span > 0 else 0)
        moment = lo + dt.timedelta(seconds=offset)
        if as_date:
            return moment.date()
        if as_time:
            return moment.time()
        return moment.replace(tzinfo=tz) if tz else moment

    if ctx.plain and not unique and not (as_date or as_time or tz) and lo.microsecond == 0 and span > 0:
        return _iso_seconds_fn(lo, span, r)
    if ctx.plain:
        return lambda i: _iso(value(i))
    return value


def _iso_seconds_fn(lo: dt.datetime, span: int, r: Callable[[], float]) -> Callable[[int], str]:
    """The same values as the datetime path (one draw per row), formatted without building datetimes."""
    start = lo.hour * 3600 + lo.minute * 60 + lo.second
    base = lo.date()
    days = [(base + dt.timedelta(days=d)).isoformat() for d in range((start + span) // 86400 + 1)]
    width = span + 1
    clock = _clock()

    def value(i: int) -> str:
        d, rest = divmod(start + int(r() * width), 86400)
        return days[d] + clock[rest]

    return value


@functools.cache
def _corpus() -> tuple[str, list[int]]:
    """A deterministic stream of vocabulary words and the offsets where words start (built once)."""
    rng = random.Random(0x7E47)
    words = rng.choices(vocab.WORDS, k=50_000)
    text = " ".join(words) + " " + " ".join(words[:200])
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    return text, starts


@functools.cache
def _phone_parts() -> tuple[list[str], list[str], list[str]]:
    """'+1-AAA-', 'BBB-' and 'CCCC' for every area code, exchange and line number used by phones."""
    return (
        [f"+1-{a}-" for a in range(200, 990)],
        [f"{b}-" for b in range(200, 1000)],
        [f"{c:04d}" for c in range(10000)],
    )


@functools.cache
def _clock() -> list[str]:
    """' HH:MM:SS' for every second of a day (built once)."""
    return [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def _iso(value: Any) -> str:
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()


_FORMATTER = string.Formatter()


def _template_fn(template: str, spec: GeneratorSpec, rng: random.Random) -> Callable[[int], Any]:
    """``{i}`` row index, ``{seq}`` start+index, ``{first}``, ``{last}``, ``{word}``, ``{city}``, ``{int}``, ``{hex}``."""
    fields = {name for _, name, _, _ in _FORMATTER.parse(template) if name}
    known = {"i", "seq", "first", "last", "word", "city", "int", "hex", "byte"}
    unknown = fields - known
    if unknown:
        raise InvalidInputError(
            f"unknown template field(s) {sorted(unknown)} in {template!r}", hint=f"use {sorted(known)}"
        )
    start = spec.start
    makers: dict[str, Callable[[int], Any]] = {
        "i": lambda i: i,
        "seq": lambda i: start + i,
        "first": lambda i: rng.choice(vocab.FIRST_NAMES),
        "last": lambda i: rng.choice(vocab.LAST_NAMES),
        "word": lambda i: rng.choice(vocab.WORDS),
        "city": lambda i: rng.choice(vocab.CITIES),
        "int": lambda i: rng.randint(0, 9999),
        "hex": lambda i: f"{rng.getrandbits(32):08x}",
        "byte": lambda i: rng.randint(0, 255),
    }
    ordered = sorted(fields)
    try:
        template.format(**{k: 0 if k in {"i", "seq", "int", "byte"} else "x" for k in ordered})
    except (ValueError, IndexError, KeyError) as exc:
        raise InvalidInputError(f"bad template {template!r}: {exc}") from None
    if len(ordered) == 1 and template.count("{") > 1:  # the same field repeated draws again each time
        key = ordered[0]
        pieces = list(_FORMATTER.parse(template))
        make = makers[key]
        return lambda i: "".join(lit + (format(make(i), spec_) if name else "") for lit, name, spec_, _ in pieces)
    return lambda i: template.format(**{k: makers[k](i) for k in ordered})


def _fk_fn(spec: GeneratorSpec, table: Table, column: Column, ctx: Context, rng: random.Random) -> Callable[[int], Any]:  # fmt: skip
    fk = table.fk_for(column.name)
    parent = spec.table or (fk.ref_table if fk else None)
    ref = spec.column or (fk.ref_columns[fk.columns.index(column.name)] if fk else None)
    if not parent or not ref:
        raise InvalidInputError(
            f"fk generator for {table.name}.{column.name} needs table and column", hint="add table: and column:"
        )
    keys = list(ctx.parent_keys.get((parent, ref), ()))
    if not keys:
        if column.nullable:
            return lambda i: None
        raise InvalidInputError(
            f"{table.name}.{column.name} references {parent}.{ref}, which has no rows",
            hint=f"seed {parent!r} too (include it in tables) or load it first",
        )
    if spec.distribution == "zipf":
        cum = list(itertools.accumulate(1.0 / (k + 1) ** spec.skew for k in range(len(keys))))
        return lambda i: rng.choices(keys, cum_weights=cum)[0]
    n = len(keys)
    return lambda i: keys[int(rng.random() * n)]


# --- inference -------------------------------------------------------------------------------


def infer(table: Table, column: Column, *, unique: bool | None = None) -> GeneratorSpec:
    """A generator chosen from the column's type, constraints and name when the config says nothing.

    ``unique``: the column must hold distinct values (default: it is a one-column key).
    """
    if column.category == "array":
        return infer(table, _element_column(column), unique=False)
    spec = _infer(table, column, table.is_unique(column.name) if unique is None else unique)
    if spec.kind == "int" and (column.min_value is not None or column.max_value is not None):
        lo = spec.min if column.min_value is None else max(spec.min or 0, column.min_value)
        hi = spec.max if column.max_value is None else min(spec.max or 0, column.max_value)
        if lo is not None and hi is not None and lo > hi:  # the name-based range misses the CHECK range
            lo, hi = column.min_value, column.max_value
            lo = lo if lo is not None else (hi or 0) - 1000
            hi = hi if hi is not None else lo + 1000
        spec = spec.model_copy(update={"min": lo, "max": hi})
    if spec.kind == "decimal" and (column.min_value is not None or column.max_value is not None):
        lo = column.min_value if column.min_value is not None else spec.min
        hi = column.max_value if column.max_value is not None else max(spec.max or 0, (lo or 0) + 1000)
        spec = spec.model_copy(update={"min": lo, "max": max(lo or 0, min(hi or 0, (lo or 0) + 1000))})
    if spec.kind == "text" and column.min_length:
        spec = spec.model_copy(update={"min_length": max(spec.min_length, column.min_length)})
    return spec


def _infer(table: Table, column: Column, unique: bool) -> GeneratorSpec:
    name = column.name.lower()
    cat = column.category
    if column.enum_values:
        values: list[Any] = [v for v in column.enum_values if v not in column.excluded] or column.enum_values
        if cat == "integer":
            values = [int(float(v)) for v in values]
        elif cat in {"decimal", "float"}:
            values = [decimal.Decimal(v) if cat == "decimal" else float(v) for v in values]
        return GeneratorSpec(kind="enum", values=values)
    if column.set_values:
        return GeneratorSpec(kind="set", values=column.set_values)
    if table.fk_for(column.name):
        return GeneratorSpec(kind="fk")
    if column.name in table.primary_key and cat == "integer":
        return GeneratorSpec(kind="sequential")
    udt = (column.udt or "").lower()
    if udt in texttypes.TEMPLATES:
        return GeneratorSpec(kind="template", template=texttypes.TEMPLATES[udt] + ("{i}" if unique else ""))
    if unique and cat == "integer":
        return GeneratorSpec(kind="sequential")
    if unique and cat == "timestamp":
        return GeneratorSpec(kind="timestamp", unique=True)
    if unique and cat == "text" and column.max_length is not None and column.max_length < 16 and "email" not in name:
        return GeneratorSpec(kind="code")
    if cat == "uuid" or name in {"uuid", "guid"} or name.endswith("_uuid"):
        return GeneratorSpec(kind="uuid")
    if cat == "boolean":
        return GeneratorSpec(kind="boolean")
    if cat in {"timestamp", "date"}:
        return GeneratorSpec(kind="date" if cat == "date" else "timestamp")
    if cat == "time":
        return GeneratorSpec(kind="timestamp")
    if cat == "json":
        return GeneratorSpec(kind="template", template='{{"tag": "{word}", "n": {int}}}')
    if cat == "bytes":
        # bytes that are (part of) a key get random 16-byte ids, as uuids do: a constant caps the table at one row
        keyed = unique or any(column.name in cols for cols in table.unique_sets())
        return GeneratorSpec(kind="uuid") if keyed else GeneratorSpec(kind="constant", value=b"\x00\x01")
    if cat == "text":
        if "email" in name:
            return GeneratorSpec(kind="email", unique=unique)
        if "phone" in name or name in {"mobile", "tel"}:
            return GeneratorSpec(kind="phone", unique=unique)
        if name in {"first_name", "firstname", "given_name"}:
            return GeneratorSpec(kind="first_name", unique=unique)
        if name in {"last_name", "lastname", "surname", "family_name"}:
            return GeneratorSpec(kind="last_name", unique=unique)
        if name in {"name", "full_name", "username", "customer_name", "author"}:
            return GeneratorSpec(kind="name", unique=unique)
        if name in {"city", "town"}:
            return GeneratorSpec(kind="city", unique=unique)
        if "address" in name or name in {"street"}:
            return GeneratorSpec(kind="address", unique=unique)
        if name in {"status", "state"}:
            return GeneratorSpec(kind="enum", values=list(vocab.STATUSES))
        if name in {"category", "kind", "type"}:
            return GeneratorSpec(kind="enum", values=list(vocab.CATEGORIES))
        if name in {"sku", "code", "slug", "reference", "ref"} or unique:
            prefix = "".join(ch for ch in column.name.upper() if ch.isalnum())[:4] or "ID"
            return GeneratorSpec(kind="template", template=prefix + "-{seq:08d}", unique=unique)
        return GeneratorSpec(
            kind="text", min_length=min(8, column.max_length or 8), max_length=min(40, column.max_length or 40)
        )
    if cat == "decimal":
        hi = 1000.0
        if column.precision and column.scale is not None:
            hi = min(hi, 10.0 ** (column.precision - column.scale) - 1)
        return GeneratorSpec(kind="decimal", min=1.0, max=hi, scale=column.scale if column.scale is not None else 2)
    if cat == "float":
        return GeneratorSpec(kind="float", min=0.0, max=1000.0)
    if cat == "integer":
        if any(k in name for k in ("quantity", "qty", "count", "stock", "age", "rating", "score")):
            return GeneratorSpec(kind="int", min=1, max=100, unique=unique)
        hi = 32_000 if column.data_type.lower() in {"smallint", "int2", "tinyint"} else 1_000_000
        return GeneratorSpec(kind="int", min=0, max=hi if not unique else 2_000_000_000, unique=unique)
    return GeneratorSpec(kind="text")
