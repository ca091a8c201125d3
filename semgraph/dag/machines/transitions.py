"""Pass 2: the transitions a file makes between states (branches, tables, guard clauses, wildcard arms)."""

from __future__ import annotations

import re
from collections.abc import Callable

import tree_sitter as ts

from semgraph.dag.machines.model import (
    EVENT_ENUM_RE,
    FINAL_WORD_RE,
    INITIAL_WORDS,
    STATE_ENUM_RE,
    TERMINAL_FN,
    TERMINAL_WORDS,
    TRANSITION_NAME_RE,
    Facts,
    Ref,
    enum_name,
    first_name_word,
    name_words,
    node_text,
    state_query,
    walk_nodes,
)
from semgraph.dag.machines.refs import FileContext, impl_type


def _state_refs(refs: list[Ref], facts: Facts) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for enum, member in refs:
        if STATE_ENUM_RE.search(enum_name(enum)) and member not in out.setdefault(enum, []):
            out[enum].append(member)
    return {k: v for k, v in out.items() if v}


def _event(refs: list[Ref]) -> str | None:
    for enum, member in refs:
        if EVENT_ENUM_RE.search(enum_name(enum)):
            return member
    return None


def collect_transitions(tree: ts.Tree, ctx: FileContext) -> None:
    facts = ctx.facts
    for _i, caps in ts.QueryCursor(state_query(ctx.grammar_language)).matches(tree.root_node):
        if "arm" in caps or "branch" in caps:
            site = (caps.get("arm") or caps["branch"])[0]
            source = caps["source"][0]
            where = f"{ctx.rel}:{site.start_point.row + 1}"
            src_refs = ctx.refs(source, skip_negated=True)
            if "arm" in caps and ctx.language == "typescript":
                targets = _switch_case_refs(site, ctx)
            else:
                target = caps["target"][0]
                if "arm" in caps and node_text(target).strip() == "true":
                    _pair_patterns(source, ctx, where)
                    continue
                targets = ctx.value_refs(target)
            srcs = _state_refs(src_refs, facts)
            dsts = _state_refs(targets, facts)
            event = _event(src_refs)
            if not srcs and dsts and "arm" in caps and ctx.language == "rust":
                _rust_wildcard(site, source, dsts, event, ctx, where)
            elif not srcs and dsts and "arm" in caps and ctx.language == "python" and node_text(source).strip() == "_":
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
            name, value = node_text(caps["const.name"][0]), caps["const.value"][0]
            words = name_words(name)
            if len(words) < 2 or _in_state_class(caps["const"][0], ctx):
                continue  # ``DONE = "done"`` is a member, not a list of terminal states
            if words & TERMINAL_WORDS and not TRANSITION_NAME_RE.search(name):
                for enum, members in _state_refs(ctx.refs(value), facts).items():
                    facts.terminal.setdefault(enum, []).extend(m for m in members if m not in facts.terminal[enum])
            elif first_name_word(name) & INITIAL_WORDS:
                for enum, members in _state_refs(ctx.refs(value), facts).items():
                    facts.initial.setdefault(enum, members[:1])
            elif TRANSITION_NAME_RE.search(name):
                _pair_patterns(value, ctx, f"{ctx.rel}:{caps['const'][0].start_point.row + 1}")
        elif "fn" in caps:
            name, body = node_text(caps["fn.name"][0]), caps["fn.body"][0]
            _guarded_body(body, ctx)
            if name in TERMINAL_FN:
                for enum, members in _state_refs(ctx.refs(body, skip_negated=True), facts).items():
                    facts.terminal.setdefault(enum, []).extend(m for m in members if m not in facts.terminal[enum])
            elif name == "default" and ctx.language == "rust":
                key = facts.pick(impl_type(caps["fn"][0]), ctx.rel)
                refs = _state_refs(ctx.value_refs(body), facts).get(key) if key else None
                if refs and key is not None and facts.enums[key].default is None:
                    facts.enums[key].default = refs[0]


def _in_state_class(node: ts.Node, ctx: FileContext) -> bool:
    """True for an assignment inside the body of a class that defines a set of states."""
    cur = node.parent
    while cur is not None:
        if cur.type == "class_definition":
            name = node_text(cur.child_by_field_name("name"))
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
    exits = any(
        n.type in _EXITS or node_text(n).startswith(("panic!", "bail!", "unreachable!")) for n in walk_nodes(body)
    )
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
        if guard_seen and _branches_on_state(stmt, ctx):
            # a match / if on the state: its arms say where each state goes (branch rules); a catch-all
            # arm in it covers only the states the guards above let through
            for enum, members in excluded.items():
                ctx.facts.ruled_out.append(
                    (ctx.rel, stmt.start_point.row + 1, stmt.end_point.row + 1, enum, frozenset(members))
                )
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


_BRANCHES = {"match_expression", "if_expression", "if_statement", "match_statement", "switch_statement"}


def _branches_on_state(stmt: ts.Node, ctx: FileContext) -> bool:
    """Whether ``stmt`` is a branch (match / if / switch) whose condition names a state."""
    node = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else stmt
    if node.type not in _BRANCHES:
        return False
    cond = (
        node.child_by_field_name("value")
        or node.child_by_field_name("condition")
        or node.child_by_field_name("subject")
    )
    if cond is None:
        return False
    if _state_refs(ctx.refs(cond), ctx.facts):
        return True
    # ``match current_state { TaskState::A => … }``: the scrutinee is a variable, the arms name states
    body = node.child_by_field_name("body")
    return body is not None and bool(_state_refs(ctx.refs(body), ctx.facts)) and node.type != "if_expression"


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
    guard = node_text(pattern.child_by_field_name("condition"))
    exclude_terminal = bool(re.search(r"!\s*\w+\.is_(terminal|final)\(\)", guard))
    if len(slots) == 1 and block is not None:
        # ``_ => …`` on a state: from every state no other arm names, whatever those arms do
        handled: dict[str, set[str]] = {}
        for other in block.named_children:
            if other.type == "match_arm" and other.id != arm.id:
                for enum, members in _state_refs(ctx.refs(other.child_by_field_name("pattern")), ctx.facts).items():
                    handled.setdefault(enum, set()).update(members)
        for enum, targets in dsts.items():
            if enum in handled:
                for dst in targets:
                    ctx.facts.wildcards.append((enum, dst, event, exclude_terminal, where, frozenset(handled[enum])))
        return
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
    for n in walk_nodes(node):
        if n.type not in pair_types or len(n.named_children) not in (2, 3) or (n.parent and n.parent.type == "pair"):
            continue  # ``{A: [B, C]}`` is a table entry, not the pair (B, C)
        refs = [ctx.refs(c) for c in n.named_children]
        if not all(len(r) >= 1 for r in refs):
            continue
        event = None
        if len(refs) == 3:  # ``(A, B, Event) => true``: a move on an event
            event = _event(refs[2])
            if event is None:
                continue
            refs = refs[:2]
        a = _state_refs(refs[0], ctx.facts)
        b = _state_refs(refs[1], ctx.facts)
        for enum, sources in a.items():
            for dst in b.get(enum, []):
                for src in sources:
                    ctx.facts.add_transition(enum, src, dst, event, where)


def expand_wildcards(facts: Facts) -> None:
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
        rel, _, line = where.rpartition(":")
        for f, first, last, en, states in facts.ruled_out:
            if en == enum and f == rel and line.isdigit() and first <= int(line) <= last:
                explicit |= states
        for src in e.members:
            if src == dst or src in explicit or (exclude_terminal and src in terminal):
                continue
            facts.add_transition(enum, src, dst, event, where)
