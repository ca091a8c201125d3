"""Understand CHECK constraints well enough to generate rows that satisfy them.

Why a parser of our own: the catalog gives the constraint as text (PostgreSQL
``pg_get_constraintdef``, MySQL/MariaDB ``check_clause``, SQLite the CREATE
TABLE text). The shapes real schemas use are few: numeric ranges, IN-lists,
``length()`` bounds, comparisons between two columns, ``IS NOT NULL``. Each
top-level ``AND`` part is matched against those shapes; anything else is kept
with a reason, so the seeder can say which constraint it could not honour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CAST = re.compile(
    r"::\s*(?:\"?[\w.]+\"?)(?:\s+(?:varying|precision|without time zone|with time zone))?(?:\[\])*", re.I
)
_QUOTED_IDENT = re.compile(r'"((?:[^"]|"")+)"|`([^`]+)`')
_BETWEEN = re.compile(r"(\w+)\s+BETWEEN\s+(\S+)\s+AND\s+(\S+)", re.I)
_NUM = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_OPS = {">=", ">", "<=", "<", "=", "<>", "!="}
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "=", "<>": "<>", "!=": "!="}
_CMP_NUM = re.compile(rf"^(\w+)\s*(>=|<=|<>|!=|>|<|=)\s*({_NUM})$")
_NUM_CMP = re.compile(rf"^({_NUM})\s*(>=|<=|<>|!=|>|<|=)\s*(\w+)$")
_CMP_COL = re.compile(r"^(\w+)\s*(>=|<=|<>|!=|>|<)\s*(\w+)$")
_LEN = re.compile(rf"^(?:char_length|character_length|length|octet_length|len)\s*\(\s*(\w+)\s*\)\s*(>=|<=|>|<|=)\s*({_NUM})$", re.I)  # fmt: skip
_IN = re.compile(r"^(\w+)\s+(NOT\s+)?IN\s*\((.*)\)$", re.I | re.S)
_ANY = re.compile(r"^(\w+)\s*(=|<>)\s*(?:ANY|ALL)\s*\(\s*\(?\s*ARRAY\s*\[(.*)\]\s*\)?\s*\)$", re.I | re.S)
_NOT_NULL = re.compile(r"^(\w+)\s+IS\s+NOT\s+NULL$", re.I)
_NOT_EMPTY = re.compile(r"^(\w+)\s*(?:<>|!=)\s*''$")
_JSON_VALID = re.compile(r"^json_valid\s*\(\s*(\w+)\s*\)$", re.I)
_STRING = re.compile(r"'((?:[^']|'')*)'")


@dataclass
class ColumnFacts:
    """What CHECKs say about one column."""

    min_value: float | None = None
    min_inclusive: bool = True
    max_value: float | None = None
    max_inclusive: bool = True
    values: list[str] | None = None
    excluded: list[str] = field(default_factory=list)
    max_length: int | None = None
    min_length: int | None = None
    not_null: bool = False


@dataclass
class CheckFacts:
    """Everything understood from a table's CHECKs, plus the parts that were not."""

    columns: dict[str, ColumnFacts] = field(default_factory=dict)
    comparisons: list[tuple[str, str, str]] = field(default_factory=list)
    """``(a, op, b)``: column ``a`` must compare to column ``b`` (``<``, ``<=``, ``>``, ``>=``, ``<>``)."""
    skipped: list[str] = field(default_factory=list)
    """``name: part`` of every CHECK part that is not understood (not generated for)."""

    def column(self, name: str) -> ColumnFacts:
        return self.columns.setdefault(name, ColumnFacts())


def normalise(definition: str) -> str:
    """Strip ``CHECK``, casts, identifier quotes and redundant parentheses."""
    text = definition.strip()
    text = re.sub(r"^CHECK\s*", "", text, flags=re.I)
    text = re.sub(r"\s+NOT\s+VALID$", "", text, flags=re.I)
    text = _CAST.sub("", text)
    text = _QUOTED_IDENT.sub(lambda m: (m.group(1) or m.group(2)).replace('""', '"'), text)
    text = _BETWEEN.sub(lambda m: f"{m.group(1)} >= {m.group(2)} AND {m.group(1)} <= {m.group(3)}", text)
    return _strip_parens(" ".join(text.split()))


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")") and _balanced_inside(text):
        text = text[1:-1].strip()
    # parentheses around a single identifier or number: (price) -> price
    return re.sub(rf"(?<![\w)])\((\w+|{_NUM})\)", r"\1", text)


def _balanced_inside(text: str) -> bool:
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


def split_and(text: str, word: str = "AND") -> list[str]:
    """Top-level ``AND`` (or ``word``) parts (not inside parentheses or strings)."""
    parts, depth, start, i, in_str = [], 0, 0, 0, False
    upper = text.upper()
    sep = f" {word} "
    while i < len(text):
        ch = text[i]
        if ch == "'":
            in_str = not in_str
        elif not in_str and ch == "(":
            depth += 1
        elif not in_str and ch == ")":
            depth -= 1
        elif not in_str and depth == 0 and upper.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i += len(sep) - 1
        i += 1
    parts.append(text[start:])
    return [_strip_parens(p.strip()) for p in parts if p.strip()]


def parse_checks(checks: list[tuple[str, str]], columns: set[str]) -> CheckFacts:
    """Facts from ``(name, definition)`` pairs; ``columns`` are the table's column names."""
    facts = CheckFacts()
    for name, definition in checks:
        for part in split_and(normalise(definition)):
            if not _apply(part, facts, columns) and not _apply_any(part, facts, columns):
                facts.skipped.append(f"{name}: {part}")
    return facts


def _apply_any(part: str, facts: CheckFacts, columns: set[str]) -> bool:
    """``a OR b``: satisfying one understood alternative satisfies the whole (``x IS NULL OR x > y``)."""
    alternatives = split_and(part, "OR")
    if len(alternatives) < 2:
        return False
    for alternative in alternatives:
        if all(p.strip() for p in split_and(alternative)) and all(
            _apply(p, CheckFacts(), columns) for p in split_and(alternative)
        ):
            for p in split_and(alternative):
                _apply(p, facts, columns)
            return True
    return False


def _apply(part: str, facts: CheckFacts, columns: set[str]) -> bool:
    if m := _CMP_NUM.match(part):
        return m.group(1) in columns and _bound(facts.column(m.group(1)), m.group(2), float(m.group(3)))
    if m := _NUM_CMP.match(part):
        return m.group(3) in columns and _bound(facts.column(m.group(3)), _FLIP[m.group(2)], float(m.group(1)))
    if (m := _CMP_COL.match(part)) and m.group(1) in columns and m.group(3) in columns:
        facts.comparisons.append((m.group(1), m.group(2).replace("!=", "<>"), m.group(3)))
        return True
    if m := _LEN.match(part):
        if m.group(1) not in columns:
            return False
        col, op, n = facts.column(m.group(1)), m.group(2), float(m.group(3))
        if op in {"<", "<=", "="}:
            limit = int(n) - (1 if op == "<" else 0)
            col.max_length = limit if col.max_length is None else min(col.max_length, limit)
        if op in {">", ">=", "="}:
            least = int(n) + (1 if op == ">" else 0)
            col.min_length = least if col.min_length is None else max(col.min_length, least)
        return True
    if (m := _IN.match(part)) or (m := _ANY.match(part)):
        if m.group(1) not in columns:
            return False
        negated = bool(m.group(2)) and m.group(2).strip().upper() in {"NOT", "<>"}
        values = [v.replace("''", "'") for v in _STRING.findall(m.group(3))]
        numbers = re.findall(rf"(?<![\w'])({_NUM})(?![\w'])", _STRING.sub("", m.group(3)))
        values += numbers
        if not values:
            return False
        col = facts.column(m.group(1))
        if negated:
            col.excluded.extend(values)
        else:
            col.values = values if col.values is None else [v for v in col.values if v in values]
        return True
    if m := _NOT_NULL.match(part):
        if m.group(1) not in columns:
            return False
        facts.column(m.group(1)).not_null = True
        return True
    if m := _NOT_EMPTY.match(part):
        if m.group(1) not in columns:
            return False
        col = facts.column(m.group(1))
        col.min_length = max(col.min_length or 0, 1)
        return True
    if m := _JSON_VALID.match(part):
        return m.group(1) in columns  # generated JSON is always valid
    return False


def _bound(col: ColumnFacts, op: str, value: float) -> bool:
    if op in {">", ">="}:
        if col.min_value is None or value >= col.min_value:
            col.min_value, col.min_inclusive = value, op == ">="
        return True
    if op in {"<", "<="}:
        if col.max_value is None or value <= col.max_value:
            col.max_value, col.max_inclusive = value, op == "<="
        return True
    if op == "=":
        col.values = [_num_text(value)]
        return True
    if op in {"<>", "!="}:
        col.excluded.append(_num_text(value))
        return True
    return False


def _num_text(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)
