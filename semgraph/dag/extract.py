"""``extract_state_machines``: state/status enums and the transitions the code makes between them.

Languages: Rust (enums; ``match`` arms, ``if`` branches, ``matches!``,
``impl Default``), Python (``Enum`` classes; ``match``/``if`` branches,
transition dicts, constants), TypeScript (string-literal unions and enums;
``switch``/``if`` branches, transition maps, constants) and Ruby (Statesman /
AASM / state_machines declarations, see ``ruby.py``).

How a transition is recognised (all through the ``.scm`` queries in
``queries/``): a branch whose condition or pattern names state A of an enum
and whose body assigns or returns state B of the same enum gives A -> B (the
event is taken from an event enum in the same pattern, e.g.
``(State::A, Event::Go) => State::B``); a table entry ``{A: [B, C]}`` gives
A -> B and A -> C; a ``(A, B) => true`` arm or a ``(A, B)`` pair in a constant
named like ``*TRANSITIONS*`` gives A -> B. Negated conditions (``!=``) are not
taken as sources.

Initial state: ``#[default]`` / ``impl Default``, a constant named
``INITIAL*``/``DEFAULT*``, else the first declared member. Terminal states: a
function ``is_terminal``/``is_final`` or a constant ``TERMINAL*``/``FINAL*``
listing them, else the states without outgoing transitions whose names read
as final (complete, done, failed, cancelled, …).
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import tree_sitter as ts
from pydantic import BaseModel

from semgraph.dag.mermaid import state_diagram
from semgraph.errors import UnsupportedError
from semgraph.graph.languages import grammar, language_for_path, parse
from semgraph.graph.walker import SKIP_DIRS as WALK_SKIP_DIRS
from semgraph.graph.walker import walk
from semgraph.paths import PathGuard
from semgraph.progress import ProgressFn

STATE_ENUM_RE = re.compile(r"(state|status|phase|stage|lifecycle)(e?s)?$", re.IGNORECASE)
EVENT_ENUM_RE = re.compile(r"(event|action|command|trigger|signal)s?$", re.IGNORECASE)
TERMINAL_WORDS = {"terminal", "final", "finished", "end", "ended", "closed", "done"}
INITIAL_WORDS = {"initial", "default", "start", "starting"}
TRANSITION_NAME_RE = re.compile(r"transition|allowed|next_state|valid_moves", re.IGNORECASE)
TERMINAL_FN = {"is_terminal", "is_final", "is_finished", "is_done", "isTerminal", "isFinal", "isFinished"}
SETTER_CALL_RE = re.compile(r"(transition|set_?state|set_?status|move_?to|change_?state|change_?status)", re.I)
FINAL_WORD_RE = re.compile(
    r"(complete|completed|done|finished|succeeded|success|failed|failure|error|cancell?ed|rejected|closed|"
    r"archived|expired|refunded|delivered|resolved|settled|voided|aborted|terminated|deleted|declined|denied)",
    re.IGNORECASE,
)
QUERY_FILES = {"rust": "rust_states", "python": "python_states", "typescript": "typescript_states"}
NEGATED_OPS = {"!=", "!==", "is not", "not in"}


class StateTransition(BaseModel):
    source: str
    target: str
    event: str | None
    locations: list[str]  # file:line


class ExtractedMachine(BaseModel):
    name: str
    kind: str  # rust enum | python enum | typescript union | typescript enum | ruby statesman …
    location: str  # file:line of the definition
    states: list[str]
    initial: list[str]
    terminal: list[str]
    terminal_basis: str  # "declared" (is_terminal / TERMINAL constant) or "inferred" (names, no outgoing)
    transitions: list[StateTransition]
    unreachable: list[str]
    dead_ends: list[str]
    mermaid: str


class Extraction(BaseModel):
    machines: list[ExtractedMachine]
    enums_without_transitions: list[str]  # "Name (file:line)"
    files_scanned: int
    parse_errors: list[str]  # file:line:column: message
    truncated: bool


@dataclass
class EnumDef:
    name: str
    kind: str
    file: str
    line: int
    members: list[str]
    values: dict[str, str] = field(default_factory=dict)  # literal value -> member
    default: str | None = None


@dataclass
class Facts:
    """What the walk found across every file, before machines are assembled."""

    enums: dict[str, EnumDef] = field(default_factory=dict)
    transitions: dict[tuple[str, str, str, str | None], list[str]] = field(default_factory=dict)
    terminal: dict[str, list[str]] = field(default_factory=dict)
    initial: dict[str, list[str]] = field(default_factory=dict)
    # (enum, target, event, excludes terminal states, where): a wildcard arm such as
    # ``(state, Cancel) if !state.is_terminal() => Cancelled``, expanded once terminal states are known
    # handled: the states sibling arms name (a ``case _:`` / ``default:`` covers the others); None for Rust,
    # where what earlier arms handle depends on the event
    wildcards: list[tuple[str, str, str | None, bool, str, frozenset[str] | None]] = field(default_factory=list)
    value_index: dict[str, dict[str, list[Ref]]] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)  # enum name -> keys ("file::Name")

    def pick(self, name: str, from_file: str) -> str | None:
        """The enum called ``name`` as seen from ``from_file``: the one defined there, else the nearest.

        Big code bases have many unrelated ``State`` enums; a reference resolves
        to the definition sharing the longest directory prefix with the file.
        """
        keys = self.by_name.get(name)
        if not keys:
            return None
        if len(keys) == 1:
            return keys[0]
        here = from_file.split("/")

        def shared(key: str) -> int:
            there = self.enums[key].file.split("/")
            n = 0
            for a, b in zip(here, there, strict=False):
                if a != b:
                    break
                n += 1
            return n

        return max(keys, key=shared)

    def add_transition(self, enum: str, src: str, dst: str, event: str | None, where: str) -> None:
        if src == dst:
            return
        locs = self.transitions.setdefault((enum, src, dst, event), [])
        if where not in locs:
            locs.append(where)


Ref = tuple[str, str]  # (enum key "file::Name", member)


def _name(key: str) -> str:
    """The enum's own name from its key."""
    return key.rpartition("::")[2]


@cache
def _query(language: str) -> ts.Query:
    name = QUERY_FILES["typescript" if language == "tsx" else language]
    text = resources.files("semgraph.dag.queries").joinpath(f"{name}.scm").read_text(encoding="utf-8")
    return ts.Query(grammar(language), text)


def _words(name: str) -> set[str]:
    """Words of a snake_case or camelCase name, lower-cased (``TERMINAL_STATES`` -> {terminal, states})."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def _first_word(name: str) -> set[str]:
    found = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)
    return {found[0].lower()} if found else {""}


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _string_value(node: ts.Node) -> str | None:
    """The content of a string literal node (Python or TypeScript), None for f-strings/templates."""
    parts = [c for c in node.children if c.type in ("string_content", "string_fragment")]
    if any(c.type == "interpolation" for c in node.children):
        return None
    if parts:
        return "".join(_text(c) for c in parts)
    raw = _text(node)
    return "" if raw in ('""', "''") else None


def _walk(node: ts.Node) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


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
        ops = {_text(c) for c in n.children if not c.is_named}
        return bool(ops & NEGATED_OPS) or ("is" in ops and "not" in ops) or ("not" in ops and "in" in ops)

    def _resolve(self, n: ts.Node, *, keys: bool) -> list[Ref] | None:
        t = n.type
        lang = self.language
        if lang == "rust":
            if t == "scoped_identifier":
                path = _text(n.child_by_field_name("path")).split("::")[-1]
                if path == "Self":
                    path = _impl_type(n)
                return self._member(path, _text(n.child_by_field_name("name")))
            if t == "token_tree":
                refs: list[Ref] = []
                for m in re.finditer(r"\b(\w+)\s*::\s*(\w+)\b|\b(\w+)\b", _text(n)):
                    if m.group(1):
                        enum = _impl_type(n) if m.group(1) == "Self" else m.group(1)
                        refs.extend(self._member(enum, m.group(2)))
                    elif m.group(3) in self.glob_members:
                        refs.extend(self.glob_members[m.group(3)])
                return refs
            if t == "identifier" and self.glob_members:
                return self.glob_members.get(_text(n), [])
            return None
        if lang == "python":
            if t == "attribute":
                obj = _text(n.child_by_field_name("object")).split(".")[-1]
                return self._member(obj, _text(n.child_by_field_name("attribute")))
            if t == "dotted_name":
                parts = [_text(c) for c in n.named_children]
                return self._member(parts[-2], parts[-1]) if len(parts) >= 2 else []
            if t == "string":
                value = _string_value(n)
                return list(self.values.get(value, [])) if value is not None else []
            return None
        # typescript
        if t == "member_expression":
            obj = _text(n.child_by_field_name("object")).split(".")[-1]
            return self._member(obj, _text(n.child_by_field_name("property")))
        if t == "string":
            value = _string_value(n)
            return list(self.values.get(value, [])) if value is not None else []
        if keys and t == "property_identifier":
            return list(self.values.get(_text(n), []))
        return None

    def value_refs(self, node: ts.Node) -> list[Ref]:
        """States a body assigns, returns or passes to a setter (``transition_to(S.B)``)."""
        if node.type in _RUST_TAILS or node.type in ("string", "attribute", "member_expression"):
            return self.refs(node)
        out: list[Ref] = []
        for n in _walk(node):
            t = n.type
            if t in ("assignment_expression", "assignment"):
                out.extend(self.refs(n.child_by_field_name("right") or n))
            elif t in ("return_expression", "return_statement"):
                out.extend(self.refs(n))
            elif t in ("call_expression", "call"):
                fn = n.child_by_field_name("function")
                if fn is not None and SETTER_CALL_RE.search(_text(fn).split(".")[-1].split("::")[-1]):
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


def _impl_type(n: ts.Node) -> str:
    cur = n.parent
    while cur is not None:
        if cur.type in ("impl_item", "enum_item"):
            field_name = "type" if cur.type == "impl_item" else "name"
            return re.sub(r"<.*", "", _text(cur.child_by_field_name(field_name)))
        cur = cur.parent
    return "Self"


# --- pass 1: definitions ------------------------------------------------------------------------


def _collect_enums(tree: ts.Tree, language: str, rel: str, facts: Facts) -> set[str]:
    """Add the file's enums to ``facts``; return the Rust glob-imported names."""
    globs: set[str] = set()
    for _i, caps in ts.QueryCursor(_query(language)).matches(tree.root_node):
        if "use.glob" in caps:
            text = _text(caps["use.glob"][0])
            globs.add(text.removesuffix("::*").split("::")[-1])
        elif "enum" in caps:
            node, name = caps["enum"][0], _text(caps["enum.name"][0])
            body = caps["enum.body"][0]
            if language == "rust":
                enum = _rust_enum(name, body, rel, node)
            elif language == "python":
                bases = _text(caps["enum.bases"][0])
                if not re.search(r"\b\w*Enum\b|\bChoices\b", bases):
                    continue
                enum = _python_enum(name, body, rel, node)
            else:
                enum = _ts_enum(name, body, rel, node)
            _add_enum(facts, enum)
        elif "plain" in caps:
            # Rails-style constant holder: ``class StepStatuses: PENDING = "pending"`` (no Enum base)
            node, name = caps["plain"][0], _text(caps["plain.name"][0])
            if node.child_by_field_name("superclasses") is None and STATE_ENUM_RE.search(name):
                enum = _python_enum(name, caps["plain.body"][0], rel, node)
                if len(enum.values) >= 2 and len(enum.values) == len(enum.members):
                    enum.kind = "python constants"
                    _add_enum(facts, enum)
        elif "const" in caps and language in ("typescript", "tsx"):
            name, value = _text(caps["const.name"][0]), caps["const.value"][0]
            if STATE_ENUM_RE.search(name):
                while value.type in ("as_expression", "satisfies_expression", "parenthesized_expression"):
                    value = value.named_children[0]
                if value.type == "object":
                    enum = _ts_const_object(name, value, rel, caps["const"][0])
                    if len(enum.members) >= 2:
                        _add_enum(facts, enum)
        elif "union" in caps:
            name, body = _text(caps["union.name"][0]), caps["union.body"][0]
            values = [_string_value(lit) for lit in _walk(body) if lit.type == "string"]
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
            pending_default = pending_default or _text(child).replace(" ", "") == "#[default]"
        elif child.type == "enum_variant":
            member = _text(child.child_by_field_name("name"))
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
        member = _text(left)
        if member.startswith("_"):
            continue
        enum.members.append(member)
        right = assign.child_by_field_name("right")
        if right is not None and right.type == "string":
            value = _string_value(right)
            if value:
                enum.values[value] = member
        elif right is not None and right.type == "tuple" and right.named_children:
            first = right.named_children[0]  # Django choices: A = "a", "Label"
            if first.type == "string" and (value := _string_value(first)):
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
        member = _string_value(key) if key.type == "string" else _text(key)
        v = _string_value(value)
        if member and v:
            enum.members.append(member)
            enum.values[v] = member
    return enum


def _ts_enum(name: str, body: ts.Node, rel: str, node: ts.Node) -> EnumDef:
    enum = EnumDef(name, "typescript enum", rel, node.start_point.row + 1, [])
    for child in body.named_children:
        if child.type == "property_identifier":
            enum.members.append(_text(child))
        elif child.type == "enum_assignment":
            member = _text(child.child_by_field_name("name"))
            enum.members.append(member)
            value = child.child_by_field_name("value")
            if value is not None and value.type == "string" and (v := _string_value(value)):
                enum.values[v] = member
    return enum


# --- pass 2: transitions ------------------------------------------------------------------------


def _state_refs(refs: list[Ref], facts: Facts) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for enum, member in refs:
        if STATE_ENUM_RE.search(_name(enum)) and member not in out.setdefault(enum, []):
            out[enum].append(member)
    return {k: v for k, v in out.items() if v}


def _event(refs: list[Ref]) -> str | None:
    for enum, member in refs:
        if EVENT_ENUM_RE.search(_name(enum)):
            return member
    return None


def _collect_transitions(tree: ts.Tree, ctx: FileContext) -> None:
    facts = ctx.facts
    for _i, caps in ts.QueryCursor(_query(ctx.grammar_language)).matches(tree.root_node):
        if "arm" in caps or "branch" in caps:
            site = (caps.get("arm") or caps["branch"])[0]
            source = caps["source"][0]
            where = f"{ctx.rel}:{site.start_point.row + 1}"
            src_refs = ctx.refs(source, skip_negated=True)
            if "arm" in caps and ctx.language == "typescript":
                targets = _switch_case_refs(site, ctx)
            else:
                target = caps["target"][0]
                if "arm" in caps and _text(target).strip() == "true":
                    _pair_patterns(source, ctx, where)
                    continue
                targets = ctx.value_refs(target)
            srcs = _state_refs(src_refs, facts)
            dsts = _state_refs(targets, facts)
            event = _event(src_refs)
            if not srcs and dsts and "arm" in caps and ctx.language == "rust":
                _rust_wildcard(site, source, dsts, event, ctx, where)
            elif not srcs and dsts and "arm" in caps and ctx.language == "python" and _text(source).strip() == "_":
                _catch_all(site, "case_clause", lambda c: c.named_children[0] if c.named_children else None, dsts, ctx)
            for enum, sources in srcs.items():
                for dst in dsts.get(enum, []):
                    for src in sources:
                        facts.add_transition(enum, src, dst, event, where)
        elif "default_arm" in caps:
            _default_arm(caps["default_arm"][0], ctx)
        elif "table" in caps:
            key, value = caps["source"][0], caps["target"][0]
            key_refs = ctx.refs(key, keys=True)
            srcs = _state_refs(key_refs, facts)
            dsts = _state_refs(ctx.refs(value), facts)
            where = f"{ctx.rel}:{caps['table'][0].start_point.row + 1}"
            for enum, sources in srcs.items():
                if len(sources) != 1:
                    continue
                for dst in dsts.get(enum, []):
                    facts.add_transition(enum, sources[0], dst, _event(key_refs), where)
        elif "const" in caps:
            name, value = _text(caps["const.name"][0]), caps["const.value"][0]
            words = _words(name)
            if len(words) < 2 or _in_state_class(caps["const"][0], ctx):
                continue  # ``DONE = "done"`` is a member, not a list of terminal states
            if words & TERMINAL_WORDS and not TRANSITION_NAME_RE.search(name):
                for enum, members in _state_refs(ctx.refs(value), facts).items():
                    facts.terminal.setdefault(enum, []).extend(m for m in members if m not in facts.terminal[enum])
            elif _first_word(name) & INITIAL_WORDS:
                for enum, members in _state_refs(ctx.refs(value), facts).items():
                    facts.initial.setdefault(enum, members[:1])
            elif TRANSITION_NAME_RE.search(name):
                _pair_patterns(value, ctx, f"{ctx.rel}:{caps['const'][0].start_point.row + 1}")
        elif "fn" in caps:
            name, body = _text(caps["fn.name"][0]), caps["fn.body"][0]
            _guarded_body(body, ctx)
            if name in TERMINAL_FN:
                for enum, members in _state_refs(ctx.refs(body, skip_negated=True), facts).items():
                    facts.terminal.setdefault(enum, []).extend(m for m in members if m not in facts.terminal[enum])
            elif name == "default" and ctx.language == "rust":
                key = facts.pick(_impl_type(caps["fn"][0]), ctx.rel)
                refs = _state_refs(ctx.value_refs(body), facts).get(key) if key else None
                if refs and key is not None and facts.enums[key].default is None:
                    facts.enums[key].default = refs[0]


def _in_state_class(node: ts.Node, ctx: FileContext) -> bool:
    """True for an assignment inside the body of a class that defines a set of states."""
    cur = node.parent
    while cur is not None:
        if cur.type == "class_definition":
            name = _text(cur.child_by_field_name("name"))
            return ctx.facts.pick(name, ctx.rel) is not None
        cur = cur.parent
    return False


_EXITS = {"throw_statement", "raise_statement", "return_statement", "return_expression"}


def _exit_guard(stmt: ts.Node) -> tuple[ts.Node, ts.Node] | None:
    """(condition, body) of ``if cond: return/raise/throw/panic!`` with no else branch, else None."""
    node = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else stmt
    if node.type not in ("if_statement", "if_expression"):
        return None
    if node.child_by_field_name("alternative") is not None:
        return None
    cond, body = node.child_by_field_name("condition"), node.child_by_field_name("consequence")
    if cond is None or body is None:
        return None
    exits = any(n.type in _EXITS or _text(n).startswith(("panic!", "bail!", "unreachable!")) for n in _walk(body))
    return (cond, body) if exits else None


def _guarded_body(body: ts.Node, ctx: FileContext) -> None:
    """Guard clauses at the top of a function, then the state it sets.

    ``if status != A: raise`` requires A; ``if status is CLOSED: raise`` rules
    CLOSED out. A state assigned after such guards is reached from the required
    states, or else from every state the guards did not rule out.
    """
    required: dict[str, set[str]] = {}
    excluded: dict[str, set[str]] = {}
    guard_seen = False
    for stmt in body.named_children:
        guard = _exit_guard(stmt)
        if guard is not None:
            cond, consequence = guard
            if _state_refs(ctx.value_refs(consequence), ctx.facts):
                break  # the guard itself moves the state: an ordinary branch, handled elsewhere
            positive = _state_refs(ctx.refs(cond, skip_negated=True), ctx.facts)
            negated = _state_refs(ctx.refs(cond), ctx.facts)
            for enum, members in negated.items():
                only_negated = [m for m in members if m not in positive.get(enum, [])]
                required.setdefault(enum, set()).update(only_negated)
            for enum, members in positive.items():
                excluded.setdefault(enum, set()).update(members)
            guard_seen = guard_seen or bool(positive or negated)
            continue
        dsts = _state_refs(ctx.value_refs(stmt), ctx.facts)
        if not guard_seen:
            if dsts:
                return  # the state is set before any guard: nothing to infer
            continue
        where = f"{ctx.rel}:{stmt.start_point.row + 1}"
        for enum, targets in dsts.items():
            e = ctx.facts.enums[enum]
            sources = required.get(enum) or (
                {m for m in e.members if m not in excluded[enum]} if enum in excluded else set()
            )
            for dst in targets:
                for src in sorted(sources, key=e.members.index):
                    ctx.facts.add_transition(enum, src, dst, None, where)


def _rust_wildcard(
    arm: ts.Node, pattern: ts.Node, dsts: dict[str, list[str]], event: str | None, ctx: FileContext, where: str
) -> None:
    """A match arm whose state position is ``_`` or a binding, in a match whose other arms name states.

    ``(state, Cancel) if !state.is_terminal() => Cancelled`` means "from every
    non-terminal state"; ``(_, ResolveManually) => ResolvedManually`` "from every state".
    """
    # ``_`` is an anonymous node in tree-sitter-rust, so look at every child, not only named ones
    parts = [
        c
        for c in pattern.children
        if c.type not in ("if", "condition") and c != pattern.child_by_field_name("condition")
    ]
    body = parts[0] if parts else None
    if body is None:
        return
    if body.type == "tuple_pattern":
        slots = [c for c in body.children if c.type not in ("(", ")", ",")]
    elif body.type in ("identifier", "_"):
        slots = [body]
    else:
        return
    free = [c for c in slots if (c.type == "identifier" and not ctx.refs(c)) or c.type == "_"]
    if not free:
        return
    block = arm.parent
    guard = _text(pattern.child_by_field_name("condition"))
    exclude_terminal = bool(re.search(r"!\s*\w+\.is_(terminal|final)\(\)", guard))
    for enum, targets in dsts.items():
        named = any(
            ctx.refs(other.child_by_field_name("pattern"))
            and enum in _state_refs(ctx.refs(other.child_by_field_name("pattern")), ctx.facts)
            for other in (block.named_children if block is not None else [])
            if other.type == "match_arm" and other.id != arm.id
        )
        if named:
            for dst in targets:
                ctx.facts.wildcards.append((enum, dst, event, exclude_terminal, where, None))


def _catch_all(
    arm: ts.Node,
    sibling_type: str,
    pattern_of: Callable[[ts.Node], ts.Node | None],
    dsts: dict[str, list[str]],
    ctx: FileContext,
) -> None:
    """``case _:`` / ``default:`` in a match or switch whose other arms name states: from every other state."""
    parent = arm.parent
    siblings = [c for c in (parent.named_children if parent is not None else []) if c.type == sibling_type]
    handled: dict[str, set[str]] = {}
    for other in siblings:
        pattern = pattern_of(other)
        if other.id == arm.id or pattern is None:
            continue
        for enum, members in _state_refs(ctx.refs(pattern), ctx.facts).items():
            handled.setdefault(enum, set()).update(members)
    where = f"{ctx.rel}:{arm.start_point.row + 1}"
    for enum, targets in dsts.items():
        if enum in handled:  # only when the match is on this state
            for dst in targets:
                ctx.facts.wildcards.append((enum, dst, None, False, where, frozenset(handled[enum])))


def _default_arm(arm: ts.Node, ctx: FileContext) -> None:
    targets: list[Ref] = []
    for stmt in arm.children_by_field_name("body"):
        targets.extend(ctx.value_refs(stmt))
    dsts = _state_refs(targets, ctx.facts)
    if dsts:
        _catch_all(arm, "switch_case", lambda c: c.child_by_field_name("value"), dsts, ctx)


def _switch_case_refs(case: ts.Node, ctx: FileContext) -> list[Ref]:
    """Targets of a ``case``: its own body, or the next case's body when it falls through."""
    node: ts.Node | None = case
    while node is not None:
        body = node.children_by_field_name("body")
        if body:
            out: list[Ref] = []
            for stmt in body:
                out.extend(ctx.value_refs(stmt))
            return out
        node = node.next_named_sibling
        if node is not None and node.type != "switch_case":
            return []
    return []


def _pair_patterns(node: ts.Node, ctx: FileContext, where: str) -> None:
    """``(A, B)`` pairs (a tuple pattern or a tuple/array literal) of the same state enum: A -> B."""
    pair_types = {"tuple_pattern", "tuple", "array", "list", "tuple_expression"}
    for n in _walk(node):
        if n.type not in pair_types or len(n.named_children) != 2 or (n.parent and n.parent.type == "pair"):
            continue  # ``{A: [B, C]}`` is a table entry, not the pair (B, C)
        refs = [ctx.refs(c) for c in n.named_children]
        if not all(len(r) >= 1 for r in refs):
            continue
        a = _state_refs(refs[0], ctx.facts)
        b = _state_refs(refs[1], ctx.facts)
        for enum, sources in a.items():
            for dst in b.get(enum, []):
                for src in sources:
                    ctx.facts.add_transition(enum, src, dst, None, where)


# --- the walk and the assembly ------------------------------------------------------------------


def iter_source_files(
    root: Path, guard: PathGuard, max_files: int, max_file_bytes: int = 2_000_000
) -> tuple[list[Path], bool]:
    """Source files under ``root`` that a grammar (or the Ruby reader) handles.

    Python, Rust and TypeScript files come from the indexer's walker (so
    ``.gitignore``, ``.semgraphignore``, vendored/build directories, symlinks
    leaving the root and over-size files are treated the same way); Ruby files,
    which the walker does not list, from a walk that skips the same directories.
    """
    if root.is_file():
        if language_for_path(root) not in ("python", "rust", "typescript", "tsx") and root.suffix != ".rb":
            raise UnsupportedError(
                f"{guard.relative(root)} is not a Python, Rust, TypeScript or Ruby file",
                hint="pass a source file in one of those languages, or a directory",
            )
        return [root], False
    walked = walk(root, guard, languages=["python", "rust", "typescript"], max_file_bytes=max_file_bytes)
    found = [Path(f.path) for f in walked.files]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in WALK_SKIP_DIRS and not d.startswith("."))
        for fname in sorted(filenames):
            if fname.endswith(".rb"):
                p = Path(dirpath) / fname
                if guard.is_safe_member(p):
                    found.append(p)
    found.sort(key=lambda p: p.as_posix())
    return found[:max_files], len(found) > max_files


def _syntax_errors(tree: ts.Tree, rel: str, limit: int = 3) -> list[str]:
    if not tree.root_node.has_error:
        return []
    out = []
    for n in _walk(tree.root_node):
        if n.is_error or n.is_missing:
            what = f"missing {n.type}" if n.is_missing else f"syntax error near {_text(n)[:30]!r}"
            out.append(f"{rel}:{n.start_point.row + 1}:{n.start_point.column + 1}: {what}")
            if len(out) >= limit:
                break
    return out


def extract_state_machines(
    path: Path,
    guard: PathGuard,
    *,
    max_files: int = 20_000,
    max_file_bytes: int = 2_000_000,
    progress: ProgressFn | None = None,
) -> Extraction:
    """State machines found under ``path`` (a directory or one file), through the path guard."""
    from semgraph.dag import ruby

    files, truncated = iter_source_files(path, guard, max_files, max_file_bytes)
    facts = Facts()
    parsed: list[tuple[ts.Tree, str, str, set[str]]] = []
    ruby_sources: list[tuple[str, str]] = []
    errors: list[str] = []
    for i, p in enumerate(files):
        rel = guard.relative(p)
        try:
            if p.stat().st_size > max_file_bytes:
                continue
            data = p.read_bytes()
        except OSError as exc:
            errors.append(f"{rel}: cannot read ({exc.strerror})")
            continue
        if p.suffix == ".rb":
            ruby_sources.append((rel, data.decode("utf-8", "replace")))
            continue
        language = language_for_path(p) or "typescript"
        tree = parse(data, language)
        errors.extend(_syntax_errors(tree, rel))
        globs = _collect_enums(tree, language, rel, facts)
        if re.search(rb"(?i)state|status|phase|stage|transition|lifecycle", data):
            parsed.append((tree, language, rel, globs))
        if progress and i % 200 == 0:
            progress(i, len(files), "reading definitions")
    ruby_machines = [ruby.extract(text, rel) for rel, text in ruby_sources]
    for tree, language, rel, globs in parsed:
        _collect_transitions(tree, FileContext(language, rel, facts, globs))
    _expand_wildcards(facts)
    machines: list[ExtractedMachine] = []
    quiet: list[str] = []
    by_enum: dict[str, list[StateTransition]] = {}
    for (enum, src, dst, event), locs in facts.transitions.items():
        by_enum.setdefault(enum, []).append(StateTransition(source=src, target=dst, event=event, locations=locs))
    for key, e in facts.enums.items():
        name = e.name
        if not STATE_ENUM_RE.search(name):
            continue
        ts_list = by_enum.get(key, [])
        if not ts_list:
            quiet.append(f"{name} ({e.file}:{e.line})")
            continue
        initial = facts.initial.get(key) or [e.default or e.members[0]]
        machines.append(
            assemble(name, e.kind, f"{e.file}:{e.line}", e.members, ts_list, initial, facts.terminal.get(key))
        )
    for found in ruby_machines:
        machines.extend(found)
    machines.sort(key=lambda m: m.location)
    return Extraction(
        machines=machines,
        enums_without_transitions=quiet,
        files_scanned=len(files),
        parse_errors=errors,
        truncated=truncated,
    )


def _expand_wildcards(facts: Facts) -> None:
    """Turn wildcard arms into transitions from each state no earlier arm handles for that event."""
    for enum, dst, event, exclude_terminal, where, handled in facts.wildcards:
        e = facts.enums.get(enum)
        if e is None:
            continue
        terminal = set(facts.terminal.get(enum) or [m for m in e.members if FINAL_WORD_RE.search(m)])
        if handled is not None:
            explicit = set(handled)
        else:
            explicit = {src for (en, src, _dst, ev) in facts.transitions if en == enum and ev == event and event}
        for src in e.members:
            if src == dst or src in explicit or (exclude_terminal and src in terminal):
                continue
            facts.add_transition(enum, src, dst, event, where)


def assemble(
    name: str,
    kind: str,
    location: str,
    states: list[str],
    transitions: list[StateTransition],
    initial: list[str],
    declared_terminal: list[str] | None,
) -> ExtractedMachine:
    """Reachability, terminal and dead-end states and the diagram of one machine."""
    order = {s: i for i, s in enumerate(states)}
    transitions = sorted(transitions, key=lambda t: (order.get(t.source, 1 << 30), order.get(t.target, 1 << 30)))
    outgoing: dict[str, set[str]] = {}
    for t in transitions:
        outgoing.setdefault(t.source, set()).add(t.target)
    seen = set(initial)
    queue = deque(initial)
    while queue:
        for nxt in outgoing.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    if declared_terminal:
        terminal = [s for s in states if s in declared_terminal]
        basis = "declared"
    else:
        terminal = [s for s in states if not outgoing.get(s) and FINAL_WORD_RE.search(s)]
        basis = "inferred"
    unreachable = [s for s in states if s not in seen]
    dead_ends = [s for s in states if not outgoing.get(s) and s not in terminal]
    diagram = state_diagram(
        states, [(t.source, t.target, t.event or "") for t in transitions], initial=initial, terminal=terminal
    )
    return ExtractedMachine(
        name=name,
        kind=kind,
        location=location,
        states=states,
        initial=initial,
        terminal=terminal,
        terminal_basis=basis,
        transitions=transitions,
        unreachable=unreachable,
        dead_ends=dead_ends,
        mermaid=diagram,
    )
