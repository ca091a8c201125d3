"""Questions asked of the index: search, one symbol in detail, call graphs.

Domain functions over a ``GraphStore``; the MCP tools and the CLI both call
these. Every result is bounded (limits, depth, node caps, snippet size) and
says when it was cut.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from semgraph.errors import InvalidInputError, NotFoundError
from semgraph.graph.model import SymbolKind, certainty
from semgraph.graph.resolver import is_test_path
from semgraph.graph.store import GraphStore, SymbolRow, words

KINDS = tuple(k.value for k in SymbolKind)
CALL_EDGE_KINDS = ("calls", "cross_language")
MAX_SNIPPET_LINES = 60
MAX_SNIPPET_CHARS = 4000
MAX_CHILDREN = 50


@dataclass(slots=True)
class SymbolBrief:
    id: int
    kind: str
    name: str
    qualified_name: str
    path: str
    line: int
    language: str = ""
    signature: str = ""

    @classmethod
    def of(cls, s: SymbolRow) -> SymbolBrief:
        return cls(s.id, s.kind, s.name, s.qualified_name, s.path, s.start_line, s.language, s.signature)


@dataclass
class SearchResult:
    hits: list[SymbolBrief]
    total: int  # matches, counted up to SEARCH_COUNT_CAP
    exact: int  # exact name / qualified-name matches (ranked first)
    total_capped: bool = False  # more than SEARCH_COUNT_CAP matched


SEARCH_COUNT_CAP = 1000
_BM25 = "bm25(symbols_fts, 10.0, 4.0, 1.0, 0.5)"


def _check_filters(kind: str | None, language: str | None) -> None:
    if kind and kind not in KINDS:
        raise InvalidInputError(f"unknown kind {kind!r}", hint=f"choose from {', '.join(KINDS)}")
    if not language:
        return
    from semgraph.graph.languages import LANGUAGES  # tree-sitter loads only when a language is named (CLI start-up)

    if language not in LANGUAGES:
        raise InvalidInputError(f"unknown language {language!r}", hint=f"choose from {', '.join(LANGUAGES)}")


def search_terms(text: str) -> list[str]:
    terms: list[str] = []
    for w in words(text).split():
        w = w.lower()
        if "_" in w:  # the tokenizer splits at "_": its parts are terms already, the phrase only costs time
            continue
        if w not in terms:
            terms.append(w)
    return terms


def fts_query(text: str, *, prefix: bool = True) -> str:
    """FTS5 query for free text: every word a prefix term (``user repo`` → ``"user"* "repo"*``), or with
    ``prefix=False`` whole words only (``"user" "repo"``).

    One-letter words match exactly: ``"t"*`` would touch every symbol of a big index.
    """
    return " ".join(f'"{t}"*' if prefix and len(t) > 1 else f'"{t}"' for t in search_terms(text))


def search(
    store: GraphStore,
    query: str,
    *,
    kind: str | None = None,
    language: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Symbols matching ``query``: exact name / qualified name first, then names matching every word (bm25),
    then symbols matching through their qualified name, signature or doc.

    A query that is one identifier naming a symbol exactly (``find_by_email``) matches the others by whole
    words; any other query takes each word as a prefix too (``user repo`` finds UserRepository). Why: a prefix term such as
    ``"test"*`` merges the postings of every word that starts with it (tens of ms on a 500k-LOC index), and
    someone who typed a whole identifier is not typing word beginnings.

    Tiers keep broad queries fast on big indexes: bm25 ranks the (small) name matches; the long tail is
    only ranked when the match count is under ``SEARCH_COUNT_CAP``; a tier is not read at all when the
    page is already settled by the tiers above it (its hits could only rank below them).
    """
    query = query.strip()
    if not query:
        raise InvalidInputError("query is empty", hint="pass a name or words, e.g. 'user repository'")
    _check_filters(kind, language)
    terms = search_terms(query)
    if not terms:
        raise InvalidInputError(f"query {query!r} has no searchable words", hint="use letters or digits")
    result = _search(store, query, None, kind, language, limit, offset)
    longer = [t for t in terms if len(t) > 1]
    if not result.total and longer and len(longer) < len(terms):
        # "preserveC" typed for preserveConstEnums: the lone letter is a prefix we cannot afford ("c"* touches
        # most of the index); the longer words still match ("preservec"*)
        result = _search(store, query, " ".join(f'"{t}"*' for t in longer), kind, language, limit, offset)
    return result


_KIND_GROUP = {"type_alias": 1, "constant": 1, "variable": 1, "impl": 1, "field": 2, "module": 3}
"""Definitions (functions, methods, types, macros: 0) come before constants/aliases/impls, fields and modules."""
RANK_WINDOW = 100
"""Candidates read past the page from each tier, so that tests and fields can be moved behind definitions."""


def _name_variants(terms: list[str]) -> list[str]:
    """Names a multi-word query may mean verbatim: ``progress bar`` → progressbar, progress_bar, ProgressBar,
    progressBar (identifiers that the word tokenizer does not split the way the query does)."""
    if len(terms) < 2:
        return []
    joined = "".join(terms)
    camel = "".join(t.capitalize() for t in terms)
    return [joined, "_".join(terms), camel, camel[0].lower() + camel[1:]]


def _search(
    store: GraphStore,
    query: str,
    match: str | None,
    kind: str | None,
    language: str | None,
    limit: int,
    offset: int,
) -> SearchResult:
    """One ranked page; ``match`` is the FTS query (None: whole words if ``query`` names a symbol exactly,
    else prefixes)."""
    filters, fargs = "", []
    if kind:
        filters += " AND s.kind = ?"
        fargs.append(kind)
    if language:  # "typescript" covers .tsx files too
        langs = ("typescript", "tsx") if language == "typescript" else (language,)
        filters += f" AND f.language IN ({','.join('?' * len(langs))})"
        fargs.extend(langs)
    files = " JOIN files f ON f.id = s.file_id" if language else ""  # joined only when a filter reads it
    conn = store.conn
    need = offset + limit
    window = need + RANK_WINDOW
    terms = search_terms(query)
    names = [query, *_name_variants(terms)]
    marks = ",".join("?" * len(names))
    exact_ids = [
        r[0]
        for r in conn.execute(
            f"SELECT s.id FROM symbols s{files} WHERE (s.name IN ({marks}) OR "
            f"s.qualified_name = ?){filters} ORDER BY s.qualified_name = ? DESC, s.name = ? DESC, "
            f"length(s.qualified_name), s.id LIMIT ?",
            (*names, query, *fargs, query, query, SEARCH_COUNT_CAP),
        )
    ]
    if match is None:  # one identifier that names a symbol: the others must share whole words with it
        match = fts_query(query, prefix=not (exact_ids and query.split() == [query]))
    fts = f"FROM symbols_fts JOIN symbols s ON s.id = symbols_fts.rowid{files} WHERE symbols_fts MATCH ?{filters}"
    count_from = fts if filters else "FROM symbols_fts WHERE symbols_fts MATCH ?"
    counted = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 {count_from} LIMIT ?)", (match, *fargs, SEARCH_COUNT_CAP + 1)
    ).fetchone()[0]
    capped = counted > SEARCH_COUNT_CAP
    wants_tests = any(t.startswith("test") or t == "spec" for t in terms)
    tiers: dict[int, int] = dict.fromkeys(exact_ids[:window], 0)
    # rank on (kind, is_test, path) of each candidate; the page's rows are read at the end
    found = _rank_fields(conn, list(tiers))

    def untested(sid: int) -> bool:
        _kind, is_test, path = found[sid]
        return wants_tests or not (is_test or is_test_path(path))

    def settled() -> bool:
        """The page cannot change: ``need`` candidates outrank anything a later tier could add."""
        return len(tiers) >= window or sum(1 for sid in tiers if sid in found and untested(sid)) >= need

    if not settled():
        more = [
            sid
            for (sid,) in conn.execute(
                f"SELECT s.id {fts} ORDER BY (s.name = ? COLLATE NOCASE) DESC, {_BM25}, length(s.qualified_name), "
                f"s.id LIMIT ?",
                ("{name} : (" + match + ")", *fargs, query, window + len(tiers)),
            )
            if sid not in tiers
        ]
        tiers.update(dict.fromkeys(more, 1))
        found.update(_rank_fields(conn, more))
    if not settled():
        order = "s.id" if capped else f"{_BM25}, length(s.qualified_name), s.id"
        more = []
        for (sid,) in conn.execute(f"SELECT s.id {fts} ORDER BY {order} LIMIT ?", (match, *fargs, window + len(tiers))):
            if sid not in tiers:
                tiers[sid] = 2
                more.append(sid)
                if len(tiers) >= window:
                    break
        found.update(_rank_fields(conn, more))
    position = {sid: i for i, sid in enumerate(tiers)}

    def rank(sid: int) -> tuple[int, int, int, int]:
        return (int(not untested(sid)), tiers[sid], _KIND_GROUP.get(found[sid][0], 0), position[sid])

    ordered = sorted((sid for sid in tiers if sid in found), key=rank)
    page = ordered[offset:need]
    total = max(min(counted, SEARCH_COUNT_CAP), len(exact_ids))
    return SearchResult(_briefs(conn, page), total, len(exact_ids), capped)


def _briefs(conn: sqlite3.Connection, ids: list[int]) -> list[SymbolBrief]:
    """``SymbolBrief`` of each id, in the order given (ids no longer in the index are left out); only the
    columns a brief shows are read."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {
        r[0]: SymbolBrief(*r)
        for r in conn.execute(
            f"SELECT s.id, s.kind, s.name, s.qualified_name, f.path, s.start_line, f.language, s.signature "
            f"FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id IN ({marks})",
            ids,
        )
    }
    return [rows[i] for i in ids if i in rows]


def _rank_fields(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, int, str]]:
    """id → (kind, is_test, file path) of the symbols among ``ids`` (what search ranks on)."""
    out: dict[int, tuple[str, int, str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for sid, kind, is_test, path in conn.execute(
            f"SELECT s.id, s.kind, s.is_test, f.path FROM symbols s JOIN files f ON f.id = s.file_id "
            f"WHERE s.id IN ({marks})",
            chunk,
        ):
            out[sid] = (kind, is_test, path)
    return out


def resolve_symbol(store: GraphStore, ref: str | int) -> SymbolRow:
    """One symbol from an id (``42``, ``"#42"``) or a (qualified) name; ambiguous names list the candidates."""
    text = str(ref).strip()
    if not text:
        raise InvalidInputError("symbol is empty", hint="pass a symbol id or a qualified name from search_symbols")
    m = re.fullmatch(r"#?(\d+)", text)
    if m:
        s = store.symbol(int(m.group(1)))
        if s is None:
            raise NotFoundError(f"no symbol with id {m.group(1)}", hint="ids change on re-index; search again")
        return s
    found = store.find_symbols(text, limit=11)
    if not found:
        hint = "check the spelling or call search_symbols"
        try:
            near = search(store, text, limit=5).hits
        except InvalidInputError:
            near = []
        if near:
            hint = "did you mean: " + ", ".join(f"{h.qualified_name} (id {h.id})" for h in near)
        raise NotFoundError(f"unknown symbol {text!r}", hint=hint)
    # one Python name defined again in one module (`@overload` stubs, then the implementation): the last binds
    same = len({(s.qualified_name, s.file_id) for s in found}) == 1
    if len(found) > 1 and same and all(s.language == "python" for s in found):
        return max(found, key=lambda s: s.start_line)
    if len(found) > 1:
        shown = ", ".join(f"{s.qualified_name} [{s.kind}, {s.path}:{s.start_line}, id {s.id}]" for s in found[:10])
        more = " …" if len(found) > 10 else ""
        raise InvalidInputError(
            f"symbol {text!r} is ambiguous: {len(found) if len(found) <= 10 else 'more than 10'} matches: {shown}{more}",
            hint="pass the id or the full qualified name",
        )
    return found[0]


@dataclass
class SymbolDetail:
    symbol: SymbolRow
    parent: SymbolBrief | None
    children: list[SymbolBrief]
    children_total: int
    callers: int
    callees: int
    unresolved_callees: int
    snippet: str
    snippet_truncated: bool
    module: str
    impl_blocks: list[SymbolBrief] = field(default_factory=list)  # Rust: impls of a type / of a trait
    impl_methods: list[SymbolBrief] = field(default_factory=list)  # Rust: methods in the type's impl blocks


def get_symbol(store: GraphStore, ref: str | int, *, max_lines: int = MAX_SNIPPET_LINES) -> SymbolDetail:
    """Definition, location, bounded source snippet, parent, children and call counts of one symbol."""
    s = resolve_symbol(store, ref)
    parent = store.symbol(s.parent_id) if s.parent_id is not None else None
    children = store.children(s.id, limit=MAX_CHILDREN)
    children_total = store.conn.execute("SELECT count(*) FROM symbols WHERE parent_id = ?", (s.id,)).fetchone()[0]
    marks = ",".join("?" * len(CALL_EDGE_KINDS))
    callers = store.conn.execute(
        f"SELECT count(DISTINCT src_id) FROM edges WHERE dst_id = ? AND kind IN ({marks})", (s.id, *CALL_EDGE_KINDS)
    ).fetchone()[0]
    callees, unresolved = store.conn.execute(
        f"SELECT count(DISTINCT dst_id), sum(dst_id IS NULL) FROM edges WHERE src_id = ? AND kind IN ({marks})",
        (s.id, *CALL_EDGE_KINDS),
    ).fetchone()
    snippet, cut = source_snippet(store, s, max_lines=max_lines)
    f = store.file_by_id(s.file_id)
    detail = SymbolDetail(
        s,
        SymbolBrief.of(parent) if parent else None,
        [SymbolBrief.of(c) for c in children],
        children_total,
        callers,
        callees,
        unresolved or 0,
        snippet,
        cut,
        f.module if f else "",
    )
    if s.kind in ("struct", "enum", "trait", "union", "type_alias") and s.language == "rust":
        _attach_impls(store, s, detail)
    return detail


def _attach_impls(store: GraphStore, s: SymbolRow, detail: SymbolDetail) -> None:
    """Rust keeps methods in impl blocks apart from the type: list the type's impls (or a trait's
    implementations) and their methods, from files of the same crate directory tree."""
    pattern = f"{s.name} for %" if s.kind == "trait" else f"% for {s.name}"
    rows = store.conn.execute(
        "SELECT s.id FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.kind = 'impl' AND f.language = 'rust' "
        "AND (s.name = ? OR s.name LIKE ?) ORDER BY f.path, s.start_line LIMIT ?",
        (s.name if s.kind != "trait" else "\0", pattern, MAX_CHILDREN),
    ).fetchall()
    impls = store.symbols_by_ids([r[0] for r in rows])
    detail.impl_blocks = [SymbolBrief.of(impls[r[0]]) for r in rows if r[0] in impls]
    if s.kind != "trait":
        for block in detail.impl_blocks:
            detail.impl_methods.extend(SymbolBrief.of(m) for m in store.children(block.id, limit=MAX_CHILDREN))
        detail.impl_methods = detail.impl_methods[:MAX_CHILDREN]


def source_snippet(store: GraphStore, s: SymbolRow, *, max_lines: int = MAX_SNIPPET_LINES) -> tuple[str, bool]:
    """The symbol's source lines, cut at ``max_lines`` / ``MAX_SNIPPET_CHARS``; "" if the file is gone."""
    try:
        data = store.read_source(s.path)
    except Exception:
        return "", False
    start, end = max(s.start_line, 1), max(s.end_line, s.start_line)
    if s.kind == "module":
        end = min(end, start + 20)
    cut = end - start + 1 > max_lines
    text = "\n".join(line_range(data, start, min(end, start + max_lines - 1)))
    if len(text) > MAX_SNIPPET_CHARS:
        text, cut = text[:MAX_SNIPPET_CHARS], True
    if cut:
        text += f"\n… [truncated: {end - start + 1} lines in all]"
    return text, cut


def line_range(data: bytes, first: int, last: int) -> list[str]:
    """Lines ``first``..``last`` (1-based, inclusive) of a file's bytes, decoded (bad bytes replaced).

    Why not ``decode().splitlines()``: that decodes and splits the whole file (a 50k-line file for a symbol
    on line 10: most of get_symbol's time), and it also breaks at form feeds and other Unicode separators,
    where the parser's line numbers (``\\n`` only) do not.
    """
    if last < first:
        return []
    return [
        line.decode("utf-8", errors="replace").removesuffix("\r") for line in data.split(b"\n", last)[first - 1 : last]
    ]


@dataclass(slots=True)
class GraphNode:
    id: int
    kind: str
    name: str
    qualified_name: str
    path: str
    line: int
    depth: int
    snippet: str | None = None  # the first source lines, only when asked for (``snippet_lines``)


@dataclass(slots=True)
class GraphEdge:
    src: int
    dst: int
    kind: str
    resolution: str
    candidates: int
    line: int
    target: str
    certainty: str = "certain"  # "certain" (the source proves it) or "possible" (a name match)


@dataclass
class CallGraph:
    root: GraphNode
    direction: str
    depth: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    unresolved: list[str]  # callee texts that resolve to nothing in the index (bounded)
    truncated: bool
    mermaid: str | None = None  # only when asked for (``with_mermaid``)
    notes: list[str] = field(default_factory=list)
    possible_edges_left_out: int = 0  # name-matched edges not followed (include_possible=False)


DIRECTIONS = ("callers", "callees", "both")
CONTAINERS = ("class", "struct", "enum", "trait", "interface", "impl", "module")


def call_graph(
    store: GraphStore,
    ref: str | int,
    *,
    direction: str = "callees",
    depth: int = 2,
    max_nodes: int = 50,
    max_unresolved: int = 30,
    include_possible: bool = False,
    with_mermaid: bool = False,
    snippet_lines: int = 0,
) -> CallGraph:
    """Breadth-first callers/callees of a symbol up to ``depth``, capped at ``max_nodes``. Edges that are only
    ``possible`` (name matches) are left out and counted unless ``include_possible``: what is shown by default
    is what the source proves.

    The Mermaid flowchart (``with_mermaid``) and each node's first ``snippet_lines`` source lines are made only
    when asked for: most readers want the ids, names, locations and edges, and both cost more than the walk.
    """
    if direction not in DIRECTIONS:
        raise InvalidInputError(f"unknown direction {direction!r}", hint="use callers, callees or both")
    if depth < 1:
        raise InvalidInputError("depth must be at least 1")
    root = resolve_symbol(store, ref)
    nodes: dict[int, int] = {root.id: 0}
    edges: dict[tuple[int, int, str], GraphEdge] = {}
    unresolved: list[str] = []
    possible: set[tuple[int, int, str]] = set()
    truncated = False
    marks = ",".join("?" * len(CALL_EDGE_KINDS))
    frontier = [root.id]
    expanded = 0
    if root.kind in CONTAINERS:
        # a class / impl / module calls nothing itself: its methods do, so they join the root at depth 0
        for member in store.children(root.id, limit=max_nodes):
            if member.kind in ("method", "function") and len(nodes) < max_nodes:
                nodes[member.id] = 0
                frontier.append(member.id)
                edges[(root.id, member.id, "contains")] = GraphEdge(
                    root.id, member.id, "contains", "same_module", 1, member.start_line, member.name
                )
                expanded += 1
    for level in range(1, depth + 1):
        if not frontier or truncated:
            break
        nxt: list[int] = []
        for i in range(0, len(frontier), 500):
            chunk = frontier[i : i + 500]
            fm = ",".join("?" * len(chunk))
            queries = []
            if direction in ("callees", "both"):
                queries.append(("src_id", "dst_id", f"src_id IN ({fm})"))
            if direction in ("callers", "both"):
                queries.append(("dst_id", "src_id", f"dst_id IN ({fm})"))
            for _from, _to, cond in queries:
                for src, dst, kind, res, cands, line, target in store.conn.execute(
                    f"SELECT src_id, dst_id, kind, resolution, candidates, line, target FROM edges "
                    f"WHERE {cond} AND kind IN ({marks}) ORDER BY src_id, ord, id",
                    (*chunk, *CALL_EDGE_KINDS),
                ):
                    if dst is None:
                        if len(unresolved) < max_unresolved and target not in unresolved:
                            unresolved.append(target)
                        continue
                    sure = certainty(res)
                    if sure != "certain" and not include_possible:
                        possible.add((src, dst, kind))
                        continue
                    other = dst if _to == "dst_id" else src
                    if other not in nodes:
                        if len(nodes) >= max_nodes:
                            truncated = True
                            continue
                        nodes[other] = level
                        nxt.append(other)
                    key = (src, dst, kind)
                    if key not in edges:
                        edges[key] = GraphEdge(src, dst, kind, res, cands, line, target, sure)
        frontier = nxt
    rows = store.symbols_by_ids(nodes)
    out_nodes = [
        GraphNode(i, rows[i].kind, rows[i].name, rows[i].qualified_name, rows[i].path, rows[i].start_line, d)
        for i, d in sorted(nodes.items(), key=lambda kv: (kv[1], kv[0]))
        if i in rows
    ]
    if snippet_lines > 0:
        sources = _SourceLines(store)
        for n in out_nodes:
            n.snippet = sources.snippet(rows[n.id], snippet_lines)
    graph = CallGraph(out_nodes[0], direction, depth, out_nodes, list(edges.values()), unresolved, truncated)
    if expanded:
        graph.notes.append(f"{root.kind} {root.name}: its {expanded} member function(s) are included at depth 0")
    if truncated:
        graph.notes.append(f"stopped at max_nodes={max_nodes}; raise it or lower depth to see everything")
    graph.possible_edges_left_out = len(possible)
    if possible:
        graph.notes.append(
            f"{len(possible)} possible edge(s) (name matches, dyn/cfg alternatives) left out; include_possible=true shows them, marked"
        )
    if with_mermaid:
        graph.mermaid = mermaid(graph)
    return graph


MAX_NODE_SNIPPET_LINES = 30
MAX_NODE_SNIPPET_CHARS = 1500


class _SourceLines:
    """Sources of indexed files, each file read once per call graph."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.files: dict[str, bytes | None] = {}

    def snippet(self, s: SymbolRow, max_lines: int) -> str:
        """The first ``max_lines`` lines of ``s`` (at most ``MAX_NODE_SNIPPET_*``), "" if its file is gone."""
        if s.path not in self.files:
            try:
                self.files[s.path] = self.store.read_source(s.path)
            except Exception:
                self.files[s.path] = None
        data = self.files[s.path]
        if data is None:
            return ""
        start, end = max(s.start_line, 1), max(s.end_line, s.start_line)
        keep = min(max_lines, MAX_NODE_SNIPPET_LINES, end - start + 1)
        text = "\n".join(line_range(data, start, start + keep - 1))[:MAX_NODE_SNIPPET_CHARS]
        return text + ("\n…" if keep < end - start + 1 else "")


def mermaid_label(text: str) -> str:
    """Escape a label for a Mermaid ``["…"]`` node."""
    return (
        text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;").replace("\n", " ")
    )


def short_name(qualified: str, keep: int = 2) -> str:
    parts = re.split(r"(::|\.)", qualified)
    # parts alternate name, sep, name …; keep the last ``keep`` names
    names = parts[::2]
    if len(names) <= keep:
        return qualified
    return "".join(parts[-(2 * keep - 1) :])


def mermaid(graph: CallGraph) -> str:
    lines = ["flowchart LR"]
    for n in graph.nodes:
        label = mermaid_label(short_name(n.qualified_name))
        shape = f'(["{label}"])' if n.id == graph.root.id else f'["{label}"]'
        lines.append(f"  n{n.id}{shape}")
    for e in graph.edges:
        arrow = "---" if e.kind == "contains" else "-.->" if e.certainty != "certain" else "-->"
        lines.append(f"  n{e.src} {arrow} n{e.dst}")
    return "\n".join(lines)
