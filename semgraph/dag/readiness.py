"""Step readiness and the task execution context, decided the way the orchestrator decides them.

Mirrors ``get_step_readiness_status`` / ``evaluate_step_state_readiness`` /
``get_task_execution_context``: a step is ready for execution when

- its state is ``pending`` or ``waiting_for_retry``,
- it is not already processed nor in process,
- every parent is complete (``complete`` or ``resolved_manually``),
- it is retry-eligible: its first attempt (attempts = 0), or retryable with
  attempts < max_attempts,
- its next retry time (see ``backoff``) is absent or has passed.

Steps the orchestrator creates at run time (``dynamic``) are judged only once
they exist: batch worker templates never run (their instances do, and are
listed after them), decision branches not created are never ready, and a
deferred convergence step waits for the instances or branches actually created.

Each step also gets the reason in words, so an assistant can say why a step
is not running.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from semgraph.dag.backoff import NO_RETRY, BackoffConfig, RetryTime, next_retry_time, primary_delay_range
from semgraph.dag.dynamic import Dynamic, plan
from semgraph.dag.orchestrator import facts
from semgraph.dag.template import COMPLETED_STATES, StepState, StepStatus
from semgraph.dag.validate import StepGraph

READY_STATES = frozenset({StepState.PENDING, StepState.WAITING_FOR_RETRY})
IN_FLIGHT_STATES = frozenset(
    {
        StepState.ENQUEUED,
        StepState.IN_PROGRESS,
        StepState.ENQUEUED_FOR_ORCHESTRATION,
        StepState.ENQUEUED_AS_ERROR_FOR_ORCHESTRATION,
    }
)
_DEFAULT_STATUS = StepStatus()
_NO_RETRY = NO_RETRY
NOT_RUN_CATEGORIES = frozenset({"batch_template", "not_created", "not_chosen"})
"""Rows of steps that do not exist in the task (yet): they are not counted as the task's steps."""


def _state(states: dict[str, StepStatus], name: str) -> StepState:
    status = states.get(name)
    return status.state if status is not None else StepState.PENDING


@dataclass(slots=True)
class StepReadiness:
    name: str
    current_state: str
    dependencies_satisfied: bool
    retry_eligible: bool
    ready_for_execution: bool
    next_retry_at: datetime | None
    next_retry_source: (
        str  # "requested" (stored backoff_request_seconds), "fallback" (SQL, from the last failure) or "none"
    )
    total_parents: int
    completed_parents: int
    attempts: int
    max_attempts: int
    retryable: bool
    last_attempted_at: datetime | None
    last_failure_at: datetime | None
    backoff_request_seconds: int | None
    category: str  # ready | in_backoff | waiting_for_dependencies | blocked | retries_exhausted | not_retryable | in_flight | done | failed | cancelled | batch_template | not_created | not_chosen
    reason: str
    step_type: str = "standard"
    instance_of: str | None = None  # the batch worker template this instance was created from
    # the primary path's window: once the orchestrator handles the failure it writes base*mult^attempts +-jitter
    projected_retry_earliest: datetime | None = None
    projected_retry_latest: datetime | None = None


@dataclass(slots=True)
class TaskContext:
    """The task execution context (``get_task_execution_context``), plus counts by state."""

    total_steps: int
    pending_steps: int
    enqueued_steps: int
    in_progress_steps: int
    completed_steps: int
    failed_steps: int
    ready_steps: int
    permanently_blocked_steps: int
    steps_in_backoff: int
    execution_status: (
        str  # has_ready_steps | processing | blocked_by_failures | all_complete | waiting_for_dependencies
    )
    recommended_action: str
    completion_percentage: float
    health_status: str
    is_complete: bool
    blocked_by_failures: bool
    waiting_for_retry: bool
    waiting_for_dependencies: bool
    counts_by_state: dict[str, int]


def step_readiness(
    sg: StepGraph,
    states: dict[str, StepStatus],
    now: datetime,
    blocked: dict[str, str] | None = None,
    *,
    backoff: BackoffConfig | None = None,
    dynamic: Dynamic | None = None,
) -> list[StepReadiness]:
    """Readiness of every step (template order, batch instances after their template) at ``now``.

    ``blocked`` (from validation) names the steps that can never run and why;
    those waiting on parents are reported as blocked with that reason.
    ``backoff`` is the orchestrator's configuration, used for the projected
    retry window of failures whose delay is not stored yet.
    """
    blocked = blocked or {}
    cfg = backoff or BackoffConfig()
    dyn = dynamic or plan(sg, states)
    steps = {s.name: s for s in reversed(sg.template.steps)}  # first definition wins
    default_max = facts()["default_max_attempts"]
    out: list[StepReadiness] = []
    order: list[str] = []
    for name in sg.names:
        order.append(name)
        order.extend(dyn.instances.get(name, []))
    for name in order:
        template_name = dyn.instance_of.get(name, name)
        step = steps[template_name]
        status = states.get(name, _DEFAULT_STATUS)
        retry = step.retry
        if name in dyn.not_created:
            category, reason = dyn.not_created[name]
            out.append(_not_run_row(name, step.step_type, category, reason, len(sg.parents[name]), retry))
            continue
        parents = dyn.parents.get(name, sg.parents.get(name, []))
        missing = sg.unknown_deps.get(template_name, [])
        self_dep = [name] if name in sg.self_deps else []
        if self_dep or missing:
            incomplete = [p for p in (*parents, *self_dep) if _state(states, p) not in COMPLETED_STATES] + missing
        else:
            incomplete = [p for p in parents if _state(states, p) not in COMPLETED_STATES]
        total = len(parents) + len(missing) + len(self_dep)
        completed = total - len(incomplete)
        deps_ok = not incomplete
        attempts = status.attempts
        used = attempts or 0
        if status.max_attempts is not None:
            max_attempts = status.max_attempts
        elif retry.retry_limit is not None:
            max_attempts = retry.retry_limit
        else:
            max_attempts = retry.max_attempts if retry.max_attempts is not None else default_max
        retryable = status.retryable if status.retryable is not None else retry.retryable
        eligible = used == 0 or (retryable and used < max_attempts)
        if status.last_failure_at is None and (
            status.backoff_request_seconds is None or status.last_attempted_at is None
        ):
            nrt = _NO_RETRY  # the common case: nothing to wait for
        else:
            nrt = next_retry_time(
                attempts=attempts,
                last_attempted_at=status.last_attempted_at,
                last_failure_at=status.last_failure_at,
                backoff_request_seconds=status.backoff_request_seconds,
            )
        earliest = latest = None
        if nrt.source == "fallback" and status.last_failure_at is not None:
            lo, hi = primary_delay_range(attempts, cfg)
            earliest = status.last_failure_at + timedelta(seconds=lo)
            latest = status.last_failure_at + timedelta(seconds=hi)
        state = status.state
        timing_ok = nrt.at is None or nrt.at <= now
        ready = (
            state in READY_STATES
            and not status.processed
            and not status.in_process
            and deps_ok
            and eligible
            and timing_ok
        )
        category, reason = _explain(
            state, status, ready, deps_ok, incomplete, total, eligible, retryable, used, max_attempts, nrt
        )
        if category == "waiting_for_dependencies" and (missing or self_dep):
            broken = ", ".join([*(repr(m) for m in missing), *(["itself"] if self_dep else [])])
            category, reason = "blocked", f"can never run: it depends on {broken}, which is not a runnable step"
        elif category == "waiting_for_dependencies" and template_name in blocked:
            category, reason = "blocked", f"can never run: {blocked[template_name]}"
        out.append(
            StepReadiness(
                name=name,
                current_state=state.value,
                dependencies_satisfied=deps_ok,
                retry_eligible=eligible,
                ready_for_execution=ready,
                next_retry_at=nrt.at,
                next_retry_source=nrt.source,
                total_parents=total,
                completed_parents=completed,
                attempts=used,
                max_attempts=max_attempts,
                retryable=retryable,
                last_attempted_at=status.last_attempted_at,
                last_failure_at=status.last_failure_at,
                backoff_request_seconds=status.backoff_request_seconds,
                category=category,
                reason=reason,
                step_type=step.step_type,
                instance_of=dyn.instance_of.get(name),
                projected_retry_earliest=earliest,
                projected_retry_latest=latest,
            )
        )
    return out


def _not_run_row(name: str, step_type: str, category: str, reason: str, parents: int, retry) -> StepReadiness:
    """A step that does not exist in the task: never ready, nothing to count."""
    return StepReadiness(
        name=name,
        current_state="pending",
        dependencies_satisfied=False,
        retry_eligible=False,
        ready_for_execution=False,
        next_retry_at=None,
        next_retry_source="none",
        total_parents=parents,
        completed_parents=0,
        attempts=0,
        max_attempts=retry.retry_limit if retry.retry_limit is not None else retry.max_attempts,
        retryable=retry.retryable,
        last_attempted_at=None,
        last_failure_at=None,
        backoff_request_seconds=None,
        category=category,
        reason=reason,
        step_type=step_type,
    )


def _explain(
    state: StepState,
    status: StepStatus,
    ready: bool,
    deps_ok: bool,
    incomplete: list[str],
    total: int,
    eligible: bool,
    retryable: bool,
    attempts: int,
    max_attempts: int,
    nrt: RetryTime,
) -> tuple[str, str]:
    """The first rule that keeps a step from running, in words (or why it is ready)."""
    if ready:
        parents = f"all {total} parents complete" if total else "no dependencies"
        if attempts:
            return "ready", f"ready to retry: attempt {attempts + 1} of {max_attempts}, {parents}"
        return "ready", f"ready: {state.value}, {parents}"
    if state in COMPLETED_STATES:
        return "done", "already complete" if state is StepState.COMPLETE else "resolved manually"
    if state is StepState.CANCELLED:
        return "cancelled", "cancelled"
    if state in IN_FLIGHT_STATES:
        return "in_flight", f"already in the pipeline (state {state.value})"
    if not eligible:
        if not retryable:
            return "not_retryable", f"failed after {attempts} attempt(s) and the step is not retryable"
        return "retries_exhausted", f"retries exhausted: {attempts} of {max_attempts} attempts used"
    if state is StepState.ERROR:
        return "failed", (
            f"failed ({attempts} of {max_attempts} attempts used); it becomes ready after the orchestrator "
            "moves it to waiting_for_retry"
        )
    if status.processed:
        return "in_flight", "already processed"
    if status.in_process:
        return "in_flight", "already being processed"
    if not deps_ok:
        shown = ", ".join(incomplete[:5]) + (f" and {len(incomplete) - 5} more" if len(incomplete) > 5 else "")
        return "waiting_for_dependencies", f"waiting for {len(incomplete)} of {total} parents: {shown}"
    # only the retry time is left
    when = nrt.at.isoformat(sep="T") if nrt.at is not None else "?"
    if nrt.source == "requested":
        return "in_backoff", (
            f"in backoff until {when}: {status.backoff_request_seconds} s after the last attempt "
            "(backoff_request_seconds, written by the orchestrator's backoff calculator or a handler's request)"
        )
    return "in_backoff", (
        f"in backoff until {when}: the SQL fallback, {nrt.delay_seconds:g} s after the last failure "
        "(min(2^attempts, 60)); no backoff_request_seconds stored yet"
    )


def task_context(rows: list[StepReadiness]) -> TaskContext:
    """Aggregate the readiness rows the way ``get_task_execution_context`` does (steps that exist only)."""
    rows = [r for r in rows if r.category not in NOT_RUN_CATEGORIES]
    counts = Counter(r.current_state for r in rows)
    total = len(rows)
    completed = counts["complete"] + counts["resolved_manually"]
    failed = counts["error"]
    ready = sum(r.ready_for_execution for r in rows)
    enqueued = counts["enqueued"]
    in_progress = counts["in_progress"]
    for_orch = counts["enqueued_for_orchestration"] + counts["enqueued_as_error_for_orchestration"]
    blocked = sum(
        1 for r in rows if r.current_state == "error" and (r.attempts >= r.max_attempts or not r.retry_eligible)
    )
    in_backoff = sum(1 for r in rows if r.category == "in_backoff")
    all_complete = total > 0 and completed == total
    if blocked:
        status, action = "blocked_by_failures", "handle_failures"
    elif ready:
        status, action = "has_ready_steps", "execute_ready_steps"
    elif in_progress or enqueued or for_orch:
        status, action = "processing", "wait_for_completion" if in_progress else "wait_for_dependencies"
    elif all_complete:
        status, action = "all_complete", "finalize_task"
    else:
        status, action = "waiting_for_dependencies", "wait_for_dependencies"
    if blocked:
        health = "blocked"
    elif failed == 0:
        health = "healthy"
    else:
        health = "recovering"
    return TaskContext(
        total_steps=total,
        pending_steps=counts["pending"],
        enqueued_steps=enqueued + for_orch,
        in_progress_steps=in_progress,
        completed_steps=completed,
        failed_steps=failed,
        ready_steps=ready,
        permanently_blocked_steps=blocked,
        steps_in_backoff=in_backoff,
        execution_status=status,
        recommended_action=action,
        completion_percentage=round(completed * 100 / total, 2) if total else 0.0,
        health_status=health,
        is_complete=all_complete,
        blocked_by_failures=bool(blocked),
        waiting_for_retry=bool(in_backoff or counts["waiting_for_retry"]),
        waiting_for_dependencies=status == "waiting_for_dependencies",
        counts_by_state={s.value: counts[s.value] for s in StepState if counts[s.value]},
    )
