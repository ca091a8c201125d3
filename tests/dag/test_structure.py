"""Structure: topological order, parallel levels, critical path, hot spots of the 12-step fulfilment DAG."""

from __future__ import annotations

from semgraph.dag.analyze import analyze_step_dag
from tests.support import FIXTURES


def test_levels_and_critical_path_of_the_12_step_diamond_dag() -> None:
    a = analyze_step_dag((FIXTURES / "dag" / "order_fulfillment.yaml").read_text(), readiness_without_states=False)
    # check_fraud's backoff settings are parsed by the orchestrator but used by none of its retry paths
    assert a.valid and [(i.code, i.steps) for i in a.issues] == [("ignored_by_orchestrator", ["check_fraud"])]
    st = a.structure
    assert [(lv.level, lv.steps) for lv in st.levels] == [
        (0, ["validate_order"]),
        (1, ["check_inventory", "check_credit", "check_fraud"]),
        (2, ["reserve_stock", "authorize_payment"]),
        (3, ["allocate_warehouse", "capture_payment"]),
        (4, ["pick_items", "generate_invoice"]),
        (5, ["ship_order"]),
        (6, ["notify_customer"]),
    ]
    assert st.critical_path.steps == [
        "validate_order",
        "check_fraud",
        "authorize_payment",
        "capture_payment",
        "pick_items",
        "ship_order",
        "notify_customer",
    ]
    assert st.critical_path.length == 70.0
    assert st.critical_path.basis == "expected_duration_seconds"
    assert st.order == [
        "validate_order",
        "check_inventory",
        "check_credit",
        "check_fraud",
        "reserve_stock",
        "authorize_payment",
        "allocate_warehouse",
        "capture_payment",
        "pick_items",
        "generate_invoice",
        "ship_order",
        "notify_customer",
    ]
    assert [(h.step, h.fan_in, h.fan_out) for h in st.fan_out] == [("validate_order", 0, 3)]
    assert st.fan_in == []
    assert st.roots == ["validate_order"] and st.leaves == ["notify_customer"]
    assert a.readiness is None


def test_without_durations_the_critical_path_counts_steps() -> None:
    a = analyze_step_dag(
        {
            "steps": [
                {"name": "a"},
                {"name": "b", "dependencies": ["a"]},
                {"name": "c", "dependencies": ["a"]},
                {"name": "d", "dependencies": ["c"]},
            ]
        }
    )
    cp = a.structure.critical_path
    assert (cp.steps, cp.length, cp.basis) == (["a", "c", "d"], 3.0, "step_count")


def test_missing_durations_count_zero_and_are_listed() -> None:
    a = analyze_step_dag(
        {"steps": [{"name": "a", "expected_duration_seconds": 2}, {"name": "b", "dependencies": ["a"]}]}
    )
    cp = a.structure.critical_path
    assert (cp.steps, cp.length, cp.steps_without_duration) == (["a", "b"], 2.0, ["b"])


def test_mermaid_is_coloured_by_state_and_capped() -> None:
    a = analyze_step_dag(
        {"steps": [{"name": 'say "hi"'}, {"name": "b", "dependencies": ['say "hi"']}]}, {'say "hi"': "complete"}
    )
    assert a.mermaid.splitlines() == [
        "flowchart TD",
        '    s0["say #quot;hi#quot;"]',
        '    s1["b"]',
        "    s0 --> s1",
        "    classDef complete fill:#bbf7d0,stroke:#16a34a,color:#052e16",
        "    classDef ready fill:#fff3b0,stroke:#c9a400,color:#333333",
        "    class s0 complete",
        "    class s1 ready",
    ]
    big = analyze_step_dag({"steps": [{"name": f"s{i}"} for i in range(250)]}, mermaid_max_nodes=200)
    assert big.mermaid_truncated is True
    assert '    more["… 50 more steps not drawn"]' in big.mermaid.splitlines()
