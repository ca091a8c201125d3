"""MCP tools of the `dag` toolset: step DAG analysis, state machine checks and extraction, run analytics.

Thin adapters: validate the arguments, call ``semgraph.dag``, and cut the
result to a size a model can read (capped lists that say how much was left
out, one page of per-step rows).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field, model_validator

from semgraph.dag.analytics import RunAnalytics, analyse_runs, parse_runs
from semgraph.dag.analyze import DagAnalysis, analyze_step_dag
from semgraph.dag.backoff import backoff_config, load_backoff_config
from semgraph.dag.extract import ExtractedMachine, StateTransition, extract_state_machines
from semgraph.dag.machines.bypass import Bypass
from semgraph.dag.readiness import TaskContext
from semgraph.dag.state_machines import (
    Transition,
    TransitionProblem,
    check_transitions,
    legal_next,
    machine,
    operator_overrides,
)
from semgraph.dag.structure import HotSpot
from semgraph.dag.template import parse_template
from semgraph.errors import InvalidInputError
from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, ToolInput, clamp_text, register_tool

LIST_CAP = 50
NAMES_CAP = 20
PATH_CAP = 50
MACHINE_CAP = 200

StepCategory = Literal[
    "ready",
    "in_backoff",
    "waiting_for_dependencies",
    "blocked",
    "retries_exhausted",
    "not_retryable",
    "in_flight",
    "done",
    "failed",
    "cancelled",
    "batch_template",
    "not_created",
    "not_chosen",
]


def _cap(items: list[Any], n: int) -> tuple[list[Any], bool]:
    return items[:n], len(items) > n


# --- analyze_step_dag ----------------------------------------------------------------------------


class AnalyzeDagInput(PageInput):
    template: Annotated[
        str | dict[str, Any] | list[dict[str, Any]] | None,
        Field(description="The task template: YAML or JSON text, or the decoded object (or a bare list of steps)."),
    ] = None
    template_path: Annotated[
        str | None, Field(description="Path of a YAML/JSON template file (inside the server's roots).")
    ] = None
    states: Annotated[
        str | dict[str, Any] | list[dict[str, Any]] | None,
        Field(
            description="Current step states: {step: {state, attempts, last_attempted_at, last_failure_at, "
            "backoff_request_seconds}} or {step: 'complete'} (YAML/JSON text or object). Omitted: every step pending."
        ),
    ] = None
    states_path: Annotated[str | None, Field(description="Path of a YAML/JSON file with the step states.")] = None
    now: Annotated[
        str | None, Field(description="ISO-8601 time to judge backoff against (default: the current UTC time).")
    ] = None
    category: Annotated[
        StepCategory | None, Field(description="Only list steps in this readiness category in `steps`.")
    ] = None
    include_mermaid: Annotated[bool, Field(description="Include a Mermaid flowchart coloured by state.")] = True
    backoff_config: Annotated[
        dict[str, Any] | None,
        Field(
            description="The orchestrator's [common.backoff] settings (default_backoff_seconds, max_backoff_seconds, "
            "backoff_multiplier, jitter_enabled, jitter_max_percentage); default: its shipped base/common.toml."
        ),
    ] = None
    config_path: Annotated[
        str | None,
        Field(description="The orchestrator's config/tasker directory or a TOML file with [common.backoff]."),
    ] = None
    environment: Annotated[
        str | None, Field(description="With a config directory: overlay environments/<environment>/common.toml.")
    ] = None

    @model_validator(mode="after")
    def _one_template(self) -> AnalyzeDagInput:
        if (self.template is None) == (self.template_path is None):
            raise ValueError("give exactly one of template (text or object) and template_path")
        if self.states is not None and self.states_path is not None:
            raise ValueError("give at most one of states and states_path")
        if self.backoff_config is not None and self.config_path is not None:
            raise ValueError("give at most one of backoff_config and config_path")
        return self


class TaskInfo(BaseModel):
    name: str
    namespace_name: str
    version: str
    step_count: int
    dependency_count: int


class IssueOut(BaseModel):
    severity: Literal["error", "warning"]
    code: str
    message: str
    steps: list[str]
    steps_total: int


class CycleOut(BaseModel):
    path: list[str] = Field(description="Closed path (first == last); cut to 50 names for long cycles.")
    length: int
    path_truncated: bool


class LevelOut(BaseModel):
    level: int
    count: int
    steps: list[str]
    steps_truncated: bool


class CriticalPathOut(BaseModel):
    steps: list[str]
    step_count: int
    length: float
    basis: str = Field(description="expected_duration_seconds, or step_count when no step gives a duration")
    steps_without_duration: list[str]


class BackoffOut(BaseModel):
    step: str
    next_retry_at: str
    source: str = Field(description="requested (stored backoff_request_seconds) or fallback (the SQL's min(2^n, 60))")


class StepRow(BaseModel):
    name: str
    position: int | None = Field(description="Index in the topological order; null for steps that can never run.")
    level: int | None
    current_state: str
    ready_for_execution: bool
    dependencies_satisfied: bool
    retry_eligible: bool
    total_parents: int
    completed_parents: int
    attempts: int
    max_attempts: int
    retryable: bool
    next_retry_at: str | None
    category: str
    reason: str
    step_type: str
    instance_of: str | None = Field(description="The batch worker template this instance was created from.")
    projected_retry_earliest: str | None = Field(
        description="Once the orchestrator handles the failure it stores base*multiplier^attempts +-jitter: "
        "the earliest retry time that gives (no delay stored yet)."
    )
    projected_retry_latest: str | None


class BackoffConfigOut(BaseModel):
    base_delay_seconds: int
    max_backoff_seconds: int
    backoff_multiplier: float
    jitter_enabled: bool
    jitter_max_percentage: float
    source: str


class DagReport(BaseModel):
    task: TaskInfo
    valid: bool
    summary: str
    now: str
    issue_counts: dict[str, int]
    issues: list[IssueOut]
    issues_truncated: bool
    cycles: list[CycleOut]
    cycles_truncated: bool = Field(description="True when more cycles exist than are listed.")
    topological_order: list[str]
    topological_order_truncated: bool
    levels: list[LevelOut]
    levels_truncated: bool
    critical_path: CriticalPathOut
    fan_in_hot_spots: list[HotSpot]
    fan_out_hot_spots: list[HotSpot]
    context: TaskContext | None
    ready_steps: list[str]
    steps_in_backoff: list[BackoffOut]
    exhausted_steps: list[str] = Field(description="Failed for good: retries exhausted or not retryable.")
    steps: list[StepRow] = Field(description="One page of per-step readiness rows (template order).")
    page: PageInfo
    backoff_config: BackoffConfigOut
    mermaid: str | None
    mermaid_truncated: bool


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def shape_dag_report(a: DagAnalysis, params: AnalyzeDagInput) -> DagReport:
    """Cut a full analysis to a bounded report."""
    sg, st = a.graph, a.structure
    counts = dict(Counter(i.code for i in a.issues))
    issues, issues_cut = _cap(a.issues, LIST_CAP)
    cycles, cycles_cut = _cap(a.cycles, LIST_CAP // 2)
    order, order_cut = _cap(st.order, 100)
    levels, levels_cut = _cap(st.levels, 100)
    position = {n: i for i, n in enumerate(st.order)}
    rows = a.readiness or []
    if params.category:
        rows = [r for r in rows if r.category == params.category]
    page_rows = rows[params.offset : params.offset + params.limit]
    ctx = a.context
    all_rows = a.readiness or []
    ready = [r.name for r in all_rows if r.ready_for_execution]
    backoff = [r for r in all_rows if r.category == "in_backoff"]
    exhausted = [r.name for r in all_rows if r.category in ("retries_exhausted", "not_retryable")]
    errors = sum(1 for i in a.issues if i.severity == "error")
    warnings = len(a.issues) - errors
    summary = (
        f"{len(sg.names)} steps, {sg.graph.number_of_edges()} dependencies, {len(st.levels)} levels; "
        f"{errors} errors, {warnings} warnings"
        + (f"; {len(a.cycles)} cycle(s)" if a.cycles else "")
        + (f"; {ctx.ready_steps} ready, execution_status {ctx.execution_status}" if ctx else "")
    )
    cp = st.critical_path
    return DagReport(
        task=TaskInfo(
            name=a.template.name,
            namespace_name=a.template.namespace_name,
            version=a.template.version,
            step_count=len(sg.names),
            dependency_count=sg.graph.number_of_edges(),
        ),
        valid=a.valid,
        summary=summary,
        now=a.now.isoformat(),
        issue_counts=counts,
        issues=[
            IssueOut(
                severity=i.severity,
                code=i.code,
                message=clamp_text(i.message, 500)[0],
                steps=i.steps[:NAMES_CAP],
                steps_total=len(i.steps),
            )
            for i in issues
        ],
        issues_truncated=issues_cut,
        cycles=[
            CycleOut(
                path=c.path if len(c.path) <= PATH_CAP else [*c.path[: PATH_CAP - 1], c.path[-1]],
                length=c.length,
                path_truncated=len(c.path) > PATH_CAP,
            )
            for c in cycles
        ],
        cycles_truncated=a.cycles_truncated or cycles_cut,
        topological_order=order,
        topological_order_truncated=order_cut,
        levels=[
            LevelOut(
                level=lv.level,
                count=len(lv.steps),
                steps=lv.steps[:NAMES_CAP],
                steps_truncated=len(lv.steps) > NAMES_CAP,
            )
            for lv in levels
        ],
        levels_truncated=levels_cut,
        critical_path=CriticalPathOut(
            steps=cp.steps[:100],
            step_count=len(cp.steps),
            length=cp.length,
            basis=cp.basis,
            steps_without_duration=cp.steps_without_duration[:NAMES_CAP],
        ),
        fan_in_hot_spots=st.fan_in,
        fan_out_hot_spots=st.fan_out,
        context=ctx,
        ready_steps=ready[:LIST_CAP],
        steps_in_backoff=[
            BackoffOut(step=r.name, next_retry_at=_iso(r.next_retry_at) or "", source=r.next_retry_source)
            for r in backoff[:LIST_CAP]
        ],
        exhausted_steps=exhausted[:LIST_CAP],
        steps=[
            StepRow(
                name=r.name,
                position=position.get(r.name),
                level=st.level_of.get(r.name),
                current_state=r.current_state,
                ready_for_execution=r.ready_for_execution,
                dependencies_satisfied=r.dependencies_satisfied,
                retry_eligible=r.retry_eligible,
                total_parents=r.total_parents,
                completed_parents=r.completed_parents,
                attempts=r.attempts,
                max_attempts=r.max_attempts,
                retryable=r.retryable,
                next_retry_at=_iso(r.next_retry_at),
                category=r.category,
                reason=r.reason,
                step_type=r.step_type,
                instance_of=r.instance_of,
                projected_retry_earliest=_iso(r.projected_retry_earliest),
                projected_retry_latest=_iso(r.projected_retry_latest),
            )
            for r in page_rows
        ],
        page=PageInfo.of(len(rows), params.offset, params.limit, len(page_rows)),
        backoff_config=BackoffConfigOut(
            base_delay_seconds=a.backoff.base_delay_seconds,
            max_backoff_seconds=a.backoff.max_backoff_seconds,
            backoff_multiplier=a.backoff.backoff_multiplier,
            jitter_enabled=a.backoff.jitter_enabled,
            jitter_max_percentage=a.backoff.jitter_max_percentage,
            source=a.backoff.source,
        ),
        mermaid=a.mermaid if params.include_mermaid else None,
        mermaid_truncated=a.mermaid_truncated,
    )


# --- check_transitions ---------------------------------------------------------------------------


class CheckTransitionsInput(PageInput):
    machine: Annotated[Literal["task", "step"], Field(description="Which orchestrator state machine to check against.")]
    history: Annotated[
        list[str | dict[str, Any]],
        Field(
            max_length=200_000,
            description="The audit trail, oldest first: states (['pending', 'enqueued', …]) or transition records "
            "({from_state, to_state, event}).",
        ),
    ]
    describe: Annotated[bool, Field(description="Also return the machine itself (states, events, transitions).")] = (
        False
    )


class NextMove(BaseModel):
    target: str
    events: list[str]


class MachineOut(BaseModel):
    states: list[str]
    initial: str
    terminal: list[str]
    events: list[str]
    transitions: list[Transition]
    overrides: list[Transition] = Field(description="Operator moves accepted out of a terminal state.")


class TransitionsReport(BaseModel):
    machine: str
    valid: bool
    transitions_checked: int
    final_state: str | None
    final_is_terminal: bool
    legal_next: list[NextMove] = Field(description="Moves the machine allows from the final state.")
    operator_overrides: list[NextMove] = Field(
        description="Operator events the step machine still accepts out of a terminal final state "
        "(complete_manually, resolve_manually: its determine_target_state has no terminal check)."
    )
    overrides_used: list[int] = Field(description="Indexes of moves out of a terminal state made by such overrides.")
    problem_counts: dict[str, int]
    problems: list[TransitionProblem]
    page: PageInfo
    definition: MachineOut | None


# --- extract_state_machines ----------------------------------------------------------------------


class ExtractInput(PageInput):
    path: Annotated[str, Field(description="Directory or file to scan (relative to the server's first root).")] = "."
    name: Annotated[str | None, Field(description="Only the machine (enum/class) with this name.")] = None
    include_mermaid: Annotated[bool, Field(description="Include a Mermaid state diagram per machine.")] = True
    limit: Annotated[int, Field(ge=1, le=100, description="Machines per page (1-100).")] = 20


class MachineReport(BaseModel):
    name: str
    kind: str
    location: str
    states: list[str] = Field(description="At most 200; states_total says how many there are.")
    states_total: int
    initial: list[str]
    terminal: list[str]
    terminal_basis: str
    transitions: list[StateTransition] = Field(description="At most 200, each with at most 5 locations.")
    transitions_total: int
    unreachable: list[str]
    dead_ends: list[str]
    mermaid: str | None = Field(description="Omitted (null) for machines of more than 200 states.")


class ExtractReport(BaseModel):
    machines: list[MachineReport]
    page: PageInfo
    bypasses: list[Bypass] = Field(
        description="Direct state writes outside the machine (a transition record built by hand), with file:line; "
        "outside tests first. Not counted as the machine's transitions."
    )
    bypass_counts: dict[str, int] = Field(description="outside_tests and in_tests")
    bypasses_truncated: bool
    enums_without_transitions: list[str]
    files_scanned: int
    parse_errors: list[str]
    parse_errors_total: int
    truncated: bool = Field(description="True when the file limit stopped the scan early.")


def _machine_report(m: ExtractedMachine, mermaid: bool) -> MachineReport:
    ts = [
        StateTransition(source=t.source, target=t.target, event=t.event, locations=t.locations[:5])
        for t in m.transitions
    ]
    return MachineReport(
        name=m.name,
        kind=m.kind,
        location=m.location,
        states=m.states[:MACHINE_CAP],
        states_total=len(m.states),
        initial=m.initial,
        terminal=m.terminal[:MACHINE_CAP],
        terminal_basis=m.terminal_basis,
        transitions=ts[:MACHINE_CAP],
        transitions_total=len(ts),
        unreachable=m.unreachable[:MACHINE_CAP],
        dead_ends=m.dead_ends[:MACHINE_CAP],
        mermaid=m.mermaid if mermaid and len(m.states) <= MACHINE_CAP else None,
    )


# --- analyze_step_runs ---------------------------------------------------------------------------


class RunsInput(ToolInput):
    runs: Annotated[
        list[dict[str, Any]],
        Field(
            min_length=1,
            max_length=500_000,
            description="Step executions: {task, step, state, started_at, ended_at, attempts} "
            "(task_id/step_name/completed_at also accepted).",
        ),
    ]
    top: Annotated[int, Field(ge=1, le=100, description="Rows per list (1-100).")] = 10


# --- registration --------------------------------------------------------------------------------


def _read_text(env: ToolEnv, path: str) -> tuple[str, str]:
    real = env.guard.resolve(path, kind="file")
    size = real.stat().st_size
    if size > 50_000_000:
        raise InvalidInputError(
            f"{path} is {size} bytes; templates over 50 MB are not read",
            hint="pass the task template (or states) file, not a data dump",
        )
    return real.read_text(encoding="utf-8", errors="replace"), env.guard.relative(real)


def register(app: MCPServer, env: ToolEnv) -> None:
    """Register analyze_step_dag, check_transitions, extract_state_machines and analyze_step_runs."""

    @register_tool(
        app,
        env,
        name="analyze_step_dag",
        description=(
            "Check a workflow task template (steps with dependencies and retry settings, YAML or JSON) before it "
            "ships and, given current step states, say which steps are ready and why the others are not. Reports "
            "duplicate/unknown/self dependencies, every cycle with its path, steps that can never run, retry "
            "settings that cannot work, topological order, parallel levels, critical path, fan-in/fan-out hot "
            "spots, per-step readiness (dependencies, retry eligibility, next retry time under backoff) the way "
            "the orchestrator decides it, the task execution context, and a Mermaid diagram. Per-step rows are "
            "paged with limit/offset."
        ),
        input_model=AnalyzeDagInput,
        output_model=DagReport,
        read_only=True,
        title="Analyze step DAG",
    )
    async def analyze(params: AnalyzeDagInput, call: ToolCall) -> DagReport:
        def work() -> DagReport:
            # file reads happen here too, in the worker thread, so a big template never blocks the server
            template: Any = params.template
            rel = "template"
            if params.template_path is not None:
                template, rel = _read_text(call.env, params.template_path)
            states: Any = params.states
            if params.states_path is not None:
                states, _rel = _read_text(call.env, params.states_path)
            tpl = parse_template(template, source=rel)
            if params.config_path is not None:
                cfg = load_backoff_config(call.env.guard.resolve(params.config_path), params.environment)
            else:
                cfg = backoff_config(params.backoff_config)
            return shape_dag_report(analyze_step_dag(tpl, states, params.now, backoff=cfg), params)

        return await call.run_sync(work)

    @register_tool(
        app,
        env,
        name="check_transitions",
        description=(
            "Check an audit trail of task or step state transitions against the orchestrator's state machines "
            "(task: pending … blocked_by_failures, complete/error/cancelled/resolved_manually; step: pending, "
            "enqueued, in_progress, enqueued_for_orchestration, … waiting_for_retry). Reports every illegal "
            "transition with its index, unknown states or events, the state the entity ends in and the legal "
            "next moves; describe=true also returns the machine (states, events, guards) as data."
        ),
        input_model=CheckTransitionsInput,
        output_model=TransitionsReport,
        read_only=True,
        title="Check state transitions",
    )
    async def check(params: CheckTransitionsInput, call: ToolCall) -> TransitionsReport:
        result = await call.run_sync(check_transitions, params.machine, params.history)
        m = machine(params.machine)
        counts = dict(Counter(p.code for p in result.problems))
        page = result.problems[params.offset : params.offset + params.limit]
        final = result.final_state if result.final_state in m.states else None
        return TransitionsReport(
            machine=result.machine,
            valid=result.valid,
            transitions_checked=result.transitions_checked,
            final_state=result.final_state,
            final_is_terminal=result.final_is_terminal,
            legal_next=[NextMove(target=t, events=e) for t, e in legal_next(m, final)],
            operator_overrides=[NextMove(target=t, events=e) for t, e in operator_overrides(m, final)],
            overrides_used=result.overrides_used,
            problem_counts=counts,
            problems=page,
            page=PageInfo.of(len(result.problems), params.offset, params.limit, len(page)),
            definition=MachineOut(
                states=m.states,
                initial=m.initial,
                terminal=m.terminal,
                events=m.events,
                transitions=m.transitions,
                overrides=m.overrides,
            )
            if params.describe
            else None,
        )

    @register_tool(
        app,
        env,
        name="extract_state_machines",
        description=(
            "Find state machines in code: state/status enums (Rust enums, Python Enum classes, TypeScript "
            "string unions and enums, Ruby Statesman/AASM declarations) and the transitions the code makes "
            "between them (match/switch/if branches that assign or return a new state, transition tables and "
            "maps, `transition from: … to: …`). Reports states, transitions with file:line, initial and terminal "
            "states, unreachable states, dead-end non-terminal states and a Mermaid state diagram per machine."
        ),
        input_model=ExtractInput,
        output_model=ExtractReport,
        read_only=True,
        title="Extract state machines",
    )
    async def extract(params: ExtractInput, call: ToolCall) -> ExtractReport:
        root = call.env.guard.resolve(params.path)
        result = await call.run_sync(
            extract_state_machines,
            root,
            call.env.guard,
            max_file_bytes=call.env.settings.max_file_bytes,
            progress=call.thread_progress(),
        )
        machines = [m for m in result.machines if params.name is None or m.name == params.name]
        if params.name is not None and not machines:
            known = ", ".join(m.name for m in result.machines) or "none"
            raise InvalidInputError(
                f"no state machine named {params.name!r} under {params.path}", hint=f"found: {known}"
            )
        page = machines[params.offset : params.offset + params.limit]
        names = {m.name for m in machines}
        by = sorted((b for b in result.bypasses if params.name is None or b.machine in names), key=lambda b: b.in_test)
        return ExtractReport(
            machines=[_machine_report(m, params.include_mermaid) for m in page],
            page=PageInfo.of(len(machines), params.offset, params.limit, len(page)),
            bypasses=by[:LIST_CAP],
            bypass_counts={"outside_tests": sum(not b.in_test for b in by), "in_tests": sum(b.in_test for b in by)},
            bypasses_truncated=len(by) > LIST_CAP,
            enums_without_transitions=result.enums_without_transitions[:LIST_CAP],
            files_scanned=result.files_scanned,
            parse_errors=result.parse_errors[:NAMES_CAP],
            parse_errors_total=len(result.parse_errors),
            truncated=result.truncated,
        )

    @register_tool(
        app,
        env,
        name="analyze_step_runs",
        description=(
            "Analyse a step run log (step executions with task, step, state, start, end, attempts): slowest "
            "steps and tasks, retry hot spots, error rates per step and health counts by latest state."
        ),
        input_model=RunsInput,
        output_model=RunAnalytics,
        read_only=True,
        title="Analyse step runs",
    )
    async def runs(params: RunsInput, call: ToolCall) -> RunAnalytics:
        def work() -> RunAnalytics:
            return analyse_runs(parse_runs(params.runs), top=params.top)

        return await call.run_sync(work)
