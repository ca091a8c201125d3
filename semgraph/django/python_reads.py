"""Attribute paths that Python code reads on model objects, in the template paths' notation.

``check.project.owner_id`` read on a name is the path ``project.owner_id``; ``check.channel_set.all()`` is
``channel_set.all``; ``for c in check.channel_set.all(): c.code`` adds ``channel_set.all.code``; a method call
``check.to_dict(v=3)`` is the path ``to_dict`` (the optimizer follows what the method reads). View code that
loops over a queryset, or reads a single object it fetched, needs the same joins and prefetches as a template
doing the same, so these paths are planned like a template's.
"""

from __future__ import annotations

import tree_sitter as ts

from semgraph.django.pysource import text

SKIP_FIRST = frozenset({"pk", "id", "_meta", "_state", "__class__", "DoesNotExist", "objects"})
"""Reads that never reach a relation (the primary key is always loaded)."""
MAX_NESTING = 4


def _chain_up(node: ts.Node) -> tuple[list[str], ts.Node]:
    """From ``name`` in ``name.a.b(…).c``: the attribute names and the outermost attribute node of the chain.

    A call ends nothing: ``name.a.all()`` gives ``a.all``; a call's arguments are not part of the chain.
    """
    parts: list[str] = []
    current = node
    while True:
        outer = current.parent
        if outer is not None and outer.type == "attribute" and outer.child_by_field_name("object") == current:
            parts.append(text(outer.child_by_field_name("attribute")))
            current = outer
            continue
        if outer is not None and outer.type == "call" and outer.child_by_field_name("function") == current and parts:
            current = outer  # x.a.all() → continue after the call
            continue
        break
    return parts, current


def _loop_target(node: ts.Node) -> tuple[str, ts.Node] | None:
    """``for x in <node>`` / ``[… for x in <node>]``: the loop name and the node where it is used."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type in ("for_statement", "for_in_clause") and parent.child_by_field_name("right") == node:
        left = parent.child_by_field_name("left")
        if left is None or left.type != "identifier":
            return None
        scope = parent.child_by_field_name("body") if parent.type == "for_statement" else parent.parent
        return (text(left), scope) if scope is not None else None
    return None


def name_reads(name: str, scope: ts.Node | None, after: int = 0, depth: int = 0) -> set[str]:
    """Paths read on the object ``name`` in ``scope`` (from byte ``after`` on), loops over its relations too."""
    out: set[str] = set()
    if scope is None or depth > MAX_NESTING:
        return out
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "identifier" and text(node) == name and node.start_byte >= after:
            parts, outer = _chain_up(node)
            if parts and parts[0] not in SKIP_FIRST:
                path = ".".join(parts)
                out.add(path)
                loop = _loop_target(outer)
                if loop is not None:  # for c in name.rel.all(): c.x → rel.all.x
                    out.update(f"{path}.{p}" for p in name_reads(loop[0], loop[1], 0, depth + 1))
            continue
        stack.extend(node.named_children)
    return out


def loops_over(node: ts.Node) -> tuple[str, ts.Node] | None:
    """The loop name and body when ``node`` is the iterable of a ``for`` statement or comprehension."""
    return _loop_target(node)


def param_names(func: ts.Node) -> list[str]:
    """Names of a function's parameters, typed or with defaults (``self`` included, ``*args`` not)."""
    params = func.child_by_field_name("parameters")
    out: list[str] = []
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            out.append(text(p))
        elif p.type in ("typed_parameter", "default_parameter", "typed_default_parameter"):
            name = p.child_by_field_name("name") or (p.named_children[0] if p.named_children else None)
            if name is not None and name.type == "identifier":
                out.append(text(name))
    return out


def self_attribute_reads(attr: str, scope: ts.Node | None) -> set[str]:
    """Paths read on ``self.<attr>`` in ``scope``: a detail view's ``get()`` calling ``self.object.visible(user)``."""
    out: set[str] = set()
    stack = [scope] if scope is not None else []
    while stack:
        node = stack.pop()
        if node.type == "attribute":
            obj = node.child_by_field_name("object")
            name = node.child_by_field_name("attribute")
            if obj is not None and obj.type == "identifier" and text(obj) == "self" and name and text(name) == attr:
                parts, _outer = _chain_up(node)
                if parts and parts[0] not in SKIP_FIRST:
                    out.add(".".join(parts))
                continue
        stack.extend(node.named_children)
    return out
