"""The orchestrator's own idioms (fixtures/dag/orchestrator): batch workers, decisions, retry blocks as written.

Each test reproduces a failure seen on tasker-systems/tasker-core (bench/dag_realworld.py) in CI.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from semgraph.dag.analyze import analyze_step_dag

F = Path(__file__).resolve().parents[2] / "fixtures" / "dag" / "orchestrator"
NOW = "2025-07-01T12:00:00Z"


def _run(name: str, with_states: bool = True):
    states = (F / f"{name}_states.yaml").read_text() if with_states else None
    return analyze_step_dag((F / f"{name}.yaml").read_text(), states, NOW)


def _rows(a) -> dict[str, tuple]:
    return {r.name: (r.category, r.ready_for_execution, r.completed_parents, r.total_parents) for r in a.readiness}


def test_batch_instances_are_attributed_to_their_template_and_the_template_never_runs() -> None:
    a = _run("ledger_batches")
    assert [i.code for i in a.issues] == []  # instances are not unknown_state_step
    assert _rows(a) == {
        "scan_ledger": ("done", False, 0, 0),
        "reconcile_batch": ("batch_template", False, 0, 1),
        "reconcile_batch_001": ("done", False, 1, 1),
        "reconcile_batch_002": ("in_flight", False, 1, 1),
        "reconcile_batch_003": ("ready", True, 1, 1),
        # the convergence step waits for the instances actually created, not for the template
        "summarise_reconciliation": ("waiting_for_dependencies", False, 1, 3),
    }
    rows = {r.name: r for r in a.readiness}
    assert rows["reconcile_batch_003"].instance_of == "reconcile_batch"
    assert rows["reconcile_batch"].reason.endswith(
        "creates instances named reconcile_batch_<batch_id> (3 in the snapshot)"
    )
    assert (a.context.total_steps, a.context.ready_steps) == (5, 1)  # the template is not one of the task's steps


def test_a_fresh_batch_task_runs_only_the_batchable_step() -> None:
    a = analyze_step_dag((F / "ledger_batches.yaml").read_text(), {"scan_ledger": "complete"}, NOW)
    assert _rows(a) == {
        "scan_ledger": ("done", False, 0, 0),
        "reconcile_batch": ("batch_template", False, 0, 1),
        "summarise_reconciliation": ("not_created", False, 0, 1),
    }
    assert a.context.total_steps == 1


def test_convergence_is_ready_when_every_created_instance_is_complete() -> None:
    states = {"scan_ledger": "complete", "reconcile_batch_001": "complete", "reconcile_batch_002": "resolved_manually"}
    a = analyze_step_dag((F / "ledger_batches.yaml").read_text(), states, NOW)
    assert _rows(a)["summarise_reconciliation"] == ("ready", True, 2, 2)


def test_unchosen_decision_branches_are_never_recommended() -> None:
    a = _run("expense_decision")
    assert _rows(a) == {
        "validate_expense": ("done", False, 0, 0),
        "route_approval": ("done", False, 1, 1),
        "auto_approve": ("not_chosen", False, 0, 1),
        "manager_review": ("done", False, 1, 1),
        # created with manager_review (the orchestrator walks forward to the next decision)
        "finance_signoff": ("ready", True, 1, 1),
        # converges over the branch that exists: finance_signoff only
        "record_approval": ("waiting_for_dependencies", False, 0, 1),
    }
    assert [r.name for r in a.readiness if r.ready_for_execution] == ["finance_signoff"]


def test_before_the_decision_runs_its_branches_do_not_exist() -> None:
    a = analyze_step_dag((F / "expense_decision.yaml").read_text(), None, NOW)
    cats = {r.name: r.category for r in a.readiness}
    assert cats == {
        "validate_expense": "ready",
        "route_approval": "waiting_for_dependencies",
        "auto_approve": "not_created",
        "manager_review": "not_created",
        "finance_signoff": "not_created",
        "record_approval": "not_created",
    }
    assert a.context.total_steps == 2


def test_retry_blocks_as_the_orchestrator_writes_them_are_accepted_with_warnings() -> None:
    a = _run("retry_as_written")
    assert a.valid
    assert [(i.code, i.steps) for i in a.issues] == [
        ("unknown_key", ["issue_refund"]),
        ("unknown_key", ["issue_refund"]),
        ("max_attempts_zero", ["check_eligibility"]),
        ("ignored_by_orchestrator", ["notify_customer"]),
    ]
    msgs = [i.message for i in a.issues]
    assert (
        msgs[0]
        == "'retry.initial_delay' is not read by the orchestrator (kept here, ignored there) (step 'issue_refund')"
    )
    assert "readiness SQL still runs the first attempt" in msgs[2]
    assert a.template.steps[1].retry.model_extra == {"initial_delay": 2, "max_delay": 60}  # kept


def test_template_backoff_is_not_applied_the_sql_fallback_is() -> None:
    r = {x.name: x for x in _run("retry_as_written").readiness}["notify_customer"]
    # linear 5 s * 2 would wait until 12:00:05; the orchestrator's SQL waits min(2^2, 60) = 4 s
    assert (r.next_retry_at, r.next_retry_source, r.ready_for_execution) == (
        datetime(2025, 7, 1, 11, 59, 59),
        "fallback",
        True,
    )
    # the primary path writes 1 * 2^2 = 4 s (jitter floor(0.6) = 0) when the orchestrator handles the failure
    assert (r.projected_retry_earliest, r.projected_retry_latest) == (datetime(2025, 7, 1, 11, 59, 59),) * 2


def test_max_attempts_zero_runs_once_and_never_again() -> None:
    tpl = (F / "retry_as_written.yaml").read_text()
    first = {r.name: r for r in analyze_step_dag(tpl, {}, NOW).readiness}["check_eligibility"]
    assert (first.ready_for_execution, first.retry_eligible, first.max_attempts) == (True, True, 0)
    again = analyze_step_dag(tpl, {"check_eligibility": {"state": "waiting_for_retry", "attempts": 1}}, NOW)
    r = {x.name: x for x in again.readiness}["check_eligibility"]
    assert (r.ready_for_execution, r.category) == (False, "not_retryable")


def test_null_attempts_are_eligible_but_the_fallback_counts_them_as_one() -> None:
    # get_step_readiness_status: COALESCE(attempts, 0) = 0 is eligible; the fallback uses COALESCE(attempts, 1)
    a = analyze_step_dag(
        {"steps": [{"name": "s"}]},
        {"s": {"state": "waiting_for_retry", "attempts": None, "last_failure_at": "2025-07-01T11:59:58.500"}},
        NOW,
    )
    r = a.readiness[0]
    assert (r.retry_eligible, r.next_retry_at, r.ready_for_execution) == (
        True,
        datetime(2025, 7, 1, 12, 0, 0, 500000),
        False,
    )
