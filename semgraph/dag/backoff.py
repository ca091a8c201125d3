"""Retry backoff, the way the orchestrator computes it.

Three paths, in the order the orchestrator uses them:

- **requested**: a handler or server asked for a delay (Retry-After); the
  orchestrator's ``BackoffCalculator`` caps it at ``max_backoff_seconds`` and
  writes it to ``backoff_request_seconds`` with ``last_attempted_at = NOW()``;
- **primary** (configured): when a step fails without a request, the
  ``BackoffCalculator`` writes ``base x multiplier^attempts`` seconds, capped at
  ``max_backoff_seconds`` (3600 in the shipped ``common.toml``), with
  ``floor(delay x jitter_max_percentage)`` of random jitter added or subtracted;
- **SQL fallback**: until that write happens, ``calculate_step_next_retry_time``
  waits ``min(2^attempts, 60)`` seconds from the last ``error`` transition
  (``attempts`` NULL counts as 1).

The readiness SQL reads only what is stored: ``last_attempted_at +
backoff_request_seconds`` when both are set, else the fallback. A template's
``backoff`` / ``backoff_base_ms`` / ``max_backoff_ms`` are parsed by the
orchestrator but used by none of these paths, so they are reported as ignored,
never applied.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from semgraph.dag.orchestrator import facts
from semgraph.errors import InvalidInputError

MAX_EXPONENT = 200
"""2.0 ** 10_000 overflows a float; every cap is reached long before this exponent."""


class BackoffConfig(BaseModel):
    """``[common.backoff]`` of the orchestrator's configuration (defaults: its shipped ``base/common.toml``)."""

    default_backoff_seconds: list[int] = Field(default_factory=lambda: list(_defaults()["default_backoff_seconds"]))
    max_backoff_seconds: int = Field(default_factory=lambda: _defaults()["max_backoff_seconds"], ge=0)
    backoff_multiplier: float = Field(default_factory=lambda: _defaults()["backoff_multiplier"], ge=0)
    jitter_enabled: bool = Field(default_factory=lambda: _defaults()["jitter_enabled"])
    jitter_max_percentage: float = Field(default_factory=lambda: _defaults()["jitter_max_percentage"], ge=0, le=1)
    source: str = "orchestrator defaults (config/tasker/base/common.toml)"

    @property
    def base_delay_seconds(self) -> int:
        """``BackoffCalculatorConfig`` takes the first entry of ``default_backoff_seconds`` (1 when empty)."""
        return self.default_backoff_seconds[0] if self.default_backoff_seconds else 1


def _defaults() -> dict[str, Any]:
    return facts()["backoff_config"]


def primary_delay_seconds(attempts: int | None, cfg: BackoffConfig) -> int:
    """The delay the ``BackoffCalculator`` writes before jitter: ``min(base * multiplier^attempts, cap)``, floored."""
    n = min(max(attempts or 0, 0), MAX_EXPONENT)
    return int(min(cfg.base_delay_seconds * cfg.backoff_multiplier**n, cfg.max_backoff_seconds))


def primary_delay_range(attempts: int | None, cfg: BackoffConfig) -> tuple[int, int]:
    """Smallest and largest delay the primary path can write (jitter is random: a range, not a value)."""
    d = primary_delay_seconds(attempts, cfg)
    jr = int(d * cfg.jitter_max_percentage) if cfg.jitter_enabled else 0
    return max(d - jr, 0), d + jr


def requested_delay_seconds(retry_after: int, cfg: BackoffConfig) -> int:
    """A server's Retry-After as the orchestrator stores it: capped at ``max_backoff_seconds``."""
    return min(retry_after, cfg.max_backoff_seconds)


def sql_fallback_delay_seconds(attempts: int | None) -> float:
    """``calculate_step_next_retry_time``'s fallback: ``min(2^COALESCE(attempts, 1), 60)`` seconds."""
    fb = facts()["sql_fallback"]
    n = fb["attempts_when_null"] if attempts is None else attempts
    return min(float(fb["multiplier"]) ** min(max(n, 0), MAX_EXPONENT), float(fb["max_backoff_seconds"]))


@dataclass(frozen=True, slots=True)
class RetryTime:
    at: datetime | None
    source: str  # "requested" | "fallback" | "none"
    delay_seconds: float | None


NO_RETRY = RetryTime(None, "none", None)


def next_retry_time(
    *,
    attempts: int | None,
    last_attempted_at: datetime | None,
    last_failure_at: datetime | None,
    backoff_request_seconds: int | None,
) -> RetryTime:
    """``calculate_step_next_retry_time``: the stored delay first, else the fallback from the last failure."""
    if backoff_request_seconds is not None and last_attempted_at is not None:
        return RetryTime(
            last_attempted_at + timedelta(seconds=backoff_request_seconds), "requested", float(backoff_request_seconds)
        )
    if last_failure_at is not None:
        delay = sql_fallback_delay_seconds(attempts)
        return RetryTime(last_failure_at + timedelta(seconds=delay), "fallback", delay)
    return NO_RETRY


def load_backoff_config(path: Path, environment: str | None = None) -> BackoffConfig:
    """``[common.backoff]`` from the orchestrator's configuration.

    ``path`` is a TOML file (``[common.backoff]`` or ``[backoff]``) or a directory: the
    orchestrator's ``config/tasker`` (or a checkout holding it), read as ``base/common.toml``
    overlaid with ``environments/<environment>/common.toml`` the way the orchestrator merges them.
    """
    files: list[Path] = []
    if path.is_dir():
        base = next((d for d in (path, path / "config" / "tasker") if (d / "base" / "common.toml").is_file()), None)
        if base is None:
            raise InvalidInputError(
                f"{path} holds no base/common.toml",
                hint="pass the orchestrator's config/tasker directory or a TOML file",
            )
        files.append(base / "base" / "common.toml")
        if environment:
            overlay = base / "environments" / environment / "common.toml"
            if not overlay.is_file():
                raise InvalidInputError(f"no configuration for environment {environment!r} ({overlay})")
            files.append(overlay)
    elif path.is_file():
        files.append(path)
    else:
        raise InvalidInputError(f"configuration {path} does not exist")
    merged: dict[str, Any] = {}
    for f in files:
        try:
            doc = tomllib.loads(f.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"{f}: not valid TOML ({exc})") from None
        section = (doc.get("common") or {}).get("backoff") or doc.get("backoff") or {}
        merged.update({k: v for k, v in section.items() if not k.startswith("_")})
    if not merged:
        raise InvalidInputError(f"{path}: no [common.backoff] section", hint="the orchestrator keeps it in common.toml")
    return backoff_config(merged, source=", ".join(str(f) for f in files))


def backoff_config(data: dict[str, Any] | None, *, source: str = "given") -> BackoffConfig:
    """A BackoffConfig from a mapping of ``[common.backoff]`` keys (missing keys take the shipped defaults)."""
    if data is None:
        return BackoffConfig()
    try:
        return BackoffConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InvalidInputError(f"backoff configuration: {details}") from None
