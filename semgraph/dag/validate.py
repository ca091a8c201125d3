"""Template validation: every problem found, not just the first.

Duplicate names, unknown dependencies (with a "did you mean"), self
dependencies, every cycle with its path, steps that can never run because an
ancestor is broken, orphan steps, and retry settings that cannot work.

Cycles: ``networkx.simple_cycles`` can produce exponentially many cycles on an
adversarial graph, so one cycle is reported per strongly connected component
(found by a linear DFS) plus at most ``max_extra_cycles`` more from small
components, and ``cycles_truncated`` says when more exist.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
from pydantic import BaseModel

from semgraph.dag.template import StepTemplate, TaskTemplate

Severity = Literal["error", "warning"]

ENUMERATE_SCC_MAX = 40
"""Only components up to this size get their cycles enumerated beyond the first."""


class Issue(BaseModel):
    severity: Severity
    code: str
    message: str
    steps: list[str]

    @classmethod
    def of(cls, severity: Severity, code: str, message: str, *steps: str) -> Issue:
        """One finding about ``steps`` (positional: every check builds one the same way)."""
        return cls(severity=severity, code=code, message=message, steps=list(steps))


class Cycle(BaseModel):
    path: list[str]  # closed: first == last
    length: int  # number of steps in the cycle


@dataclass
class StepGraph:
    """The dependency graph of a template: edge parent -> child, one node per unique step name."""

    template: TaskTemplate
    names: list[str]  # unique step names, template order
    index: dict[str, int]
    graph: nx.DiGraph
    parents: dict[str, list[str]]  # known, non-self dependencies, in declared order
    self_deps: set[str] = field(default_factory=set)
    unknown_deps: dict[str, list[str]] = field(default_factory=dict)


def build_graph(template: TaskTemplate) -> tuple[StepGraph, list[Issue]]:
    """Build the graph and collect the structural issues found on the way (duplicates, unknown/self deps)."""
    issues: list[Issue] = []
    names: list[str] = []
    index: dict[str, int] = {}
    first_step = {}
    for step in template.steps:
        if step.name in index:
            issues.append(
                Issue.of(
                    "error",
                    "duplicate_step",
                    f"step {step.name!r} is defined more than once; the first definition is used",
                    step.name,
                )
            )
            continue
        index[step.name] = len(names)
        names.append(step.name)
        first_step[step.name] = step
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    parents: dict[str, list[str]] = {}
    self_deps: set[str] = set()
    unknown: dict[str, list[str]] = {}
    edges: list[tuple[str, str]] = []
    for name in names:
        known: list[str] = []
        for dep in first_step[name].dependencies:
            if dep == name:
                self_deps.add(name)
                issues.append(
                    Issue.of(
                        "error",
                        "self_dependency",
                        f"step {name!r} depends on itself, so it can never become ready",
                        name,
                    )
                )
            elif dep not in index:
                unknown.setdefault(name, []).append(dep)
                close = difflib.get_close_matches(dep, names, n=1, cutoff=0.75) if len(names) <= 5000 else []
                hint = f"; did you mean {close[0]!r}?" if close else ""
                issues.append(
                    Issue.of(
                        "error",
                        "unknown_dependency",
                        f"step {name!r} depends on {dep!r}, which is not a step of this template{hint}",
                        name,
                        dep,
                    )
                )
            else:
                known.append(dep)
        parents[name] = known
        edges.extend([(dep, name) for dep in known])
    graph.add_edges_from(edges)
    return StepGraph(template, names, index, graph, parents, self_deps, unknown), issues


@dataclass
class Validation:
    issues: list[Issue]
    cycles: list[Cycle]
    cycles_truncated: bool
    blocked: set[str]  # steps that can never run (broken themselves or below a broken step)
    blocked_reason: dict[str, str] = field(default_factory=dict)  # step -> why it can never run

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def find_cycles(sg: StepGraph, max_extra_cycles: int = 20) -> tuple[list[Cycle], bool, list[set[str]]]:
    """One cycle per non-trivial strongly connected component, plus up to ``max_extra_cycles`` more.

    Returns the cycles (each rotated to start at its earliest step in template
    order), whether more cycles exist than were listed, and the components.
    """
    order = sg.index
    comps = [c for c in nx.strongly_connected_components(sg.graph) if len(c) > 1]
    comps.sort(key=lambda c: min(order[n] for n in c))
    cycles: list[Cycle] = []
    seen: set[tuple[str, ...]] = set()
    truncated = False
    extra_budget = max_extra_cycles
    for comp in comps:
        # nodes and edges in template order, so that the cycles listed do not depend on set order
        members = sorted(comp, key=order.__getitem__)
        sub = nx.DiGraph()
        sub.add_nodes_from(members)
        sub.add_edges_from((p, n) for n in members for p in sg.parents[n] if p in comp)
        edges = nx.find_cycle(sub, source=members[0])
        first = _canonical([u for u, _v in edges], order)
        seen.add(first)
        cycles.append(Cycle(path=[*first, first[0]], length=len(first)))
        if sub.number_of_edges() == len(comp):  # a simple ring has exactly one cycle
            continue
        if len(comp) > ENUMERATE_SCC_MAX or extra_budget <= 0:
            truncated = True
            continue
        for raw in nx.simple_cycles(sub):
            canon = _canonical(raw, order)
            if canon in seen:
                continue
            if extra_budget <= 0:
                truncated = True
                break
            seen.add(canon)
            cycles.append(Cycle(path=[*canon, canon[0]], length=len(canon)))
            extra_budget -= 1
    return cycles, truncated, comps


def _canonical(cycle: list[str], order: dict[str, int]) -> tuple[str, ...]:
    """Rotate a cycle so that it starts at its step that comes first in the template."""
    k = min(range(len(cycle)), key=lambda i: order[cycle[i]])
    return tuple(cycle[k:] + cycle[:k])


def validate(sg: StepGraph, structural: list[Issue], max_extra_cycles: int = 20) -> Validation:
    """Everything wrong with the template, in a stable order."""
    issues = list(structural)
    if not sg.names:
        issues.append(Issue.of("warning", "empty_template", "the template has no steps"))
    cycles, truncated, comps = find_cycles(sg, max_extra_cycles)
    for cyc in cycles:
        shown = cyc.path if cyc.length <= 12 else [*cyc.path[:6], "…", *cyc.path[-3:]]
        issues.append(
            Issue.of("error", "cycle", f"dependency cycle of {cyc.length} steps: {' -> '.join(shown)}", *cyc.path[:-1])
        )
    # steps broken in themselves, and the reason, for the unreachable report
    cause: dict[str, str] = {}
    for comp in comps:
        for n in comp:
            cause[n] = f"{n!r} is in a dependency cycle"
    for n in sg.self_deps:
        cause.setdefault(n, f"{n!r} depends on itself")
    for n, deps in sg.unknown_deps.items():
        cause.setdefault(n, f"{n!r} depends on the unknown step {deps[0]!r}")
    blocked = set(cause)
    queue = deque(sorted(blocked, key=sg.index.__getitem__))
    below: dict[str, str] = {}
    while queue:
        node = queue.popleft()
        for child in sg.graph.successors(node):
            if child in blocked:
                continue
            blocked.add(child)
            below[child] = cause.get(node) or below[node]
            queue.append(child)
    for n in sorted(below, key=sg.index.__getitem__):
        issues.append(
            Issue.of("error", "unreachable_step", f"step {n!r} can never run: an ancestor is broken ({below[n]})", n)
        )
    if len(sg.names) > 1:
        for n in sg.names:
            if sg.graph.in_degree(n) == 0 and sg.graph.out_degree(n) == 0 and n not in cause:
                issues.append(
                    Issue.of("warning", "orphan_step", f"step {n!r} has no dependencies and nothing depends on it", n)
                )
    issues.extend(retry_issues(sg))
    reasons = {n: why.replace(f"{n!r} is", "it is").replace(f"{n!r} depends", "it depends") for n, why in cause.items()}
    reasons.update({n: f"an ancestor is broken ({why})" for n, why in below.items()})
    return Validation(issues=issues, cycles=cycles, cycles_truncated=truncated, blocked=blocked, blocked_reason=reasons)


def retry_issues(sg: StepGraph) -> list[Issue]:
    """Retry and timeout settings that cannot work as written."""
    out: list[Issue] = []
    seen: set[str] = set()
    for step in sg.template.steps:
        if step.name not in seen:
            seen.add(step.name)
            out.extend(Issue.of(severity, code, message, step.name) for severity, code, message in _retry_faults(step))
    return out


def _retry_faults(step: StepTemplate) -> Iterator[tuple[Severity, str, str]]:
    """(severity, code, message) of each retry or timeout setting of ``step`` that cannot work."""
    r = step.retry
    name = step.name
    if r.retryable and r.retry_limit == 0:
        yield (
            "error",
            "retry_limit_zero",
            f"step {name!r} is retryable but its retry_limit is 0: it can never be retried "
            "(and older orchestrators, which check attempts < retry_limit, never run it at all)",
        )
    elif r.retryable and r.effective_max_attempts == 1:
        yield (
            "warning",
            "retryable_single_attempt",
            f"step {name!r} is retryable but max_attempts is 1, so it is never retried",
        )
    if (
        step.timeout_seconds is not None
        and step.expected_duration_seconds is not None
        and step.expected_duration_seconds > step.timeout_seconds
    ):
        yield (
            "warning",
            "timeout_below_expected_duration",
            f"step {name!r} is expected to take {step.expected_duration_seconds:g} s but times out "
            f"after {step.timeout_seconds:g} s",
        )
