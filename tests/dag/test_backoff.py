"""Backoff as the orchestrator computes it: the configured primary path, the SQL fallback, requests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from semgraph.dag.backoff import (
    BackoffConfig,
    backoff_config,
    load_backoff_config,
    next_retry_time,
    primary_delay_range,
    primary_delay_seconds,
    requested_delay_seconds,
    sql_fallback_delay_seconds,
)
from semgraph.errors import InvalidInputError

T0 = datetime(2025, 1, 1, 0, 0, 0)
CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "dag" / "orchestrator_config"


def test_primary_path_is_base_times_two_to_the_attempts_capped_at_3600_with_15_percent_jitter() -> None:
    cfg = BackoffConfig()
    assert [primary_delay_seconds(n, cfg) for n in (0, 1, 3, 10, 11, 12, 10_000)] == [1, 2, 8, 1024, 2048, 3600, 3600]
    # jitter: floor(delay * 0.15) added or subtracted
    assert [primary_delay_range(n, cfg) for n in (0, 3, 10, 12)] == [(1, 1), (7, 9), (871, 1177), (3060, 4140)]


def test_sql_fallback_is_two_to_the_attempts_capped_at_60_and_null_attempts_count_as_one() -> None:
    assert [sql_fallback_delay_seconds(n) for n in (0, 1, 2, 5, 6, 10_000)] == [1, 2, 4, 32, 60, 60]
    assert sql_fallback_delay_seconds(None) == 2


def test_requested_delay_is_capped_at_the_configured_maximum() -> None:
    assert requested_delay_seconds(7200, BackoffConfig()) == 3600
    assert requested_delay_seconds(30, BackoffConfig()) == 30


def test_stored_request_wins_over_the_fallback() -> None:
    r = next_retry_time(attempts=3, last_attempted_at=T0, last_failure_at=T0, backoff_request_seconds=90)
    assert (r.at, r.source, r.delay_seconds) == (datetime(2025, 1, 1, 0, 1, 30), "requested", 90.0)
    r = next_retry_time(attempts=3, last_attempted_at=T0, last_failure_at=T0, backoff_request_seconds=None)
    assert (r.at, r.source) == (datetime(2025, 1, 1, 0, 0, 8), "fallback")
    r = next_retry_time(attempts=2, last_attempted_at=None, last_failure_at=T0, backoff_request_seconds=30)
    assert (r.at, r.source) == (datetime(2025, 1, 1, 0, 0, 4), "fallback")  # a request without last_attempted_at
    r = next_retry_time(attempts=0, last_attempted_at=None, last_failure_at=None, backoff_request_seconds=5)
    assert (r.at, r.source) == (None, "none")


def test_config_from_the_orchestrators_directory_layout_with_an_environment_overlay() -> None:
    base = load_backoff_config(CONFIG)
    assert (base.base_delay_seconds, base.max_backoff_seconds, base.jitter_max_percentage) == (1, 3600, 0.15)
    test = load_backoff_config(CONFIG, "test")
    assert (test.default_backoff_seconds, test.max_backoff_seconds, test.jitter_max_percentage) == ([1, 2, 4], 10, 0.15)
    assert primary_delay_range(4, test) == (9, 11)  # min(16, 10) = 10, jitter floor(1.5) = 1
    single = load_backoff_config(CONFIG / "environments" / "test" / "common.toml")
    assert single.max_backoff_seconds == 10 and single.backoff_multiplier == 2.0


def test_config_errors_are_clear() -> None:
    with pytest.raises(InvalidInputError, match="no configuration for environment 'staging'"):
        load_backoff_config(CONFIG, "staging")
    with pytest.raises(InvalidInputError, match="jitter_max_percentage"):
        backoff_config({"jitter_max_percentage": 2})
