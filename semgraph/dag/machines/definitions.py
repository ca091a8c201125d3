"""Pass 1: the sets of states a file defines (Rust enums, Python Enum and constant classes, TypeScript
unions, enums and ``as const`` objects) and the enums it glob-imports."""

from __future__ import annotations

import re

import tree_sitter as ts

from semgraph.dag.machines.model import (
    STATE_ENUM_RE,
    EnumDef,
    Facts,
    node_text,
    state_query,
    string_value,
    walk_nodes,
)


def collect_definitions(tree: ts.Tree, language: str, rel: str, facts: Facts) -> set[str]:
    """Add the file's enums to ``facts``; return the Rust glob-imported names."""
    globs: set[str] = set()
    for _i, caps in ts.QueryCursor(state_query(language)).matches(tree.root_node):
        if "use.glob" in caps:
            text = node_text(caps["use.glob"][0])
            globs.add(text.removesuffix("::*").split("::")[-1])
        elif "enum" in caps:
            node, name = caps["enum"][0], node_text(caps["enum.name"][0])
            body = caps["enum.body"][0]
            if language == "rust":
                enum = _rust_enum(name, body, rel, node)
            elif language == "python":
                bases = node_text(caps["enum.bases"][0])
                if not re.search(r"\b\w*Enum\b|\bChoices\b", bases):
                    continue
                enum = _python_enum(name, body, rel, node)
            else:
                enum = _ts_enum(name, body, rel, node)
            _add_enum(facts, enum)
        elif "plain" in caps:
            # Rails-style constant holder: ``class StepStatuses: PENDING = "pending"`` (no Enum base)
            node, name = caps["plain"][0], node_text(caps["plain.name"][0])
            if node.child_by_field_name("superclasses") is None and STATE_ENUM_RE.search(name):
                enum = _python_enum(name, caps["plain.body"][0], rel, node)
                if len(enum.values) >= 2 and len(enum.values) == len(enum.members):
                    enum.kind = "python constants"
                    _add_enum(facts, enum)
        elif "const" in caps and language in ("typescript", "tsx"):
            name, value = node_text(caps["const.name"][0]), caps["const.value"][0]
            if STATE_ENUM_RE.search(name):
                while value.type in ("as_expression", "satisfies_expression", "parenthesized_expression"):
                    value = value.named_children[0]
                if value.type == "object":
                    enum = _ts_const_object(name, value, rel, caps["const"][0])
                    if len(enum.members) >= 2:
                        _add_enum(facts, enum)
        elif "union" in caps:
            name, body = node_text(caps["union.name"][0]), caps["union.body"][0]
            values = [string_value(lit) for lit in walk_nodes(body) if lit.type == "string"]
            members = [v for v in values if v]
            if len(members) >= 2 and all(c.type in ("literal_type", "union_type") for c in body.named_children):
                enum = EnumDef(name, "typescript union", rel, caps["union"][0].start_point.row + 1, members)
                enum.values = {m: m for m in members}
                _add_enum(facts, enum)
    return globs


def _add_enum(facts: Facts, enum: EnumDef) -> None:
    key = f"{enum.file}::{enum.name}"
    if key in facts.enums:  # e.g. the same name under two cfg attributes in one file: keep the first
        return
    facts.enums[key] = enum
    facts.by_name.setdefault(enum.name, []).append(key)


def _rust_enum(name: str, body: ts.Node, rel: str, node: ts.Node) -> EnumDef:
    members: list[str] = []
    default = None
    pending_default = False
    for child in body.named_children:
        if child.type == "attribute_item":
            pending_default = pending_default or node_text(child).replace(" ", "") == "#[default]"
        elif child.type == "enum_variant":
            member = node_text(child.child_by_field_name("name"))
            members.append(member)
            if pending_default:
                default = member
            pending_default = False
    return EnumDef(name, "rust enum", rel, node.start_point.row + 1, members, default=default)


def _python_enum(name: str, body: ts.Node, rel: str, node: ts.Node) -> EnumDef:
    enum = EnumDef(name, "python enum", rel, node.start_point.row + 1, [])
    for stmt in body.named_children:
        if stmt.type != "expression_statement" or not stmt.named_children:
            continue
        assign = stmt.named_children[0]
        if assign.type != "assignment":
            continue
        left = assign.child_by_field_name("left")
        if left is None or left.type != "identifier":
            continue
        member = node_text(left)
        if member.startswith("_"):
            continue
        enum.members.append(member)
        right = assign.child_by_field_name("right")
        if right is not None and right.type == "string":
            value = string_value(right)
            if value:
                enum.values[value] = member
        elif right is not None and right.type == "tuple" and right.named_children:
            first = right.named_children[0]  # Django choices: A = "a", "Label"
            if first.type == "string" and (value := string_value(first)):
                enum.values[value] = member
    return enum


def _ts_const_object(name: str, obj: ts.Node, rel: str, node: ts.Node) -> EnumDef:
    """``const OrderStatus = { Pending: 'pending', … } as const``: keys are members, strings their values."""
    enum = EnumDef(name, "typescript const object", rel, node.start_point.row + 1, [])
    for pair in obj.named_children:
        if pair.type != "pair":
            continue
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is None or value is None or value.type != "string":
            return EnumDef(name, enum.kind, rel, enum.line, [])  # not a plain name -> string map
        member = string_value(key) if key.type == "string" else node_text(key)
        v = string_value(value)
        if member and v:
            enum.members.append(member)
            enum.values[v] = member
    return enum


def _ts_enum(name: str, body: ts.Node, rel: str, node: ts.Node) -> EnumDef:
    enum = EnumDef(name, "typescript enum", rel, node.start_point.row + 1, [])
    for child in body.named_children:
        if child.type == "property_identifier":
            enum.members.append(node_text(child))
        elif child.type == "enum_assignment":
            member = node_text(child.child_by_field_name("name"))
            enum.members.append(member)
            value = child.child_by_field_name("value")
            if value is not None and value.type == "string" and (v := string_value(value)):
                enum.values[v] = member
    return enum
