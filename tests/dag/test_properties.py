"""Property tests on random DAGs: order respects edges, readiness never outruns parents, levels partition."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from semgraph.dag.analyze import analyze_step_dag
from semgraph.dag.template import COMPLETED_STATES, StepState

NOW = datetime(2025, 7, 1, 12, 0, 0)


@st.composite
def random_dags(draw: st.DrawFn) -> tuple[list[dict], dict[str, dict]]:
    """Steps s0..sN with edges only from lower to higher index (always acyclic), shuffled, with random states."""
    n = draw(st.integers(min_value=1, max_value=25))
    names = [f"s{i}" for i in range(n)]
    steps = []
    for i, name in enumerate(names):
        deps = draw(st.lists(st.sampled_from(names[:i]), unique=True, max_size=min(i, 4))) if i else []
        retry = {"retryable": draw(st.booleans()), "max_attempts": draw(st.integers(1, 4))}
        steps.append({"name": name, "dependencies": deps, "retry": retry})
    order = draw(st.permutations(steps))
    states = {}
    for name in names:
        if draw(st.booleans()):
            attempts = draw(st.integers(0, 4))
            ago = draw(st.integers(0, 120))
            states[name] = {
                "state": draw(st.sampled_from(list(StepState))).value,
                "attempts": attempts,
                "last_attempted_at": (NOW - timedelta(seconds=ago)).isoformat() if attempts else None,
                "last_failure_at": (NOW - timedelta(seconds=ago)).isoformat()
                if attempts and draw(st.booleans())
                else None,
                "backoff_request_seconds": draw(st.none() | st.integers(0, 90)),
            }
    return list(order), states


@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_topological_order_respects_every_edge(dag: tuple[list[dict], dict]) -> None:
    steps, _states = dag
    a = analyze_step_dag({"steps": steps}, readiness_without_states=False)
    assert a.valid or all(i.severity == "warning" for i in a.issues)
    pos = {n: i for i, n in enumerate(a.structure.order)}
    assert sorted(pos) == sorted(s["name"] for s in steps)
    for s in steps:
        for d in s["dependencies"]:
            assert pos[d] < pos[s["name"]]


@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_levels_partition_the_steps_and_follow_edges(dag: tuple[list[dict], dict]) -> None:
    steps, _states = dag
    a = analyze_step_dag({"steps": steps}, readiness_without_states=False)
    seen = [n for lv in a.structure.levels for n in lv.steps]
    assert sorted(seen) == sorted(s["name"] for s in steps) and len(seen) == len(set(seen))
    level = a.structure.level_of
    for s in steps:
        for d in s["dependencies"]:
            assert level[d] < level[s["name"]]
        if s["dependencies"]:  # a step sits right after its latest parent
            assert level[s["name"]] == 1 + max(level[d] for d in s["dependencies"])


@settings(max_examples=60, deadline=None)
@given(random_dags())
def test_readiness_never_marks_a_step_ready_whose_parent_is_incomplete(dag: tuple[list[dict], dict]) -> None:
    steps, states = dag
    a = analyze_step_dag({"steps": steps}, states, NOW)
    state_of = {n: StepState(v["state"]) for n, v in states.items()}
    deps = {s["name"]: s["dependencies"] for s in steps}
    for r in a.readiness:
        if r.ready_for_execution:
            assert all(state_of.get(p, StepState.PENDING) in COMPLETED_STATES for p in deps[r.name])
            assert r.current_state in ("pending", "waiting_for_retry")
            assert r.next_retry_at is None or r.next_retry_at <= NOW
            assert r.completed_parents == r.total_parents == len(deps[r.name])


@st.composite
def random_graphs(draw: st.DrawFn) -> list[dict]:
    """Any directed graph (cycles allowed, no self loops)."""
    n = draw(st.integers(min_value=1, max_value=15))
    names = [f"g{i}" for i in range(n)]
    return [
        {
            "name": name,
            "dependencies": draw(
                st.lists(st.sampled_from(names), unique=True, max_size=3).map(
                    lambda deps, me=name: [d for d in deps if d != me]
                )
            ),
        }
        for name in names
    ]


@settings(max_examples=80, deadline=None)
@given(random_graphs())
def test_reported_cycles_are_real_and_blocked_steps_never_get_an_order(steps: list[dict]) -> None:
    a = analyze_step_dag({"steps": steps}, readiness_without_states=False)
    deps = {s["name"]: set(s["dependencies"]) for s in steps}
    for cycle in a.cycles:
        path = cycle.path
        assert path[0] == path[-1] and len(path) == cycle.length + 1
        assert len(set(path[:-1])) == cycle.length  # simple
        for parent, child in pairwise(path):
            assert parent in deps[child]
    g = nx.DiGraph([(d, s["name"]) for s in steps for d in s["dependencies"]])
    g.add_nodes_from(deps)
    has_cycle = not nx.is_directed_acyclic_graph(g)
    assert bool(a.cycles) == has_cycle
    # exactly the steps with a cycle among their ancestors (or in one) are blocked
    in_cycle = {n for comp in nx.strongly_connected_components(g) if len(comp) > 1 for n in comp}
    expected_blocked = {n for n in deps if n in in_cycle or nx.ancestors(g, n) & in_cycle}
    assert a.blocked == expected_blocked
    assert set(a.structure.order) == set(deps) - expected_blocked
