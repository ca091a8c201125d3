"""Structure of the runnable part of a step DAG: order, parallel levels, critical path, hot spots.

Computed on the steps that can run (those not blocked by a cycle, a self
dependency or an unknown dependency), which always form a DAG. Ties are broken
by template order so every answer is deterministic.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from pydantic import BaseModel

from semgraph.dag.validate import StepGraph


@dataclass(slots=True)
class Level:
    level: int
    steps: list[str]


class CriticalPath(BaseModel):
    steps: list[str]
    length: float
    basis: str  # "expected_duration_seconds" or "step_count"
    steps_without_duration: list[str]


class HotSpot(BaseModel):
    step: str
    fan_in: int
    fan_out: int


@dataclass
class Structure:
    order: list[str]
    level_of: dict[str, int]
    levels: list[Level]
    critical_path: CriticalPath
    fan_in: list[HotSpot]
    fan_out: list[HotSpot]
    roots: list[str]
    leaves: list[str]


def analyse_structure(sg: StepGraph, blocked: set[str], hot_spot_min: int = 3, hot_spots: int = 10) -> Structure:
    """Topological order, levels, critical path and fan-in/fan-out hot spots of the runnable steps."""
    runnable = [n for n in sg.names if n not in blocked]
    index = sg.index
    order = _topological_order(sg, runnable)
    level_of: dict[str, int] = {}
    for n in order:
        ps = sg.parents[n]
        level_of[n] = 1 + max(level_of[p] for p in ps) if ps else 0
    by_level: dict[int, list[str]] = {}
    for n in runnable:
        by_level.setdefault(level_of[n], []).append(n)
    levels = [Level(k, by_level[k]) for k in sorted(by_level)]

    steps = {s.name: s for s in reversed(sg.template.steps)}  # first definition wins
    has_durations = any(steps[n].expected_duration_seconds is not None for n in runnable)
    if has_durations:
        weight = {n: steps[n].expected_duration_seconds or 0.0 for n in runnable}
        missing = [n for n in runnable if steps[n].expected_duration_seconds is None]
    else:
        weight = dict.fromkeys(runnable, 1.0)
        missing = []
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for n in order:
        best: str | None = None
        for p in sg.parents[n]:  # declared order; strict > keeps the first of equal parents
            if best is None or finish[p] > finish[best]:
                best = p
        via[n] = best
        finish[n] = weight[n] + (finish[best] if best is not None else 0.0)
    path: list[str] = []
    if order:
        end = max(order, key=lambda n: (finish[n], level_of[n], -index[n]))
        cur: str | None = end
        while cur is not None:
            path.append(cur)
            cur = via[cur]
        path.reverse()
    critical = CriticalPath(
        steps=path,
        length=round(finish[path[-1]], 6) if path else 0.0,
        basis="expected_duration_seconds" if has_durations else "step_count",
        steps_without_duration=missing,
    )
    fan_in_of = {n: len(sg.parents[n]) for n in runnable}
    fan_out_of = dict.fromkeys(runnable, 0)
    for n in runnable:
        for p in sg.parents[n]:
            fan_out_of[p] += 1
    top_in = heapq.nsmallest(hot_spots, runnable, key=lambda n: (-fan_in_of[n], index[n]))
    top_out = heapq.nsmallest(hot_spots, runnable, key=lambda n: (-fan_out_of[n], index[n]))
    return Structure(
        order=order,
        level_of=level_of,
        levels=levels,
        critical_path=critical,
        fan_in=[
            HotSpot(step=n, fan_in=fan_in_of[n], fan_out=fan_out_of[n]) for n in top_in if fan_in_of[n] >= hot_spot_min
        ],
        fan_out=[
            HotSpot(step=n, fan_in=fan_in_of[n], fan_out=fan_out_of[n])
            for n in top_out
            if fan_out_of[n] >= hot_spot_min
        ],
        roots=[n for n in runnable if not fan_in_of[n]],
        leaves=[n for n in runnable if not fan_out_of[n]],
    )


def _topological_order(sg: StepGraph, runnable: list[str]) -> list[str]:
    """Kahn's algorithm, always taking the ready step that comes first in the template.

    The same answer as ``networkx.lexicographical_topological_sort`` keyed by
    template position, several times faster on 10,000-step templates because it
    works on integer positions.
    """
    index = sg.index
    pos = [index[n] for n in runnable]
    indegree = {p: len(sg.parents[sg.names[p]]) for p in pos}
    children: dict[int, list[int]] = {p: [] for p in pos}
    for p in pos:
        for parent in sg.parents[sg.names[p]]:
            children[index[parent]].append(p)
    heap = [p for p in pos if indegree[p] == 0]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        p = heapq.heappop(heap)
        out.append(sg.names[p])
        for c in children[p]:
            indegree[c] -= 1
            if indegree[c] == 0:
                heapq.heappush(heap, c)
    return out
