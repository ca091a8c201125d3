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
from pathlib import Path

import tree_sitter as ts

from semgraph.dag.machines.bypass import Bypass, FileWriters, collect_bypasses, split_bypassed
from semgraph.dag.machines.definitions import collect_definitions
from semgraph.dag.machines.model import (
    FINAL_WORD_RE,
    STATE_ENUM_RE,
    EnumDef,
    ExtractedMachine,
    Extraction,
    Facts,
    StateTransition,
    node_text,
    walk_nodes,
)
from semgraph.dag.machines.refs import FileContext
from semgraph.dag.machines.transitions import collect_transitions, expand_wildcards
from semgraph.dag.mermaid import state_diagram
from semgraph.errors import UnsupportedError
from semgraph.graph.languages import language_for_path, parse
from semgraph.graph.walker import SKIP_DIRS as WALK_SKIP_DIRS
from semgraph.graph.walker import walk
from semgraph.paths import PathGuard
from semgraph.progress import ProgressFn

__all__ = [
    "STATE_ENUM_RE",
    "EnumDef",
    "ExtractedMachine",
    "Extraction",
    "StateTransition",
    "assemble",
    "extract_state_machines",
    "iter_source_files",
]


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
    for n in walk_nodes(tree.root_node):
        if n.is_error or n.is_missing:
            what = f"missing {n.type}" if n.is_missing else f"syntax error near {node_text(n)[:30]!r}"
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
        globs = collect_definitions(tree, language, rel, facts)
        if re.search(rb"(?i)state|status|phase|stage|transition|lifecycle", data):
            parsed.append((tree, language, rel, globs))
        if progress and i % 200 == 0:
            progress(i, len(files), "reading definitions")
    ruby_machines = [ruby.extract(text, rel) for rel, text in ruby_sources]
    bypasses: list[Bypass] = []
    writers: dict[str, FileWriters] = {}
    for tree, language, rel, globs in parsed:
        ctx = FileContext(language, rel, facts, globs)
        collect_transitions(tree, ctx)
        collect_bypasses(tree, ctx, bypasses, writers)
    expand_wildcards(facts)
    bypasses.extend(split_bypassed(facts.transitions, writers))
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
        bypasses=sorted(bypasses, key=lambda b: (b.location, b.machine or "", b.source or "", b.target or "")),
    )


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
