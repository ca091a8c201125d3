"""Direct state writes that bypass a state machine (Rust): reported as bypasses, not as machine transitions.

A *writer* is a function outside the state enum's own package that builds a transition record by
hand: a struct literal of a type named ``*Transition`` with a ``to_state`` / ``state`` / ``status``
field (``NewTaskTransition { to_state: TaskState::Complete.to_string(), .. }``). Such a record is
inserted without the machine's guards. The functions of the same file that call a writer write
through it too; transitions found inside writers and their callers are moved to the bypass list
with their file:line, so the machine's own transitions stay the ones it allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from semgraph.dag.machines.model import STATE_ENUM_RE, Bypass, enum_name, node_text, walk_nodes
from semgraph.dag.machines.refs import FileContext

RECORD_TYPE_RE = re.compile(r"^(?:New)?(\w*?)Transition$")
STATE_FIELDS = frozenset({"to_state", "new_state"})
TEST_ATTR_RE = re.compile(r"#\[(?:[\w:]+::)?test\b|#\[cfg\(test\)\]")


@dataclass
class FileWriters:
    """Per file: the functions that write directly, by line span, and how."""

    spans: list[tuple[int, int, str, str, bool]] = field(default_factory=list)  # (first, last row, fn, via, test)


def _fn_name(fn: ts.Node) -> str:
    return node_text(fn.child_by_field_name("name"))


def _own_package(enum_key: str, rel: str) -> bool:
    """The state machine's own package (the enum's directory) persists transitions legitimately."""
    enum_dir = enum_key.split("::", 1)[0].rsplit("/", 1)[0]
    return rel.rsplit("/", 1)[0] == enum_dir


def _in_test(fn: ts.Node, rel: str) -> bool:
    """Test code: a ``tests/`` directory, a ``#[test]``-like attribute, or inside a ``#[cfg(test)]`` module."""
    if "/tests/" in f"/{rel}":
        return True
    node: ts.Node | None = fn
    while node is not None:
        prev = node.prev_named_sibling
        while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
            if prev.type == "attribute_item" and TEST_ATTR_RE.search(node_text(prev)):
                return True
            prev = prev.prev_named_sibling
        node = node.parent
    return False


def _record_enums(type_name: str, ctx: FileContext) -> list[str]:
    """``NewTaskTransition`` records ``TaskState`` (or ``TaskStatus``) when such an enum exists."""
    m = RECORD_TYPE_RE.match(type_name)
    stem = m.group(1) if m else ""
    for suffix in ("State", "Status"):
        key = ctx.facts.pick(stem + suffix, ctx.rel) if stem else None
        if key is not None:
            return [key]
    return []


def _param_enums(fn: ts.Node, ctx: FileContext) -> list[str]:
    params = fn.child_by_field_name("parameters")
    out: list[str] = []
    for p in params.named_children if params is not None else []:
        type_node = p.child_by_field_name("type")
        if type_node is None:
            continue
        key = ctx.facts.pick(node_text(type_node).lstrip("&").strip(), ctx.rel)
        if key is not None and STATE_ENUM_RE.search(enum_name(key)) and key not in out:
            out.append(key)
    return out


def collect_bypasses(tree: ts.Tree, ctx: FileContext, out: list[Bypass], writers: dict[str, FileWriters]) -> None:
    """Record hand-built transition records in ``tree`` (Rust) and the functions of the file calling them."""
    if ctx.language != "rust":
        return
    fns = [n for n in walk_nodes(tree.root_node) if n.type == "function_item"]
    direct: dict[str, tuple[int, int, str, bool]] = {}
    for fn in fns:
        name = _fn_name(fn)
        for lit in walk_nodes(fn):
            if lit.type != "struct_expression":
                continue
            path = node_text(lit.child_by_field_name("name"))
            type_name = path.rsplit("::", 1)[-1]
            if not RECORD_TYPE_RE.match(type_name) or "Error" in path:
                continue
            body = lit.child_by_field_name("body")
            fields = [f for f in (body.named_children if body is not None else []) if f.type == "field_initializer"]
            state_field = next((f for f in fields if node_text(f.child_by_field_name("field")) in STATE_FIELDS), None)
            if state_field is None:
                continue
            refs = [
                (e, m)
                for e, m in ctx.refs(state_field.child_by_field_name("value"))
                if STATE_ENUM_RE.search(enum_name(e))
            ]
            enums = list(dict.fromkeys(e for e, _m in refs)) or _record_enums(type_name, ctx) or _param_enums(fn, ctx)
            if enums and all(_own_package(e, ctx.rel) for e in enums):
                continue
            line = f"{ctx.rel}:{lit.start_point.row + 1}"
            targets = [m for _e, m in refs] or [None]
            for enum in enums or [None]:
                for target in targets:
                    out.append(
                        Bypass(
                            machine=enum_name(enum) if enum else None,
                            source=None,
                            target=target,
                            location=line,
                            function=name,
                            via=type_name,
                            in_test=_in_test(fn, ctx.rel),
                        )
                    )
            direct[name] = (fn.start_point.row, fn.end_point.row, type_name, _in_test(fn, ctx.rel))
    if not direct:
        return
    fw = writers.setdefault(ctx.rel, FileWriters())
    for name, (first, last, via, test) in direct.items():
        fw.spans.append((first, last, name, via, test))
    for fn in fns:
        name = _fn_name(fn)
        if name in direct:
            continue
        for call in walk_nodes(fn):
            if call.type != "call_expression":
                continue
            callee = node_text(call.child_by_field_name("function")).rsplit("::", 1)[-1].rsplit(".", 1)[-1]
            if callee in direct:
                via = f"{callee} ({direct[callee][2]})"
                fw.spans.append((fn.start_point.row, fn.end_point.row, name, via, _in_test(fn, ctx.rel)))
                break


def split_bypassed(
    transitions: dict[tuple[str, str, str, str | None], list[str]], writers: dict[str, FileWriters]
) -> list[Bypass]:
    """Move transitions located inside writer functions (or their callers) out of ``transitions``."""
    moved: list[Bypass] = []
    if not writers:
        return moved
    for key in list(transitions):
        enum, src, dst, _event = key
        keep: list[str] = []
        for loc in transitions[key]:
            rel, _, line = loc.rpartition(":")
            row = int(line) - 1 if line.isdigit() else -1
            span = next((s for s in writers.get(rel, FileWriters()).spans if s[0] <= row <= s[1]), None)
            if span is None:
                keep.append(loc)
            else:
                moved.append(
                    Bypass(
                        machine=enum_name(enum),
                        source=src,
                        target=dst,
                        location=loc,
                        function=span[2],
                        via=span[3],
                        in_test=span[4],
                    )
                )
        if keep:
            transitions[key] = keep
        else:
            del transitions[key]
    return moved
