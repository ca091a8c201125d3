"""MCP tools of the `analysis` toolset: workflows, patterns, quality, cross-language links.

Every tool reads the index at ``settings.db_path`` (built by ``index_repository``);
without one they answer with an error telling to index first. Results are
bounded: pages (limit/offset), capped step lists, truncated code.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from semgraph.analysis.codebase import Codebase, open_codebase
from semgraph.analysis.crosslang import LINK_KINDS, CrossLink, find_cross_language_links
from semgraph.analysis.entrypoints import find_entry_points
from semgraph.analysis.generated import SkippedFile
from semgraph.analysis.patterns import PATTERN_KINDS, LayeringViolation, PatternInstance, detect_architectural_patterns
from semgraph.analysis.quality import SEVERITY_RANK, Finding, FunctionMetrics, assess_code_quality
from semgraph.analysis.routes import Route, UnmappedRoute, list_routes, route_inventory
from semgraph.analysis.steps import StepAnalysis, analyze_workflow_step
from semgraph.analysis.tracing import SINKS, TraceResult, trace_workflow
from semgraph.analysis.workflows import WORKFLOW_TYPES, Workflow, detect_business_workflows
from semgraph.errors import InvalidInputError
from semgraph.graph.freshness import note_generation
from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, ToolInput
from semgraph.tools._fresh import fresh_tool

MAX_STEPS_SHOWN = 25
# Accepted values are the domain's own keys, in the domain's order (the order the JSON schema lists them).
WorkflowType = Literal[tuple(WORKFLOW_TYPES)]  # type: ignore[valid-type]
PatternKind = Literal[tuple(PATTERN_KINDS)]  # type: ignore[valid-type]
LinkKind = Literal[LINK_KINDS]  # type: ignore[valid-type]


def _codebase(call: ToolCall) -> Codebase:
    cb = open_codebase(call.env.settings.db_path, call.env.guard)
    note_generation(cb.generation)  # the generation this answer reads, for its freshness label
    return cb


def _scope(call: ToolCall, cb: Codebase, path: str) -> str:
    """A user path (relative to the server root, or absolute inside it) as a path relative to the indexed root."""
    text = path.strip()
    if not text or text in {".", "./"}:
        return ""
    real = call.env.guard.resolve(text, must_exist=False)  # refuses paths outside the server's roots
    root = Path(os.path.realpath(cb.root))
    if not (real == root or real.is_relative_to(root)):
        raise InvalidInputError(
            f"path {path!r} is outside the indexed directory {root}",
            hint="pass a file or directory inside the indexed project, or '' for everything",
        )
    return real.relative_to(root).as_posix() if real != root else ""


# ------------------------------------------------------------------ workflows
class DetectWorkflowsIn(PageInput):
    entry_points: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=300)]] | None,
        Field(
            max_length=100,
            description="Restrict to these entry points: handler names (routes.register), paths (/register) "
            "or 'METHOD /path'. Default: every entry point found.",
        ),
    ] = None
    types: Annotated[list[WorkflowType] | None, Field(description="Only these workflow types.")] = None
    min_confidence: Annotated[float, Field(ge=0.0, le=1.0, description="Drop workflows below this confidence.")] = 0.5
    limit: Annotated[int, Field(ge=1, le=100, description="Workflows per page (1-100).")] = 10
    detail: Annotated[
        Literal["full", "summary"],
        Field(
            description="'summary' leaves out steps, rules, errors and the diagram (ids, types, confidence, "
            "evidence and entry points only) to list many workflows cheaply"
        ),
    ] = "full"


class DetectWorkflowsOut(BaseModel):
    workflows: list[Workflow]
    page: PageInfo
    by_type: dict[str, int]
    average_confidence: float
    entry_points_found: int = Field(description="entry points found in the index (workflows are traced from them)")
    frameworks: list[str] = Field(default_factory=list, description="web frameworks whose routes were seen")
    routes_not_traced: int = Field(
        0,
        description="HTTP routes seen without a traceable handler (inline closures) or not understood at all; "
        "their workflows are missing from this answer",
    )
    not_traced_examples: list[str] = Field(
        default_factory=list, description="a few of them as 'file:line declaration (reason)'"
    )
    note: str = ""


# -------------------------------------------------------------------- routes
MAX_UNMAPPED_SHOWN = 50


class ListRoutesIn(PageInput):
    method: Annotated[
        str | None, Field(max_length=10, description="only this HTTP method (GET, POST, …); ANY routes match every one")
    ] = None
    path_prefix: Annotated[
        str | None, Field(max_length=500, description="only routes at or under this path, e.g. /api/v1")
    ] = None
    framework: Annotated[
        str | None, Field(max_length=40, description="only this framework (flask, fastapi, django, express, …)")
    ] = None
    limit: Annotated[int, Field(ge=1, le=500, description="Routes per page (1-500).")] = 100


class ListRoutesOut(BaseModel):
    routes: list[Route]
    page: PageInfo
    frameworks: list[str] = Field(description="web frameworks whose routes were seen")
    unmapped: list[UnmappedRoute] = Field(
        description="route-like declarations seen but not mapped to a route with a handler (first 50)"
    )
    unmapped_total: int
    note: str = ""


# --------------------------------------------------------------------- steps
class AnalyzeStepIn(ToolInput):
    workflow_id: Annotated[str, Field(min_length=4, max_length=64, description="id from detect_business_workflows")]
    step_number: Annotated[int, Field(ge=1, le=10_000, description="1-based step number in that workflow")]


class TraceIn(ToolInput):
    from_symbol: Annotated[str, Field(min_length=1, max_length=300, description="start: qualified name or unique name")]
    to_symbol: Annotated[
        str | None, Field(max_length=300, description="end symbol; omit to trace to every sink of `sink`")
    ] = None
    sink: Annotated[
        Literal["database_write", "database_read", "network", "notification", "payment"] | None,
        Field(description="kind of sink when to_symbol is omitted (default database_write)"),
    ] = None
    max_depth: Annotated[int, Field(ge=1, le=12, description="longest call chain followed")] = 6
    max_paths: Annotated[int, Field(ge=1, le=100, description="paths returned")] = 20


# ------------------------------------------------------------------ patterns
class PatternsIn(PageInput):
    kinds: Annotated[list[PatternKind] | None, Field(description="Only these pattern kinds (default: all).")] = None


class PatternsOut(BaseModel):
    patterns: list[PatternInstance]
    page: PageInfo
    by_kind: dict[str, int]
    layering_violations: list[LayeringViolation]
    layering_violations_total: int
    layers: dict[str, int]
    skipped: list[SkippedFile] = Field(description="generated files left out, with the reason (first 50)")
    skipped_total: int


# ------------------------------------------------------------------- quality
class QualityIn(PageInput):
    path: Annotated[
        str,
        Field(
            max_length=1000,
            description="file or directory to assess (relative to the server root, or absolute inside it; "
            "'' = the whole index)",
        ),
    ] = ""
    min_severity: Annotated[
        Literal["high", "medium", "low", "info"], Field(description="drop findings below this severity")
    ] = "info"
    categories: Annotated[
        list[Literal["complexity", "design", "security", "performance", "dead_code", "tests"]] | None,
        Field(description="only findings of these categories"),
    ] = None


class QualityOut(BaseModel):
    scope: str
    summary: dict[str, float | int]
    findings: list[Finding]
    page: PageInfo
    functions: list[FunctionMetrics] = Field(description="the most complex functions (first `limit`)")
    functions_total: int
    import_cycles: list[list[str]]
    test_layout: dict[str, int | list[str]]
    skipped: list[SkippedFile] = Field(description="generated files left out, with the reason (first 50)")
    skipped_total: int


# --------------------------------------------------------------------- links
class LinksIn(PageInput):
    kinds: Annotated[list[LinkKind] | None, Field(description="only these link kinds (default: all)")] = None
    store_edges: Annotated[
        bool, Field(description="also store the links as cross_language edges of the graph (for impact analysis)")
    ] = True
    limit: Annotated[int, Field(ge=1, le=500, description="links per page")] = 100


class LinksOut(BaseModel):
    links: list[CrossLink]
    page: PageInfo
    by_kind: dict[str, int]
    edges_stored: int = Field(description="cross_language edges now in the graph (0 when store_edges is false)")


def register(app: MCPServer, env: ToolEnv) -> None:
    """Register the seven analysis tools."""

    @fresh_tool(
        app,
        env,
        name="detect_business_workflows",
        title="Detect business workflows",
        description=(
            "Find entry points (HTTP routes, CLI commands, message handlers, main) and trace each through the "
            "call graph into a business workflow: type (user_registration, authentication, password_reset, "
            "payment_processing, order_fulfilment, data_import, report_generation, notification_delivery, crud, "
            "custom) with confidence and evidence, ordered steps with roles and locations, business rules from "
            "guards, error scenarios, exit points and a Mermaid flowchart. Ids are stable: pass one to "
            "analyze_workflow_step. Requires index_repository first."
        ),
        input_model=DetectWorkflowsIn,
        output_model=DetectWorkflowsOut,
        read_only=True,
    )
    async def detect(params: DetectWorkflowsIn, call: ToolCall) -> DetectWorkflowsOut:
        def work() -> DetectWorkflowsOut:
            cb = _codebase(call)
            wfs = detect_business_workflows(
                cb, entry_points=params.entry_points, types=params.types, min_confidence=params.min_confidence
            )
            page = wfs[params.offset : params.offset + params.limit]
            shown = []
            for wf in page:
                if params.detail == "summary":
                    wf = wf.model_copy(update={"steps": [], "business_rules": [], "error_scenarios": [], "mermaid": ""})
                elif len(wf.steps) > MAX_STEPS_SHOWN:
                    wf = wf.model_copy(update={"steps": wf.steps[:MAX_STEPS_SHOWN], "truncated": True})
                shown.append(wf)
            by_type = dict(Counter(w.type for w in wfs))
            avg = round(sum(w.confidence for w in wfs) / len(wfs), 2) if wfs else 0.0
            n_entries = len(find_entry_points(cb))
            inv = route_inventory(cb)
            missing = [
                f"{r.file}:{r.line} {r.method} {r.path} (inline handler)" for r in inv.routes if r.handler_id is None
            ]
            missing += [f"{u.file}:{u.line} {u.code} ({u.reason})" for u in inv.unmapped]
            notes = (
                [] if wfs else [f"no workflow at min_confidence {params.min_confidence}; lower it to see custom ones"]
            )
            if missing:
                notes.append(
                    f"{len(missing)} route declaration(s) could not be traced (see not_traced_examples, "
                    "list_routes for all): the workflows cover part of the app"
                )
            if not inv.frameworks:
                notes.append("no web framework's routes recognised")
            note = "; ".join(notes)
            return DetectWorkflowsOut(
                workflows=shown,
                page=PageInfo.of(len(wfs), params.offset, params.limit, len(shown)),
                by_type=by_type,
                average_confidence=avg,
                entry_points_found=n_entries,
                frameworks=inv.frameworks,
                routes_not_traced=len(missing),
                not_traced_examples=missing[:5],
                note=note,
            )

        return await call.run_sync(work)

    @fresh_tool(
        app,
        env,
        name="list_routes",
        title="List HTTP routes",
        description=(
            "Every HTTP route of the indexed backend: method, full path (prefixes of routers, blueprints, "
            "scopes, groups and controllers composed across files), handler symbol, file:line and framework "
            "(Flask, FastAPI, Django/DRF, Express, Koa, Fastify, NestJS, Actix-web, Axum, gin/net-http, Spring), "
            "plus the route declarations it saw but could not map, with file:line. Paged. "
            "Requires index_repository first."
        ),
        input_model=ListRoutesIn,
        output_model=ListRoutesOut,
        read_only=True,
    )
    async def routes(params: ListRoutesIn, call: ToolCall) -> ListRoutesOut:
        def work() -> ListRoutesOut:
            inv = list_routes(
                _codebase(call), method=params.method, path_prefix=params.path_prefix, framework=params.framework
            )
            page = inv.routes[params.offset : params.offset + params.limit]
            note = ""
            if not inv.routes and not inv.unmapped:
                note = "no HTTP route found: no supported web framework's routes in this index"
            elif inv.unmapped:
                note = (
                    f"{len(inv.unmapped)} route-like declaration(s) could not be mapped; "
                    "the routes listed may be incomplete (see unmapped)"
                )
            return ListRoutesOut(
                routes=page,
                page=PageInfo.of(len(inv.routes), params.offset, params.limit, len(page)),
                frameworks=inv.frameworks,
                unmapped=inv.unmapped[:MAX_UNMAPPED_SHOWN],
                unmapped_total=len(inv.unmapped),
                note=note,
            )

        return await call.run_sync(work)

    @fresh_tool(
        app,
        env,
        name="analyze_workflow_step",
        title="Analyze one workflow step",
        description=(
            "One step of a workflow from detect_business_workflows: its code (truncated), callees, the "
            "tables/models it reads or writes, business rules, error paths and risks (no validation before "
            "persist, writes without a transaction, secrets logged, queries in loops, unwrap on request paths)."
        ),
        input_model=AnalyzeStepIn,
        output_model=StepAnalysis,
        read_only=True,
    )
    async def step(params: AnalyzeStepIn, call: ToolCall) -> StepAnalysis:
        return await call.run_sync(
            lambda: analyze_workflow_step(_codebase(call), params.workflow_id, params.step_number)
        )

    @fresh_tool(
        app,
        env,
        name="trace_workflow",
        title="Trace call paths",
        description=(
            "Call paths from one symbol to another, or from a symbol (e.g. an HTTP handler) to every sink of a "
            f"kind ({', '.join(SINKS)}), bounded in depth and count, with a Mermaid diagram."
        ),
        input_model=TraceIn,
        output_model=TraceResult,
        read_only=True,
    )
    async def trace(params: TraceIn, call: ToolCall) -> TraceResult:
        if params.to_symbol is not None and not params.to_symbol.strip():
            raise InvalidInputError("to_symbol is empty", hint="omit it to trace to sinks")
        return await call.run_sync(
            lambda: trace_workflow(
                _codebase(call),
                params.from_symbol,
                params.to_symbol,
                sink=params.sink,
                max_depth=params.max_depth,
                max_paths=params.max_paths,
            )
        )

    @fresh_tool(
        app,
        env,
        name="detect_architectural_patterns",
        title="Detect architecture and design patterns",
        description=(
            "Patterns recognised from what the code does: "
            + "; ".join(f"{k}" for k in PATTERN_KINDS)
            + ". Each with symbols, evidence, confidence and recommendations; controller → service → repository "
            "layering with the controllers that reach the database directly."
        ),
        input_model=PatternsIn,
        output_model=PatternsOut,
        read_only=True,
    )
    async def patterns(params: PatternsIn, call: ToolCall) -> PatternsOut:
        def work() -> PatternsOut:
            report = detect_architectural_patterns(_codebase(call), params.kinds)
            page = report.patterns[params.offset : params.offset + params.limit]
            return PatternsOut(
                patterns=page,
                page=PageInfo.of(len(report.patterns), params.offset, params.limit, len(page)),
                by_kind=dict(Counter(p.kind for p in report.patterns)),
                layering_violations=report.layering_violations[:50],
                layering_violations_total=len(report.layering_violations),
                layers=report.layers,
                skipped=report.skipped,
                skipped_total=report.skipped_total,
            )

        return await call.run_sync(work)

    @fresh_tool(
        app,
        env,
        name="assess_code_quality",
        title="Assess code quality",
        description=(
            "Ranked findings with file:line and a one-line fix hint: cyclomatic complexity, length, nesting, "
            "fan-out, import cycles, unreferenced private code, security smells (SQL built from strings passed "
            "to execute, eval/exec, shell=True, hard-coded secrets, Rust unsafe and unwrap() on request paths), "
            "database calls inside loops, Rust inline test modules; plus per-function metrics (complexity, "
            "loc, nesting, params, fan-in/out). Optional path limits the scope."
        ),
        input_model=QualityIn,
        output_model=QualityOut,
        read_only=True,
    )
    async def quality(params: QualityIn, call: ToolCall) -> QualityOut:
        def work() -> QualityOut:
            cb = _codebase(call)
            report = assess_code_quality(cb, _scope(call, cb, params.path))
            cutoff = SEVERITY_RANK[params.min_severity]
            findings = [
                f
                for f in report.findings
                if SEVERITY_RANK[f.severity] <= cutoff and (not params.categories or f.category in params.categories)
            ]
            page = findings[params.offset : params.offset + params.limit]
            return QualityOut(
                scope=report.scope,
                summary=report.summary,
                findings=page,
                page=PageInfo.of(len(findings), params.offset, params.limit, len(page)),
                functions=report.functions[: params.limit],
                functions_total=report.functions_total,
                import_cycles=report.import_cycles[:20],
                test_layout=report.test_layout,
                skipped=report.skipped,
                skipped_total=report.skipped_total,
            )

        return await call.run_sync(work)

    @fresh_tool(
        app,
        env,
        name="find_cross_language_links",
        title="Find cross-language links",
        description=(
            "Links across languages: PyO3 #[pyfunction]/#[pyclass] → Python imports and calls, wasm-bindgen/napi "
            'exports → JS/TS imports, extern "C" → ctypes/cffi calls, HTTP routes → client calls '
            "(fetch/axios/requests/httpx/reqwest) by method and path, raw SQL table names → Diesel table! and "
            "Django models. Stored as cross_language edges (replacing the previous ones) so get_call_graph and "
            "impact_analysis cross the boundary."
        ),
        input_model=LinksIn,
        output_model=LinksOut,
        read_only=False,
        destructive=False,
        idempotent=True,
    )
    async def links(params: LinksIn, call: ToolCall) -> LinksOut:
        def work() -> LinksOut:
            found, stored = find_cross_language_links(
                _codebase(call), call.env.settings.db_path, store_edges=params.store_edges
            )
            chosen = [link for link in found if not params.kinds or link.kind in params.kinds]
            page = chosen[params.offset : params.offset + params.limit]
            counts = Counter(link.kind for link in chosen)
            return LinksOut(
                links=page,
                page=PageInfo.of(len(chosen), params.offset, params.limit, len(page)),
                by_kind={k: counts[k] for k in LINK_KINDS if counts[k]},
                edges_stored=stored,
            )

        return await call.run_sync(work)
