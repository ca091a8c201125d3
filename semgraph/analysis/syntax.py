"""Tree-sitter helpers for the analyses: our ``.scm`` queries, parse caching, node lookup.

The analyses read function bodies (guards, raises, loops, SQL strings) that the
index does not store; they parse each file at most once per request and find
a symbol's node from its span.
"""

from __future__ import annotations

import functools
from importlib import resources

import tree_sitter as ts

from semgraph.graph.languages import grammar, parse

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
    }
)


def query_language(language: str) -> str:
    """Queries are shared between a language and its dialects (tsx uses the typescript file)."""
    return "typescript" if language == "tsx" else language


@functools.cache
def query(language: str, name: str) -> ts.Query:
    """Compiled ``semgraph/analysis/queries/<language>-<name>.scm``."""
    text = (
        resources.files("semgraph.analysis.queries")
        .joinpath(f"{query_language(language)}-{name}.scm")
        .read_text(encoding="utf-8")
    )
    return ts.Query(grammar(language), text)


def has_query(language: str, name: str) -> bool:
    return resources.files("semgraph.analysis.queries").joinpath(f"{query_language(language)}-{name}.scm").is_file()


def matches(language: str, name: str, node: ts.Node) -> list[dict[str, list[ts.Node]]]:
    cursor = ts.QueryCursor(query(language, name))
    return [m for _, m in cursor.matches(node)]


def captures(language: str, name: str, node: ts.Node) -> dict[str, list[ts.Node]]:
    return ts.QueryCursor(query(language, name)).captures(node)


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

    def node_at(self, start_line: int, end_line: int) -> ts.Node | None:
        """The largest definition-like node starting on ``start_line`` and ending on ``end_line`` (1-based)."""
        point = (start_line - 1, 0)
        node = self.root.descendant_for_point_range(point, (end_line - 1, 10_000))
        best = None
        while node is not None:
            if node.start_point.row == start_line - 1 and node.end_point.row == end_line - 1:
                best = node
            elif node.start_point.row < start_line - 1:
                break
            node = node.parent
        if best is not None:
            return best
        # fall back: walk down from the root to a function-like node on the start line
        stack = [self.root]
        while stack:
            n = stack.pop()
            if n.start_point.row == start_line - 1 and n.type in FUNCTION_NODES:
                return n
            if n.start_point.row <= start_line - 1 <= n.end_point.row:
                stack.extend(n.children)
        return None


def body_of(node: ts.Node) -> ts.Node:
    """The body of a definition node (or the node itself)."""
    if node.type == "decorated_definition":
        inner = node.child_by_field_name("definition")
        if inner is not None:
            node = inner
    body = node.child_by_field_name("body")
    return body if body is not None else node
