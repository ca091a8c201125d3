"""Shared pieces of state machine extraction: result models, the facts gathered, name rules, node helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import tree_sitter as ts
from pydantic import BaseModel

from semgraph.graph.languages import query

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


class Bypass(BaseModel):
    machine: str | None  # the state enum written, when it can be told
    source: str | None  # None: the state held before the write is not known statically
    target: str | None  # None: the written state is a variable
    location: str  # file:line
    function: str  # the function making the write
    via: str  # how: the record type built by hand, or the writer function called
    in_test: bool = False  # in a test function, a #[cfg(test)] module or a tests/ directory


class Extraction(BaseModel):
    machines: list[ExtractedMachine]
    # direct state writes outside the machine (a hand-built transition record), with file:line
    bypasses: list[Bypass] = []
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
    # (file, first line, last line, enum, states): guard clauses before a branch ruled these states out there
    ruled_out: list[tuple[str, int, int, str, frozenset[str]]] = field(default_factory=list)
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


def enum_name(key: str) -> str:
    """The enum's own name from its key."""
    return key.rpartition("::")[2]


def state_query(language: str) -> ts.Query:
    """The state-machine query of ``language`` (tsx shares TypeScript's), compiled once by ``languages.query``."""
    return query(language, QUERY_FILES["typescript" if language == "tsx" else language], "semgraph.dag.queries")


def name_words(name: str) -> set[str]:
    """Words of a snake_case or camelCase name, lower-cased (``TERMINAL_STATES`` -> {terminal, states})."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def first_name_word(name: str) -> set[str]:
    found = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)
    return {found[0].lower()} if found else {""}


def node_text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def string_value(node: ts.Node) -> str | None:
    """The content of a string literal node (Python or TypeScript), None for f-strings/templates."""
    parts = [c for c in node.children if c.type in ("string_content", "string_fragment")]
    if any(c.type == "interpolation" for c in node.children):
        return None
    if parts:
        return "".join(node_text(c) for c in parts)
    raw = node_text(node)
    return "" if raw in ('""', "''") else None


def walk_nodes(node: ts.Node) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))
