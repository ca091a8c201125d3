"""PostgreSQL types that are written as text: a value template for each (a small table, not code).

Why: asyncpg's binary COPY has no encoder for extension types (``ltree``,
``tsvector``, ``citext``, …) and wants Python objects for ranges and network
types. The seeder generates these as text in the type's input syntax and loads
the table with COPY … CSV; inserts cast ``$n::text::type``. Template fields are
those of the ``template`` generator.
"""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    "ltree": "{word}.{word}.{word}",
    "lquery": "{word}.*",
    "tsvector": "{word} {word} {word}",
    "tsquery": "{word} & {word}",
    "int4range": "[{int},1{int:04d})",
    "int8range": "[{int},1{int:04d})",
    "numrange": "[{int}.5,1{int:04d}.5)",
    "daterange": "[2024-01-01,2024-12-31)",
    "tsrange": "[2024-01-01 00:00,2024-12-31 00:00)",
    "tstzrange": "[2024-01-01 00:00+00,2024-12-31 00:00+00)",
    "inet": "10.{byte}.{byte}.{byte}",
    "cidr": "10.{byte}.{byte}.0/24",
    "macaddr": "08:00:2b:{byte:02x}:{byte:02x}:{byte:02x}",
    "interval": "{int} minutes",
    "money": "{int}.{byte:02d}",
    "xml": "<v>{word}</v>",
    "point": "({int},{int})",
    "bit": "1",
    "varbit": "101",
}

TEXT_INPUT = frozenset({*TEMPLATES, "citext", "hstore", "tsvector"})
"""Types generated or loaded as text even without a template (citext takes any text)."""


def is_text_input(udt: str | None, data_type: str) -> bool:
    """True when values of this column go to the database as text (CSV COPY, ``::text::type`` casts)."""
    return (udt or "").lower() in TEXT_INPUT or (data_type.upper() == "USER-DEFINED" and bool(udt))
