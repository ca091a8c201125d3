"""Validation: every cycle with its exact path, unknown and self dependencies, unreachable steps, retry settings."""

from __future__ import annotations

import time

from semgraph.dag.analyze import analyze_step_dag
from semgraph.dag.template import parse_template
from semgraph.dag.validate import build_graph, find_cycles, validate
from tests.support import FIXTURES

DAG = FIXTURES / "dag"


def _issues(a) -> list[tuple[str, str, list[str]]]:
    return [(i.severity, i.code, i.steps) for i in a.issues]


def test_two_cycles_exact_paths() -> None:
    a = analyze_step_dag((DAG / "two_cycles.yaml").read_text())
    assert [c.path for c in a.cycles] == [
        ["parse", "normalise", "dedupe", "parse"],
        ["index", "publish", "index"],
    ]
    assert [c.length for c in a.cycles] == [3, 2]
    assert a.cycles_truncated is False
    assert _issues(a) == [
        ("error", "cycle", ["parse", "normalise", "dedupe"]),
        ("error", "cycle", ["index", "publish"]),
        ("error", "unreachable_step", ["report"]),
    ]
    assert a.issues[0].message == "dependency cycle of 3 steps: parse -> normalise -> dedupe -> parse"
    assert a.valid is False
    # only the part that can run gets an order
    assert a.structure.order == ["download"]
    assert a.blocked == {"parse", "normalise", "dedupe", "index", "publish", "report"}


def test_two_step_cycle_and_mistyped_dependency_are_both_reported() -> None:
    a = analyze_step_dag((DAG / "typo_and_cycle.json").read_text())
    assert _issues(a) == [
        ("error", "unknown_dependency", ["send_welcome_email", "create_acount"]),
        ("error", "cycle", ["sync_crm", "score_lead"]),
        ("error", "unreachable_step", ["notify_sales"]),
        ("error", "retry_limit_zero", ["audit"]),
    ]
    assert a.issues[0].message == (
        "step 'send_welcome_email' depends on 'create_acount', which is not a step of this template; "
        "did you mean 'create_account'?"
    )
    assert [c.path for c in a.cycles] == [["sync_crm", "score_lead", "sync_crm"]]
    assert a.issues[2].message == (
        "step 'notify_sales' can never run: an ancestor is broken ('score_lead' is in a dependency cycle)"
    )
    assert a.structure.order == ["create_account", "audit"]


def test_duplicates_self_dependency_orphans_and_retry_warnings() -> None:
    a = analyze_step_dag(
        {
            "steps": [
                {"name": "a"},
                {"name": "a", "dependencies": ["zzz"]},
                {"name": "b", "dependencies": ["a", "b"]},
                {"name": "c", "dependencies": ["b"]},
                {"name": "lonely", "retry": {"retryable": True, "max_attempts": 1}},
                {
                    "name": "slow",
                    "dependencies": ["a"],
                    "timeout_seconds": 10,
                    "expected_duration_seconds": 30,
                    "retry": {"retryable": False, "backoff": "linear", "backoff_base_ms": 5000, "max_backoff_ms": 1000},
                },
            ]
        }
    )
    assert _issues(a) == [
        ("error", "duplicate_step", ["a"]),
        ("error", "self_dependency", ["b"]),
        ("error", "unreachable_step", ["c"]),
        ("warning", "orphan_step", ["lonely"]),
        ("warning", "retryable_single_attempt", ["lonely"]),
        ("warning", "timeout_below_expected_duration", ["slow"]),
        ("warning", "ignored_by_orchestrator", ["slow"]),
    ]
    assert a.issues[2].message == "step 'c' can never run: an ancestor is broken ('b' depends on itself)"
    assert a.cycles == []  # a self dependency is its own issue, not a cycle


def test_states_naming_unknown_steps_are_reported() -> None:
    a = analyze_step_dag({"steps": [{"name": "a"}]}, {"a": "complete", "ghost": "pending"})
    assert _issues(a) == [("error", "unknown_state_step", ["ghost"])]
    assert a.readiness[0].current_state == "complete"


def test_every_cycle_of_one_component_is_listed() -> None:
    # a -> b -> a and a -> c -> a share node a: one component, two cycles
    tpl = parse_template(
        {
            "steps": [
                {"name": "a", "dependencies": ["b", "c"]},
                {"name": "b", "dependencies": ["a"]},
                {"name": "c", "dependencies": ["a"]},
            ]
        }
    )
    sg, _ = build_graph(tpl)
    cycles, truncated, comps = find_cycles(sg)
    assert sorted(c.path for c in cycles) == [["a", "b", "a"], ["a", "c", "a"]]
    assert truncated is False and len(comps) == 1


def test_adversarial_graph_is_bounded_and_says_so() -> None:
    # a complete directed graph on 60 nodes has astronomically many simple cycles
    names = [f"n{i}" for i in range(60)]
    tpl = parse_template({"steps": [{"name": n, "dependencies": [m for m in names if m != n]} for n in names]})
    sg, structural = build_graph(tpl)
    start = time.perf_counter()
    val = validate(sg, structural, max_extra_cycles=20)
    assert time.perf_counter() - start < 5
    assert len(val.cycles) == 1  # one per component; the component is too big to enumerate
    assert val.cycles_truncated is True
    small = [f"m{i}" for i in range(8)]
    tpl2 = parse_template({"steps": [{"name": n, "dependencies": [m for m in small if m != n]} for n in small]})
    sg2, s2 = build_graph(tpl2)
    val2 = validate(sg2, s2, max_extra_cycles=5)
    assert len(val2.cycles) == 6 and val2.cycles_truncated is True


def test_a_ring_of_10000_steps_is_one_cycle() -> None:
    n = 10_000
    tpl = parse_template({"steps": [{"name": f"s{i}", "dependencies": [f"s{(i - 1) % n}"]} for i in range(n)]})
    sg, structural = build_graph(tpl)
    val = validate(sg, structural)
    assert len(val.cycles) == 1
    assert val.cycles[0].length == n
    assert val.cycles[0].path[:3] == ["s0", "s1", "s2"] and val.cycles[0].path[-1] == "s0"
    assert val.cycles_truncated is False


def test_empty_template_is_a_warning() -> None:
    a = analyze_step_dag({"steps": []})
    assert _issues(a) == [("warning", "empty_template", [])]
    assert a.valid and a.structure.order == [] and a.context.total_steps == 0
