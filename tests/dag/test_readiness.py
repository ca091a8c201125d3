"""Readiness of every step for a state snapshot, decided as the orchestrator decides it."""

from __future__ import annotations

from datetime import datetime

from semgraph.dag.analyze import analyze_step_dag
from tests.support import FIXTURES

DAG = FIXTURES / "dag"
NOW = "2025-07-01T12:00:00Z"


def _etl():
    return analyze_step_dag(
        (DAG / "etl_pipeline.yaml").read_text(), (DAG / "etl_pipeline_states.yaml").read_text(), NOW
    )


def test_readiness_of_every_step() -> None:
    a = _etl()
    rows = {
        r.name: (
            r.current_state,
            r.ready_for_execution,
            r.dependencies_satisfied,
            r.retry_eligible,
            r.completed_parents,
            r.total_parents,
            r.attempts,
            r.max_attempts,
            r.next_retry_at,
            r.category,
        )
        for r in a.readiness
    }
    t = datetime
    assert rows == {
        "extract_orders": ("complete", False, True, True, 0, 0, 1, 3, None, "done"),
        "extract_customers": ("complete", False, True, True, 0, 0, 1, 3, None, "done"),
        # server-requested backoff: last_attempted_at 11:59:30 + 120 s
        "fetch_fx_rates": (
            "waiting_for_retry",
            False,
            True,
            True,
            0,
            0,
            1,
            5,
            t(2025, 7, 1, 12, 1, 30),
            "in_backoff",
        ),
        # non-retryable failed step
        "validate_schema": ("error", False, True, False, 0, 0, 1, 1, t(2025, 7, 1, 11, 51, 4), "not_retryable"),
        # complete parent, never attempted
        "transform_orders": ("pending", True, True, True, 1, 1, 0, 3, None, "ready"),
        # exponential backoff: failure 11:59:58 + 1 s * 2 ** 2 = 12:00:02, still in the future
        "transform_customers": (
            "waiting_for_retry",
            False,
            True,
            True,
            1,
            1,
            2,
            4,
            t(2025, 7, 1, 12, 0, 2),
            "in_backoff",
        ),
        # retries exhausted: 3 of 3 attempts; the template's fibonacci backoff is ignored by the orchestrator,
        # its SQL fallback waits 2 ** 3 = 8 s after the failure
        "enrich_geo": ("error", False, True, False, 1, 1, 3, 3, t(2025, 7, 1, 11, 55, 9), "retries_exhausted"),
        # the template's linear backoff is ignored: fallback 2 ** 1 = 2 s, elapsed: ready to retry
        "archive_raw": ("waiting_for_retry", True, True, True, 2, 2, 1, 3, t(2025, 7, 1, 11, 58, 2), "ready"),
        "load_warehouse": ("pending", False, False, True, 0, 3, 0, 3, None, "waiting_for_dependencies"),
        "publish_report": ("pending", False, False, True, 0, 3, 0, 3, None, "waiting_for_dependencies"),
    }


def test_reasons_in_words() -> None:
    reasons = {r.name: r.reason for r in _etl().readiness}
    assert reasons == {
        "extract_orders": "already complete",
        "extract_customers": "already complete",
        "fetch_fx_rates": "in backoff until 2025-07-01T12:01:30: 120 s after the last attempt "
        "(backoff_request_seconds, written by the orchestrator's backoff calculator or a handler's request)",
        "validate_schema": "failed after 1 attempt(s) and the step is not retryable",
        "transform_orders": "ready: pending, all 1 parents complete",
        "transform_customers": "in backoff until 2025-07-01T12:00:02: the SQL fallback, 4 s after the last failure "
        "(min(2^attempts, 60)); no backoff_request_seconds stored yet",
        "enrich_geo": "retries exhausted: 3 of 3 attempts used",
        "archive_raw": "ready to retry: attempt 2 of 3, all 2 parents complete",
        "load_warehouse": "waiting for 3 of 3 parents: transform_orders, transform_customers, enrich_geo",
        "publish_report": "waiting for 3 of 3 parents: load_warehouse, fetch_fx_rates, validate_schema",
    }


def test_task_execution_context() -> None:
    c = _etl().context
    assert c is not None
    assert (c.total_steps, c.pending_steps, c.completed_steps, c.failed_steps, c.ready_steps) == (10, 3, 2, 2, 2)
    assert (c.permanently_blocked_steps, c.steps_in_backoff) == (2, 2)
    assert (c.execution_status, c.recommended_action, c.health_status) == (
        "blocked_by_failures",
        "handle_failures",
        "blocked",
    )
    assert c.completion_percentage == 20.0
    assert (c.is_complete, c.blocked_by_failures, c.waiting_for_retry, c.waiting_for_dependencies) == (
        False,
        True,
        True,
        False,
    )
    assert c.counts_by_state == {"pending": 3, "waiting_for_retry": 3, "complete": 2, "error": 2}


def test_backoff_elapses_with_time() -> None:
    a = analyze_step_dag(
        (DAG / "etl_pipeline.yaml").read_text(), (DAG / "etl_pipeline_states.yaml").read_text(), "2025-07-01T12:01:30"
    )
    ready = [r.name for r in a.readiness if r.ready_for_execution]
    assert ready == ["fetch_fx_rates", "transform_orders", "transform_customers", "archive_raw"]


def test_fresh_task_and_finished_task() -> None:
    tpl = {"steps": [{"name": "a"}, {"name": "b", "dependencies": ["a"]}]}
    fresh = analyze_step_dag(tpl, None, NOW)
    assert [r.ready_for_execution for r in fresh.readiness] == [True, False]
    assert fresh.context.execution_status == "has_ready_steps"
    assert fresh.context.recommended_action == "execute_ready_steps"
    done = analyze_step_dag(tpl, {"a": "complete", "b": "resolved_manually"}, NOW)
    assert done.context.execution_status == "all_complete"
    assert done.context.recommended_action == "finalize_task"
    assert done.context.is_complete is True
    busy = analyze_step_dag(tpl, {"a": "in_progress"}, NOW)
    assert (busy.context.execution_status, busy.context.recommended_action) == ("processing", "wait_for_completion")
    assert busy.readiness[0].reason == "already in the pipeline (state in_progress)"


def test_processed_and_in_process_flags_block_readiness() -> None:
    a = analyze_step_dag(
        {"steps": [{"name": "a"}, {"name": "b"}]}, {"a": {"processed": True}, "b": {"in_process": True}}, NOW
    )
    assert [(r.ready_for_execution, r.reason) for r in a.readiness] == [
        (False, "already processed"),
        (False, "already being processed"),
    ]


def test_unknown_and_self_dependencies_block_for_good() -> None:
    a = analyze_step_dag(
        {"steps": [{"name": "a", "dependencies": ["nope"]}, {"name": "b", "dependencies": ["b"]}]}, None, NOW
    )
    assert [(r.category, r.reason, r.total_parents) for r in a.readiness] == [
        ("blocked", "can never run: it depends on 'nope', which is not a runnable step", 1),
        ("blocked", "can never run: it depends on itself, which is not a runnable step", 1),
    ]


def test_rows_exported_from_the_readiness_function_are_accepted() -> None:
    # the orchestrator's own readiness rows: current_state, per-step max_attempts/retryable, derived columns
    rows = [
        {"name": "a", "current_state": "complete", "attempts": 1, "max_attempts": 3, "ready_for_execution": False},
        {
            "name": "b",
            "current_state": "error",
            "attempts": 2,
            "max_attempts": 2,
            "retry_eligible": False,
            "last_failure_at": "2025-07-01T11:00:00",
        },
        {"name": "c", "current_state": "waiting_for_retry", "attempts": 1, "retryable": False},
    ]
    tpl = {"steps": [{"name": "a"}, {"name": "b", "dependencies": ["a"]}, {"name": "c"}]}
    a = analyze_step_dag(tpl, rows, NOW)
    assert [(r.name, r.category, r.max_attempts, r.retryable) for r in a.readiness] == [
        ("a", "done", 3, True),
        ("b", "retries_exhausted", 2, True),
        ("c", "not_retryable", 3, False),
    ]


def test_steps_in_or_below_a_cycle_are_blocked_with_the_reason() -> None:
    a = analyze_step_dag((DAG / "two_cycles.yaml").read_text(), None, NOW)
    assert [(r.name, r.category, r.reason) for r in a.readiness] == [
        ("download", "ready", "ready: pending, no dependencies"),
        ("parse", "blocked", "can never run: it is in a dependency cycle"),
        ("normalise", "blocked", "can never run: it is in a dependency cycle"),
        ("dedupe", "blocked", "can never run: it is in a dependency cycle"),
        ("index", "blocked", "can never run: it is in a dependency cycle"),
        ("publish", "blocked", "can never run: it is in a dependency cycle"),
        ("report", "blocked", "can never run: an ancestor is broken ('dedupe' is in a dependency cycle)"),
    ]
