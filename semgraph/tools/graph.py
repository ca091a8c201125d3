"""MCP tools of the `graph` toolset: index a repository, then search and traverse its graph."""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field, create_model, field_validator

from semgraph.errors import InvalidInputError, NotFoundError, SemgraphError
from semgraph.graph import impact as impact_mod
from semgraph.graph import queries_api as q
from semgraph.graph.confine import confined_root
from semgraph.graph.freshness import IndexOptions, note_read
from semgraph.graph.indexer import IndexReport, index_repository
from semgraph.graph.jobs import IndexJob, IndexJobs
from semgraph.graph.store import GraphStore, reader
from semgraph.graph.walker import DEFAULT_MAX_FILE_BYTES, MAX_EXCLUDES, MAX_GLOB_CHARS, normalize_languages
from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, ToolInput, register_tool
from semgraph.tools._fresh import fresh_tool, keeper_of

WORKING_TREE = frozenset({"git:working-tree", "git:worktree", "git:workingtree", "git:head"})
"""impact_analysis diffs of the working tree: they must read an index that includes every change on disk."""
DEFAULT_WAIT_SECONDS = 200
"""How long one index_repository call waits before leaving the run in the background (clients time out ~240 s)."""


# -- models ------------------------------------------------------------------------------------------------------
def _fields_of(dc: type) -> type[BaseModel]:
    """A pydantic base with exactly the fields of the domain dataclass ``dc`` (names, types, defaults, order).

    The output models below that publish a domain value unchanged derive from it, so they cannot drift from
    the dataclass; the subclass keeps the published model name (and so the JSON schema) as it was.
    """
    hints = typing.get_type_hints(dc)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(dc):
        if f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{dc.__name__}.{f.name}: default factories are not mapped")
        fields[f.name] = (hints[f.name], ... if f.default is dataclasses.MISSING else f.default)
    return create_model(f"{dc.__name__}Fields", **fields)


class IndexIn(ToolInput):
    path: Annotated[str, Field(description="Directory to index, relative to the server root (e.g. '.').")] = "."
    languages: Annotated[
        list[str] | None, Field(description="Only these languages: python, rust, javascript, typescript, go, java.")
    ] = None
    exclude: Annotated[
        list[Annotated[str, Field(max_length=MAX_GLOB_CHARS)]] | None,
        Field(
            max_length=MAX_EXCLUDES, description="Gitignore-style globs to leave out, e.g. ['tests/**', '*.min.js']."
        ),
    ] = None
    max_file_bytes: Annotated[int, Field(ge=1_000, le=50_000_000, description="Skip files larger than this.")] = (
        DEFAULT_MAX_FILE_BYTES
    )
    background: Annotated[
        bool, Field(description="If the run outlasts wait_seconds, keep indexing in the background (default).")
    ] = True
    wait_seconds: Annotated[
        int, Field(ge=0, le=230, description="How long this call waits before returning status 'running'.")
    ] = DEFAULT_WAIT_SECONDS
    status: Annotated[bool, Field(description="Only report the state of the current or last run.")] = False
    rebuild: Annotated[bool, Field(description="Delete the index and build it anew (repairs a damaged index).")] = False
    check: Annotated[
        bool, Field(description="Run PRAGMA quick_check on the index first (automatic after an unclean stop).")
    ] = False

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        normalize_languages(value)  # raises with the list of known languages
        return value


class LanguageCount(BaseModel):
    files: int
    symbols: int
    loc: int


class Skip(BaseModel):
    path: str
    reason: str


class IndexOut(BaseModel):
    status: Literal["completed", "running", "failed", "idle"]
    root: str
    message: str
    files_done: int = 0
    files_total: int | None = None
    elapsed_seconds: float = 0.0
    languages: dict[str, LanguageCount] = Field(default_factory=dict)
    files_scanned: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_removed: int = 0
    skipped: dict[str, int] = Field(default_factory=dict, description="Files/directories left out, by reason.")
    skipped_examples: list[Skip] = Field(default_factory=list)
    parse_errors: list[str] = Field(default_factory=list, description="file:line:col: message (first 50).")
    parse_error_total: int = 0
    call_resolution: dict[str, int] = Field(default_factory=dict, description="Call edges linked this run, by how.")
    generation: int = 0


class SymbolOut(_fields_of(q.SymbolBrief)):
    pass


class SearchIn(PageInput):
    query: Annotated[str, Field(min_length=1, max_length=200, description="Name or words, e.g. 'user repository'.")]
    kind: Annotated[str | None, Field(description="Only this kind: function, method, class, struct, …")] = None
    language: Annotated[str | None, Field(description="Only this language.")] = None
    limit: Annotated[int, Field(ge=1, le=200, description="Maximum hits (1-200).")] = 20


class SearchOut(BaseModel):
    hits: list[SymbolOut]
    exact_matches: int
    page: PageInfo
    total_capped: bool = Field(
        False, description="More than 1000 symbols matched: page.total stops at 1000; narrow the query or filter."
    )


class SymbolIn(ToolInput):
    symbol: Annotated[
        str, Field(min_length=1, max_length=500, description="Symbol id (e.g. '42') or (qualified) name.")
    ]


class SymbolDetailOut(BaseModel):
    id: int
    kind: str
    name: str
    qualified_name: str
    module: str
    language: str
    path: str
    start_line: int
    end_line: int
    signature: str
    doc: str
    visibility: str
    decorators: list[str]
    is_async: bool
    is_test: bool
    metrics: dict[str, int]
    parent: SymbolOut | None
    children: list[SymbolOut]
    children_total: int
    callers: int
    callees: int
    unresolved_callees: int
    source: str
    source_truncated: bool
    impl_blocks: list[SymbolOut] = Field(
        default_factory=list, description="Rust: impl blocks of this type, or implementations of this trait."
    )
    impl_methods: list[SymbolOut] = Field(default_factory=list, description="Rust: methods of this type's impls.")


class CallGraphIn(ToolInput):
    symbol: Annotated[str, Field(min_length=1, max_length=500, description="Symbol id or (qualified) name.")]
    direction: Literal["callers", "callees", "both"] = "callees"
    depth: Annotated[int, Field(ge=1, le=6, description="How many call levels to follow (1-6).")] = 2
    max_nodes: Annotated[int, Field(ge=1, le=300, description="Stop adding nodes after this many (1-300).")] = 50
    include_possible: Annotated[
        bool,
        Field(description="Also follow 'possible' edges (name matches the source does not prove), marked as such."),
    ] = False
    include_mermaid: Annotated[
        bool, Field(description="Also return a Mermaid flowchart of the graph (dashed arrows = possible).")
    ] = False
    snippet_lines: Annotated[
        int, Field(ge=0, le=30, description="Also return each node's first N source lines (0-30; default 0: none).")
    ] = 0


class NodeOut(_fields_of(q.GraphNode)):
    snippet: str | None = Field(
        None,
        exclude_if=lambda v: v is None,  # absent, not null, unless asked for: one field less per node
        description="The node's first source lines; present only with snippet_lines > 0.",
    )


class EdgeOut(_fields_of(q.GraphEdge)):
    pass


class CallGraphOut(BaseModel):
    root: NodeOut
    direction: str
    depth: int
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    unresolved_callees: list[str]
    truncated: bool
    mermaid: str | None = Field(None, description="Mermaid flowchart; null unless include_mermaid.")
    notes: list[str]
    possible_edges_left_out: int = Field(
        description="Name-matched edges not followed (include_possible=false); 0 when they are included."
    )


class ImpactIn(ToolInput):
    symbol: Annotated[str | None, Field(description="Symbol id or (qualified) name whose dependents you want.")] = None
    file: Annotated[str | None, Field(description="Indexed file path (relative to the indexed root).")] = None
    diff: Annotated[
        str | None,
        Field(
            max_length=2_000_000,
            description="Unified diff text, or 'git: working-tree', or 'git: REV..REV' (run in the indexed root).",
        ),
    ] = None
    max_depth: Annotated[int, Field(ge=1, le=10, description="How many dependency levels to follow.")] = 3
    limit: Annotated[int, Field(ge=1, le=500, description="Maximum dependent symbols listed.")] = 100
    include_possible: Annotated[
        bool, Field(description="Also list dependents reached only through name matches (certain=false).")
    ] = False


class ImpactedSymbolOut(_fields_of(impact_mod.ImpactedSymbol)):
    pass


class BrokenCallOut(_fields_of(impact_mod.BrokenCall)):
    pass


class ImpactedFileOut(BaseModel):
    path: str
    distance: int
    symbols: list[ImpactedSymbolOut]


class ChangedOut(BaseModel):
    symbol: SymbolOut
    lines: list[int]


class ImpactOut(BaseModel):
    seeds: list[SymbolOut]
    changed_symbols: list[ChangedOut]
    files: list[ImpactedFileOut]
    total_symbols: int
    total_files: int
    truncated: bool
    unindexed_files: list[str]
    notes: list[str]
    possible_left_out: int = Field(description="Dependents reached only by name match, left out (include_possible).")
    broken_calls: list[BrokenCallOut] = Field(
        description="Calls whose definition the change removed or renamed (after re-indexing): they now call nothing."
    )


# -- helpers --------------------------------------------------------------------------------------------------------
def _asdict(obj: Any) -> dict[str, Any]:
    """The fields of a flat domain dataclass (``dataclasses.asdict`` deep-copies every value: 10x slower)."""
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in dataclasses.fields(obj))
    return {name: getattr(obj, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def read_store(env: ToolEnv) -> GraphStore:
    """The calling worker thread's read-only connection to the index (see ``store.reader``)."""
    store = reader(env.settings.db_path)
    root = store.root
    if root is None or not store.conn.execute("SELECT 1 FROM files LIMIT 1").fetchone():
        raise NotFoundError("no index yet: call index_repository first", hint="index_repository(path='.')")
    if (root, env.guard) not in _CONFINED:  # one realpath per recorded root, not one per call
        confined_root(root, env.guard, env.settings.db_path)  # an index built for another root is refused
        _CONFINED.add((root, env.guard))
    store.guard = env.guard  # every file read is still resolved through the guard (``store.read_source``)
    return store


_CONFINED: set[tuple[Any, Any]] = set()
"""(recorded root, server guard) pairs whose confinement was checked (a refused root is never added)."""


def with_store(env: ToolEnv, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` on one read snapshot of the index (one committed generation, recorded for the answer)."""
    with read_store(env) as store:
        store.conn.execute("BEGIN")
        try:
            note_read(store)
            return fn(store, *args, **kwargs)
        finally:
            store.conn.execute("COMMIT")


def report_out(job: IndexJob, report: IndexReport | None, status: str, message: str) -> IndexOut:
    out = IndexOut(
        status=status,  # type: ignore[arg-type]
        root=str(job.root),
        message=message,
        files_done=int(job.done),
        files_total=int(job.total) if job.total is not None else None,
        elapsed_seconds=round(job.elapsed(), 2),
    )
    if report is not None:
        out = out.model_copy(
            update={
                "languages": {k: LanguageCount(**_asdict(v)) for k, v in report.languages.items()},
                "files_scanned": report.files_scanned,
                "files_parsed": report.files_parsed,
                "files_unchanged": report.files_unchanged,
                "files_added": report.files_added,
                "files_changed": report.files_changed,
                "files_removed": report.files_removed,
                "skipped": report.skipped,
                "skipped_examples": [Skip(path=p, reason=r) for p, r in report.skipped_examples],
                "parse_errors": report.parse_errors,
                "parse_error_total": report.parse_error_total,
                "call_resolution": report.resolution,
                "generation": report.generation,
                "elapsed_seconds": report.seconds,
            }
        )
    return out


def idle_status(env: ToolEnv, root: Any) -> IndexOut:
    """No run in this session: describe the index on disk, if any."""
    try:
        store = reader(env.settings.db_path)
    except NotFoundError:
        return IndexOut(status="idle", root=str(root), message="no index yet: call index_repository")
    languages = {
        lang: LanguageCount(files=n, symbols=syms, loc=loc)
        for lang, n, syms, loc in store.conn.execute(
            "SELECT f.language, count(*), (SELECT count(*) FROM symbols s JOIN files g ON g.id = s.file_id "
            "WHERE g.language = f.language), coalesce(sum(f.loc), 0) FROM files f GROUP BY f.language"
        )
    }
    return IndexOut(
        status="idle",
        root=str(store.root or root),
        message=f"no indexing run in this server session; the index on disk is at generation {store.generation()}",
        languages=languages,
        generation=store.generation(),
    )


def jobs(env: ToolEnv) -> IndexJobs:
    return env.service("graph.jobs", IndexJobs)


async def _follow(job: IndexJob, call: ToolCall, wait: float | None) -> None:
    """Forward the job's progress as notifications until it finishes or ``wait`` seconds pass."""
    deadline = None if wait is None else anyio.current_time() + wait
    last: tuple[float, float | None] = (-1, None)
    while not job.finished.is_set():
        if (job.done, job.total) != last and job.total is not None:
            last = (job.done, job.total)
            await call.progress(job.done, job.total, job.message)
        if deadline is not None and anyio.current_time() >= deadline:
            return
        await anyio.sleep(0.1)
    if job.total is not None:
        await call.progress(job.done, job.total, job.message)


def _finish(env: ToolEnv, job: IndexJob, started_here: bool) -> IndexOut:
    if job.state == "running":
        return report_out(
            job,
            None,
            "running",
            f"indexing continues in the background ({int(job.done)}/{job.total or '?'} files parsed); "
            "call index_repository again (status=true) to see progress or the final report",
        )
    jobs(env).collect(job)
    if job.error is not None:
        err = job.error
        if isinstance(err, SemgraphError):
            raise err
        raise InvalidInputError(f"indexing failed: {type(err).__name__}: {err}", hint="see the server log") from None
    report = job.report
    assert report is not None
    how = "indexed" if started_here else "background run finished"
    msg = (
        f"{how}: {report.files_parsed} parsed, {report.files_unchanged} unchanged, {report.files_removed} removed "
        f"in {report.seconds:.2f} s"
    )
    return report_out(job, report, "completed", msg)


# -- registration -----------------------------------------------------------------------------------------------
def register(app: MCPServer, env: ToolEnv) -> None:
    """Register index_repository, search_symbols, get_symbol, get_call_graph and impact_analysis."""

    @register_tool(
        app,
        env,
        name="index_repository",
        description=(
            "Index a repository into the semantic code graph (incremental: unchanged files are skipped). "
            "Respects .gitignore and .semgraphignore, skips vendored/build directories, binary and large files "
            "(each skip counted by reason). Sends progress notifications; a run longer than wait_seconds continues "
            "in the background and a second call (or status=true) reports its progress or final report. Returns "
            "counts per language, files added/changed/removed, parse errors as file:line:col, seconds."
        ),
        input_model=IndexIn,
        output_model=IndexOut,
        read_only=False,
        destructive=False,
        idempotent=True,
    )
    async def index_repository_tool(params: IndexIn, call: ToolCall) -> IndexOut:
        root = env.guard.resolve(params.path, kind="dir")
        db = env.settings.db_path
        registry = jobs(env)
        if params.status:
            job = registry.current(db)
            if job is None:
                return await call.run_sync(idle_status, env, root)
            return _finish(env, job, False)
        languages = params.languages
        exclude = params.exclude
        max_bytes = params.max_file_bytes
        rebuild, check = params.rebuild, params.check

        def work(job: IndexJob):
            return index_repository(
                root,
                db,
                env.guard,
                languages=languages,
                exclude=exclude,
                max_file_bytes=max_bytes,
                progress=job.progress,
                rebuild=rebuild,
                check=check,
            )

        job, started = registry.start(db, root, work)
        if started:  # the keeper's later re-indexes follow this root and these options
            keeper_of(env).configure(
                root,
                IndexOptions(tuple(languages) if languages else None, tuple(exclude) if exclude else None, max_bytes),
            )
        if not started and job.state == "running" and job.root != root:
            raise InvalidInputError(
                f"an indexing run for {job.root} is in progress",
                hint="wait for it (index_repository with status=true) before indexing another directory",
            )
        await _follow(job, call, params.wait_seconds if params.background else None)
        return _finish(env, job, started)

    @fresh_tool(
        app,
        env,
        name="search_symbols",
        description=(
            "Find symbols (functions, classes, methods, …) by name or words, ranked: exact name matches first, then "
            "full-text rank over names split at snake_case/CamelCase, qualified names, signatures and docs. "
            "'user repo' finds UserRepository. Filter by kind/language; page with limit/offset."
        ),
        input_model=SearchIn,
        output_model=SearchOut,
        read_only=True,
    )
    async def search_symbols(params: SearchIn, call: ToolCall) -> SearchOut:
        res = await call.run_sync(
            with_store,
            env,
            q.search,
            params.query,
            kind=params.kind,
            language=params.language,
            limit=params.limit,
            offset=params.offset,
        )
        hits = [SymbolOut(**_asdict(h)) for h in res.hits]
        return SearchOut(
            hits=hits,
            exact_matches=res.exact,
            page=PageInfo.of(res.total, params.offset, params.limit, len(hits)),
            total_capped=res.total_capped,
        )

    @fresh_tool(
        app,
        env,
        name="get_symbol",
        description=(
            "One symbol in detail: signature, doc, location, bounded source snippet, parent, children, "
            "decorators, metrics and caller/callee counts. Accepts an id from search_symbols or a (qualified) name; "
            "an ambiguous name returns an error listing the candidates with their ids."
        ),
        input_model=SymbolIn,
        output_model=SymbolDetailOut,
        read_only=True,
    )
    async def get_symbol(params: SymbolIn, call: ToolCall) -> SymbolDetailOut:
        d = await call.run_sync(with_store, env, q.get_symbol, params.symbol)
        s = d.symbol
        return SymbolDetailOut(
            id=s.id, kind=s.kind, name=s.name, qualified_name=s.qualified_name, module=d.module,
            language=s.language, path=s.path, start_line=s.start_line, end_line=s.end_line, signature=s.signature,
            doc=s.doc[:2000], visibility=s.visibility, decorators=s.decorators, is_async=s.is_async,
            is_test=s.is_test, metrics=s.metrics,
            parent=SymbolOut(**_asdict(d.parent)) if d.parent else None,
            children=[SymbolOut(**_asdict(c)) for c in d.children], children_total=d.children_total,
            callers=d.callers, callees=d.callees, unresolved_callees=d.unresolved_callees,
            source=d.snippet, source_truncated=d.snippet_truncated,
            impl_blocks=[SymbolOut(**_asdict(b)) for b in d.impl_blocks],
            impl_methods=[SymbolOut(**_asdict(m)) for m in d.impl_methods],
        )  # fmt: skip

    @fresh_tool(
        app,
        env,
        name="get_call_graph",
        description=(
            "Callers and/or callees of a symbol up to `depth` levels, as nodes and edges (each edge says how it was "
            "resolved: import, same_module, self, qualified, typed, name_match with candidate count, and its certainty: "
            "certain or possible), capped at max_nodes, and the unresolved callee texts. Possible edges (name matches, "
            "dyn/cfg alternatives) are left out and counted unless include_possible. A Mermaid flowchart "
            "(include_mermaid) and each node's first source lines (snippet_lines) come only when asked for."
        ),
        input_model=CallGraphIn,
        output_model=CallGraphOut,
        read_only=True,
    )
    async def get_call_graph(params: CallGraphIn, call: ToolCall) -> CallGraphOut:
        g = await call.run_sync(
            with_store,
            env,
            q.call_graph,
            params.symbol,
            direction=params.direction,
            depth=params.depth,
            max_nodes=params.max_nodes,
            include_possible=params.include_possible,
            with_mermaid=params.include_mermaid,
            snippet_lines=params.snippet_lines,
        )
        return CallGraphOut(
            root=NodeOut(**_asdict(g.root)),
            direction=g.direction,
            depth=g.depth,
            nodes=[NodeOut(**_asdict(n)) for n in g.nodes],
            edges=[EdgeOut(**_asdict(e)) for e in g.edges],
            unresolved_callees=g.unresolved,
            truncated=g.truncated,
            mermaid=g.mermaid,
            notes=g.notes,
            possible_edges_left_out=g.possible_edges_left_out,
        )

    @fresh_tool(
        app,
        env,
        needs_current=lambda p: (p.diff or "").strip().lower().replace(" ", "") in WORKING_TREE,
        name="impact_analysis",
        description=(
            "What transitively depends on a symbol, a file, or a change (unified diff text, 'git: working-tree' or "
            "'git: REV..REV'): changed lines are mapped to the innermost changed symbols, then callers, subclasses "
            "and importers are followed up to max_depth, grouped by file with their distance, nearest first. Only "
            "certain edges are followed unless include_possible (then name-matched dependents come marked "
            "certain=false); calls whose definition a re-index removed or renamed are listed as broken_calls."
        ),
        input_model=ImpactIn,
        output_model=ImpactOut,
        read_only=True,
    )
    async def impact_analysis(params: ImpactIn, call: ToolCall) -> ImpactOut:
        res = await call.run_sync(
            with_store,
            env,
            impact_mod.impact,
            symbol=params.symbol,
            file=params.file,
            diff=params.diff,
            max_depth=params.max_depth,
            limit=params.limit,
            include_possible=params.include_possible,
        )
        return ImpactOut(
            seeds=[SymbolOut(**_asdict(s)) for s in res.seeds],
            changed_symbols=[ChangedOut(symbol=SymbolOut(**_asdict(c.symbol)), lines=c.lines) for c in res.changed],
            files=[
                ImpactedFileOut(
                    path=f.path, distance=f.distance, symbols=[ImpactedSymbolOut(**_asdict(s)) for s in f.symbols]
                )
                for f in res.files
            ],
            total_symbols=res.total_symbols,
            total_files=res.total_files,
            truncated=res.truncated,
            unindexed_files=res.unindexed_files,
            notes=res.notes,
            possible_left_out=res.possible_left_out,
            broken_calls=[BrokenCallOut(**_asdict(b)) for b in res.broken_calls],
        )
