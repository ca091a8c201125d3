"""Rust ↔ Diesel SQL type mapping for PostgreSQL, MySQL and SQLite.

SQL types are handled as small trees (``Array<Nullable<Text>>``) so nested
types map recursively; names follow Diesel's ``diesel::sql_types``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from semgraph.errors import UnsupportedError


@dataclass(frozen=True)
class SqlType:
    """A parsed SQL type expression: ``name`` with type arguments."""

    name: str
    args: tuple[SqlType, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}<{', '.join(map(str, self.args))}>" if self.args else self.name


@functools.lru_cache(maxsize=4096)
def parse_sql_type(text: str) -> SqlType:
    """Parse ``Array<Nullable<Text>>`` (also accepts paths: ``diesel::sql_types::Text``)."""
    tokens = [t for t in _split(text) if t]
    pos = 0

    def node() -> SqlType:
        nonlocal pos
        name = tokens[pos]
        pos += 1
        while pos + 1 < len(tokens) and tokens[pos] == "::":
            name = tokens[pos + 1]
            pos += 2
        args: list[SqlType] = []
        if pos < len(tokens) and tokens[pos] == "<":
            pos += 1
            while tokens[pos] != ">":
                args.append(node())
                if tokens[pos] == ",":
                    pos += 1
            pos += 1
        return SqlType(name, tuple(args))

    return node()


def _split(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("::", i):
            out += [word, "::"]
            word = ""
            i += 2
            continue
        if ch in "<>,":
            out += [word, ch]
            word = ""
        elif ch.isspace():
            out.append(word)
            word = ""
        else:
            word += ch
        i += 1
    out.append(word)
    return out


# SQL type name -> (rust type, rust import path or "")
_COMMON: dict[str, str] = {
    "SmallInt": "i16",
    "Int2": "i16",
    "Integer": "i32",
    "Int4": "i32",
    "BigInt": "i64",
    "Int8": "i64",
    "Float": "f32",
    "Float4": "f32",
    "Double": "f64",
    "Float8": "f64",
    "Numeric": "bigdecimal::BigDecimal",
    "Decimal": "bigdecimal::BigDecimal",
    "Text": "String",
    "Varchar": "String",
    "VarChar": "String",
    "Char": "String",
    "Bool": "bool",
    "Date": "chrono::NaiveDate",
    "Time": "chrono::NaiveTime",
    "Timestamp": "chrono::NaiveDateTime",
    "Binary": "Vec<u8>",
    "Blob": "Vec<u8>",
    "Json": "serde_json::Value",
}
_POSTGRES: dict[str, str] = {
    **_COMMON,
    "Citext": "String",
    "Bytea": "Vec<u8>",
    "Timestamptz": "chrono::DateTime<chrono::Utc>",
    "Interval": "diesel::pg::data_types::PgInterval",
    "Uuid": "uuid::Uuid",
    "Jsonb": "serde_json::Value",
    "Inet": "ipnetwork::IpNetwork",
    "Cidr": "ipnetwork::IpNetwork",
    "MacAddr": "[u8; 6]",
    "Money": "diesel::pg::data_types::PgMoney",
    "Oid": "u32",
}
_MYSQL: dict[str, str] = {
    **_COMMON,
    "TinyInt": "i8",
    "Tinyint": "i8",
    "Datetime": "chrono::NaiveDateTime",
    "Bit": "bool",
}
_SQLITE: dict[str, str] = {k: v for k, v in _COMMON.items() if k not in {"Numeric", "Decimal", "Json"}}
_SQLITE["Double"] = "f64"

SQL_TO_RUST: dict[str, dict[str, str]] = {"postgres": _POSTGRES, "mysql": _MYSQL, "sqlite": _SQLITE}
WRAPPERS = {"Array", "Range", "Multirange", "Unsigned", "Nullable"}
BUILTIN_SQL = {name for table in SQL_TO_RUST.values() for name in table} | WRAPPERS | {"Bytea", "Tinyint"}


def is_builtin_sql(name: str) -> bool:
    """A type ``diesel::sql_types`` declares (``Text``, ``Int4``, ...): never a custom ``sql_types`` struct."""
    return name.split("::")[-1] in BUILTIN_SQL


# Rust type (last path segment) -> SQL type per backend
_RUST_TO_SQL: dict[str, dict[str, str]] = {
    "postgres": {
        "i16": "Int2",
        "i32": "Int4",
        "i64": "Int8",
        "f32": "Float4",
        "f64": "Float8",
        "String": "Text",
        "str": "Text",
        "bool": "Bool",
        "BigDecimal": "Numeric",
        "NaiveDate": "Date",
        "NaiveTime": "Time",
        "NaiveDateTime": "Timestamp",
        "DateTime": "Timestamptz",
        "PgInterval": "Interval",
        "Uuid": "Uuid",
        "Value": "Jsonb",
        "JsonValue": "Jsonb",
        "IpNetwork": "Inet",
        "PgMoney": "Money",
        "u32": "Oid",
    },
    "mysql": {
        "i8": "TinyInt",
        "i16": "SmallInt",
        "i32": "Integer",
        "i64": "BigInt",
        "f32": "Float",
        "f64": "Double",
        "String": "Text",
        "str": "Text",
        "bool": "Bool",
        "BigDecimal": "Numeric",
        "NaiveDate": "Date",
        "NaiveTime": "Time",
        "NaiveDateTime": "Datetime",
        "Value": "Json",
        "JsonValue": "Json",
    },
    "sqlite": {
        "i16": "SmallInt",
        "i32": "Integer",
        "i64": "BigInt",
        "f32": "Float",
        "f64": "Double",
        "String": "Text",
        "str": "Text",
        "bool": "Bool",
        "NaiveDate": "Date",
        "NaiveTime": "Time",
        "NaiveDateTime": "Timestamp",
    },
}
_BYTES = {"postgres": "Bytea", "mysql": "Blob", "sqlite": "Binary"}


def rust_for_sql(sql: str | SqlType, backend: str = "postgres", enums: dict[str, str] | None = None) -> str:
    """The Rust type Diesel loads ``sql`` into (without the outer Option).

    ``enums`` maps custom SQL type names to the Rust enum that holds them.
    Raises UnsupportedError for a type the backend lacks.
    """
    node = parse_sql_type(sql) if isinstance(sql, str) else sql
    table = SQL_TO_RUST[backend]
    if node.name == "Nullable":
        return f"Option<{rust_for_sql(node.args[0], backend, enums)}>"
    if node.name == "Array":
        if backend != "postgres":
            raise UnsupportedError(f"Array is PostgreSQL-only (backend {backend})", hint="use backend=postgres")
        return f"Vec<{rust_for_sql(node.args[0], backend, enums)}>"
    if node.name in {"Range", "Multirange"}:
        if backend != "postgres":
            raise UnsupportedError(f"{node.name} is PostgreSQL-only (backend {backend})", hint="use backend=postgres")
        inner = rust_for_sql(node.args[0], backend, enums)
        return f"(std::ops::Bound<{inner}>, std::ops::Bound<{inner}>)"
    if node.name == "Unsigned":
        return "u" + rust_for_sql(node.args[0], backend, enums).lstrip("i")
    if node.name in table:
        return table[node.name]
    if enums and node.name in enums:
        return enums[node.name]
    raise UnsupportedError(
        f"SQL type {node} has no Rust mapping for {backend}",
        hint="set rust_type on the field, or declare the custom type as an enum",
    )


@functools.lru_cache(maxsize=65536)
def strip_type(rust: str) -> str:
    """Normalise whitespace of a Rust type the way rustfmt prints it."""
    out = " ".join(rust.split())
    for a, b in (("< ", "<"), (" >", ">"), (" ,", ","), (":: ", "::"), (" ::", "::"), ("& ", "&")):
        out = out.replace(a, b)
    return out


def unwrap_option(rust: str) -> tuple[str, bool]:
    """``Option<T>`` → (T, True); anything else → (type, False)."""
    r = strip_type(rust)
    for prefix in ("Option<", "std::option::Option<", "core::option::Option<"):
        if r.startswith(prefix) and r.endswith(">"):
            return r[len(prefix) : -1], True
    return r, False


def _generic_args(rust: str) -> tuple[str, list[str]]:
    """Split ``Vec<Option<T>>`` into (``Vec``, [``Option<T>``])."""
    if "<" not in rust or not rust.endswith(">"):
        return rust, []
    head, inner = rust.split("<", 1)
    inner = inner[:-1]
    args, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "<" or ch == "(" or ch == "[":
            depth += 1
        elif ch == ">" or ch == ")" or ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur.strip())
    return head, args


def sql_for_rust(rust: str, backend: str = "postgres", enums: dict[str, str] | None = None) -> str | None:
    """The SQL type a Rust field type most likely maps to, or None when unknown (generic T, a struct).

    ``enums`` maps Rust enum names to their SQL type. The outer Option is the
    caller's business (nullability), inner Options become ``Nullable``.
    """
    r = strip_type(rust)
    if r.startswith("&"):  # &'a str, &'a [u8]
        r = r[1:]
        if r.startswith("'"):
            r = r.split(" ", 1)[1] if " " in r else r
        r = r.removeprefix("mut ").strip()
        if r == "[u8]":
            return _BYTES[backend]
    if r == "[u8; 6]" and backend == "postgres":
        return "MacAddr"
    head, args = _generic_args(r)
    last = head.split("::")[-1]
    if last == "Option" and args:
        inner = sql_for_rust(args[0], backend, enums)
        return f"Nullable<{inner}>" if inner else None
    if last == "Vec" and args:
        if args[0] == "u8":
            return _BYTES[backend]
        if backend != "postgres":
            return None
        inner = sql_for_rust(args[0], backend, enums)
        return f"Array<{inner}>" if inner else None
    if r.startswith("(") and "Bound<" in r and backend == "postgres":
        inner_text = r[1:-1].split(",")[0].strip()
        _, bound_args = _generic_args(inner_text)
        inner = sql_for_rust(bound_args[0], backend, enums) if bound_args else None
        return f"Range<{inner}>" if inner else None
    if enums and last in enums:
        return enums[last]
    return _RUST_TO_SQL[backend].get(last)


@functools.lru_cache(maxsize=4096)
def item_type(sql: str | None) -> str | None:
    """Element type of an ``Array<T>`` SQL type (else None)."""
    if not sql:
        return None
    node = parse_sql_type(sql)
    return str(node.args[0]) if node.name == "Array" and node.args else None


@functools.lru_cache(maxsize=4096)
def unsupported_types(sql: str, backend: str) -> tuple[str, ...]:
    """Names in ``sql`` that ``backend`` cannot store (e.g. Jsonb on MySQL)."""
    node = parse_sql_type(sql)
    bad: list[str] = []

    def walk(n: SqlType) -> None:
        if (n.name in {"Array", "Range", "Multirange"} and backend != "postgres") or (
            n.name not in WRAPPERS and n.name not in SQL_TO_RUST[backend] and n.name in _POSTGRES
        ):
            bad.append(n.name)
        for a in n.args:
            walk(a)

    walk(node)
    return tuple(bad)
