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
from semgraph.workload.dialects.base import Connection

CATEGORIES = ("integer", "decimal", "float", "boolean", "text", "date", "timestamp", "time", "uuid", "json", "bytes")


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
    enum_values: list[str] | None = None


class ForeignKey(BaseModel):
    name: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


class UniqueConstraint(BaseModel):
    name: str
    columns: list[str]


class Table(BaseModel):
    name: str
    columns: list[Column]
    primary_key: list[str] = Field(default_factory=list)
    unique: list[UniqueConstraint] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)

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
        return self.primary_key == [column] or any(u.columns == [column] for u in self.unique)


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


def _enum_values(column_type: str | None) -> list[str] | None:
    m = _ENUM.match(column_type or "")
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
    for row in await conn.fetch(d.columns_sql):
        table, name, data_type, nullable, default, max_len, prec, scale, auto, extra = (_text(v) for v in row)
        enum_values = _enum_values(extra) if d.name == "mysql" else None
        dtype = str(data_type)
        category = "text" if enum_values else categorize(dtype)
        if d.name == "mysql" and str(extra).lower() == "tinyint(1)":
            category = "boolean"
        if default in ("NULL", None):
            default = None
        columns[table].append(
            Column(
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
            )
        )
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
    return Schema(dialect=d.name, tables=tables)


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
        info = await conn.fetch(f"PRAGMA table_info({q(name)})")
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
                )
            )
        unique = []
        for _seq, iname, is_unique, origin, _partial in await conn.fetch(f"PRAGMA index_list({q(name)})"):
            if is_unique and origin == "u":
                icols = [r[2] for r in sorted(await conn.fetch(f"PRAGMA index_info({q(iname)})"))]
                unique.append(UniqueConstraint(name=iname, columns=icols))
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
            )
        )
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
