"""Value ranges of integer types, by the name the database reports (a small table, not code).

Why: a value outside the type's range fails the whole batch (``Out of range value
for column 'rental_duration'``); generators clamp to these bounds.
"""

from __future__ import annotations

SIGNED: dict[str, tuple[int, int]] = {
    "tinyint": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "int2": (-(2**15), 2**15 - 1),
    "smallserial": (1, 2**15 - 1),
    "mediumint": (-(2**23), 2**23 - 1),
    "int": (-(2**31), 2**31 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "int4": (-(2**31), 2**31 - 1),
    "serial": (1, 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "int8": (-(2**63), 2**63 - 1),
    "bigserial": (1, 2**63 - 1),
    "year": (1901, 2155),
}

UNSIGNED: dict[str, tuple[int, int]] = {
    "tinyint": (0, 2**8 - 1),
    "smallint": (0, 2**16 - 1),
    "mediumint": (0, 2**24 - 1),
    "int": (0, 2**32 - 1),
    "integer": (0, 2**32 - 1),
    "bigint": (0, 2**64 - 1),
}


def integer_range(data_type: str, column_type: str | None = None) -> tuple[int, int] | None:
    """``(min, max)`` of an integer type; ``column_type`` (MySQL) tells ``unsigned``."""
    base = data_type.lower().split("(")[0].strip()
    if column_type and "unsigned" in column_type.lower():
        return UNSIGNED.get(base)
    return SIGNED.get(base)
