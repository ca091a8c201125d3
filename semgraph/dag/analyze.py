"""``analyze_step_dag``: validation, structure, readiness and a diagram in one pass.

The domain entry point shared by the MCP tool, the CLI and the tests. The
result is complete (unbounded); callers that talk to a model cut it to size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from semgraph.dag.backoff import BackoffConfig
from semgraph.dag.dynamic import plan
from semgraph.dag.mermaid import dag_flowchart
from semgraph.dag.readiness import StepReadiness, TaskContext, step_readiness, task_context
from semgraph.dag.structure import Structure, analyse_structure
from semgraph.dag.template import StepStatus, TaskTemplate, parse_now, parse_states, parse_template
from semgraph.dag.validate import Cycle, Issue, StepGraph, build_graph, validate
from semgraph.gcpause import gc_paused


@dataclass
class DagAnalysis:
    template: TaskTemplate
    graph: StepGraph
    issues: list[Issue]
    cycles: list[Cycle]
    cycles_truncated: bool
    blocked: set[str]
    structure: Structure
    now: datetime
    readiness: list[StepReadiness] | None  # None when no states were given
    context: TaskContext | None
    backoff: BackoffConfig
    mermaid: str
    mermaid_truncated: bool

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def analyze_step_dag(
    template: str | dict[str, Any] | list[Any] | TaskTemplate,
    states: str | dict[str, Any] | list[Any] | dict[str, StepStatus] | None = None,
    now: str | datetime | None = None,
    *,
    max_extra_cycles: int = 20,
    mermaid_max_nodes: int = 200,
    readiness_without_states: bool = True,
    backoff: BackoffConfig | None = None,
) -> DagAnalysis:
    """Validate a template, describe its structure and, for a state snapshot, which steps are ready.

    Without ``states`` every step is taken as pending with no attempts (the
    readiness of a fresh task) when ``readiness_without_states`` is true.
    States naming steps that the template lacks are reported as errors
    (``unknown_state_step``) and otherwise ignored.
    """
    with gc_paused():
        return _analyze(template, states, now, max_extra_cycles, mermaid_max_nodes, readiness_without_states, backoff)


def _analyze(
    template: str | dict[str, Any] | list[Any] | TaskTemplate,
    states: str | dict[str, Any] | list[Any] | dict[str, StepStatus] | None,
    now: str | datetime | None,
    max_extra_cycles: int,
    mermaid_max_nodes: int,
    readiness_without_states: bool,
    backoff: BackoffConfig | None = None,
) -> DagAnalysis:
    tpl = template if isinstance(template, TaskTemplate) else parse_template(template)
    snapshot = parse_states(states) if not _is_parsed_states(states) else dict(states or {})
    when = parse_now(now)
    sg, structural = build_graph(tpl)
    val = validate(sg, structural, max_extra_cycles=max_extra_cycles)
    issues = val.issues
    issues.extend(Issue.of("warning", code, message, *steps[:20]) for code, message, steps in tpl._schema_findings)
    dyn = plan(sg, snapshot)
    unknown_states = [n for n in snapshot if n not in sg.index and n not in dyn.instance_of]
    for n in unknown_states:
        issues.append(
            Issue.of(
                "error",
                "unknown_state_step",
                f"states name {n!r}, which is not a step of this template; its state is ignored",
                n,
            )
        )
    structure = analyse_structure(sg, val.blocked)
    rows: list[StepReadiness] | None = None
    ctx: TaskContext | None = None
    if states is not None or readiness_without_states:
        rows = step_readiness(sg, snapshot, when, val.blocked_reason, backoff=backoff, dynamic=dyn)
        ctx = task_context(rows)
    classes: dict[str, str] = {}
    for n in sg.names:
        status = snapshot.get(n)
        classes[n] = status.state.value if status else "pending"
    if rows is not None:
        for r in rows:
            if r.ready_for_execution and r.name in classes:
                classes[r.name] = "ready"
    for n in val.blocked:
        if classes[n] == "pending":
            classes[n] = "blocked"
    diagram, cut = dag_flowchart(sg.names, sg.parents, classes, max_nodes=mermaid_max_nodes)
    return DagAnalysis(
        template=tpl,
        graph=sg,
        issues=issues,
        cycles=val.cycles,
        cycles_truncated=val.cycles_truncated,
        blocked=val.blocked,
        structure=structure,
        now=when,
        readiness=rows,
        context=ctx,
        mermaid=diagram,
        mermaid_truncated=cut,
        backoff=backoff or BackoffConfig(),
    )


def _is_parsed_states(states: Any) -> bool:
    return isinstance(states, dict) and bool(states) and all(isinstance(v, StepStatus) for v in states.values())
