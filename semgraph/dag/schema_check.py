"""Where a template departs from what the orchestrator reads: warnings, never refusals.

The orchestrator's serde keeps quiet about keys it does not know and its
``RetryConfiguration`` validator is not run when a template is loaded, so a
template it accepts can still carry settings that do nothing. Each finding
names the orchestrator's rule (``data/tasker_core.yaml``).
"""

from __future__ import annotations

from typing import Any

from semgraph.dag.orchestrator import facts, keys

Finding = tuple[str, str, list[str]]  # (code, message, steps)

_OLDER = {"step_templates": "steps", "namespace": "namespace_name", "task_name": "name"}
_OLDER_STEP = {
    "handler_class": "handler",
    "depends_on_step": "dependencies",
    "depends_on_steps": "dependencies",
    "default_retryable": "retry.retryable",
    "default_retry_limit": "retry.max_attempts",
    "retry_limit": "retry.max_attempts",
    "retryable": "retry.retryable",
}


def schema_findings(doc: dict[str, Any], max_steps: int = 20) -> list[Finding]:
    """Unknown keys, older spellings, max_attempts outside the validator's range, ignored backoff settings."""
    out: list[Finding] = []
    f = facts()
    unknown: dict[str, list[str]] = {}
    older: dict[str, list[str]] = {}
    zero: list[str] = []
    above: list[str] = []
    ignored: dict[str, list[str]] = {}
    tkeys, skeys, rkeys = keys("template"), keys("step"), keys("retry")
    for k in doc:
        if k in _OLDER:
            older.setdefault(f"{k!r} (the orchestrator reads {_OLDER[k]!r})", []).append("")
        elif k not in tkeys:
            unknown.setdefault(k, []).append("")
    steps = doc.get("steps") if "steps" in doc else doc.get("step_templates")
    lo, hi = f["max_attempts_range"]
    ignored_keys = set(f["ignored_retry_keys"])
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        name = str(step.get("name", "?"))
        if not skeys.issuperset(step):
            for k in step:
                if k in _OLDER_STEP:
                    older.setdefault(f"{k!r} (the orchestrator reads {_OLDER_STEP[k]!r})", []).append(name)
                elif k not in skeys:
                    unknown.setdefault(k, []).append(name)
        retry = step.get("retry")
        if isinstance(retry, dict):
            for k in retry:
                if k not in rkeys:
                    unknown.setdefault(f"retry.{k}", []).append(name)
                elif k in ignored_keys:
                    ignored.setdefault(k, []).append(name)
            ma = retry.get("max_attempts", retry.get("limit"))
            if isinstance(ma, int) and not isinstance(ma, bool):
                if ma == 0:
                    zero.append(name)
                elif ma > hi:
                    above.append(name)
    for k, names in unknown.items():
        where = _where([n for n in names if n], max_steps)
        out.append(("unknown_key", f"{k!r} is not read by the orchestrator (kept here, ignored there){where}", names))
    for k, names in older.items():
        where = _where([n for n in names if n], max_steps)
        out.append(
            ("older_spelling", f"older spelling {k}: read here, ignored by the current orchestrator{where}", names)
        )
    if zero:
        out.append(
            (
                "max_attempts_zero",
                f"max_attempts 0{_where(zero, max_steps)}: outside the orchestrator's validator range {lo}..{hi}, "
                "but its readiness SQL still runs the first attempt (attempts = 0 is always eligible); never retried",
                zero,
            )
        )
    if above:
        out.append(
            (
                "max_attempts_above_range",
                f"max_attempts above {hi}{_where(above, max_steps)}: outside the orchestrator's validator range "
                f"{lo}..{hi} (not enforced on load; the readiness SQL uses the value as stored)",
                above,
            )
        )
    if ignored:
        names = list(dict.fromkeys(n for ns in ignored.values() for n in ns))
        out.append(
            (
                "ignored_by_orchestrator",
                f"retry {', '.join(sorted(ignored))}{_where(names, max_steps)}: parsed but never used by the "
                "orchestrator; its retry delay is base x multiplier^attempts capped at max_backoff_seconds "
                "([common.backoff], +-jitter), or the SQL fallback min(2^attempts, 60) s until that is stored",
                names,
            )
        )
    return out


def _where(names: list[str], limit: int) -> str:
    if not names:
        return ""
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f" (step{'s' if len(names) > 1 else ''} {shown}{more})"
