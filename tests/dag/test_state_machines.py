"""The task and step machines as data, and audit trails checked against them."""

from __future__ import annotations

import pytest

from semgraph.dag.state_machines import MACHINES, check_transitions, legal_next, machine, operator_overrides
from semgraph.errors import InvalidInputError


def test_machines_have_the_orchestrator_states() -> None:
    task, step = MACHINES["task"], MACHINES["step"]
    assert task.states == [
        "pending",
        "initializing",
        "enqueuing_steps",
        "steps_in_process",
        "evaluating_results",
        "waiting_for_dependencies",
        "waiting_for_retry",
        "blocked_by_failures",
        "complete",
        "error",
        "cancelled",
        "resolved_manually",
    ]
    assert step.states == [
        "pending",
        "enqueued",
        "in_progress",
        "enqueued_for_orchestration",
        "enqueued_as_error_for_orchestration",
        "waiting_for_retry",
        "complete",
        "error",
        "cancelled",
        "resolved_manually",
    ]
    assert task.terminal == ["complete", "error", "cancelled", "resolved_manually"]
    assert step.terminal == ["complete", "cancelled", "resolved_manually"]  # a step in error can still be retried
    assert task.targets("evaluating_results") == {
        "complete": ["all_steps_successful"],
        "enqueuing_steps": ["ready_steps_found"],
        "waiting_for_dependencies": ["no_dependencies_ready"],
        "blocked_by_failures": ["permanent_failure"],
        "cancelled": ["cancel"],
        "resolved_manually": ["resolve_manually"],
    }
    enqueue = next(t for t in step.transitions if (t.source, t.event) == ("pending", "enqueue"))
    assert enqueue.guard == "every parent step is complete and the step is not already in process"


def test_illegal_transitions_with_indices_and_final_state() -> None:
    history = [
        "pending",
        "enqueued",
        "in_progress",
        "complete",  # 3: legal (legacy direct completion)
        "in_progress",  # 4: illegal, complete is terminal
        "enqueued_for_orchestration",
        "waiting_for_retry",  # 6: illegal
        "pending",
        "enqueued_for_orchestration",  # 8: illegal, the step never ran
        "complete",  # 9: legal
    ]
    r = check_transitions("step", history)
    assert [(p.index, p.code, p.source, p.target) for p in r.problems] == [
        (4, "illegal_transition", "complete", "in_progress"),
        (6, "illegal_transition", "enqueued_for_orchestration", "waiting_for_retry"),
        (8, "illegal_transition", "pending", "enqueued_for_orchestration"),
    ]
    assert r.problems[0].message == "step cannot move from 'complete' (a terminal state) to 'in_progress'"
    assert r.problems[1].legal_targets == ["cancelled", "complete", "error", "resolved_manually"]
    assert (r.final_state, r.final_is_terminal, r.transitions_checked) == ("complete", True, 9)
    # without events a move is legal if any event allows it; with an event, only that event counts
    r2 = check_transitions("step", [{"to": "pending"}, {"from": "pending", "to": "complete", "event": "complete"}])
    assert [(p.index, p.message) for p in r2.problems] == [
        (
            1,
            "step cannot move from 'pending' to 'complete' on 'complete' "
            "('complete' is reached from 'pending' only by complete_manually)",
        )
    ]


def test_records_with_events_unknown_states_and_gaps() -> None:
    history = [
        {"from_state": None, "to_state": "pending"},
        {"from_state": "pending", "to_state": "initializing", "event": "start"},
        {"from_state": "initializing", "to_state": "enqueuing_steps", "event": "steps_enqueued"},
        {"from_state": "enqueuing_steps", "to_state": "steps_in_process", "event": "steps_enqueued"},
        {"from_state": "evaluating_results", "to_state": "complete", "event": "all_steps_successful"},
        {"from_state": "complete", "to_state": "exploded"},
        {"to_state": "pending", "event": "teleport"},
    ]
    r = check_transitions("task", history)
    assert [(p.index, p.code) for p in r.problems] == [
        (2, "illegal_transition"),
        (4, "discontinuity"),
        (5, "unknown_state"),
        (6, "unknown_event"),
    ]
    assert r.problems[0].message == (
        "task cannot move from 'initializing' to 'enqueuing_steps' on 'steps_enqueued' "
        "('enqueuing_steps' is reached from 'initializing' only by ready_steps_found)"
    )
    assert r.problems[1].message == (
        "entry 4 starts from 'evaluating_results' but the previous entry left the entity in 'steps_in_process'"
    )
    assert r.final_state == "pending" and r.final_is_terminal is False


def test_a_clean_happy_path() -> None:
    r = check_transitions(
        "task",
        ["pending", "initializing", "enqueuing_steps", "steps_in_process", "evaluating_results", "complete"],
    )
    assert r.valid and r.problems == [] and r.final_state == "complete" and r.final_is_terminal


def test_unknown_machine() -> None:
    with pytest.raises(InvalidInputError, match="use 'task' or 'step'"):
        check_transitions("workflow", [])


def test_guards_are_checked_when_the_record_carries_the_facts() -> None:
    history = [
        {"to_state": "pending"},
        {
            "from_state": "pending",
            "to_state": "enqueued",
            "event": "enqueue",
            "metadata": {"dependencies_satisfied": False},
        },  # 1: parents not complete
        {"from_state": "enqueued", "to_state": "in_progress", "event": "start"},
        {"from_state": "in_progress", "to_state": "enqueued_as_error_for_orchestration"},
        {"from_state": "enqueued_as_error_for_orchestration", "to_state": "error", "event": "fail"},
        {
            "from_state": "error",
            "to_state": "pending",
            "event": "retry",
            "context": {"attempts": 3, "max_attempts": 3},
        },  # 5: retries exhausted
        {"from_state": "pending", "to_state": "waiting_for_retry", "retryable": True},  # 6: fine
        {
            "from_state": "waiting_for_retry",
            "to_state": "pending",
            "event": "retry",
            "created_at": "2025-07-01T12:00:01",
            "next_retry_at": "2025-07-01T12:00:04",
        },  # 7: too early
        {"from_state": "pending", "to_state": "enqueued", "completed_parents": 2, "total_parents": 2},  # 8: fine
    ]
    r = check_transitions("step", history)
    assert [(p.index, p.code, p.message) for p in r.problems] == [
        (
            1,
            "guard_failed",
            "step moved from 'pending' to 'enqueued' but the guard 'every parent step is complete "
            "and the step is not already in process' does not hold: dependencies_satisfied is false",
        ),
        (
            5,
            "guard_failed",
            "step moved from 'error' to 'pending' but the guard 'the step is retryable and "
            "attempts < max_attempts' does not hold: attempts 3, max_attempts 3",
        ),
        (
            7,
            "guard_failed",
            "step moved from 'waiting_for_retry' to 'pending' but the guard 'the backoff has "
            "elapsed' does not hold: moved at 2025-07-01T12:00:01, next retry at 2025-07-01T12:00:04",
        ),
    ]
    task = check_transitions(
        "task",
        [
            "pending",
            "initializing",
            {"to_state": "enqueuing_steps", "ready_steps": 2},
            "steps_in_process",
            "evaluating_results",
            {"to_state": "complete", "event": "all_steps_successful", "completed_steps": 4, "total_steps": 5},
        ],
    )
    assert [(p.index, p.code, p.message) for p in task.problems] == [
        (
            5,
            "guard_failed",
            "task moved from 'evaluating_results' to 'complete' but the guard 'every step is "
            "complete' does not hold: 4 of 5 steps complete",
        ),
    ]


@pytest.mark.parametrize(
    ("source", "event", "target", "accepted"),
    [
        # can_transition rejects every move out of a terminal task state, before its match arms
        ("error", "reset", "pending", False),
        ("error", "resolve_manually", "resolved_manually", False),
        ("complete", "resolve_manually", "resolved_manually", False),
        ("complete", "start", "pending", False),
        ("cancelled", "start", "pending", False),
        # legacy moves it still accepts
        ("pending", "start", "steps_in_process", True),
        ("steps_in_process", "complete", "complete", True),
        ("steps_in_process", "fail", "error", True),
        ("steps_in_process", "resolve_manually", "resolved_manually", True),
        ("blocked_by_failures", "cancel", "cancelled", True),
        # the event must match the move
        ("pending", "retry_ready", "initializing", False),
        ("pending", "start", "complete", False),
    ],
)
def test_task_moves_as_the_orchestrators_guard_decides(source: str, event: str, target: str, accepted: bool) -> None:
    res = check_transitions("task", [{"from_state": source, "to_state": target, "event": event}])
    assert res.valid is accepted
    if not accepted and source in ("complete", "error", "cancelled"):
        assert "(a terminal state)" in res.problems[0].message
        assert res.problems[0].legal_targets == []


def test_a_step_in_error_is_not_terminal_and_its_exits_are_listed() -> None:
    step = machine("step")
    res = check_transitions("step", ["pending", "enqueued", "in_progress", "error"])
    assert (res.final_state, res.final_is_terminal) == ("error", False)
    assert legal_next(step, "error") == [
        ("cancelled", ["cancel"]),
        ("complete", ["complete_manually"]),
        ("pending", ["retry", "reset_for_retry"]),
        ("resolved_manually", ["resolve_manually"]),
    ]


def test_terminal_step_states_list_no_next_moves_only_operator_overrides() -> None:
    step = machine("step")
    assert legal_next(step, "complete") == []
    assert operator_overrides(step, "complete") == [
        ("complete", ["complete_manually"]),
        ("resolved_manually", ["resolve_manually"]),
    ]
    # the orchestrator's step machine accepts an operator resolving a completed step: legal, and said so
    res = check_transitions(
        "step", [{"from_state": "complete", "to_state": "resolved_manually", "event": "resolve_manually"}]
    )
    assert (res.valid, res.overrides_used, res.final_is_terminal) == (True, [0], True)
    # any other move out of a terminal step state is illegal
    bad = check_transitions("step", [{"from_state": "complete", "to_state": "pending", "event": "retry"}])
    assert [p.code for p in bad.problems] == ["illegal_transition"]
