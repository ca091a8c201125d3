"""Small helpers over tree-sitter-python nodes shared by the model and view readers."""

from __future__ import annotations

import ast
from pathlib import Path

import tree_sitter as ts

from semgraph.errors import SourceParseError
from semgraph.graph.languages import parse, query


def matches(name: str, node: ts.Node) -> list[dict[str, list[ts.Node]]]:
    """Captures of each match of ``semgraph/django/queries/<name>.scm`` (tree-sitter-python) under ``node``."""
    return [m for _, m in ts.QueryCursor(query("python", name, "semgraph.django.queries")).matches(node)]


def text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def string_value(node: ts.Node | None) -> str | None:
    """The value of a plain string literal node, or None if it is not one."""
    if node is None or node.type != "string":
        return None
    parts = [c for c in node.children if c.type == "string_content"]
    if any(c.type == "interpolation" for c in node.children):
        return None
    return "".join(text(p) for p in parts)


def dotted_tail(node: ts.Node | None) -> str:
    """``models.ForeignKey`` → ``ForeignKey``; ``ForeignKey`` → ``ForeignKey``."""
    if node is None:
        return ""
    if node.type == "attribute":
        return text(node.child_by_field_name("attribute"))
    return text(node)


def call_args(args: ts.Node | None) -> tuple[list[ts.Node], dict[str, ts.Node]]:
    """Positional and keyword argument nodes of an ``argument_list``."""
    positional: list[ts.Node] = []
    keywords: dict[str, ts.Node] = {}
    if args is None:
        return positional, keywords
    for child in args.named_children:
        if child.type == "keyword_argument":
            value = child.child_by_field_name("value")
            if value is not None:
                keywords[text(child.child_by_field_name("name"))] = value
        elif child.type not in ("comment", "list_splat", "dictionary_splat"):
            positional.append(child)
    return positional, keywords


def first_error(tree: ts.Tree) -> ts.Node | None:
    """The first ERROR or MISSING node, for a file:line:column message."""
    if not tree.root_node.has_error:
        return None
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return tree.root_node


def parse_python(path: Path, display: str) -> tuple[bytes, ts.Tree, SourceParseError | None]:
    """Parse a Python file; the error (if any) is returned, not raised, so the rest still parses."""
    source = path.read_bytes()
    tree = parse(source, "python")
    bad = first_error(tree)
    error = None
    if bad is not None:
        line, column, message = bad.start_point.row + 1, bad.start_point.column + 1, "syntax error in Python source"
        try:  # CPython's parser pins the error where tree-sitter only sees where it recovered; AST only, never run
            ast.parse(source, filename=display)
        except SyntaxError as exc:
            if exc.lineno:
                line, column = exc.lineno, exc.offset or 1
                message = f"syntax error in Python source: {exc.msg}"
        except (ValueError, RecursionError, MemoryError):
            pass
        error = SourceParseError(message, file=display, line=line, column=column, hint="fix the syntax error")
    return source, tree, error
