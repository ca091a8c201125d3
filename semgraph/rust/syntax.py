"""Tree-sitter helpers shared by the schema and model parsers.

Queries live in ``semgraph/rust/queries/*.scm``. ``table!`` bodies are token
trees, so ``tokens()`` turns one into a flat token list with nested groups
that the schema parser reads like a tiny recursive-descent grammar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tree_sitter as ts

from semgraph.graph.languages import parse, query

__all__ = ["Group", "Tok", "attributes_before", "error_nodes", "item_query", "parse", "text", "tokens"]


def item_query(name: str = "items") -> ts.Query:
    """Compiled ``semgraph/rust/queries/<name>.scm`` (cached by ``graph.languages.query``)."""
    return query("rust", name, "semgraph.rust.queries")


def text(node: ts.Node | None) -> str:
    if node is None:
        return ""
    raw = node.text  # one property read: each builds a new bytes object
    return "" if raw is None else raw.decode("utf-8", "replace")


def error_nodes(node: ts.Node, limit: int = 20) -> list[ts.Node]:
    """ERROR and MISSING nodes under ``node`` (outermost first, document order)."""
    found: list[ts.Node] = []
    if not node.has_error:
        return found
    stack = [node]
    while stack and len(found) < limit:
        n = stack.pop()
        if n.is_error or n.is_missing:
            found.append(n)
            continue
        if n.has_error:
            stack.extend(reversed(n.children))
    return found


@dataclass
class Tok:
    """A leaf token of a token tree (``kind`` is the tree-sitter node type)."""

    kind: str
    value: str
    node: ts.Node


@dataclass
class Group:
    """A delimited sub-tree: ``(…)``, ``[…]`` or ``{…}``."""

    delim: str
    items: list[Tok | Group] = field(default_factory=list)
    node: ts.Node | None = None


def tokens(tree: ts.Node) -> Group:
    """Flatten a ``token_tree`` node into a Group (doc comments become ``doc`` tokens)."""
    children = tree.children
    delim = text(children[0]) if children else ""
    group = Group(delim=delim, node=tree)
    items = group.items
    for child in children[1:-1] if len(children) >= 2 else []:
        kind = child.type  # read once: every read is a call into the binding
        if kind == "token_tree":
            items.append(tokens(child))
        elif kind in _COMMENTS:
            doc = child.child_by_field_name("doc")
            if doc is not None and child.child_by_field_name("outer") is not None:
                items.append(Tok("doc", _doc_line(text(doc)), child))
        elif kind in _STRINGS:
            content = next((c for c in child.children if c.type == "string_content"), None)
            items.append(Tok("string", text(content), child))
        elif kind == ">>":  # generic close of two levels
            items.append(Tok(">", ">", child))
            items.append(Tok(">", ">", child))
        else:
            items.append(Tok(kind, text(child), child))
    return group


_COMMENTS = frozenset({"line_comment", "block_comment"})
_STRINGS = frozenset({"string_literal", "raw_string_literal"})


def _doc_line(raw: str) -> str:
    line = raw.rstrip("\n").rstrip("\r")
    return line[1:] if line.startswith(" ") else line


@dataclass
class ItemPrelude:
    """Doc comment and attributes written just before an item (or field / variant)."""

    doc: str | None
    attributes: list[ts.Node]


def attributes_before(node: ts.Node) -> ItemPrelude:
    """Collect the outer doc comments and attribute items directly preceding ``node``."""
    docs: list[str] = []
    attrs: list[ts.Node] = []
    sib = node.prev_sibling
    while sib is not None:
        kind = sib.type
        if kind == "attribute_item":
            attrs.append(sib)
        elif kind == "line_comment":
            doc = sib.child_by_field_name("doc")
            if sib.child_by_field_name("outer") is None:
                if doc is None:  # a plain // comment: not part of the prelude but keep scanning
                    sib = sib.prev_sibling
                    continue
                break
            docs.append(_doc_line(text(doc)))
        elif kind == "block_comment":
            pass
        else:
            break
        sib = sib.prev_sibling
    docs.reverse()
    attrs.reverse()
    return ItemPrelude(doc="\n".join(docs) if docs else None, attributes=attrs)


def module_path(node: ts.Node) -> list[str]:
    """Names of the inline ``mod`` blocks around ``node``, outermost first."""
    names: list[str] = []
    parent = node.parent
    while parent is not None:
        if parent.type == "mod_item":
            names.append(text(parent.child_by_field_name("name")))
        parent = parent.parent
    names.reverse()
    return names


def point(node: ts.Node) -> tuple[int, int]:
    """1-based (line, column) of a node's start."""
    return node.start_point.row + 1, node.start_point.column + 1
