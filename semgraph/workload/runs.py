"""Workload results kept in the index database (table ``workload_runs``), and run comparison.

Why here and not in the graph store: a run record is self-contained JSON plus
its HDR histogram; this module owns its table (created on first use) and needs
nothing from other toolsets.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, Field

from semgraph.errors import DatabaseError, NotFoundError
from semgraph.workload.metrics import decode_histogram
from semgraph.workload.runner import RunResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS workload_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    dsn TEXT NOT NULL,
    dialect TEXT NOT NULL,
    workload TEXT NOT NULL,
    achieved_tps REAL NOT NULL,
    p99_ms REAL NOT NULL,
    cancelled INTEGER NOT NULL,
    result TEXT NOT NULL
)
"""


class RunSummary(BaseModel):
    run_id: int
    started_at: str
    dsn: str
    workload: str
    achieved_tps: float
    p99_ms: float
    cancelled: bool


class RunStore:
    """Read and write run records in the SQLite file at ``db_path``."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction; a damaged store is named, with how to reset it."""
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.db_path, timeout=30)
            try:
                with conn:
                    conn.execute(SCHEMA)
                    yield conn
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc):
                raise
            raise DatabaseError(
                f"the workload run store {self.db_path} cannot be read ({exc})",
                hint=f"move it aside to start a new, empty store: mv '{self.db_path}' '{self.db_path}.broken' "
                "(the runs recorded in it are then no longer listed)",
            ) from None

    def save(self, result: RunResult) -> int:
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO workload_runs (started_at, dsn, dialect, workload, achieved_tps, p99_ms, cancelled, result) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.started_at,
                    result.dsn,
                    result.dialect,
                    result.workload,
                    result.achieved_tps,
                    result.latency.p99_ms,
                    int(result.cancelled),
                    "{}",
                ),
            )
            run_id = int(cur.lastrowid or 0)
            result.run_id = run_id
            conn.execute("UPDATE workload_runs SET result = ? WHERE id = ?", (result.model_dump_json(), run_id))
        return run_id

    def get(self, run_id: int) -> RunResult:
        with self._connect() as conn:
            row = conn.execute("SELECT result FROM workload_runs WHERE id = ?", (run_id,)).fetchone()
            last = conn.execute("SELECT MAX(id) FROM workload_runs").fetchone()[0]
        if row is None:
            raise NotFoundError(
                f"no workload run {run_id}",
                hint=f"run ids go from 1 to {last}" if last else "no run has been recorded yet: call run_workload",
            )
        return RunResult.model_validate_json(row[0])

    def list(self, limit: int = 20, offset: int = 0) -> tuple[list[RunSummary], int]:
        with self._connect() as conn:
            total = conn.execute("SELECT COUNT(*) FROM workload_runs").fetchone()[0]
            rows = conn.execute(
                "SELECT id, started_at, dsn, workload, achieved_tps, p99_ms, cancelled FROM workload_runs "
                "ORDER BY id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
        return [
            RunSummary(
                run_id=r[0],
                started_at=r[1],
                dsn=r[2],
                workload=r[3],
                achieved_tps=r[4],
                p99_ms=r[5],
                cancelled=bool(r[6]),
            )
            for r in rows
        ], int(total)


class MetricDelta(BaseModel):
    metric: str
    a: float
    b: float
    delta: float = Field(description="b - a")
    ratio: float | None = Field(description="b / a (null when a is 0)")
    better: str = Field(description="'a', 'b' or 'same' (within 2%); lower latency and higher TPS are better.")


class OperationDelta(BaseModel):
    name: str
    count_a: int
    count_b: int
    p50_ms: MetricDelta
    p99_ms: MetricDelta


class Comparison(BaseModel):
    a: int
    b: int
    same_setup: bool
    setup_differences: list[str]
    metrics: list[MetricDelta]
    operations: list[OperationDelta]
    only_in_a: list[str]
    only_in_b: list[str]
    errors_a: dict[str, int]
    errors_b: dict[str, int]
    merged_p99_ms: float = Field(description="p99 of both runs' histograms merged (from the exported HDR encodings).")
    summary: str


def _delta(metric: str, a: float, b: float, *, higher_is_better: bool) -> MetricDelta:
    ratio = round(b / a, 4) if a else None
    better = "same" if a == b or (a and abs(b - a) / abs(a) <= 0.02) else "b" if (b > a) == higher_is_better else "a"
    return MetricDelta(metric=metric, a=a, b=b, delta=round(b - a, 4), ratio=ratio, better=better)


def compare_runs(a: RunResult, b: RunResult, *, max_operations: int = 30) -> Comparison:
    """Differences between two runs: throughput, latency percentiles, per operation, errors."""
    diffs = []
    for field in ("dsn", "workload", "connections", "target_tps", "arrival", "duration_s", "transactions"):
        va, vb = getattr(a, field), getattr(b, field)
        if va != vb:
            diffs.append(f"{field}: {va} vs {vb}")
    metrics = [
        _delta("achieved_tps", a.achieved_tps, b.achieved_tps, higher_is_better=True),
        _delta("success_rate", a.success_rate, b.success_rate, higher_is_better=True),
    ]
    for name in ("mean_ms", "p50_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms"):
        metrics.append(
            _delta(f"latency.{name}", getattr(a.latency, name), getattr(b.latency, name), higher_is_better=False)
        )
    ops_a = {o.name: o for o in a.operations}
    ops_b = {o.name: o for o in b.operations}
    common = sorted(set(ops_a) & set(ops_b), key=lambda n: -(ops_a[n].count + ops_b[n].count))
    operations = [
        OperationDelta(
            name=n,
            count_a=ops_a[n].count,
            count_b=ops_b[n].count,
            p50_ms=_delta("p50_ms", ops_a[n].latency.p50_ms, ops_b[n].latency.p50_ms, higher_is_better=False),
            p99_ms=_delta("p99_ms", ops_a[n].latency.p99_ms, ops_b[n].latency.p99_ms, higher_is_better=False),
        )
        for n in common[:max_operations]
    ]
    merged_p99 = 0.0
    hists = [decode_histogram(r.histogram) for r in (a, b) if r.histogram]
    if hists:
        merged = hists[0]
        for h in hists[1:]:
            merged.add(h)
        merged_p99 = round(merged.get_value_at_percentile(99) / 1000.0, 3)
    tps, p99 = metrics[0], metrics[5]
    summary = (
        f"run {b.run_id} vs run {a.run_id}: TPS {a.achieved_tps:g} -> {b.achieved_tps:g}"
        f" ({_pct(tps.ratio)}), p99 {a.latency.p99_ms:g} ms -> {b.latency.p99_ms:g} ms ({_pct(p99.ratio)})"
        + ("" if not diffs else f"; setups differ ({'; '.join(diffs)})")
    )
    return Comparison(
        a=a.run_id or 0,
        b=b.run_id or 0,
        same_setup=not diffs,
        setup_differences=diffs,
        metrics=metrics,
        operations=operations,
        only_in_a=sorted(set(ops_a) - set(ops_b))[:max_operations],
        only_in_b=sorted(set(ops_b) - set(ops_a))[:max_operations],
        errors_a={e.error_class: e.count for e in a.errors},
        errors_b={e.error_class: e.count for e in b.errors},
        merged_p99_ms=merged_p99,
        summary=summary,
    )


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{(ratio - 1) * 100:+.1f}%"
