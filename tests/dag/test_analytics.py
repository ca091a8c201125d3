"""Run analytics from a step run log."""

from __future__ import annotations

import pytest

from semgraph.dag.analytics import analyse_runs, parse_runs
from semgraph.errors import InvalidInputError

LOG = [
    {
        "task": "t1",
        "task_name": "etl",
        "step": "extract",
        "state": "complete",
        "started_at": "2025-07-01T10:00:00",
        "ended_at": "2025-07-01T10:00:10",
    },
    {
        "task": "t1",
        "step": "load",
        "state": "error",
        "attempts": 1,
        "started_at": "2025-07-01T10:00:10",
        "ended_at": "2025-07-01T10:00:15",
    },
    {
        "task": "t1",
        "step": "load",
        "state": "error",
        "attempts": 2,
        "started_at": "2025-07-01T10:00:20",
        "ended_at": "2025-07-01T10:00:22",
    },
    {
        "task": "t1",
        "step": "load",
        "state": "complete",
        "attempts": 3,
        "started_at": "2025-07-01T10:00:30",
        "ended_at": "2025-07-01T10:01:00",
    },
    {
        "task_id": 2,
        "step_name": "extract",
        "status": "complete",
        "started_at": "2025-07-01T11:00:00",
        "completed_at": "2025-07-01T11:00:20",
    },
    {
        "task_id": 2,
        "step_name": "load",
        "status": "error",
        "attempts": 1,
        "started_at": "2025-07-01T11:00:20",
        "completed_at": "2025-07-01T11:00:21",
    },
    {"task": "t3", "step": "extract", "state": "in_progress", "started_at": "2025-07-01T12:00:00"},
]


def test_run_analytics() -> None:
    r = analyse_runs(parse_runs(LOG))
    assert (r.runs, r.tasks, r.steps, r.runs_without_timing) == (7, 3, 2, 1)
    assert [(s.step, s.runs, s.mean_seconds, s.max_seconds) for s in r.slowest_steps] == [
        ("load", 1, 30.0, 30.0),
        ("extract", 2, 15.0, 20.0),
    ]
    assert [
        (t.task, t.task_name, t.duration_seconds, t.step_count, t.completed_steps, t.error_steps)
        for t in r.slowest_tasks
    ] == [
        ("t1", "etl", 60.0, 2, 2, 0),
        ("2", "", 21.0, 2, 1, 1),
    ]
    assert [(h.step, h.retries, h.tasks_retried, h.max_attempts_seen) for h in r.retry_hot_spots] == [("load", 2, 1, 3)]
    assert [(e.step, e.runs, e.errors, e.error_rate) for e in r.error_rates] == [("load", 4, 3, 0.75)]
    assert r.health_counts == {"in_progress": 1, "complete": 3, "error": 1}


def test_bad_row_names_its_index() -> None:
    with pytest.raises(InvalidInputError, match=r"runs\[1\]: state: Input should be"):
        parse_runs([LOG[0], {"task": "x", "step": "y", "state": "exploded"}])


def test_p95_is_nearest_rank() -> None:
    runs = [{"task": str(i), "step": "s", "state": "complete", "duration_seconds": float(i)} for i in range(1, 21)]
    (timing,) = analyse_runs(parse_runs(runs)).slowest_steps
    assert (timing.runs, timing.mean_seconds, timing.p95_seconds, timing.max_seconds) == (20, 10.5, 19.0, 20.0)
