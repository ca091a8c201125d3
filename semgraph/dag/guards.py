"""Guards of the task and step machines, as named checks over the facts an audit record carries.

The orchestrator evaluates guards against its database (parents, attempts,
backoff). An audit record may carry the same facts, at top level or under
``metadata`` / ``context`` (``attempts``, ``max_attempts``, ``retryable``,
``dependencies_satisfied``, ``in_process``, ``next_retry_at`` with the
record's ``created_at``, ``ready_steps``, ``total_steps``,
``completed_steps``, ``permanently_blocked_steps``). A guard is checked when
its facts are there and skipped (not guessed) when they are not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from semgraph.dag.template import naive_utc

Verdict = tuple[bool, str] | None
"""(passed, facts in words) or None when the record lacks the facts."""


def _facts(record: Mapping[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for nested in ("context", "metadata"):
        value = record.get(nested)
        if isinstance(value, Mapping):
            facts.update(value)
    facts.update({k: v for k, v in record.items() if k not in ("context", "metadata")})
    return facts


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return naive_utc(value)
    if isinstance(value, str):
        try:
            return naive_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _int(facts: Mapping[str, Any], key: str) -> int | None:
    value = facts.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dependencies_met(f: Mapping[str, Any]) -> Verdict:
    if isinstance(f.get("dependencies_satisfied"), bool):
        ok = f["dependencies_satisfied"]
        return ok, f"dependencies_satisfied is {str(ok).lower()}"
    done, total = _int(f, "completed_parents"), _int(f, "total_parents")
    if done is not None and total is not None:
        return done >= total, f"{done} of {total} parents complete"
    return None


def not_in_process(f: Mapping[str, Any]) -> Verdict:
    if isinstance(f.get("in_process"), bool):
        return not f["in_process"], f"in_process is {str(f['in_process']).lower()}"
    return None


def retry_allowed(f: Mapping[str, Any]) -> Verdict:
    if f.get("retryable") is False:
        return False, "the step is not retryable"
    attempts, limit = _int(f, "attempts"), _int(f, "max_attempts")
    if attempts is not None and limit is not None:
        return attempts < limit, f"attempts {attempts}, max_attempts {limit}"
    return (True, "the step is retryable") if f.get("retryable") is True else None


def retryable_error(f: Mapping[str, Any]) -> Verdict:
    if isinstance(f.get("retryable"), bool):
        return f["retryable"], f"retryable is {str(f['retryable']).lower()}"
    return None


def backoff_elapsed(f: Mapping[str, Any]) -> Verdict:
    at = _time(f.get("created_at") or f.get("at") or f.get("timestamp"))
    due = _time(f.get("next_retry_at"))
    if at is None or due is None:
        return None
    return at >= due, f"moved at {at.isoformat()}, next retry at {due.isoformat()}"


def has_ready_steps(f: Mapping[str, Any]) -> Verdict:
    ready = _int(f, "ready_steps")
    return (ready > 0, f"{ready} ready steps") if ready is not None else None


def no_ready_steps(f: Mapping[str, Any]) -> Verdict:
    ready = _int(f, "ready_steps")
    return (ready == 0, f"{ready} ready steps") if ready is not None else None


def no_steps(f: Mapping[str, Any]) -> Verdict:
    total = _int(f, "total_steps")
    return (total == 0, f"{total} steps") if total is not None else None


def all_steps_complete(f: Mapping[str, Any]) -> Verdict:
    done, total = _int(f, "completed_steps"), _int(f, "total_steps")
    if done is None or total is None:
        return None
    return done == total, f"{done} of {total} steps complete"


def permanent_failure(f: Mapping[str, Any]) -> Verdict:
    blocked = _int(f, "permanently_blocked_steps")
    return (blocked > 0, f"{blocked} permanently failed steps") if blocked is not None else None


def no_permanent_failure(f: Mapping[str, Any]) -> Verdict:
    blocked = _int(f, "permanently_blocked_steps")
    return (blocked == 0, f"{blocked} permanently failed steps") if blocked is not None else None


GUARDS: dict[str, Callable[[Mapping[str, Any]], Verdict]] = {
    "dependencies_met": lambda f: _both(dependencies_met(f), not_in_process(f)),
    "not_in_process": not_in_process,
    "retry_allowed": retry_allowed,
    "retryable_error": retryable_error,
    "backoff_elapsed": backoff_elapsed,
    "has_ready_steps": has_ready_steps,
    "no_ready_steps": no_ready_steps,
    "no_steps": no_steps,
    "all_steps_complete": all_steps_complete,
    "permanent_failure": permanent_failure,
    "no_permanent_failure": no_permanent_failure,
}


def _both(a: Verdict, b: Verdict) -> Verdict:
    if a is None or b is None:
        return a or b
    return a[0] and b[0], f"{a[1]}; {b[1]}"


def evaluate(key: str, record: Any) -> Verdict:
    """Check guard ``key`` against an audit record (a mapping); None when it cannot be decided."""
    if not isinstance(record, Mapping):
        return None
    return GUARDS[key](_facts(record))
