"""Tree-sitter helpers for the analyses: our ``.scm`` queries, parse caching, node lookup.

The analyses read function bodies (guards, raises, loops, SQL strings) that the
index does not store; they parse each file at most once per request and find
a symbol's node from its span.
"""

from __future__ import annotations

import functools
from importlib import resources

import tree_sitter as ts

from semgraph.graph import languages
from semgraph.graph.languages import parse

FUNCTION_NODES = frozenset(
    {
        "function_definition",  # python
        "function_item",  # rust
        "function_declaration",  # js/ts/go
        "method_definition",  # js/ts
        "method_declaration",  # go/java
        "arrow_function",
        "function_expression",
        "generator_function_declaration",
        "function_signature_item",
        "constructor_declaration",
        "class_definition",
        "class_declaration",
        "struct_item",
        "impl_item",
        "enum_item",
        "trait_item",
        "interface_declaration",
        "lexical_declaration",
        "decorated_definition",
        "export_statement",
        "method_signature",
        "abstract_method_signature",
        "field_declaration",
        "public_field_definition",
    }
)


_QUERIES = "semgraph.analysis.queries"
_DIALECTS = {"tsx": "typescript"}
"""A dialect uses its base language's query files."""
_FALLBACK = {"typescript": "javascript"}
"""Where ``<language>-<name>.scm`` is missing, the file of this language serves (TypeScript is a superset of the
JavaScript syntax the routes and facts queries match, so both read ``javascript-*.scm``)."""


def query_language(language: str, name: str) -> str | None:
    """The language whose ``<language>-<name>.scm`` serves ``language``, or None if no file does."""
    lang: str | None = _DIALECTS.get(language, language)
    while lang is not None:
        if resources.files(_QUERIES).joinpath(f"{lang}-{name}.scm").is_file():
            return lang
        lang = _FALLBACK.get(lang)
    return None


@functools.cache
def query(language: str, name: str) -> ts.Query:
    """Compiled ``semgraph/analysis/queries/<language>-<name>.scm`` (see ``query_language``) for ``language``."""
    lang = query_language(language, name)
    if lang is None:
        raise FileNotFoundError(f"no {name} query for {language} in {_QUERIES}")
    return languages.query(language, f"{lang}-{name}", _QUERIES)


def has_query(language: str, name: str) -> bool:
    return query_language(language, name) is not None


def matches(language: str, name: str, node: ts.Node) -> list[dict[str, list[ts.Node]]]:
    cursor = ts.QueryCursor(query(language, name))
    return [m for _, m in cursor.matches(node)]


def text(node: ts.Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def unquote(literal: str) -> str:
    """The value of a string literal as written (``"x"``, ``'x'``, ``r"x"``, `` `x` ``)."""
    s = literal.strip()
    while s and s[0] in "rRbBuUfF" and len(s) > 1 and s[1] in "\"'rRbB":
        s = s[1:]
    for q in ('"""', "'''", '"', "'", "`"):
        if s.startswith(q) and s.endswith(q) and len(s) >= 2 * len(q):
            return s[len(q) : -len(q)]
    return s


class ParsedFile:
    """One parsed file; ``node_at`` finds the definition node of a symbol by its span."""

    def __init__(self, source: bytes, language: str) -> None:
        self.source = source
        self.language = language
        self.tree = parse(source, language)

    @property
    def root(self) -> ts.Node:
        return self.tree.root_node

    def node_at(self, start_line: int, end_line: int, start_col: int = 0) -> ts.Node | None:
        """The largest definition-like node starting at (``start_line``, ``start_col``) and ending on
        ``end_line`` (lines 1-based, column 0-based)."""
        row = start_line - 1
        node = self.root.named_descendant_for_point_range((row, start_col), (row, start_col))
        best = fallback = None
        while node is not None and node.start_point.row == row:
            if node.end_point.row == end_line - 1:
                if node.type in FUNCTION_NODES:
                    best = node  # keep climbing: decorated_definition / export wrappers
                elif fallback is None:
                    fallback = node
            node = node.parent
        if best is not None or fallback is not None:
            return best or fallback
        node = self.root.descendant_for_point_range((row, 0), (end_line - 1, 10_000))
        while node is not None:
            if node.start_point.row == row and node.end_point.row == end_line - 1:
                return node
            if node.start_point.row < row:
                break
            node = node.parent
        return None


_INNER = frozenset(
    {
        "function_definition",
        "function_item",
        "function_declaration",
        "method_definition",
        "method_declaration",
        "arrow_function",
        "function_expression",
        "generator_function_declaration",
        "constructor_declaration",
        "class_definition",
        "class_declaration",
    }
)


def body_of(node: ts.Node) -> ts.Node:
    """The body of a definition node; wrappers (decorators, ``export``, ``const f = () =>``) are unwrapped."""
    for _ in range(4):
        body = node.child_by_field_name("body")
        if body is not None and node.type in _INNER:
            return body
        inner = next((c for c in node.named_children if c.type in _INNER), None)
        if inner is None:
            inner = next(
                (g for c in node.named_children for g in c.named_children if g.type in _INNER),
                None,
            )
        if inner is None:
            return body if body is not None else node
        node = inner
    return node
