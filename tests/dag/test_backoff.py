"""Backoff kinds, caps and the orchestrator's defaults."""

from __future__ import annotations

from datetime import datetime

import pytest

from semgraph.dag.backoff import BackoffPolicy, fibonacci, next_retry_time
from semgraph.dag.template import RetrySettings

T0 = datetime(2025, 1, 1, 0, 0, 0)


@pytest.mark.parametrize(
    ("kind", "delays"),
    [
        ("none", [0, 0, 0, 0, 0]),
        ("linear", [2, 4, 6, 8, 10]),
        ("exponential", [4, 8, 16, 30, 30]),
        ("fibonacci", [2, 4, 6, 10, 16]),
    ],
)
def test_kinds_with_base_and_cap(kind: str, delays: list[float]) -> None:
    policy = BackoffPolicy.from_retry(RetrySettings(backoff=kind, backoff_base_ms=2000, max_backoff_ms=30000))
    assert [policy.delay_seconds(n) for n in range(1, 6)] == delays


def test_orchestrator_default_is_two_to_the_attempts_capped_at_60() -> None:
    policy = BackoffPolicy.from_retry(RetrySettings())
    assert [policy.delay_seconds(n) for n in (0, 1, 2, 5, 6, 10_000)] == [1, 2, 4, 32, 60, 60]


def test_fibonacci_sequence() -> None:
    assert [fibonacci(n) for n in range(1, 9)] == [1, 2, 3, 5, 8, 13, 21, 34]


def test_requested_backoff_wins_over_the_policy() -> None:
    policy = BackoffPolicy()
    r = next_retry_time(policy, attempts=3, last_attempted_at=T0, last_failure_at=T0, backoff_request_seconds=90)
    assert (r.at, r.source, r.delay_seconds) == (datetime(2025, 1, 1, 0, 1, 30), "requested", 90.0)
    r = next_retry_time(policy, attempts=3, last_attempted_at=T0, last_failure_at=T0, backoff_request_seconds=None)
    assert (r.at, r.source) == (datetime(2025, 1, 1, 0, 0, 8), "backoff")
    r = next_retry_time(policy, attempts=0, last_attempted_at=None, last_failure_at=None, backoff_request_seconds=5)
    assert (r.at, r.source) == (None, "none")
