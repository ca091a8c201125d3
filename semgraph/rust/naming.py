"""Name conventions Diesel uses (table inference) and the generator follows."""

from __future__ import annotations

import re


def snake(name: str) -> str:
    """``OrderItem`` → ``order_item`` (Diesel's ``infer_table_name`` rule)."""
    out = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return out.lower()


def infer_table_name(struct_name: str) -> str:
    """Diesel's default table: snake case of the struct plus ``s`` (``OrderItem`` → ``order_items``)."""
    return snake(struct_name) + "s"


def pascal(name: str) -> str:
    """``order_items`` → ``OrderItems``; ``pending-review`` → ``PendingReview``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-\s]+", name) if part)


def singular(word: str) -> str:
    """A table name's singular, good enough for naming a struct (``categories`` → ``category``)."""
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def entity_for_table(table: str) -> str:
    return pascal(singular(table))


KEYWORDS = frozenset(
    [
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "gen",
        "macro",
        "override",
        "priv",
        "try",
        "typeof",
        "unsized",
        "virtual",
        "yield",
    ]
)
_NOT_RAW = {"crate", "self", "Self", "super"}


def rust_ident(name: str) -> str:
    """A field / column / variable name as Rust source needs it (``type`` → ``r#type``)."""
    return f"r#{name}" if name in KEYWORDS and name not in _NOT_RAW else name


def module_ident(name: str) -> str:
    """A module (file) name that is not a keyword (``crate`` → ``crate_``)."""
    return f"{name}_" if name in KEYWORDS else name
