"""Run records in the index database and run comparison (real runs on SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.errors import NotFoundError
from semgraph.workload.metrics import decode_histogram
from semgraph.workload.runner import RunSpec, run_workload
from semgraph.workload.runs import RunStore, compare_runs
from semgraph.workload.scheduler import Schedule
from semgraph.workload.seeder import seed_database
from tests.workload.conftest import make_sqlite


async def test_store_get_list_compare(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=100, seed=1)
    store = RunStore(tmp_path / ".semgraph" / "index.db")
    with pytest.raises(NotFoundError, match="no run has been recorded yet"):
        store.get(1)
    a = await run_workload(shop.dsn, RunSpec(pattern="olap", connections=1, target_tps=100, duration_s=1))
    b = await run_workload(shop.dsn, RunSpec(pattern="olap", connections=1, target_tps=200, duration_s=1))
    assert (store.save(a), store.save(b)) == (1, 2)
    again = store.get(2)
    assert again == b and again.run_id == 2
    assert decode_histogram(again.histogram).get_total_count() == 200
    runs, total = store.list(10)
    assert total == 2 and [r.run_id for r in runs] == [2, 1]
    with pytest.raises(NotFoundError, match="run ids go from 1 to 2"):
        store.get(3)
    cmp = compare_runs(store.get(1), store.get(2))
    assert cmp.setup_differences == ["target_tps: 100.0 vs 200.0"]
    tps = cmp.metrics[0]
    assert (tps.metric, tps.a, tps.b, tps.better) == ("achieved_tps", a.achieved_tps, b.achieved_tps, "b")
    assert tps.ratio == pytest.approx(2.0, rel=0.03)
    assert {o.name for o in cmp.operations} <= {o.name for o in a.operations}
    merged = decode_histogram(a.histogram)
    merged.add(decode_histogram(b.histogram))
    assert cmp.merged_p99_ms == round(merged.get_value_at_percentile(99) / 1000, 3)
    assert cmp.summary.startswith(f"run 2 vs run 1: TPS {a.achieved_tps:g} -> {b.achieved_tps:g}")


def test_schedule_is_fixed_by_the_seed() -> None:
    def times(seed: int, arrival: str) -> list[float]:
        s = Schedule(rate=100, arrival=arrival, seed=seed, start=0.0, warmup=0.0, end=1.0, limit=None)
        out = []
        while (n := s.next(0.0)) is not None:
            out.append(n[0])
        return out

    assert times(1, "poisson") == times(1, "poisson")
    assert times(1, "poisson") != times(2, "poisson")
    constant = times(1, "constant")
    assert len(constant) == 100 and constant[:3] == [0.0, 0.01, 0.02]


def test_warmup_backlog_is_dropped() -> None:
    s = Schedule(rate=100, arrival="constant", seed=0, start=0.0, warmup=1.0, end=2.0, limit=None)
    first = s.next(0.0)
    assert first == (0.0, False)
    # the worker was stuck until after the warm-up: the remaining 99 warm-up slots are dropped, not queued
    assert s.next(1.5) == (1.0, True)
    assert s.dropped_warmup == 99
