"""Schema metadata read from the live database (information_schema, or sqlite_master + PRAGMA).

Why: generators, seeding order and workload operations are all derived from
what the database really has, never from guesses.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from semgraph.errors import NotFoundError
from semgraph.workload import typewidths
from semgraph.workload.checks import parse_checks
from semgraph.workload.dialects.base import Connection

CATEGORIES = (
    "integer",
    "decimal",
    "float",
    "boolean",
    "text",
    "date",
    "timestamp",
    "time",
    "uuid",
    "json",
    "bytes",
    "array",
)


class Column(BaseModel):
    name: str
    data_type: str = Field(description="Type as the database reports it.")
    category: str = Field(description="Normalised kind: " + ", ".join(CATEGORIES))
    nullable: bool
    default: str | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    autoincrement: bool = False
    enum_values: list[str] | None = Field(None, description="ENUM type values or a CHECK IN-list.")
    set_values: list[str] | None = Field(None, description="MySQL SET members.")
    generated: bool = Field(False, description="Computed by the database (generated / identity ALWAYS): never written.")
    array_of: str | None = Field(None, description="Element category of an array column.")
    udt: str | None = Field(None, description="The database's own type name (udt_name / column_type).")
    min_value: float | None = Field(None, description="Smallest allowed value (type width, unsigned, CHECK).")
    max_value: float | None = Field(None, description="Largest allowed value (type width, CHECK).")
    min_length: int | None = None
    excluded: list[str] = Field(default_factory=list, description="Values a CHECK forbids.")


class ForeignKey(BaseModel):
    name: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


class UniqueConstraint(BaseModel):
    name: str
    columns: list[str]
    partial: str | None = Field(None, description="WHERE predicate of a partial unique index.")
    expression: bool = Field(False, description="An expression index (e.g. lower(email)): columns are those it reads.")


class Check(BaseModel):
    name: str
    definition: str


class Trigger(BaseModel):
    name: str
    event: str


class Table(BaseModel):
    name: str
    columns: list[Column]
    primary_key: list[str] = Field(default_factory=list)
    unique: list[UniqueConstraint] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    comparisons: list[tuple[str, str, str]] = Field(
        default_factory=list, description="CHECKs comparing two columns: (a, op, b)."
    )
    skipped_checks: list[str] = Field(
        default_factory=list, description="CHECK parts not understood (not generated for)."
    )
    triggers: list[Trigger] = Field(default_factory=list)
    exclusions: list[str] = Field(default_factory=list, description="Exclusion constraints (not generated for).")

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise NotFoundError(f"table {self.name!r} has no column {name!r}", hint=f"columns: {self.column_names}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def fk_for(self, column: str) -> ForeignKey | None:
        for fk in self.foreign_keys:
            if column in fk.columns:
                return fk
        return None

    def is_unique(self, column: str) -> bool:
        return self.primary_key == [column] or any(u.columns == [column] and not u.partial for u in self.unique)

    @property
    def writable(self) -> list[Column]:
        """Columns a seed or an insert writes (generated columns are computed by the database)."""
        return [c for c in self.columns if not c.generated]

    def unique_sets(self) -> list[list[str]]:
        """Column sets whose values must be unique together: primary key, unique constraints and indexes."""
        out: list[list[str]] = []
        for cols in [self.primary_key, *(u.columns for u in self.unique if not u.partial)]:
            if cols and cols not in out:
                out.append(list(cols))
        return out


class Schema(BaseModel):
    dialect: str
    tables: list[Table]

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise NotFoundError(
            f"no table {name!r} in the database",
            hint="tables: " + (", ".join(t.name for t in self.tables) or "(none: create the schema first)"),
        )

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tables]


def categorize(data_type: str) -> str:
    """Normalise a database type name to one of ``CATEGORIES``."""
    t = data_type.lower()
    if t == "year":
        return "integer"
    if t.endswith("range"):
        return "text"
    if "int" in t or t in {"serial", "bigserial", "smallserial"}:
        return "boolean" if t in {"tinyint(1)"} else "integer"
    if t.startswith(("bool", "bit")):
        return "boolean"
    if t.startswith(("numeric", "decimal", "money")):
        return "decimal"
    if t.startswith(("real", "double", "float")):
        return "float"
    if t.startswith("timestamp") or t.startswith("datetime"):
        return "timestamp"
    if t == "date":
        return "date"
    if t.startswith("time"):
        return "time"
    if t == "uuid":
        return "uuid"
    if t.startswith("json"):
        return "json"
    if t in {"bytea", "blob", "binary", "varbinary", "longblob", "mediumblob", "tinyblob"}:
        return "bytes"
    return "text"


_ENUM = re.compile(r"^enum\((.*)\)$", re.IGNORECASE | re.DOTALL)
_SET = re.compile(r"^set\((.*)\)$", re.IGNORECASE | re.DOTALL)


def _enum_values(column_type: str | None, pattern: re.Pattern[str] = _ENUM) -> list[str] | None:
    m = pattern.match(column_type or "")
    if not m:
        return None
    return [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", m.group(1))]


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes | bytearray) else value


async def load_schema(conn: Connection) -> Schema:
    """Read every base table of the connection's schema/database."""
    if conn.dialect.metadata_source == "sqlite":
        return await _from_sqlite(conn)
    return await _from_information_schema(conn)


async def _from_information_schema(conn: Connection) -> Schema:
    d = conn.dialect
    names = sorted(_text(r[0]) for r in await conn.fetch(d.tables_sql))
    columns: dict[str, list[Column]] = defaultdict(list)
    enums: dict[str, list[str]] = defaultdict(list)
    if d.enums_sql:
        for type_name, label in await conn.fetch(d.enums_sql):
            enums[_text(type_name)].append(_text(label))
    for row in await conn.fetch(d.columns_sql):
        table, name, data_type, nullable, default, max_len, prec, scale, auto, extra, generated = (
            _text(v) for v in row
        )
        columns[table].append(_column(d.name, name, str(data_type), nullable, default, max_len, prec, scale, auto, extra, generated, enums))  # fmt: skip
    pks: dict[str, list[str]] = defaultdict(list)
    uniques: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in await conn.fetch(d.constraints_sql):
        table, cname, ctype, column, _pos = (_text(v) for v in row)
        if ctype == "PRIMARY KEY":
            pks[table].append(column)
        elif ctype == "UNIQUE":
            uniques[(table, cname)].append(column)
    fks: dict[tuple[str, str], ForeignKey] = {}
    for row in await conn.fetch(d.fk_targets_sql):
        table, cname, column, ref_table, ref_column = (_text(v) for v in row)
        fk = fks.setdefault((table, cname), ForeignKey(name=cname, columns=[], ref_table=ref_table, ref_columns=[]))
        fk.columns.append(column)
        fk.ref_columns.append(ref_column)
    tables = []
    for name in names:
        tables.append(
            Table(
                name=name,
                columns=columns.get(name, []),
                primary_key=pks.get(name, []),
                unique=sorted(
                    (UniqueConstraint(name=c, columns=cols) for (t, c), cols in uniques.items() if t == name),
                    key=lambda u: u.columns,
                ),
                foreign_keys=sorted((fk for (t, _), fk in fks.items() if t == name), key=lambda f: f.columns),
            )
        )
    by_name = {t.name: t for t in tables}
    if d.unique_indexes_sql:
        for table, iname, definition in await conn.fetch(d.unique_indexes_sql):
            t = by_name.get(_text(table))
            if t is not None:
                index = _unique_index(_text(iname), _text(definition), set(t.column_names))
                if index and all(index.columns != u.columns or u.partial != index.partial for u in t.unique):
                    t.unique.append(index)
    if d.checks_sql:
        for table, cname, kind, definition in await conn.fetch(d.checks_sql):
            t = by_name.get(_text(table))
            if t is None:
                continue
            if _text(kind) == "x":
                t.exclusions.append(f"{_text(cname)}: {_text(definition)}")
            else:
                t.checks.append(Check(name=_text(cname), definition=_text(definition)))
    if d.triggers_sql:
        for table, tname, event in await conn.fetch(d.triggers_sql):
            t = by_name.get(_text(table))
            if t is not None:
                t.triggers.append(Trigger(name=_text(tname), event=_text(event)))
    for t in tables:
        apply_checks(t)
    return Schema(dialect=d.name, tables=tables)


def _column(dialect: str, name: str, dtype: str, nullable: Any, default: Any, max_len: Any, prec: Any, scale: Any, auto: Any, extra: Any, generated: Any, enums: dict[str, list[str]]) -> Column:  # fmt: skip
    """One column from an information_schema row (``extra``: udt_name on PostgreSQL, column_type on MySQL)."""
    udt = str(extra) if extra is not None else None
    enum_values = set_values = None
    array_of = None
    category = categorize(dtype)
    if dialect == "mysql":
        enum_values = _enum_values(udt)
        set_values = _enum_values(udt, _SET)
        if str(udt).lower() == "tinyint(1)":
            category = "boolean"
    elif udt:
        if dtype.upper() == "ARRAY" and udt.startswith("_"):
            element = udt[1:]
            array_of = "text" if element in enums else categorize(element)
            enum_values = enums.get(element)
            category = "array"
        elif udt in enums:
            enum_values = enums[udt]
    if enum_values or set_values:
        category = "text" if category != "array" else category
    bounds = typewidths.integer_range(dtype, udt) if category == "integer" else None
    if default in ("NULL", None):
        default = None
    return Column(
        name=name,
        data_type=dtype,
        category=category,
        nullable=str(nullable).upper() == "YES",
        default=str(default) if default is not None else None,
        max_length=int(max_len) if max_len is not None and int(max_len) < 2**31 else None,
        precision=int(prec) if prec is not None else None,
        scale=int(scale) if scale is not None else None,
        autoincrement=bool(auto),
        enum_values=enum_values,
        set_values=set_values,
        generated=bool(generated) and str(generated) not in {"0", "NO", "NEVER"},
        array_of=array_of,
        udt=udt,
        min_value=bounds[0] if bounds else None,
        max_value=bounds[1] if bounds else None,
    )


_INDEX = re.compile(
    r"\bUSING\s+\w+\s*\((.*?)\)(?:\s+INCLUDE\s*\(.*?\))?(?:\s+WHERE\s+(.*))?$", re.IGNORECASE | re.DOTALL
)


def _unique_index(name: str, definition: str, columns: set[str]) -> UniqueConstraint | None:
    """A unique index from ``pg_get_indexdef`` text: plain columns, or the columns an expression reads."""
    m = _INDEX.search(definition)
    if not m:
        return None
    body, predicate = m.group(1), m.group(2)
    cols: list[str] = []
    expression = False
    for part in _split_commas(body):
        ident = part.strip().strip('"')
        ident = re.sub(r"\s+(ASC|DESC|NULLS\s+(FIRST|LAST))\b.*$", "", ident, flags=re.IGNORECASE).strip('"')
        if ident in columns:
            cols.append(ident)
            continue
        expression = True
        cols.extend(c for c in re.findall(r'"?([A-Za-z_]\w*)"?', part) if c in columns and c not in cols)
    if not cols:
        return None
    return UniqueConstraint(
        name=name, columns=cols, partial=predicate.strip() if predicate else None, expression=expression
    )


def _split_commas(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def apply_checks(table: Table) -> None:
    """Fold what the table's CHECKs say into its columns (bounds, value lists, lengths)."""
    if not table.checks:
        return
    facts = parse_checks([(c.name, c.definition) for c in table.checks], set(table.column_names))
    for name, f in facts.columns.items():
        col = table.column(name)
        if f.values is not None:
            col.enum_values = [v for v in col.enum_values if v in f.values] if col.enum_values else list(f.values)
        col.excluded = sorted(set(col.excluded) | set(f.excluded))
        step = 1.0 if col.category == "integer" else 10.0 ** -(col.scale if col.scale is not None else 2)
        if f.min_value is not None:
            low = f.min_value + (0 if f.min_inclusive else step)
            col.min_value = low if col.min_value is None else max(col.min_value, low)
        if f.max_value is not None:
            high = f.max_value - (0 if f.max_inclusive else step)
            col.max_value = high if col.max_value is None else min(col.max_value, high)
        if f.max_length is not None:
            col.max_length = f.max_length if col.max_length is None else min(col.max_length, f.max_length)
        if f.min_length is not None:
            col.min_length = f.min_length
        if f.not_null:
            col.nullable = False
    table.comparisons = facts.comparisons
    table.skipped_checks = facts.skipped


async def _from_sqlite(conn: Connection) -> Schema:
    q = conn.dialect.quote
    names = [
        r[0]
        for r in await conn.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    ]
    tables = []
    for name in names:
        xinfo = await conn.fetch(f"PRAGMA table_xinfo({q(name)})")
        hidden = {r[1]: r[6] for r in xinfo}  # 2/3: generated (virtual/stored)
        info = [r[:6] for r in xinfo if r[6] in (0, 2, 3)]
        pk_cols = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        cols = []
        for _cid, cname, ctype, notnull, default, pk in info:
            ctype = ctype or "TEXT"
            rowid_alias = bool(pk) and len(pk_cols) == 1 and ctype.upper() == "INTEGER"
            cols.append(
                Column(
                    name=cname,
                    data_type=ctype,
                    category=categorize(ctype),
                    nullable=not notnull and not rowid_alias,
                    default=default,
                    max_length=_length(ctype),
                    precision=_precision(ctype)[0],
                    scale=_precision(ctype)[1],
                    autoincrement=rowid_alias,
                    generated=hidden.get(cname) in (2, 3),
                    **_sqlite_bounds(ctype),
                )
            )
        unique = []
        for _seq, iname, is_unique, origin, partial in await conn.fetch(f"PRAGMA index_list({q(name)})"):
            if is_unique and origin in ("u", "c"):
                icols = [r[2] for r in sorted(await conn.fetch(f"PRAGMA index_info({q(iname)})"))]
                expression = any(c is None for c in icols)
                if origin == "c" and (partial or expression):
                    sql = (await conn.fetch("SELECT sql FROM sqlite_master WHERE name = ?", (iname,)))[0][0] or ""
                    where = re.search(r"\bWHERE\b(.*)$", sql, re.IGNORECASE | re.DOTALL)
                    names = {c[1] for c in info}
                    icols = (
                        [c for c in re.findall(r"\w+", sql.split("(", 1)[-1]) if c in names] if expression else icols
                    )
                    unique.append(UniqueConstraint(name=iname, columns=list(dict.fromkeys(icols)), partial=where.group(1).strip() if where else None, expression=expression))  # fmt: skip
                else:
                    unique.append(UniqueConstraint(name=iname, columns=[c for c in icols if c]))
        fk_rows = await conn.fetch(f"PRAGMA foreign_key_list({q(name)})")
        grouped: dict[int, ForeignKey] = {}
        for row in sorted(fk_rows, key=lambda r: (r[0], r[1])):
            fid, _seq, ref_table, from_col, to_col = row[:5]
            fk = grouped.setdefault(
                fid, ForeignKey(name=f"{name}_fk{fid}", columns=[], ref_table=ref_table, ref_columns=[])
            )
            fk.columns.append(from_col)
            fk.ref_columns.append(to_col or "")
        tables.append(
            Table(
                name=name,
                columns=cols,
                primary_key=pk_cols,
                unique=sorted(unique, key=lambda u: u.columns),
                foreign_keys=sorted(grouped.values(), key=lambda f: f.columns),
                checks=_sqlite_checks(await conn.fetch("SELECT sql FROM sqlite_master WHERE name = ?", (name,))),
                triggers=[Trigger(name=r[0], event=r[1][:120]) for r in await conn.fetch(_SQLITE_TRIGGERS, (name,))],
            )
        )
        apply_checks(tables[-1])
    by_name = {t.name: t for t in tables}
    for t in tables:  # REFERENCES parent without a column list means the parent's primary key
        for fk in t.foreign_keys:
            parent = by_name.get(fk.ref_table)
            if parent and any(not c for c in fk.ref_columns):
                fk.ref_columns = list(parent.primary_key)
    return Schema(dialect="sqlite", tables=tables)


def _length(ctype: str) -> int | None:
    m = re.search(r"\((\d+)\)", ctype)
    return int(m.group(1)) if m and categorize(ctype) == "text" else None


def _precision(ctype: str) -> tuple[int | None, int | None]:
    if categorize(ctype) != "decimal":
        return None, None
    m = re.search(r"\((\d+)\s*(?:,\s*(\d+))?\)", ctype)
    if not m:
        return None, None
    return int(m.group(1)), int(m.group(2) or 0)


_SQLITE_TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"


def _sqlite_bounds(ctype: str) -> dict[str, Any]:
    bounds = typewidths.integer_range(ctype) if categorize(ctype) == "integer" else None
    return {"min_value": bounds[0], "max_value": bounds[1]} if bounds else {}


def _sqlite_checks(rows: list[tuple[Any, ...]]) -> list[Check]:
    """CHECK (...) clauses of a CREATE TABLE text, named by their CONSTRAINT name or position."""
    sql = (rows[0][0] if rows else "") or ""
    out = []
    for m in re.finditer(r"(?:CONSTRAINT\s+(\S+)\s+)?CHECK\s*\(", sql, re.IGNORECASE):
        depth, i = 1, m.end()
        while i < len(sql) and depth:
            depth += sql[i] == "("
            depth -= sql[i] == ")"
            i += 1
        name = (m.group(1) or f"check{len(out) + 1}").strip('"`[]')
        out.append(Check(name=name, definition="(" + sql[m.end() : i - 1] + ")"))
    return out
