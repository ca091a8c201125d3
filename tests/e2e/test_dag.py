"""The dag toolset over stdio: real fixtures, bad input, and big templates that must not hang or flood."""

from __future__ import annotations

import json

from tests.support import FIXTURES, error_text, serve

NOW = "2025-07-01T12:00:00Z"


async def test_dag_tools_over_stdio(mode: str) -> None:
    async with serve(FIXTURES, mode=mode, extra_args=["--toolsets", "dag"]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in ("analyze_step_dag", "check_transitions", "extract_state_machines", "analyze_step_runs"):
            assert tools[name].annotations.read_only_hint is True
            assert tools[name].annotations.destructive_hint is False

        r = await client.call_tool(
            "analyze_step_dag",
            {
                "template_path": "dag/etl_pipeline.yaml",
                "states_path": "dag/etl_pipeline_states.yaml",
                "now": NOW,
                "limit": 4,
                "offset": 2,
            },
        )
        out = r.structured_content
        assert not r.is_error and out["valid"] is True
        assert out["ready_steps"] == ["transform_orders", "archive_raw"]
        assert out["steps_in_backoff"] == [
            {"step": "fetch_fx_rates", "next_retry_at": "2025-07-01T12:01:30", "source": "requested"},
            {"step": "transform_customers", "next_retry_at": "2025-07-01T12:00:02", "source": "fallback"},
        ]
        assert out["exhausted_steps"] == ["validate_schema", "enrich_geo"]
        assert out["context"]["execution_status"] == "blocked_by_failures"
        assert [s["name"] for s in out["steps"]] == [
            "fetch_fx_rates",
            "validate_schema",
            "transform_orders",
            "transform_customers",
        ]
        assert out["page"] == {"total": 10, "offset": 2, "limit": 4, "returned": 4, "next_offset": 6}
        assert out["mermaid"].startswith("flowchart TD")

        r = await client.call_tool(
            "analyze_step_dag",
            {
                "template_path": "dag/etl_pipeline.yaml",
                "states_path": "dag/etl_pipeline_states.yaml",
                "now": NOW,
                "category": "in_backoff",
                "include_mermaid": False,
            },
        )
        assert [s["name"] for s in r.structured_content["steps"]] == ["fetch_fx_rates", "transform_customers"]
        assert r.structured_content["mermaid"] is None

        cycles = await client.call_tool(
            "analyze_step_dag", {"template": (FIXTURES / "dag" / "two_cycles.yaml").read_text()}
        )
        assert [c["path"] for c in cycles.structured_content["cycles"]] == [
            ["parse", "normalise", "dedupe", "parse"],
            ["index", "publish", "index"],
        ]
        assert cycles.structured_content["issue_counts"] == {"cycle": 2, "unreachable_step": 1}

        # states naming steps the template lacks: reported, the rest still analysed
        ghost = await client.call_tool(
            "analyze_step_dag",
            {
                "template": {"steps": [{"name": "a"}, {"name": "b", "dependencies": ["a"]}]},
                "states": {"a": "complete", "ghost": {"state": "error"}},
                "now": NOW,
            },
        )
        g = ghost.structured_content
        assert g["valid"] is False and g["issue_counts"] == {"unknown_state_step": 1}
        assert (
            g["issues"][0]["message"]
            == "states name 'ghost', which is not a step of this template; its state is ignored"
        )
        assert g["ready_steps"] == ["b"]

        # bad input: clear errors, and the server keeps answering
        bad_yaml = await client.call_tool("analyze_step_dag", {"template": "name: x\nsteps:\n  - name: [a\n"})
        assert "Error executing tool analyze_step_dag: template:4:1: while parsing a flow sequence" in error_text(
            bad_yaml
        )
        both = await client.call_tool("analyze_step_dag", {"template": "steps: []", "template_path": "dag/x.yaml"})
        assert "give exactly one of template (text or object) and template_path" in error_text(both)
        outside = await client.call_tool("analyze_step_dag", {"template_path": "../../etc/passwd"})
        assert "resolves outside the allowed roots" in error_text(outside)
        bad_state = await client.call_tool(
            "analyze_step_dag", {"template": {"steps": [{"name": "a"}]}, "states": {"a": "exploded"}}
        )
        assert "states for step 'a': state: Input should be 'pending'" in error_text(bad_state)
        bad_schema = await client.call_tool(
            "analyze_step_dag", {"template": {"steps": [{"name": "a", "retry": {"backoff": "sometimes"}}]}}
        )
        assert "steps[0] 'a'.retry.backoff: Input should be 'none', 'linear'" in error_text(bad_schema)

        tr = await client.call_tool(
            "check_transitions",
            {
                "machine": "step",
                "history": ["pending", "enqueued", "in_progress", "complete", "in_progress"],
                "describe": True,
            },
        )
        t = tr.structured_content
        assert (t["valid"], t["final_state"], t["problem_counts"]) == (False, "in_progress", {"illegal_transition": 1})
        assert t["problems"][0]["index"] == 4
        assert t["definition"]["terminal"] == ["complete", "cancelled", "resolved_manually"]  # a step in error retries
        assert [(o["source"], o["event"]) for o in t["definition"]["overrides"]][:2] == [
            ("complete", "complete_manually"),
            ("cancelled", "complete_manually"),
        ]
        done = await client.call_tool("check_transitions", {"machine": "step", "history": ["pending", "cancelled"]})
        d = done.structured_content
        assert (d["final_is_terminal"], d["legal_next"]) == (True, [])
        assert [o["target"] for o in d["operator_overrides"]] == ["complete", "resolved_manually"]
        bad_machine = await client.call_tool("check_transitions", {"machine": "workflow", "history": []})
        assert "Input should be 'task' or 'step'" in error_text(bad_machine)

        sm = await client.call_tool("extract_state_machines", {"path": "state_machines", "include_mermaid": False})
        s = sm.structured_content
        assert [m["name"] for m in s["machines"]] == [
            "RefundStatuses",
            "PaymentStatus",
            "StepStateMachine",
            "OrderState",
            "TaskState",
            "ReturnStatus",
            "ShipmentStatus",
            "TrackingPhase",
        ]
        order = next(m for m in s["machines"] if m["name"] == "OrderState")
        assert (order["unreachable"], order["dead_ends"]) == (["Refunded"], ["OnHold"])
        assert s["parse_errors_total"] == 2
        one = await client.call_tool("extract_state_machines", {"path": "state_machines", "name": "ShipmentStatus"})
        assert one.structured_content["machines"][0]["mermaid"].startswith("stateDiagram-v2")
        missing = await client.call_tool("extract_state_machines", {"path": "state_machines", "name": "Nope"})
        assert "no state machine named 'Nope'" in error_text(missing)
        escape = await client.call_tool("extract_state_machines", {"path": "/etc"})
        assert "resolves outside the allowed roots" in error_text(escape)

        runs = await client.call_tool(
            "analyze_step_runs",
            {
                "runs": [
                    {
                        "task": "1",
                        "step": "load",
                        "state": "error",
                        "attempts": 1,
                        "started_at": "2025-07-01T10:00:00",
                        "ended_at": "2025-07-01T10:00:05",
                    },
                    {
                        "task": "1",
                        "step": "load",
                        "state": "complete",
                        "attempts": 2,
                        "started_at": "2025-07-01T10:01:00",
                        "ended_at": "2025-07-01T10:01:30",
                    },
                ]
            },
        )
        ru = runs.structured_content
        assert ru["error_rates"] == [{"step": "load", "runs": 2, "errors": 1, "error_rate": 0.5}]
        assert ru["retry_hot_spots"] == [{"step": "load", "retries": 1, "tasks_retried": 1, "max_attempts_seen": 2}]
        bad_runs = await client.call_tool("analyze_step_runs", {"runs": [{"task": "1"}]})
        assert (
            "runs[0]: step: Field required; state: Field required (each run needs task, step and state"
            in error_text(bad_runs)
        )


async def test_big_templates_are_bounded_and_fast(tmp_path) -> None:
    # generated compactly: names only, so the 50,000-step message stays near 2 MB
    chain = json.dumps(
        {"steps": [{"name": f"s{i}", "dependencies": [f"s{i - 1}"]} if i else {"name": "s0"} for i in range(50_000)]}
    )
    ring = json.dumps({"steps": [{"name": f"r{i}", "dependencies": [f"r{(i - 1) % 10_000}"]} for i in range(10_000)]})
    async with serve(tmp_path, mode="legacy", extra_args=["--toolsets", "dag"], timeout=120) as client:
        r = await client.call_tool("analyze_step_dag", {"template": chain, "include_mermaid": True})
        out = r.structured_content
        assert not r.is_error
        assert out["task"]["step_count"] == 50_000 and out["valid"] is True
        assert len(out["steps"]) == 50 and out["page"]["next_offset"] == 50 and out["page"]["total"] == 50_000
        assert len(out["topological_order"]) == 100 and out["topological_order_truncated"] is True
        assert len(out["levels"]) == 100 and out["levels_truncated"] is True
        assert out["critical_path"]["step_count"] == 50_000 and len(out["critical_path"]["steps"]) == 100
        assert out["mermaid_truncated"] is True
        assert out["ready_steps"] == ["s0"]
        assert len(json.dumps(out)) < 200_000

        r = await client.call_tool("analyze_step_dag", {"template": ring, "include_mermaid": False})
        out = r.structured_content
        assert out["valid"] is False
        (cycle,) = out["cycles"]
        assert cycle["length"] == 10_000 and cycle["path_truncated"] is True
        assert len(cycle["path"]) == 50 and cycle["path"][:2] == ["r0", "r1"] and cycle["path"][-1] == "r0"
        assert out["issues"][0]["steps_total"] == 10_000 and len(out["issues"][0]["steps"]) == 20
        assert out["topological_order"] == [] and out["ready_steps"] == []
