"""Retry backoff, the way the orchestrator computes the next retry time.

A handler may ask for a delay (``backoff_request_seconds``): the step is then
retried at ``last_attempted_at + backoff_request_seconds``. Otherwise the delay
runs from the last failure and grows with the number of attempts made so far
(``n``), capped at the maximum:

- ``none``: no delay;
- ``linear``: ``base * n``;
- ``exponential``: ``base * multiplier ** attempts`` (multiplier 2.0);
- ``fibonacci``: ``base * F(n)`` with F = 1, 2, 3, 5, 8, …

When a template gives no backoff kind the orchestrator's default applies:
exponential with a base of 1 s, multiplier 2.0 and a cap of 60 s, i.e.
``min(2 ** attempts, 60)`` seconds (``calculate_step_next_retry_time``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from semgraph.dag.template import RetrySettings

DEFAULT_MULTIPLIER = 2.0
DEFAULT_BASE_SECONDS = 1.0
DEFAULT_CAP_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    kind: str = "exponential"
    base_seconds: float = DEFAULT_BASE_SECONDS
    cap_seconds: float = DEFAULT_CAP_SECONDS
    multiplier: float = DEFAULT_MULTIPLIER

    @classmethod
    def from_retry(cls, retry: RetrySettings) -> BackoffPolicy:
        """The template's policy, with the orchestrator's defaults for what it leaves out."""
        return cls(
            kind=retry.backoff or "exponential",
            base_seconds=retry.backoff_base_ms / 1000 if retry.backoff_base_ms is not None else DEFAULT_BASE_SECONDS,
            cap_seconds=retry.max_backoff_ms / 1000 if retry.max_backoff_ms is not None else DEFAULT_CAP_SECONDS,
        )

    def delay_seconds(self, attempts: int) -> float:
        """Delay after ``attempts`` executions (the count already made), capped."""
        n = max(attempts, 1)
        match self.kind:
            case "none":
                raw = 0.0
            case "linear":
                raw = self.base_seconds * n
            case "fibonacci":
                raw = self.base_seconds * fibonacci(n)
            case _:
                # power(2, attempts) as in the SQL (attempts 0 gives the base); the exponent is
                # capped first because 2.0 ** 10_000 overflows a float
                raw = self.base_seconds * self.multiplier ** min(max(attempts, 0), 200)
        return min(raw, self.cap_seconds)


def fibonacci(n: int) -> int:
    """1, 2, 3, 5, 8, … for n = 1, 2, 3, 4, 5 (saturates past n = 90)."""
    a, b = 1, 2
    for _ in range(min(n, 90) - 1):
        a, b = b, a + b
    return a


@dataclass(frozen=True, slots=True)
class RetryTime:
    at: datetime | None
    source: str  # "requested" | "backoff" | "none"
    delay_seconds: float | None


def next_retry_time(
    policy: BackoffPolicy,
    *,
    attempts: int,
    last_attempted_at: datetime | None,
    last_failure_at: datetime | None,
    backoff_request_seconds: int | None,
) -> RetryTime:
    """When a step may run again: the handler's request first, else backoff from the last failure."""
    if backoff_request_seconds is not None and last_attempted_at is not None:
        return RetryTime(
            last_attempted_at + timedelta(seconds=backoff_request_seconds), "requested", float(backoff_request_seconds)
        )
    if last_failure_at is not None:
        delay = policy.delay_seconds(attempts)
        return RetryTime(last_failure_at + timedelta(seconds=delay), "backoff", delay)
    return RetryTime(None, "none", None)
