"""MCP tools of the `workload` toolset: seed a database, drive it, keep and compare results."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, ToolInput, register_tool
from semgraph.workload import service
from semgraph.workload.patterns import PATTERNS
from semgraph.workload.runner import RunResult
from semgraph.workload.runs import Comparison, RunStore, RunSummary, compare_runs
from semgraph.workload.seeder import SeedResult

DSN_HELP = (
    "Database URL: sqlite:///file.db (under the server root), postgresql://user:pass@host:5432/db "
    "(?search_path=schema), mysql://user:pass@host:3306/db or mariadb://…. Omit for the embedded default "
    "(a SQLite file in the index directory with a demo shop schema)."
)
MAX_OPERATIONS = 50


class SeedIn(ToolInput):
    dsn: Annotated[str | None, Field(description=DSN_HELP)] = None
    allow_writes: Annotated[bool, Field(description="Must be true: seeding writes to the database.")] = False
    config: Annotated[str | None, Field(description="Seed config file (TOML or YAML) under the root.")] = None
    config_data: Annotated[dict[str, Any] | None, Field(description="Inline seed config (same fields).")] = None
    rows: Annotated[int | None, Field(ge=0, le=10_000_000, description="Rows per table (overrides size).")] = None
    size: Annotated[
        Literal["small", "medium", "large"] | None, Field(description="1k / 10k / 100k rows per table.")
    ] = None
    seed: Annotated[int | None, Field(description="Same seed, same data (default 0).")] = None
    tables: Annotated[list[str] | None, Field(description="Only these tables (default: all).", max_length=200)] = None
    truncate: Annotated[bool, Field(description="Empty the tables first.")] = False
    incremental: Annotated[bool, Field(description="Append to existing rows.")] = False


class RunIn(ToolInput):
    dsn: Annotated[str | None, Field(description=DSN_HELP)] = None
    pattern: Annotated[str | None, Field(description="Built-in pattern (see list_workload_patterns).")] = None
    config: Annotated[str | None, Field(description="Workload config file (TOML/YAML) under the root.")] = None
    config_data: Annotated[dict[str, Any] | None, Field(description="Inline workload config.")] = None
    seed_config: Annotated[
        str | None, Field(description="Seed config (TOML/YAML) under the root: inserts use its column generators.")
    ] = None
    seed_config_data: Annotated[dict[str, Any] | None, Field(description="Inline seed config.")] = None
    connections: Annotated[int | None, Field(ge=1, le=64, description="Connections (default 4).")] = None
    target_tps: Annotated[float | None, Field(gt=0, le=100_000, description="Open-loop rate; omit for full speed.")] = (
        None
    )
    arrival: Annotated[Literal["constant", "poisson"] | None, Field(description="Arrival process for target_tps.")] = (
        None
    )
    duration_s: Annotated[float | None, Field(gt=0, le=600, description="Measured seconds (default 10).")] = None
    transactions: Annotated[int | None, Field(ge=1, le=1_000_000, description="Stop after this many operations.")] = (
        None
    )
    warmup_s: Annotated[float | None, Field(ge=0, le=120, description="Warm-up seconds, not measured.")] = None
    seed: Annotated[int | None, Field(description="Fixes the arrival schedule and operation choice.")] = None
    allow_writes: Annotated[
        bool, Field(description="Allow inserts/updates/deletes (only of rows this run inserts).")
    ] = False
    latency_limit_ms: Annotated[float | None, Field(gt=0, description="Count late ops; skip ones already later.")] = (
        None
    )
    statement_timeout_s: Annotated[float | None, Field(gt=0, le=600, description="Per statement (default 5).")] = None
    tables: Annotated[list[str] | None, Field(description="Restrict to these tables.", max_length=200)] = None
    processes: Annotated[int | None, Field(ge=1, le=8, description="Client processes sharing the connections.")] = None
    pipeline: Annotated[
        int | None,
        Field(ge=1, le=64, description="Full speed only: reads sent together per connection (PostgreSQL pipelining)."),
    ] = None
    include_histogram: Annotated[bool, Field(description="Return the base64 HDR histogram (always stored).")] = False


class PatternInfo(BaseModel):
    name: str
    description: str
    mix_percent: dict[str, float]
    read_percent: float
    writes: bool = Field(description="True: needs allow_writes=true.")
    prefers_tables_like: list[str]


class PatternsOut(BaseModel):
    patterns: list[PatternInfo]
    operation_kinds: dict[str, str]


class ListIn(ToolInput):
    pass


class GetRunIn(PageInput):
    run_id: Annotated[int | None, Field(ge=1, description="Run to show; omit to list recent runs.")] = None
    include_histogram: bool = False
    limit: Annotated[int, Field(ge=1, le=100, description="Runs per page when listing.")] = 20


class GetRunOut(BaseModel):
    run: RunResult | None = None
    runs: list[RunSummary] = Field(default_factory=list)
    page: PageInfo | None = Field(
        None, description="Runs page when listing; the run's operations page (offset/limit) when showing one run."
    )


class CompareIn(ToolInput):
    a: Annotated[int, Field(ge=1, description="Baseline run id.")]
    b: Annotated[int, Field(ge=1, description="Run to compare with the baseline.")]


KIND_HELP = {
    "point_select": "SELECT * by primary key (existing rows)",
    "range_scan": "up to 100 rows by primary-key range",
    "join": "child rows joined to their parent through a foreign key",
    "aggregate": "COUNT/SUM/AVG/MIN/MAX with GROUP BY over a key range",
    "insert": "one row with generated values; FKs point at pre-existing parents",
    "update": "1-2 random non-key columns of a row THIS run inserted",
    "delete": "a row THIS run inserted (never pre-existing data)",
}


def _bounded(result: RunResult, include_histogram: bool, offset: int = 0, limit: int = MAX_OPERATIONS) -> tuple[RunResult, PageInfo]:  # fmt: skip
    """The run with one page of its per-operation stats (the page says how many there are: never cut silently)."""
    out = result.model_copy()
    out.operations = result.operations[offset : offset + limit]
    out.operations_total = len(result.operations)
    if not include_histogram:
        out.histogram = ""
    return out, PageInfo.of(len(result.operations), offset, limit, len(out.operations))


def register(app: MCPServer, env: ToolEnv) -> None:
    """Register seed_database, run_workload, list_workload_patterns, get_workload_run, compare_workload_runs."""
    settings, guard = env.settings, env.guard

    @register_tool(
        app,
        env,
        name="seed_database",
        description=(
            "Fill a database's tables with realistic, deterministic data (same seed -> same data), parents before "
            "children so every foreign key is valid. Needs allow_writes=true. Generators come from the config or "
            "are inferred from column types, names and constraints (enums, CHECKs, unique keys, widths). A table that "
            "fails is listed in problems (column, constraint, value) and the rest is still seeded."
        ),
        input_model=SeedIn,
        output_model=SeedResult,
        read_only=False,
        destructive=True,
        idempotent=False,
    )
    async def seed_database(params: SeedIn, call: ToolCall) -> SeedResult:
        report = call.thread_progress()
        options = params.model_dump(exclude={"dsn", "config", "config_data", "allow_writes"})

        def work() -> SeedResult:
            return asyncio.run(
                service.seed(
                    settings,
                    guard,
                    dsn=params.dsn,
                    config=params.config,
                    config_data=params.config_data,
                    allow_writes=params.allow_writes,
                    progress=report,
                    **options,
                )
            )

        return await call.run_sync(work)

    @register_tool(
        app,
        env,
        name="run_workload",
        description=(
            "Drive a database with a built-in pattern or a custom config over N connections and report achieved vs "
            "target TPS, latency percentiles (from each operation's intended start, so stalls show), per-operation "
            "stats, grouped errors and a per-second series. Writes need allow_writes=true. The result is stored: "
            "see get_workload_run / compare_workload_runs."
        ),
        input_model=RunIn,
        output_model=RunResult,
        read_only=False,
        destructive=True,
        idempotent=False,
    )
    async def run_workload(params: RunIn, call: ToolCall) -> RunResult:
        options = params.model_dump(exclude={"dsn", "pattern", "config", "config_data", "include_histogram"})
        dsn, spec = service.prepare_run(
            settings, guard, dsn=params.dsn, pattern=params.pattern, config=params.config,
            config_data=params.config_data, **options,
        )  # fmt: skip
        pending: set[asyncio.Task[None]] = set()

        def report(done: float, total: float | None = None, message: str | None = None) -> None:
            task = asyncio.ensure_future(call.progress(done, total, message))
            pending.add(task)
            task.add_done_callback(pending.discard)

        stop = asyncio.Event()
        task = asyncio.create_task(service.run_and_store(settings, dsn, spec, progress=report, stop=stop))
        try:
            result = await asyncio.shield(task)
        except anyio.get_cancelled_exc_class():
            stop.set()  # the client cancelled: stop within a second, keep the partial result stored
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                await task
            raise
        return _bounded(result, params.include_histogram)[0]

    @register_tool(
        app,
        env,
        name="list_workload_patterns",
        description="Describe the ten built-in workload patterns: operation mix, read share, whether they write.",
        input_model=ListIn,
        output_model=PatternsOut,
        read_only=True,
    )
    async def list_workload_patterns(params: ListIn, call: ToolCall) -> PatternsOut:
        infos = []
        for p in PATTERNS.values():
            total = sum(p.mix.values())
            infos.append(
                PatternInfo(
                    name=p.name,
                    description=p.description,
                    mix_percent={k: round(100 * w / total, 1) for k, w in p.mix.items()},
                    read_percent=round(100 * p.read_share, 1),
                    writes=p.writes,
                    prefers_tables_like=p.prefer,
                )
            )
        return PatternsOut(patterns=infos, operation_kinds=KIND_HELP)

    @register_tool(
        app,
        env,
        name="get_workload_run",
        description="Return a stored workload run by id, or list recent runs (paged) when run_id is omitted.",
        input_model=GetRunIn,
        output_model=GetRunOut,
        read_only=True,
    )
    async def get_workload_run(params: GetRunIn, call: ToolCall) -> GetRunOut:
        store = RunStore(service.run_store_path(settings))
        if params.run_id is None:
            runs, total = await call.run_sync(store.list, params.limit, params.offset)
            return GetRunOut(runs=runs, page=PageInfo.of(total, params.offset, params.limit, len(runs)))
        run = await call.run_sync(store.get, params.run_id)
        bounded, page = _bounded(run, params.include_histogram, params.offset, params.limit)
        return GetRunOut(run=bounded, page=page)

    @register_tool(
        app,
        env,
        name="compare_workload_runs",
        description="Compare two stored runs: TPS, success rate and latency percentiles with deltas and ratios, "
        "per-operation p50/p99, errors, and setup differences.",
        input_model=CompareIn,
        output_model=Comparison,
        read_only=True,
    )
    async def compare_workload_runs(params: CompareIn, call: ToolCall) -> Comparison:
        store = RunStore(service.run_store_path(settings))
        a = await call.run_sync(store.get, params.a)
        b = await call.run_sync(store.get, params.b)
        return compare_runs(a, b)
