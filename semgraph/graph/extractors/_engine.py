"""The language-independent half of every extractor.

A language extractor only says *what* its definitions, calls, imports and
control-flow nodes are (tree-sitter queries in ``semgraph/graph/queries`` plus a
few small hooks). This module does the rest in one pass: it merges every
captured node into a single list sorted by source position and sweeps it with a
stack of open scopes. The stack gives, without walking the tree, each symbol's
parent, each call's caller, each import's scope, and each function's
complexity and nesting depth.

Metrics of functions and methods (identical rule for every language):

- ``loc``: non-blank lines of the symbol's span.
- ``complexity``: McCabe cyclomatic complexity = 1 + decision points, where a
  decision point is each ``if`` / ``elif`` / ``else if`` (a plain ``else`` is
  not), each loop (``for``, ``while``, ``loop``, ``do``, for-in/of, Python
  comprehension ``for`` and ``if`` clauses), each ``catch`` / ``except``
  clause, each boolean operator (``and``, ``or``, ``&&``, ``||``), each
  conditional expression / ternary, and each ``case`` / ``match`` arm beyond
  the first of its switch/match (a ``default`` arm counts like any other arm).
  Rust's ``?`` does not count. Decision points inside a nested named function
  count for that function; those inside an anonymous lambda/closure count for
  the enclosing named function.
- ``max_nesting``: the deepest nesting of control blocks (if, loops, switch /
  match, try) inside the function body, 0 for straight-line code. An
  ``else if`` chain is one level, not one more level per ``else if``.
- ``params``: declared parameters, not counting ``self`` / ``cls`` / ``this``
  or a Go method receiver.

Lines and columns are 1-based; columns count bytes (tree-sitter's unit).
"""

from __future__ import annotations

import functools
import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import tree_sitter as ts

from semgraph.graph import languages
from semgraph.graph.model import (
    BaseRef,
    Call,
    FileExtraction,
    Import,
    Span,
    Symbol,
    SymbolKind,
    SyntaxProblem,
)

K = SymbolKind
TYPE_KINDS = frozenset({K.CLASS, K.STRUCT, K.ENUM, K.TRAIT, K.INTERFACE, K.IMPL})
FUNCTION_KINDS = frozenset({K.FUNCTION, K.METHOD})
CONTAINER_KINDS = TYPE_KINDS | FUNCTION_KINDS | {K.MODULE}

# Event priorities when several captured nodes start at the same byte: the
# definition opens first, then control blocks, then the leaf events (decision points are not events:
# ``count_branches``).
_DEF, _BLOCK, _CALL, _IMPORT = 0, 1, 3, 4


@dataclass(slots=True)
class Pending:
    """A definition found by the tags query, before its parent is known."""

    node: ts.Node
    kind: SymbolKind
    name: str
    extra: Any = None  # language-specific data for the build hook


@dataclass(slots=True)
class Built:
    """What a language hook adds to a definition once its parent is known."""

    signature: str = ""
    doc: str = ""
    visibility: str = ""
    decorators: list[str] = field(default_factory=list)
    is_async: bool = False
    is_test: bool = False
    params: int | None = None  # only for functions/methods
    kind: SymbolKind | None = None  # override the engine's kind
    qualified_name: str | None = None  # override the engine's "<parent prefix><sep><name>"
    child_prefix: str | None = None  # prefix for children's qualified names (default: own qualified name)
    bases: list[tuple[str, str, int]] = field(default_factory=list)  # (target, EdgeKind, line)


def normalize(text: str) -> str:
    """Collapse every run of whitespace to one space."""
    return " ".join(text.split())


_NEEDS_CLEANING = re.compile(r"[\s(<]")


def clean_target(text: str) -> str:
    """A callee as written, minus whitespace, argument lists and Rust turbofish
    generics: ``a.b(x).c`` -> ``a.b().c``, ``iter::<u8>`` -> ``iter``."""
    if _NEEDS_CLEANING.search(text) is None:
        return text
    out: list[str] = []
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            while i < n and text[i] in " \t\r\n":
                i += 1
            # keep one space between two words ("new Foo"), drop it elsewhere ("a\n  .b")
            if depth == 0 and out and i < n and _is_word(out[-1]) and _is_word(text[i]):
                out.append(" ")
            continue
        if c == "(":
            if depth == 0:
                out.append("(")
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                out.append(")")
        elif depth == 0:
            if c == "<" and i >= 2 and text[i - 2 : i] == "::":
                # turbofish: drop "::<...>" including nested generics
                del out[-2:]
                gen = 1
                i += 1
                while i < n and gen:
                    gen += text[i] == "<"
                    gen -= text[i] == ">"
                    i += 1
                continue
            out.append(c)
        i += 1
    return "".join(out)


def _is_word(c: str) -> bool:
    return c.isalnum() or c in "_$"


def split_target(target: str, separators: tuple[str, ...]) -> tuple[str, str]:
    """(receiver, name) of a cleaned callee: split at the last separator."""
    best = -1
    width = 0
    for sep in separators:
        pos = target.rfind(sep)
        if pos > best:
            best, width = pos, len(sep)
    if best < 0:
        return "", target
    return target[:best], target[best + width :]


class Extractor:
    """Base class: subclasses set the class attributes and implement the hooks."""

    language: str = ""
    grammar: str = ""  # tree-sitter grammar (defaults to ``language``)
    sep: str = "."  # qualified-name separator
    call_separators: tuple[str, ...] = (".",)
    # .scm files under semgraph/graph/queries, compiled together into one query so
    # a file costs a single tree traversal; capture names say what a node is.
    queries: tuple[str, ...] = ()
    if_types: frozenset[str] = frozenset()  # node types of `if` (for the else-if nesting rule)
    else_types: frozenset[str] = frozenset({"else_clause"})
    arm_types: frozenset[str] = frozenset()  # switch/match arms (first arm is not a decision)
    comment_types: frozenset[str] = frozenset({"comment"})  # node types of comments, for comments_above
    doc_on_same_line: bool = False  # comments_above: does a comment ending on the declaration's first line count?

    def __init__(self, source: bytes, path: str, module: str) -> None:
        self.source = source
        self.path = path
        self.module = module
        self.symbols: list[Symbol] = []
        self.prefixes: list[str] = []
        self.imports: list[Import] = []
        self.calls: list[Call] = []
        self.bases: list[BaseRef] = []

    # ----- helpers for the hooks -------------------------------------------------

    def text(self, node: ts.Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def between(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", "replace")

    def head(self, node: ts.Node, body: ts.Node | None, strip: str = "", start: int | None = None) -> str:
        """The declaration text of ``node`` (from byte ``start``, if given) up to its body, whitespace-normalised."""
        end = body.start_byte if body is not None else node.end_byte
        return self.flat(node.start_byte if start is None else start, end, 400, strip)

    def flat(self, start: int, end: int, limit: int, strip: str = "") -> str:
        """``normalize(text)``, less trailing ``strip`` characters and whitespace, cut to ``limit`` characters, for
        the bytes ``start:end``; decodes only as much of a long node (a 50 kB literal) as the cut keeps."""
        if end - start > 4 * limit + 64:
            k = start + 2 * limit + 64
            while k < end:
                raw = self.source[start:k].decode("utf-8", "replace")
                words = raw.split()
                if words and not raw[-1].isspace():
                    words.pop()  # cut inside a word (or a character): its rest follows
                text = " ".join(words)
                # a kept character past the limit that no trailing strip can remove: the rest cannot matter
                if len(text) > limit and (not strip or text[limit:].strip(strip + " ")):
                    return text[:limit]
                k = start + 4 * (k - start)
        text = normalize(self.source[start:end].decode("utf-8", "replace"))
        if strip:
            text = text.rstrip(strip).rstrip()
        return text[:limit]

    def comments_above(self, node: ts.Node) -> str:
        """The doc of ``node`` from the run of comments right above it, each on the line before the next."""
        texts: list[str] = []
        row = node.start_point.row
        prev = node.prev_sibling
        while (
            prev is not None
            and prev.type in self.comment_types
            and (prev.end_point.row == row - 1 or (self.doc_on_same_line and prev.end_point.row == row))
        ):
            texts.append(self.text(prev))
            row = prev.start_point.row
            prev = prev.prev_sibling
        texts.reverse()
        return doc_from_comments(texts)

    # ----- hooks -------------------------------------------------------------------

    def module_symbol(self, root: ts.Node) -> Built:
        return Built()

    def definitions(self, caps: dict[str, list[ts.Node]]) -> list[Pending]:
        raise NotImplementedError

    def build(self, p: Pending, kind: SymbolKind, parent: int) -> Built:
        raise NotImplementedError

    def call(self, node: ts.Node) -> tuple[str, ts.Node] | None:
        """(cleaned target, node whose position locates the call) or None to skip."""
        raise NotImplementedError

    def import_items(self, caps: dict[str, list[ts.Node]]) -> list[tuple[int, Import]]:
        """(byte offset, import) pairs; the engine fills in ``scope``."""
        return []

    # ----- the pass ------------------------------------------------------------------

    def run(self) -> FileExtraction:
        source = self.source
        tree = languages.parse(source, self.grammar or self.language)
        root = tree.root_node
        lines = source.split(b"\n")
        nonblank = [0, *itertools.accumulate(map(bool, map(bytes.strip, lines)))]
        acc = nonblank[-1]
        self.nonblank = nonblank
        self.lines = lines

        result = FileExtraction(path=self.path, language=self.language, module=self.module)
        result.loc = acc
        if root.has_error:
            result.errors = collect_errors(root, source)
        self.finish_module(root, result)

        caps = ts.QueryCursor(combined_query(self.grammar or self.language, self.queries)).captures(root)
        events: list[tuple] = []
        seq = 0
        for p in self.definitions(caps):
            if not p.name:  # a MISSING name in broken source
                continue
            n = p.node
            events.append((n.start_byte, _DEF, -n.end_byte, seq, p))
            seq += 1
        if_types = self.if_types
        for n in caps.get("nest", ()):
            if if_types and n.type in if_types:
                par = n.parent
                if par is not None and (par.type in self.else_types or par.type in if_types):
                    continue  # else-if: same level as its if
            end = n.end_byte
            events.append((n.start_byte, _BLOCK, -end, seq, end))
            seq += 1
        # decision points are counted per definition from their sorted offsets (``count_branches``), not swept
        branches = [n.start_byte for n in caps.get("branch", ())]
        arm_types = self.arm_types
        for n in caps.get("arm", ()):
            prev = n.prev_named_sibling
            while prev is not None and prev.type not in arm_types and "comment" in prev.type:
                prev = prev.prev_named_sibling
            if prev is not None and prev.type in arm_types:
                branches.append(n.start_byte)
        call = self.call
        for n in caps.get("call", ()):
            got = call(n)
            if got is None:
                continue
            target, at = got
            # `f(x)()`: both calls sit at `f`; the outer one (ending later) first, as captures order no such tie
            events.append((at.start_byte, _CALL, -n.end_byte, seq, (target, at)))
            seq += 1
        for offset, imp in self.import_items(caps):
            events.append((offset, _IMPORT, 0, seq, imp))
            seq += 1
        events.sort()
        spans = self.sweep(events, root.end_byte)
        if branches:
            self.count_branches(branches, spans)

        result.symbols = self.symbols
        result.imports = self.imports
        result.calls = self.calls
        result.bases = self.bases
        return result

    def finish_module(self, root: ts.Node, result: FileExtraction) -> None:
        built = self.module_symbol(root)
        if built.qualified_name:
            self.module = result.module = built.qualified_name
        end = root.end_point
        end_line, end_col = end.row + 1, end.column + 1
        if end.column == 0 and end.row > 0:  # a final newline does not open another line
            end_line, end_col = end.row, len(self.lines[end.row - 1]) + 1
        sym = Symbol(
            kind=K.MODULE,
            name=self.module.replace("::", ".").replace("/", ".").rsplit(".", 1)[-1] or self.path,
            qualified_name=self.module,
            span=Span(1, 1, end_line, end_col),
            parent=None,
            doc=built.doc,
            visibility=built.visibility,
            decorators=built.decorators,
            is_test=built.is_test,
            metrics={"loc": result.loc},
        )
        self.symbols.append(sym)
        self.prefixes.append(self.module)

    def sweep(self, events: list[tuple], root_end: int) -> list[tuple[int, int, int, int]]:
        symbols = self.symbols
        prefixes = self.prefixes
        calls = self.calls
        # Stack entries: (end byte, innermost symbol, innermost container symbol,
        # innermost function or -1, control-block depth inside that function).
        # A control block inherits the first four from the entry below it.
        stack: list[tuple[int, int, int, int, int]] = [(root_end + 1, 0, 0, -1, 0)]
        spans: list[tuple[int, int, int, int]] = []  # (symbol, start byte, end byte, parent) of each definition
        call_counts: dict[int, int] = {}
        nonblank = self.nonblank
        sep = self.sep
        call_separators = self.call_separators
        single_sep = call_separators[0] if call_separators == (".",) else ""
        for start, prio, _neg_end, _seq, payload in events:
            while stack[-1][0] <= start and len(stack) > 1:
                stack.pop()
            top = stack[-1]
            if prio == _CALL:
                caller = top[2]
                target, at = payload
                if single_sep:
                    pos = target.rfind(single_sep)
                    receiver, name = (target[:pos], target[pos + 1 :]) if pos >= 0 else ("", target)
                else:
                    receiver, name = split_target(target, call_separators)
                order = call_counts.get(caller, 0)
                call_counts[caller] = order + 1
                pt = at.start_point
                calls.append(Call(caller, target, name, receiver, pt.row + 1, pt.column + 1, order))
            elif prio == _BLOCK:
                func = top[3]
                depth = top[4] + 1
                if func >= 0:
                    m = symbols[func].metrics
                    if m["max_nesting"] < depth:
                        m["max_nesting"] = depth
                stack.append((payload, top[1], top[2], func, depth))
            elif prio == _DEF:
                parent = top[1]
                node = payload.node
                kind = payload.kind
                if kind is K.FUNCTION and symbols[parent].kind in TYPE_KINDS:
                    kind = K.METHOD
                built = self.build(payload, kind, parent)
                if built is None:
                    continue
                if built.kind is not None:
                    kind = built.kind
                prefix = prefixes[parent]
                qn = built.qualified_name or (f"{prefix}{sep}{payload.name}" if prefix else payload.name)
                sp, ep = node.start_point, node.end_point
                metrics: dict[str, int] = {"loc": nonblank[ep.row + 1] - nonblank[sp.row]}
                is_function = kind in FUNCTION_KINDS
                if is_function:
                    metrics["complexity"] = 1
                    metrics["max_nesting"] = 0
                    metrics["params"] = built.params or 0
                idx = len(symbols)
                symbols.append(
                    Symbol(
                        kind=kind,
                        name=payload.name,
                        qualified_name=qn,
                        span=Span(sp.row + 1, sp.column + 1, ep.row + 1, ep.column + 1),
                        parent=parent,
                        signature=built.signature,
                        doc=built.doc,
                        visibility=built.visibility,
                        decorators=built.decorators,
                        is_async=built.is_async,
                        is_test=built.is_test,
                        metrics=metrics,
                    )
                )
                prefixes.append(built.child_prefix if built.child_prefix is not None else qn)
                for target, edge, line in built.bases:
                    self.bases.append(BaseRef(child=idx, target=target, kind=edge, line=line))
                container = idx if kind in CONTAINER_KINDS else top[2]
                end = node.end_byte
                stack.append((end, idx, container, idx if is_function else -1, 0))
                spans.append((idx, start, end, parent))
            else:
                payload.scope = top[2]
                self.imports.append(payload)
        return spans

    def count_branches(self, branches: list[int], spans: list[tuple[int, int, int, int]]) -> None:
        """Add each decision point (its start byte) to the complexity of the innermost definition holding it, if
        that is a function: a definition's count is the points in its byte range less those in its children's."""
        branches.sort()
        symbols = self.symbols
        own = [0] * len(symbols)
        for idx, start, end, parent in spans:
            n = bisect_left(branches, end) - bisect_left(branches, start)
            if n:
                own[idx] += n
                own[parent] -= n
        for idx, _start, _end, _parent in spans:
            if own[idx]:
                m = symbols[idx].metrics
                if "complexity" in m:
                    m["complexity"] += own[idx]


def innermost_table(spans: list[tuple[int, int, int]], last_line: int) -> list[int]:
    """Line -> the symbol (index) of ``spans`` (index, start line, end line) holding it that starts last, the
    first listed among those starting on the same line; -1 where none does. Painted once per file: looking the
    spans up per node is quadratic on big files."""
    table = [-1] * (last_line + 2)
    for i, start, end in sorted(spans, key=lambda f: (f[1], -f[0])):
        if end >= start:
            table[start : end + 1] = [i] * (end + 1 - start)
    return table


@functools.cache
def combined_query(grammar: str, names: tuple[str, ...]) -> ts.Query:
    """One compiled query from several ``.scm`` files (cached per process)."""
    return ts.Query(languages.grammar(grammar), "\n".join(languages.query_text(n) for n in names))


def collect_errors(root: ts.Node, source: bytes, limit: int = 50) -> list[SyntaxProblem]:
    """ERROR and MISSING nodes, outermost only, in source order."""
    problems: list[SyntaxProblem] = []
    todo = [root]
    while todo and len(problems) < limit:
        node = todo.pop()
        if node.is_missing:
            pt = node.start_point
            problems.append(SyntaxProblem(pt.row + 1, pt.column + 1, f'missing "{node.type}"'))
            continue
        if node.is_error:
            at = _error_start(node)
            pt = at.start_point
            snippet = source[at.start_byte : node.end_byte].decode("utf-8", "replace")
            first = normalize(snippet.split("\n", 1)[0])[:40] or normalize(snippet)[:40]
            problems.append(SyntaxProblem(pt.row + 1, pt.column + 1, f'syntax error near "{first}"'))
            continue
        todo.extend(c for c in reversed(node.children) if c.has_error)
    problems.sort(key=lambda p: (p.line, p.col))
    return problems


def _error_start(error: ts.Node) -> ts.Node:
    """Where an ERROR node really goes wrong: tree-sitter often wraps intact
    items that precede the broken one into the same ERROR node, so skip the
    leading children that are complete and end on an earlier line."""
    children = error.children
    for i, child in enumerate(children):
        nxt = children[i + 1] if i + 1 < len(children) else None
        if child.is_named and not child.has_error and nxt is not None and child.end_point.row < nxt.start_point.row:
            continue
        return child
    return error


DOC_LIMIT = 4000  # characters of comment text turned into a doc (docs are summaries, not sources)


def doc_from_comments(texts: list[str]) -> str:
    """Clean ``//``, ``///``, ``//!``, ``/** */`` and ``#`` comment texts into one doc string."""
    if not texts:
        return ""
    out: list[str] = []
    budget = DOC_LIMIT
    for raw in texts:
        if budget <= 0:
            break
        t = raw.strip()[:budget]
        budget -= len(t)
        if t.startswith("/*"):
            t = t[2:]
            if t.startswith("*") or t.startswith("!"):
                t = t[1:]
            if t.endswith("*/"):
                t = t[:-2]
            for line in t.split("\n"):
                s = line.strip()
                if s.startswith("*"):
                    s = s[1:]
                    if s.startswith(" "):
                        s = s[1:]
                out.append(s.rstrip())
        else:
            t = t.lstrip("/!").removeprefix(" ") if t.startswith("//") else t.lstrip("#").removeprefix(" ")
            out.append(t.rstrip())
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
