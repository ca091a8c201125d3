"""Resolving state references in a syntax tree: ``State::A``, ``Status.A``, ``'a'``, glob-imported variants."""

from __future__ import annotations

import re

import tree_sitter as ts

from semgraph.dag.machines.model import (
    NEGATED_OPS,
    SETTER_CALL_RE,
    Facts,
    Ref,
    node_text,
    string_value,
    walk_nodes,
)


class FileContext:
    """Per-file resolution of state references (``State::A``, ``Status.A``, ``'a'``)."""

    def __init__(self, language: str, rel: str, facts: Facts, globs: set[str]) -> None:
        self.language = "typescript" if language == "tsx" else language
        self.grammar_language = language  # tsx trees need the query compiled for the tsx grammar
        self.rel = rel
        self.facts = facts
        self.globs = globs  # Rust: enums imported with `use E::*`
        # only sets of states written in this file's language: a Python string never names a TypeScript state
        self.values = _value_index(facts, self.language)
        self.glob_members: dict[str, list[Ref]] = {}
        for g in globs:
            key = facts.pick(g, rel)
            if key is not None:
                for m in facts.enums[key].members:
                    self.glob_members.setdefault(m, []).append((key, m))

    def _member(self, enum: str, member: str) -> list[Ref]:
        key = self.facts.pick(enum, self.rel)
        e = self.facts.enums.get(key) if key is not None else None
        if e is None or member not in e.members or not e.kind.startswith(self.language):
            return []
        return [(key, member)]

    def refs(self, node: ts.Node, *, skip_negated: bool = False, keys: bool = False) -> list[Ref]:
        """Every state/event reference under ``node``, in source order."""
        out: list[Ref] = []
        stack = [node]
        while stack:
            n = stack.pop()
            found = self._resolve(n, keys=keys)
            if found is not None:
                out.extend(found)
                continue
            if skip_negated and self._negated(n):
                continue
            stack.extend(reversed(n.children))
        return out

    def _negated(self, n: ts.Node) -> bool:
        if n.type not in ("binary_expression", "comparison_operator"):
            return False
        ops = {node_text(c) for c in n.children if not c.is_named}
        return bool(ops & NEGATED_OPS) or ("is" in ops and "not" in ops) or ("not" in ops and "in" in ops)

    def _resolve(self, n: ts.Node, *, keys: bool) -> list[Ref] | None:
        t = n.type
        lang = self.language
        if lang == "rust":
            if t == "scoped_identifier":
                path = node_text(n.child_by_field_name("path")).split("::")[-1]
                if path == "Self":
                    path = impl_type(n)
                return self._member(path, node_text(n.child_by_field_name("name")))
            if t == "token_tree":
                refs: list[Ref] = []
                for m in re.finditer(r"\b(\w+)\s*::\s*(\w+)\b|\b(\w+)\b", node_text(n)):
                    if m.group(1):
                        enum = impl_type(n) if m.group(1) == "Self" else m.group(1)
                        refs.extend(self._member(enum, m.group(2)))
                    elif m.group(3) in self.glob_members:
                        refs.extend(self.glob_members[m.group(3)])
                return refs
            if t == "identifier" and self.glob_members:
                return self.glob_members.get(node_text(n), [])
            return None
        if lang == "python":
            if t == "attribute":
                obj = node_text(n.child_by_field_name("object")).split(".")[-1]
                return self._member(obj, node_text(n.child_by_field_name("attribute")))
            if t == "dotted_name":
                parts = [node_text(c) for c in n.named_children]
                return self._member(parts[-2], parts[-1]) if len(parts) >= 2 else []
            if t == "string":
                value = string_value(n)
                return list(self.values.get(value, [])) if value is not None else []
            return None
        # typescript
        if t == "member_expression":
            obj = node_text(n.child_by_field_name("object")).split(".")[-1]
            return self._member(obj, node_text(n.child_by_field_name("property")))
        if t == "string":
            value = string_value(n)
            return list(self.values.get(value, [])) if value is not None else []
        if keys and t == "property_identifier":
            return list(self.values.get(node_text(n), []))
        return None

    def value_refs(self, node: ts.Node) -> list[Ref]:
        """States a body assigns, returns or passes to a setter (``transition_to(S.B)``)."""
        if node.type in _RUST_TAILS or node.type in ("string", "attribute", "member_expression"):
            return self.refs(node)
        out: list[Ref] = []
        for n in walk_nodes(node):
            t = n.type
            if t in ("assignment_expression", "assignment"):
                out.extend(self.refs(n.child_by_field_name("right") or n))
            elif t in ("return_expression", "return_statement"):
                out.extend(self.refs(n))
            elif t in ("call_expression", "call"):
                fn = n.child_by_field_name("function")
                if fn is not None and SETTER_CALL_RE.search(node_text(fn).split(".")[-1].split("::")[-1]):
                    out.extend(self.refs(n.child_by_field_name("arguments") or n))
            elif t == "block" and self.language == "rust" and n.named_children:
                tail = n.named_children[-1]
                if tail.type in _RUST_TAILS:
                    out.extend(self.refs(tail))
        return out


def _value_index(facts: Facts, language: str) -> dict[str, list[Ref]]:
    """Literal value -> (enum, member) for the enums of one language (cached on ``facts``)."""
    cached = facts.value_index.get(language)
    if cached is None:
        cached = {}
        for key, e in facts.enums.items():
            if e.kind.startswith(language):
                for value, member in e.values.items():
                    cached.setdefault(value, []).append((key, member))
        facts.value_index[language] = cached
    return cached


_RUST_TAILS = {
    "scoped_identifier",
    "call_expression",
    "identifier",
    "tuple_expression",
    "array_expression",
    "reference_expression",
}


def impl_type(n: ts.Node) -> str:
    cur = n.parent
    while cur is not None:
        if cur.type in ("impl_item", "enum_item"):
            field_name = "type" if cur.type == "impl_item" else "name"
            return re.sub(r"<.*", "", node_text(cur.child_by_field_name(field_name)))
        cur = cur.parent
    return "Self"
