"""Impact analysis: what transitively depends on a symbol, a file or a change.

Seeds come from a symbol, every symbol of a file, or a unified diff (text, or
``git: working-tree`` / ``git: REV..REV`` run in the indexed root) whose
changed lines are mapped to the innermost symbols containing them. From the
seeds we walk dependency edges backwards (callers, subclasses/implementors,
importers, cross-language callers) breadth-first, and group what we reach by
file with its distance. Ranking: distance, then edges we are sure of before
name-matched ones, then path.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

from semgraph.errors import InvalidInputError, NotFoundError
from semgraph.gitsafe import run_git
from semgraph.graph.model import is_certain
from semgraph.graph.queries_api import SymbolBrief, resolve_symbol
from semgraph.graph.store import GraphStore, SymbolRow

DEPENDENCY_KINDS = ("calls", "inherits", "implements", "imports", "cross_language", "references")
CONTAINER_KINDS = ("module", "class", "struct", "enum", "trait", "interface", "impl")
GIT_TIMEOUT = 30
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_REV = re.compile(r"^[\w./~^@{}:-]+(\.\.\.?[\w./~^@{}:-]+)?$")


@dataclass(slots=True)
class ImpactedSymbol:
    id: int
    kind: str
    qualified_name: str
    line: int
    distance: int
    via: str  # "calls:import", "inherits:same_module", "imports:import" … (edge kind:resolution)
    certain: bool


@dataclass
class ImpactedFile:
    path: str
    distance: int  # nearest dependent in the file
    symbols: list[ImpactedSymbol]


@dataclass
class ChangedSymbol:
    symbol: SymbolBrief
    lines: list[int]  # changed lines of the new file inside this symbol (first few)


@dataclass(slots=True)
class BrokenCall:
    """A call whose definition a re-index removed or renamed: it resolves to nothing now."""

    path: str
    line: int
    caller: str  # qualified name of the calling symbol
    target: str  # the call text as written
    was: str  # what it called: "qualified.name (path:line)"


@dataclass
class Impact:
    seeds: list[SymbolBrief]
    changed: list[ChangedSymbol]
    files: list[ImpactedFile]
    total_symbols: int
    total_files: int
    truncated: bool
    unindexed_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    possible_left_out: int = 0  # dependents reached only through name matches (include_possible=False)
    broken_calls: list[BrokenCall] = field(default_factory=list)


# -- diffs -----------------------------------------------------------------------------
def parse_unified_diff(text: str) -> dict[str, list[tuple[int, int]]]:
    """Changed line ranges (new-file numbering) per file of a unified diff.

    Pure deletions mark the line after the removal point; a deleted file is
    keyed by its old path with the range ``(1, 10**9)``.
    """
    files: dict[str, list[tuple[int, int]]] = {}
    old_path: str | None = None
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("--- "):
            old_path = _diff_path(line[4:])
            current = None
        elif line.startswith("+++ "):
            new = _diff_path(line[4:])
            if new is None and old_path is not None:
                files.setdefault(old_path, []).append((1, 10**9))
                current = None
            else:
                current = new
                if current is not None:
                    files.setdefault(current, [])
        elif line.startswith("@@") and current is not None:
            m = _HUNK.match(line)
            if not m:
                continue
            start = int(m.group(3))
            count = int(m.group(4)) if m.group(4) is not None else 1
            if count == 0:
                files[current].append((max(start, 1), max(start, 1) + 1))
            else:
                files[current].append((start, start + count - 1))
    return files


def _diff_path(text: str) -> str | None:
    path = text.split("\t")[0].strip()
    if path == "/dev/null":
        return None
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1]
    if path.startswith(("a/", "b/")):
        path = path[2:]
    return path


def git_diff(store: GraphStore, spec: str) -> str:
    """Run ``git diff`` in the indexed root: ``working-tree`` (vs HEAD) or ``REV`` / ``REV..REV``."""
    root = store.root
    if root is None:
        raise NotFoundError("no index yet: call index_repository first")
    spec = spec.strip()
    if spec in ("working-tree", "worktree", "working tree", "HEAD"):
        args = ["HEAD"]
    elif _REV.match(spec) and not spec.startswith("-"):
        args = [spec]
    else:
        raise InvalidInputError(
            f"bad git range {spec!r}", hint="use 'git: working-tree', 'git: main..HEAD' or 'git: HEAD~3'"
        )
    cmd = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "--relative", *args, "--"]
    try:  # never a program the repository configures (fsmonitor, filters, textconv, pager, hooks)
        proc = run_git(root, cmd, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise InvalidInputError("git is not installed", hint="pass the diff text instead") from None
    except subprocess.TimeoutExpired:
        raise InvalidInputError(f"git diff took longer than {GIT_TIMEOUT} s", hint="pass a smaller range") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.strip().splitlines() if ln.strip()]
        msg = next((ln for ln in lines if ln.startswith(("fatal", "error"))), lines[0] if lines else "failed")
        if args == ["HEAD"] and "HEAD" in msg:  # no commit yet: everything is new
            proc = run_git(root, [*cmd[:-2], "--"], timeout=GIT_TIMEOUT)
            if proc.returncode == 0:
                return proc.stdout
        raise InvalidInputError(f"git diff failed in {root}: {msg}", hint="is the indexed root a git work tree?")
    return proc.stdout


def changed_symbols(
    store: GraphStore, ranges: dict[str, list[tuple[int, int]]]
) -> tuple[list[ChangedSymbol], list[str]]:
    """Innermost symbols that contain changed lines; files the index does not know."""
    indexed = {f.path: f for f in store.files()}
    out: list[ChangedSymbol] = []
    unknown: list[str] = []
    for path, spans in ranges.items():
        f = indexed.get(path) or next((indexed[p] for p in indexed if path.endswith("/" + p)), None)
        if f is None:
            unknown.append(path)
            continue
        syms = store.symbols(file_id=f.id)
        hits: dict[int, list[int]] = {}
        for lo, hi in spans or [(1, 10**9)]:
            for line in range(lo, min(hi, lo + 5000) + 1):
                inner = _innermost(syms, line)
                if inner is not None:
                    hits.setdefault(inner.id, []).append(line)
        by_id = {s.id: s for s in syms}
        for sid, lines in hits.items():
            out.append(ChangedSymbol(SymbolBrief.of(by_id[sid]), sorted(set(lines))[:10]))
    return out, unknown


def _innermost(syms: list[SymbolRow], line: int) -> SymbolRow | None:
    best = None
    for s in syms:
        if s.start_line <= line <= s.end_line and (
            best is None or (s.end_line - s.start_line) < (best.end_line - best.start_line)
        ):
            best = s
    return best


# -- propagation ---------------------------------------------------------------------
def impact(
    store: GraphStore,
    *,
    symbol: str | None = None,
    file: str | None = None,
    diff: str | None = None,
    max_depth: int = 3,
    limit: int = 100,
    include_possible: bool = False,
) -> Impact:
    """Everything that transitively depends on the given symbol, file or change. Dependents reached only
    through ``possible`` (name-matched) edges are counted but left out unless ``include_possible``; calls left
    without a target because the change removed or renamed their definition are listed as broken."""
    given = [x for x in (symbol, file, diff) if x]
    if len(given) != 1:
        raise InvalidInputError("give exactly one of symbol, file or diff", hint="e.g. symbol='UserService.register'")
    if max_depth < 1:
        raise InvalidInputError("max_depth must be at least 1")
    changed: list[ChangedSymbol] = []
    unknown: list[str] = []
    notes: list[str] = []
    ranges: dict[str, list[tuple[int, int]]] = {}
    if symbol:
        seeds = [resolve_symbol(store, symbol)]
    elif file:
        f = store.file(file.strip().removeprefix("./"))
        if f is None:
            raise NotFoundError(f"file {file!r} is not in the index", hint="use a path relative to the indexed root")
        seeds = store.symbols(file_id=f.id)
    else:
        text = diff or ""
        from_git = text.strip().lower().startswith("git:")
        if from_git:
            text = git_diff(store, text.strip()[4:])
        ranges = parse_unified_diff(text)
        if not ranges and from_git:
            return Impact(
                [], [], [], 0, 0, False, notes=[f"git diff {diff.strip()[4:].strip()!r} is empty: nothing changed"]
            )
        if not ranges:
            raise InvalidInputError(
                "the diff has no file changes", hint="pass unified diff text (git diff output) or 'git: working-tree'"
            )
        changed, unknown = changed_symbols(store, ranges)
        seeds_by_id = store.symbols_by_ids([c.symbol.id for c in changed])
        seeds = list(seeds_by_id.values())
        if not seeds:
            notes.append("no indexed symbol contains the changed lines")
    # a changed container stands for its members (callers of a method depend on the class changing)
    seed_ids = {s.id for s in seeds}
    frontier = list(seed_ids)
    while frontier:
        kids = _children(store, frontier)
        frontier = [k for k in kids if k not in seed_ids]
        seed_ids.update(frontier)
    reached: dict[int, tuple[int, str, bool]] = {}
    frontier = list(seed_ids)
    marks = ",".join("?" * len(DEPENDENCY_KINDS))
    truncated = False
    possible: set[int] = set()
    cap = max(limit * 20, 2000)
    for depth in range(1, max_depth + 1):
        nxt: list[int] = []
        for i in range(0, len(frontier), 500):
            chunk = frontier[i : i + 500]
            fm = ",".join("?" * len(chunk))
            for src, kind, res in store.conn.execute(
                f"SELECT src_id, kind, resolution FROM edges WHERE dst_id IN ({fm}) AND kind IN ({marks})",
                (*chunk, *DEPENDENCY_KINDS),
            ):
                if src in seed_ids:
                    continue
                certain = is_certain(res)
                if not certain and not include_possible:
                    if src not in reached:
                        possible.add(src)
                    continue
                old = reached.get(src)
                if old is None:
                    if len(reached) >= cap:
                        truncated = True
                        continue
                    reached[src] = (depth, f"{kind}:{res}", certain)
                    nxt.append(src)
                elif old[0] == depth and certain and not old[2]:
                    reached[src] = (depth, f"{kind}:{res}", True)
        frontier = nxt
        if not frontier:
            break
    rows = store.symbols_by_ids(reached)
    ordered = sorted(
        (r for r in rows.values()),
        key=lambda r: (reached[r.id][0], not reached[r.id][2], r.path, r.start_line),
    )
    total_symbols = len(ordered)
    if len(ordered) > limit:
        ordered, truncated = ordered[:limit], True
    files: dict[str, ImpactedFile] = {}
    for r in ordered:
        dist, via, certain = reached[r.id]
        entry = files.setdefault(r.path, ImpactedFile(r.path, dist, []))
        entry.distance = min(entry.distance, dist)
        entry.symbols.append(ImpactedSymbol(r.id, r.kind, r.qualified_name, r.start_line, dist, via, certain))
    total_files = len({r.path for r in rows.values()})
    if truncated:
        notes.append(f"showing {len(ordered)} of {total_symbols} dependents; raise limit or lower max_depth")
    file_list = sorted(files.values(), key=lambda f: (f.distance, -len(f.symbols), f.path))
    top = [SymbolBrief.of(s) for s in seeds[:50]]
    left_out = len(possible - set(reached))
    if left_out:
        notes.append(f"{left_out} possible dependent(s) reached only by name match left out; include_possible=true")
    out = Impact(top, changed[:100], file_list, total_symbols, total_files, truncated, unknown, notes, left_out)
    gone = set(ranges) if diff else ({file.strip().removeprefix("./")} if file else set())
    out.broken_calls = broken_calls(store, gone) if gone else []
    if out.broken_calls:
        notes.append(f"{len(out.broken_calls)} call site(s) lost their definition: see broken_calls")
    return out


def broken_calls(store: GraphStore, paths: set[str], limit: int = 200) -> list[BrokenCall]:
    """Calls whose target, defined in one of ``paths``, was removed or renamed by the last re-index."""
    out: list[BrokenCall] = []
    for path, line, caller, target, was in store.conn.execute(
        "SELECT f.path, e.line, s.qualified_name, e.target, json_extract(e.meta, '$.broken') FROM edges e "
        "JOIN files f ON f.id = e.file_id JOIN symbols s ON s.id = e.src_id "
        "WHERE e.kind = 'calls' AND e.dst_id IS NULL AND json_extract(e.meta, '$.broken') IS NOT NULL "
        "ORDER BY f.path, e.line"
    ):
        where = was.rsplit(" (", 1)[-1].rstrip(")").rsplit(":", 1)[0]
        if where in paths and len(out) < limit:
            out.append(BrokenCall(path, line, caller, target, was))
    return out


def _children(store: GraphStore, ids: list[int]) -> list[int]:
    out: list[int] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        fm = ",".join("?" * len(chunk))
        out.extend(
            r[0]
            for r in store.conn.execute(
                f"SELECT c.id FROM symbols c JOIN symbols p ON p.id = c.parent_id "
                f"WHERE c.parent_id IN ({fm}) AND p.kind IN ({','.join('?' * len(CONTAINER_KINDS))})",
                (*chunk, *CONTAINER_KINDS),
            )
        )
    return out
