"""Benchmark for the `dag` toolset: a 10,000-step template analysed, readiness for every step.

Targets (issue 8): the whole analysis of a 10,000-step template in < 1 s and
readiness for all steps in < 0.2 s. The baseline, measured in the same run, is
networkx's own ``lexicographical_topological_sort`` + ``dag_longest_path`` on
the same graph (what the structure pass replaces), so the ratio shows what the
rest of the analysis costs on top of a bare networkx traversal.

    python -m bench.dag [--steps 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import networkx as nx

from semgraph.dag.analyze import analyze_step_dag
from semgraph.dag.readiness import step_readiness, task_context
from semgraph.dag.template import parse_states, parse_template
from semgraph.dag.validate import build_graph
from semgraph.gcpause import gc_paused

NOW = datetime(2025, 7, 1, 12, 0, 0)


def make_template(n: int, seed: int = 8) -> dict[str, Any]:
    """Layers of ~20 steps; each step depends on 1-3 steps of the previous two layers (many diamonds)."""
    rng = random.Random(seed)
    width = 20
    steps = []
    for i in range(n):
        layer = i // width
        pool = [j for j in range(max(0, (layer - 2) * width), layer * width)]
        deps = [f"step_{j}" for j in sorted(rng.sample(pool, min(len(pool), rng.randint(1, 3))))] if pool else []
        steps.append(
            {
                "name": f"step_{i}",
                "handler": f"Bench::Step{i}",
                "dependencies": deps,
                "expected_duration_seconds": rng.randint(1, 30),
                "retry": {"retryable": True, "max_attempts": 3, "backoff": "exponential", "backoff_base_ms": 1000},
            }
        )
    return {"name": "bench", "namespace_name": "bench", "version": "1.0.0", "steps": steps}


def make_states(n: int, seed: int = 9) -> dict[str, Any]:
    """The first 40% complete; right after them a mix of steps in backoff, in progress and pending."""
    rng = random.Random(seed)
    states: dict[str, Any] = {}
    for i in range(n):
        if i < n * 0.4:
            states[f"step_{i}"] = {"state": "complete", "attempts": 1}
            continue
        roll = rng.random()
        frontier = i < n * 0.4 + 20  # the first layer after the complete ones: parents done
        if roll < (0.5 if frontier else 0.1):
            ago = rng.randint(0, 5 if frontier else 20)
            states[f"step_{i}"] = {
                "state": "waiting_for_retry",
                "attempts": rng.randint(1, 3),
                "last_attempted_at": (NOW - timedelta(seconds=ago + 1)).isoformat(),
                "last_failure_at": (NOW - timedelta(seconds=ago)).isoformat(),
            }
        elif roll < 0.15:
            states[f"step_{i}"] = {"state": "in_progress", "attempts": 1}
    return states


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    doc = make_template(args.steps)
    text = json.dumps(doc)
    states_doc = make_states(args.steps)
    tpl = parse_template(doc)
    states = parse_states(states_doc)
    sg, _ = build_graph(tpl)

    full = best_of(lambda: analyze_step_dag(text, states_doc, NOW.isoformat()), args.repeat)
    analysis = best_of(lambda: analyze_step_dag(tpl, states, NOW), args.repeat)

    def readiness_pass() -> None:
        with gc_paused():  # as inside analyze_step_dag
            task_context(step_readiness(sg, states, NOW))

    readiness = best_of(readiness_pass, args.repeat)

    def baseline() -> None:
        list(nx.lexicographical_topological_sort(sg.graph, key=sg.index.__getitem__))
        nx.dag_longest_path(sg.graph)

    base = best_of(baseline, args.repeat)
    result = analyze_step_dag(tpl, states, NOW)
    ctx = result.context
    print(f"template: {args.steps} steps, {sg.graph.number_of_edges()} dependencies, {len(text) / 1e6:.1f} MB JSON")
    print(f"levels {len(result.structure.levels)}, critical path {len(result.structure.critical_path.steps)} steps")
    print(f"ready {ctx.ready_steps}, in backoff {ctx.steps_in_backoff}, status {ctx.execution_status}")
    print(f"{'measure':44} {'best of ' + str(args.repeat):>12} {'target':>8}")
    print(f"{'analyse from JSON text (parse+validate+all)':44} {full * 1000:>9.1f} ms {'< 1 s':>8}")
    print(f"{'analyse parsed template + states':44} {analysis * 1000:>9.1f} ms {'< 1 s':>8}")
    print(f"{'readiness for every step + task context':44} {readiness * 1000:>9.1f} ms {'< 0.2 s':>8}")
    print(f"{'baseline: networkx topo sort + longest path':44} {base * 1000:>9.1f} ms")
    print(f"ratio analysis / baseline: {analysis / base:.1f}x")


if __name__ == "__main__":
    main()
