"""Run analytics from a step run log: slowest steps and tasks, retry hot spots, error rates, health.

The same questions the orchestrator's insight functions answer
(``get_slowest_steps``, ``get_slowest_tasks``, ``get_system_health_counts``),
computed from a plain list of step executions so that an exported log or a
test fixture can be analysed without the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from semgraph.dag.template import StepState, naive_utc, take_older_spelling
from semgraph.errors import InvalidInputError

ERROR_STATES = {StepState.ERROR, StepState.ENQUEUED_AS_ERROR_FOR_ORCHESTRATION}


class StepRun(BaseModel):
    """One execution of one step of one task."""

    model_config = ConfigDict(extra="ignore")

    task: str
    task_name: str = ""
    step: str
    state: StepState
    started_at: datetime | None = None
    ended_at: datetime | None = None
    attempts: Annotated[int, Field(ge=0, le=1_000_000)] = 1
    duration_seconds: Annotated[float | None, Field(ge=0)] = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for canonical, aliases in {
            "task": ("task_id", "task_uuid"),
            "step": ("step_name", "name", "workflow_step"),
            "ended_at": ("completed_at", "finished_at", "end"),
            "started_at": ("start", "created_at"),
            "state": ("status", "final_state", "to_state"),
        }.items():
            take_older_spelling(data, canonical, *aliases)
        if "task" in data and data["task"] is not None:
            data["task"] = str(data["task"])
        return data

    @field_validator("started_at", "ended_at", mode="after")
    @classmethod
    def _naive(cls, value: datetime | None) -> datetime | None:
        return naive_utc(value) if value is not None else None

    @property
    def duration(self) -> float | None:
        if self.duration_seconds is not None:
            return self.duration_seconds
        if self.started_at is not None and self.ended_at is not None:
            return max((self.ended_at - self.started_at).total_seconds(), 0.0)
        return None


class StepTiming(BaseModel):
    step: str
    runs: int
    mean_seconds: float
    p95_seconds: float  # nearest-rank 95th percentile
    max_seconds: float
    total_seconds: float


class TaskTiming(BaseModel):
    task: str
    task_name: str
    duration_seconds: float
    step_count: int
    completed_steps: int
    error_steps: int


class RetryHotSpot(BaseModel):
    step: str
    retries: int  # executions beyond the first, summed over tasks
    tasks_retried: int
    max_attempts_seen: int


class ErrorRate(BaseModel):
    step: str
    runs: int
    errors: int
    error_rate: float  # errors / runs, 0..1


class RunAnalytics(BaseModel):
    runs: int
    tasks: int
    steps: int
    slowest_steps: list[StepTiming]
    slowest_tasks: list[TaskTiming]
    retry_hot_spots: list[RetryHotSpot]
    error_rates: list[ErrorRate]
    health_counts: dict[str, int]  # latest state of each (task, step), by state
    runs_without_timing: int


def parse_runs(data: list[Any]) -> list[StepRun]:
    """Validate a run log; a bad row is reported with its index."""
    out: list[StepRun] = []
    for i, row in enumerate(data):
        try:
            out.append(StepRun.model_validate(row))
        except ValidationError as exc:
            details = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors())
            raise InvalidInputError(
                f"runs[{i}]: {details}",
                hint="each run needs task, step and state; started_at/ended_at as ISO-8601 timestamps",
            ) from None
    return out


def analyse_runs(runs: list[StepRun], top: int = 10) -> RunAnalytics:
    """Aggregate a run log. Lists are sorted worst first and cut to ``top``."""
    by_step: dict[str, list[float]] = defaultdict(list)
    no_timing = 0
    per_pair: dict[tuple[str, str], list[tuple[int, StepRun]]] = defaultdict(list)
    for i, r in enumerate(runs):
        d = r.duration
        if d is None:
            no_timing += 1
        elif r.state not in ERROR_STATES:
            by_step[r.step].append(d)
        per_pair[(r.task, r.step)].append((i, r))
    slowest_steps = sorted(
        (
            StepTiming(
                step=s,
                runs=len(ds),
                mean_seconds=round(sum(ds) / len(ds), 3),
                p95_seconds=round(_p95(ds), 3),
                max_seconds=round(max(ds), 3),
                total_seconds=round(sum(ds), 3),
            )
            for s, ds in by_step.items()
        ),
        key=lambda t: (-t.mean_seconds, t.step),
    )[:top]

    latest: dict[tuple[str, str], StepRun] = {}
    for pair, rows in per_pair.items():
        latest[pair] = max(rows, key=lambda ir: (ir[1].ended_at or ir[1].started_at or datetime.min, ir[0]))[1]
    tasks: dict[str, list[StepRun]] = defaultdict(list)
    for r in runs:
        tasks[r.task].append(r)
    task_rows: list[TaskTiming] = []
    for task, rows in tasks.items():
        starts = [r.started_at for r in rows if r.started_at is not None]
        ends = [r.ended_at for r in rows if r.ended_at is not None]
        if not starts or not ends:
            continue
        final = [latest[(task, s)] for s in {r.step for r in rows}]
        task_rows.append(
            TaskTiming(
                task=task,
                task_name=next((r.task_name for r in rows if r.task_name), ""),
                duration_seconds=round(max((max(ends) - min(starts)).total_seconds(), 0.0), 3),
                step_count=len(final),
                completed_steps=sum(1 for f in final if f.state in (StepState.COMPLETE, StepState.RESOLVED_MANUALLY)),
                error_steps=sum(1 for f in final if f.state is StepState.ERROR),
            )
        )
    task_rows.sort(key=lambda t: (-t.duration_seconds, t.task))

    retries: Counter[str] = Counter()
    retried_tasks: Counter[str] = Counter()
    max_attempts: dict[str, int] = {}
    for (_task, step), rows in per_pair.items():
        attempts = max(max(r.attempts for _i, r in rows), len(rows))
        max_attempts[step] = max(max_attempts.get(step, 0), attempts)
        if attempts > 1:
            retries[step] += attempts - 1
            retried_tasks[step] += 1
    hot = sorted(
        (
            RetryHotSpot(step=s, retries=n, tasks_retried=retried_tasks[s], max_attempts_seen=max_attempts[s])
            for s, n in retries.items()
        ),
        key=lambda h: (-h.retries, h.step),
    )[:top]

    total_by_step: Counter[str] = Counter(r.step for r in runs)
    errors_by_step: Counter[str] = Counter(r.step for r in runs if r.state in ERROR_STATES)
    rates = sorted(
        (
            ErrorRate(step=s, runs=n, errors=errors_by_step[s], error_rate=round(errors_by_step[s] / n, 4))
            for s, n in total_by_step.items()
            if errors_by_step[s]
        ),
        key=lambda e: (-e.error_rate, -e.errors, e.step),
    )[:top]
    health = Counter(r.state.value for r in latest.values())
    return RunAnalytics(
        runs=len(runs),
        tasks=len(tasks),
        steps=len(total_by_step),
        slowest_steps=slowest_steps,
        slowest_tasks=task_rows[:top],
        retry_hot_spots=hot,
        error_rates=rates,
        health_counts={s.value: health[s.value] for s in StepState if health[s.value]},
        runs_without_timing=no_timing,
    )


def _p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: the smallest value with at least 95% of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 * n)
    return ordered[rank - 1]
