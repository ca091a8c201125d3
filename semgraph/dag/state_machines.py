"""The orchestrator's task and step state machines, as data, and an audit-trail checker.

The task table is what the orchestrator's ``TransitionGuard::can_transition``
accepts (it runs before every task transition): the 12-state lifecycle, cancel
from every non-terminal state, the legacy moves, and nothing out of a terminal
state (``complete``, ``error``, ``cancelled``, ``resolved_manually``) — so the
``(Error, Reset)`` and ``(_, ResolveManually)`` arms of ``determine_target_state``
never fire from a terminal state. The step table is the step machine's
``determine_target_state``: its terminal states are ``complete``, ``cancelled``
and ``resolved_manually``; ``error`` is not terminal (retry, reset_for_retry,
cancel and the operator moves leave it). The step machine has no terminal
check, so the operator events ``complete_manually`` / ``resolve_manually`` are
accepted from a terminal step too: those are kept apart as ``overrides``, not
listed as the state's next moves.

Guards are data too: checked when an audit record carries the facts they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from semgraph.dag.guards import evaluate
from semgraph.errors import InvalidInputError


class Transition(BaseModel):
    source: str
    event: str
    target: str
    guard: str | None = None
    guard_check: str | None = None  # key in ``guards.GUARDS``: checked when an audit record carries the facts
    note: str | None = None


class StateMachine(BaseModel):
    name: str
    states: list[str]
    initial: str
    terminal: list[str]
    events: list[str]
    transitions: list[Transition]
    # operator moves the orchestrator accepts out of a terminal state (the step machine only)
    overrides: list[Transition] = []

    def override(self, source: str, target: str, event: str | None) -> Transition | None:
        """The operator override that moves ``source`` to ``target`` (on ``event`` when given), if any."""
        for t in self.overrides:
            if t.source == source and t.target == target and (event is None or t.event == event):
                return t
        return None

    def targets(self, source: str) -> dict[str, list[str]]:
        """Legal targets from ``source`` with the events that lead there."""
        out: dict[str, list[str]] = {}
        for t in self.transitions:
            if t.source == source:
                out.setdefault(t.target, []).append(t.event)
        return out


TASK_STATES = [
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
TASK_TERMINAL = ["complete", "error", "cancelled", "resolved_manually"]

STEP_STATES = [
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
STEP_TERMINAL = ["complete", "cancelled", "resolved_manually"]  # WorkflowStepState::is_terminal


_GUARD_TEXT = {
    "dependencies_met": "every parent step is complete and the step is not already in process",
    "not_in_process": "the step is not already in process",
    "retry_allowed": "the step is retryable and attempts < max_attempts",
    "retryable_error": "the error is retryable",
    "backoff_elapsed": "the backoff has elapsed",
    "has_ready_steps": "at least one step is ready for execution",
    "no_ready_steps": "no step is ready yet",
    "no_steps": "the task has no steps",
    "all_steps_complete": "every step is complete",
    "permanent_failure": "a step failed permanently (retries exhausted or not retryable)",
    "no_permanent_failure": "the failed step is still retry-eligible",
}


def _t(source: str, event: str, target: str, guard: str | None = None, note: str | None = None) -> Transition:
    """A transition; ``guard`` is a key of ``guards.GUARDS`` or free text for guards nothing can check."""
    check = guard if guard in _GUARD_TEXT else None
    return Transition(
        source=source, event=event, target=target, guard=_GUARD_TEXT.get(check, guard), guard_check=check, note=note
    )


def _task_machine() -> StateMachine:
    ts = [
        _t("pending", "start", "initializing"),
        _t("initializing", "ready_steps_found", "enqueuing_steps", "has_ready_steps"),
        _t("initializing", "no_steps_found", "complete", "no_steps"),
        _t("initializing", "no_dependencies_ready", "waiting_for_dependencies", "no_ready_steps"),
        _t("enqueuing_steps", "steps_enqueued", "steps_in_process"),
        _t("enqueuing_steps", "enqueue_failed", "error"),
        _t("steps_in_process", "all_steps_completed", "evaluating_results"),
        _t("steps_in_process", "step_completed", "evaluating_results"),
        _t("steps_in_process", "step_failed", "waiting_for_retry", "no_permanent_failure"),
        _t("evaluating_results", "all_steps_successful", "complete", "all_steps_complete"),
        _t("evaluating_results", "ready_steps_found", "enqueuing_steps", "has_ready_steps"),
        _t("evaluating_results", "no_dependencies_ready", "waiting_for_dependencies", "no_ready_steps"),
        _t("evaluating_results", "permanent_failure", "blocked_by_failures", "permanent_failure"),
        _t("waiting_for_dependencies", "dependencies_ready", "evaluating_results"),
        _t("waiting_for_retry", "retry_ready", "enqueuing_steps", "a failed step's backoff has elapsed"),
        _t("blocked_by_failures", "give_up", "error"),
        _t("blocked_by_failures", "manual_resolution", "resolved_manually", "an operator resolved the failure"),
    ]
    ts += [_t(s, "cancel", "cancelled") for s in TASK_STATES if s not in TASK_TERMINAL]
    ts += [
        _t("pending", "start", "steps_in_process", note="legacy (the old in_progress)"),
        _t("steps_in_process", "complete", "complete", note="legacy"),
        _t("steps_in_process", "fail", "error", note="legacy"),
    ]
    # (_, ResolveManually) and (Error, Reset) exist in determine_target_state, but can_transition rejects
    # every move out of a terminal state first
    ts += [_t(s, "resolve_manually", "resolved_manually", note="legacy") for s in TASK_STATES if s not in TASK_TERMINAL]
    m = _machine("task", TASK_STATES, TASK_TERMINAL, ts)
    m.events.append("reset")  # a TaskEvent whose only arm, (Error, Reset), leaves a terminal state
    return m


def _step_machine() -> StateMachine:
    ts = [
        _t("pending", "enqueue", "enqueued", "dependencies_met"),
        _t("enqueued", "start", "in_progress", "not_in_process"),
        _t("pending", "start", "in_progress", "dependencies_met", note="legacy"),
        _t("in_progress", "enqueue_for_orchestration", "enqueued_for_orchestration"),
        _t("in_progress", "enqueue_as_error_for_orchestration", "enqueued_as_error_for_orchestration"),
        _t("enqueued_for_orchestration", "complete", "complete"),
        _t("enqueued_for_orchestration", "fail", "error"),
        _t("enqueued_as_error_for_orchestration", "fail", "error"),
        _t("enqueued_as_error_for_orchestration", "complete", "complete", note="orchestration found it succeeded"),
        _t("in_progress", "complete", "complete", note="legacy"),
        _t("in_progress", "fail", "error"),
        _t("pending", "fail", "error"),
        _t("enqueued", "fail", "error"),
    ]
    for s in ("pending", "enqueued", "in_progress", "enqueued_for_orchestration"):
        ts.append(_t(s, "cancel", "cancelled"))
    ts += [
        _t("enqueued_as_error_for_orchestration", "cancel", "cancelled"),
        _t("error", "cancel", "cancelled"),
        _t("error", "retry", "pending", "retry_allowed"),
    ]
    for s in ("in_progress", "enqueued", "pending", "enqueued_as_error_for_orchestration"):
        ts.append(_t(s, "wait_for_retry", "waiting_for_retry", "retryable_error"))
    ts += [
        _t("waiting_for_retry", "retry", "pending", "backoff_elapsed"),
        _t("waiting_for_retry", "cancel", "cancelled"),
    ]
    live = [s for s in STEP_STATES if s not in STEP_TERMINAL]
    ts += [_t(s, "complete_manually", "complete", "an operator supplied the results") for s in live]
    ts += [_t(s, "resolve_manually", "resolved_manually", "an operator resolved the step") for s in live]
    ts.append(_t("error", "reset_for_retry", "pending", "operator reset; attempts start again"))
    note = "operator override out of a terminal state: the step machine's (_, CompleteManually/ResolveManually) arms have no terminal check"
    overrides = [_t(s, "complete_manually", "complete", note=note) for s in STEP_TERMINAL]
    overrides += [_t(s, "resolve_manually", "resolved_manually", note=note) for s in STEP_TERMINAL]
    return _machine("step", STEP_STATES, STEP_TERMINAL, ts, overrides)


def _machine(
    name: str, states: list[str], terminal: list[str], ts: list[Transition], overrides: list[Transition] | None = None
) -> StateMachine:
    events = list(dict.fromkeys(t.event for t in [*ts, *(overrides or [])]))
    return StateMachine(
        name=name,
        states=states,
        initial="pending",
        terminal=terminal,
        events=events,
        transitions=ts,
        overrides=overrides or [],
    )


MACHINES: dict[str, StateMachine] = {"task": _task_machine(), "step": _step_machine()}


def legal_next(m: StateMachine, state: str | None) -> list[tuple[str, list[str]]]:
    """(target, events) the machine allows from ``state``: none from a terminal state."""
    if state is None or state not in m.states:
        return []
    return sorted(m.targets(state).items())


def operator_overrides(m: StateMachine, state: str | None) -> list[tuple[str, list[str]]]:
    """(target, events) of the operator overrides the orchestrator still accepts out of ``state``."""
    out: dict[str, list[str]] = {}
    for t in m.overrides:
        if t.source == state:
            out.setdefault(t.target, []).append(t.event)
    return sorted(out.items())


def machine(name: str) -> StateMachine:
    try:
        return MACHINES[name]
    except KeyError:
        raise InvalidInputError(f"unknown machine {name!r}", hint="use 'task' or 'step'") from None


# --- audit-trail checking -------------------------------------------------------------------------

ProblemCode = Literal[
    "unknown_state", "unknown_event", "illegal_transition", "guard_failed", "discontinuity", "bad_entry"
]


class TransitionProblem(BaseModel):
    index: int  # position in the history (0-based)
    code: ProblemCode
    source: str | None
    target: str | None
    event: str | None
    message: str
    legal_targets: list[str]


@dataclass
class TransitionCheck:
    machine: str
    transitions_checked: int
    problems: list[TransitionProblem]
    final_state: str | None
    final_is_terminal: bool
    path_states: int  # distinct states visited
    overrides_used: list[int] = field(default_factory=list)  # indexes of operator overrides out of a terminal state

    @property
    def valid(self) -> bool:
        return not self.problems


def _entry(raw: Any) -> tuple[str | None, str | None, str | None]:
    """(from, to, event) of one history entry; a bare string is a state."""
    if isinstance(raw, str):
        return None, raw, None
    if isinstance(raw, dict):
        to = raw.get("to_state", raw.get("to", raw.get("state")))
        src = raw.get("from_state", raw.get("from"))
        event = raw.get("event")
        return (
            str(src) if src is not None else None,
            str(to) if to is not None else None,
            str(event) if event is not None else None,
        )
    return None, None, None


def check_transitions(machine_name: str, history: list[Any]) -> TransitionCheck:
    """Every illegal move in an audit trail, with its index, and the state the entity ends in.

    ``history`` is a list of states (``["pending", "enqueued", …]``) or of
    transition records (``{"from_state": …, "to_state": …, "event": …}``,
    ``from``/``to`` also accepted). Checking carries on after a problem, from
    the state the trail says the entity moved to.
    """
    m = machine(machine_name)
    states = set(m.states)
    events = set(m.events)
    terminal = set(m.terminal)
    problems: list[TransitionProblem] = []
    current: str | None = None
    visited: set[str] = set()
    overrides_used: list[int] = []
    checked = 0
    for i, raw in enumerate(history):
        src, dst, event = _entry(raw)
        if dst is None:
            problems.append(
                TransitionProblem(
                    index=i,
                    code="bad_entry",
                    source=src,
                    target=None,
                    event=event,
                    message=f"entry {i} has no target state (give a state name or a to_state)",
                    legal_targets=[],
                )
            )
            continue
        if i == 0 and current is None:
            if src is None:
                current = m.initial
                if dst == m.initial:  # the creation record
                    visited.add(dst)
                    continue
            else:
                current = src
        if src is not None and src != current and current is not None:
            problems.append(
                TransitionProblem(
                    index=i,
                    code="discontinuity",
                    source=src,
                    target=dst,
                    event=event,
                    message=f"entry {i} starts from {src!r} but the previous entry left the entity in {current!r}",
                    legal_targets=sorted(m.targets(current)),
                )
            )
            current = src
        checked += 1
        unknown = next((v for v in (dst, current) if v is not None and v not in states), None)
        if unknown is not None and (unknown == dst or src is not None):
            # an unknown source that came from the previous entry was reported there already
            problems.append(
                TransitionProblem(
                    index=i,
                    code="unknown_state",
                    source=current,
                    target=dst,
                    event=event,
                    message=f"{unknown!r} is not a {m.name} state; states: {', '.join(m.states)}",
                    legal_targets=[],
                )
            )
        options = m.targets(current or m.initial) if unknown is None else {}
        if event is not None and event not in events:
            problems.append(
                TransitionProblem(
                    index=i,
                    code="unknown_event",
                    source=current,
                    target=dst,
                    event=event,
                    message=f"{event!r} is not a {m.name} event; events: {', '.join(m.events)}",
                    legal_targets=sorted(options),
                )
            )
        elif unknown is None:
            allowed_events = options.get(dst, [])
            if not allowed_events and m.override(current or m.initial, dst, event) is not None:
                overrides_used.append(i)
            elif not allowed_events or (event is not None and event not in allowed_events):
                how = f" on {event!r}" if event else ""
                extra = (
                    f" ({dst!r} is reached from {current!r} only by {', '.join(allowed_events)})"
                    if allowed_events
                    else ""
                )
                ends = " (a terminal state)" if current in terminal else ""
                problems.append(
                    TransitionProblem(
                        index=i,
                        code="illegal_transition",
                        source=current,
                        target=dst,
                        event=event,
                        message=f"{m.name} cannot move from {current!r}{ends} to {dst!r}{how}{extra}",
                        legal_targets=sorted(options),
                    )
                )
            else:
                failed = _failed_guard(m, current or m.initial, dst, event, raw)
                if failed is not None:
                    problems.append(
                        TransitionProblem(
                            index=i,
                            code="guard_failed",
                            source=current,
                            target=dst,
                            event=event,
                            message=f"{m.name} moved from {current!r} to {dst!r} but the guard "
                            f"'{failed[0]}' does not hold: {failed[1]}",
                            legal_targets=sorted(options),
                        )
                    )
        current = dst
        visited.add(dst)
    return TransitionCheck(
        machine=m.name,
        transitions_checked=checked,
        problems=problems,
        final_state=current,
        final_is_terminal=current in terminal,
        path_states=len(visited),
        overrides_used=overrides_used,
    )


def _failed_guard(m: StateMachine, source: str, target: str, event: str | None, record: Any) -> tuple[str, str] | None:
    """(guard text, facts) when the record shows the guard of the move it made was false.

    Without an event the move is judged only when every transition that could
    have made it has the same checkable guard.
    """
    candidates = [t for t in m.transitions if t.source == source and t.target == target]
    if event is not None:
        candidates = [t for t in candidates if t.event == event]
    keys = {t.guard_check for t in candidates}
    if len(keys) != 1 or None in keys:
        return None
    (key,) = keys
    verdict = evaluate(key, record)
    if verdict is None or verdict[0]:
        return None
    return candidates[0].guard or key, verdict[1]
