"""Workload runs against real databases: patterns, custom transactions, safety, rate, stalls, cancellation."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError, NotFoundError
from semgraph.workload.patterns import PATTERNS
from semgraph.workload.runner import RunSpec, run_workload
from semgraph.workload.scheduler import Schedule
from semgraph.workload.seed_config import parse_config_text
from semgraph.workload.seeder import seed_database
from semgraph.workload.workload_config import WorkloadConfig
from tests.support import FIXTURES
from tests.workload.conftest import ShopDB, make_sqlite
from tests.workload.helpers import ORPHANS, checksums, scalar

ROWS = 300


def workload_config(name: str) -> WorkloadConfig:
    path = FIXTURES / "workload" / name
    return parse_config_text(path.read_text(), name=name, model=WorkloadConfig)


async def test_every_pattern_runs_clean_and_never_touches_existing_rows(shop: ShopDB) -> None:
    await seed_database(shop.dsn, rows=ROWS, seed=11, truncate=True)
    before = await checksums(shop.dsn)
    upto = dict.fromkeys(before, ROWS)
    for name, pattern in PATTERNS.items():
        spec = RunSpec(pattern=name, connections=2, target_tps=150, duration_s=1.0, allow_writes=True, seed=5)
        counts = {t: await scalar(shop.dsn, f"SELECT COUNT(*) FROM {t}") for t in before}
        result = await run_workload(shop.dsn, spec)
        assert result.errors == [], (name, result.errors)
        assert (result.completed, result.failed) == (150, 0), name
        kinds = {op.kind for op in result.operations}
        assert kinds <= set(pattern.mix), (name, kinds)
        if not pattern.writes:
            assert result.rows_changed == {}, name
        else:
            inserted = sum(t["inserted"] for t in result.rows_changed.values())
            assert inserted > 0, name
        # the reported row changes are what happened in the database, table by table
        for t, n in counts.items():
            changed = result.rows_changed.get(t, {"inserted": 0, "deleted": 0})
            expected = n + changed["inserted"] - changed["deleted"]
            assert await scalar(shop.dsn, f"SELECT COUNT(*) FROM {t}") == expected, (name, t, changed)
    # updates and deletes only ever hit rows a run inserted: the seeded rows are byte-identical
    assert await checksums(shop.dsn, upto=upto) == before
    for fk, sql in ORPHANS.items():
        assert await scalar(shop.dsn, sql) == 0, fk


async def test_custom_config_with_multi_statement_transaction(shop: ShopDB) -> None:
    await seed_database(shop.dsn, rows=ROWS, seed=12, truncate=True)
    stock = await scalar(shop.dsn, "SELECT SUM(stock) FROM products")
    spec = RunSpec(config=workload_config("workload.yaml"), connections=2, transactions=120, allow_writes=True, seed=3)
    result = await run_workload(shop.dsn, spec)
    assert result.failed == 0, result.errors
    assert result.completed == 120
    ops = {op.name: op.count for op in result.operations}
    checkouts = ops["checkout"]
    assert checkouts > 0 and ops["recent_orders"] > 0
    assert {op.kind for op in result.operations} == {"custom", "point_select", "join"}
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM orders") == ROWS + checkouts
    assert await scalar(shop.dsn, "SELECT SUM(stock) FROM products") == stock - checkouts


async def test_writes_refused_without_allow_writes(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=50, seed=1)
    before = await checksums(shop.dsn)
    with pytest.raises(InvalidInputError, match=r"writes .* but allow_writes is false"):
        await run_workload(shop.dsn, RunSpec(pattern="oltp", duration_s=0.5))
    with pytest.raises(InvalidInputError, match="checkout"):
        await run_workload(shop.dsn, RunSpec(config=workload_config("workload.yaml"), transactions=10))
    sneaky = WorkloadConfig.model_validate(
        {"operations": [{"name": "x", "sql": "WITH t AS (SELECT 1) DELETE FROM orders WHERE id IN (SELECT * FROM t)"}]}
    )
    with pytest.raises(InvalidInputError, match="allow_writes"):
        await run_workload(shop.dsn, RunSpec(config=sneaky, transactions=10))
    result = await run_workload(shop.dsn, RunSpec(pattern="reporting", transactions=40, connections=2))
    assert (result.completed, result.failed) == (40, 0)
    assert await checksums(shop.dsn) == before


async def test_injection_is_refused_or_bound(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=20, seed=1)
    with pytest.raises(NotFoundError, match="no table 'orders; DROP TABLE customers'"):
        await run_workload(shop.dsn, RunSpec(pattern="olap", tables=["orders; DROP TABLE customers"], transactions=5))
    with pytest.raises(ValueError, match="one statement per entry"):
        WorkloadConfig.model_validate({"operations": [{"name": "x", "sql": "SELECT 1; DROP TABLE customers"}]})
    evil = "x'); DROP TABLE customers; --"
    config = WorkloadConfig.model_validate(
        {
            "operations": [
                {
                    "name": "note",
                    "sql": "UPDATE products SET category = :cat WHERE id = :id",
                    "params": {"cat": {"kind": "constant", "value": evil}, "id": {"kind": "constant", "value": 1}},
                }
            ]
        }
    )
    result = await run_workload(shop.dsn, RunSpec(config=config, transactions=3, connections=1, allow_writes=True))
    assert result.failed == 0
    with sqlite3.connect(tmp_path / "shop.db") as conn:
        assert conn.execute("SELECT category FROM products WHERE id = 1").fetchone() == (evil,)
        assert conn.execute("SELECT COUNT(*) FROM customers").fetchone() == (20,)


async def test_rate_run_counts_warmup_excluded_and_transactions(tmp_path: Path) -> None:
    """Behaviour only (counts, warm-up excluded); how close the achieved rate is lies in bench/workload.py."""
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=200, seed=1)
    spec = RunSpec(pattern="read_heavy", connections=2, target_tps=400, duration_s=2.5, warmup_s=0.5, allow_writes=True)
    result = await run_workload(shop.dsn, spec)
    # exactly rate x duration measured: the 200 warm-up operations are neither counted nor in the series
    assert result.completed == 1000 and result.failed == 0
    assert result.warmup_s == 0.5 and result.latency.count == 1000
    assert result.timeseries[0].t == 0
    assert sum(round(p.tps * p.seconds) for p in result.timeseries) == 1000
    assert result.schedule_lag.count == 1000  # open loop: every measured operation has an intended start
    # Poisson arrivals come from the seed: the number of intended starts in 2 s is fixed by it
    schedule = Schedule(300, "poisson", 9, 0.0, 0.0, 2.0, None)
    expected = 0
    while schedule.next(0.0) is not None:
        expected += 1
    poisson = await run_workload(
        shop.dsn, RunSpec(pattern="olap", connections=2, target_tps=300, arrival="poisson", duration_s=2, seed=9)
    )
    assert poisson.completed + poisson.failed == expected and expected != 600
    assert poisson.arrival == "poisson"
    counted = await run_workload(shop.dsn, RunSpec(pattern="olap", transactions=77, connections=3))
    assert counted.completed + counted.failed == 77
    assert counted.arrival == "closed_loop" and counted.tps_ratio is None


async def test_cancellation_returns_partial_results_within_a_second(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=100, seed=1)
    stop = asyncio.Event()
    spec = RunSpec(pattern="reporting", connections=2, target_tps=200, duration_s=30)
    started = time.perf_counter()
    task = asyncio.create_task(run_workload(shop.dsn, spec, stop=stop))
    await asyncio.sleep(1.2)
    stop_at = time.perf_counter()
    stop.set()
    result = await task
    assert time.perf_counter() - stop_at < 1.2  # 0.8 s grace for in-flight statements, then cancelled
    assert time.perf_counter() - started < 3.5
    assert result.cancelled is True
    assert 150 <= result.completed <= 260
    assert 1.0 <= result.elapsed_s <= 1.3


async def _hold_lock_sqlite(path: Path, seconds: float) -> None:
    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=5)
        conn.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    await asyncio.to_thread(hold)


async def test_coordinated_omission_sqlite(tmp_path: Path) -> None:
    """A 1 s write lock during a 200 TPS insert run must show in p99 (measured from intended start)."""
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=100, seed=1)
    config = WorkloadConfig.model_validate({"mix": {"insert": 1}, "tables": ["customers"]})
    spec = RunSpec(config=config, connections=2, target_tps=200, duration_s=3.0, allow_writes=True)
    run = asyncio.create_task(run_workload(shop.dsn, spec))
    await asyncio.sleep(1.0)
    await _hold_lock_sqlite(tmp_path / "shop.db", 1.0)
    result = await run
    assert result.failed == 0, result.errors
    assert result.latency.p99_ms >= 500, result.latency
    assert result.latency.max_ms >= 900
    # naive timing (from the actual send) hides most of the stall: only the few ops stuck in the lock see it
    assert result.service_time.p99_ms < result.latency.p99_ms / 2
    assert max(p.p99_ms for p in result.timeseries) >= 500


async def test_latency_limit_counts_late_and_skips_hopeless(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=100, seed=1)
    config = WorkloadConfig.model_validate({"mix": {"insert": 1}, "tables": ["customers"]})
    spec = RunSpec(
        config=config, connections=1, target_tps=200, duration_s=2.0, allow_writes=True, latency_limit_ms=100
    )
    run = asyncio.create_task(run_workload(shop.dsn, spec))
    await asyncio.sleep(0.5)
    await _hold_lock_sqlite(tmp_path / "shop.db", 0.8)
    result = await run
    assert result.skipped > 50
    assert result.late >= 1
    assert result.completed + result.skipped == 400


async def test_coordinated_omission_postgres(pg_shop: ShopDB) -> None:
    await seed_database(pg_shop.dsn, rows=200, seed=1, truncate=True)
    import asyncpg

    spec = RunSpec(pattern="reporting", connections=4, target_tps=200, duration_s=3.0)
    run = asyncio.create_task(run_workload(pg_shop.dsn, spec))
    await asyncio.sleep(1.0)
    conn = await asyncpg.connect(
        host=pg_shop.dsn.host, port=pg_shop.dsn.port, user=pg_shop.dsn.user, database=pg_shop.dsn.database,
        server_settings={"search_path": pg_shop.dsn.options["search_path"]},
    )  # fmt: skip
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE orders, order_items, customers, products IN ACCESS EXCLUSIVE MODE")
            await asyncio.sleep(1.0)
    finally:
        await conn.close()
    result = await run
    assert result.failed == 0, result.errors
    assert result.latency.p99_ms >= 500, result.latency
    assert result.service_time.p99_ms < result.latency.p99_ms / 2


async def test_processes_split_connections_and_rate_and_merge(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    await seed_database(shop.dsn, rows=100, seed=1)
    spec = RunSpec(pattern="reporting", connections=4, processes=2, target_tps=200, duration_s=1.5, seed=4)
    result = await run_workload(shop.dsn, spec)
    assert (result.processes, result.connections) == (2, 4)
    assert (result.completed, result.failed) == (300, 0)
    assert 0.95 <= result.tps_ratio <= 1.03
    assert result.latency.count == 300 == sum(o.count for o in result.operations)
    assert sum(round(p.tps * p.seconds) for p in result.timeseries) == 300
    counted = await run_workload(shop.dsn, RunSpec(pattern="olap", connections=3, processes=2, transactions=51))
    assert counted.completed + counted.failed == 51


async def test_read_only_connections_refuse_writes(shop: ShopDB) -> None:
    """Without allow_writes the database itself refuses writes: a second net under the write detection."""
    from semgraph.workload.connect import open_connection

    await seed_database(shop.dsn, rows=5, seed=1, truncate=True)
    conn = await open_connection(shop.dsn, read_only=True)
    try:
        with pytest.raises(Exception) as info:
            await conn.execute("DELETE FROM order_items")
        assert conn.dialect.is_driver_error(info.value)
    finally:
        await conn.close()
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM order_items") == 5


async def test_coordinated_omission_mariadb(my_shop: ShopDB) -> None:
    await seed_database(my_shop.dsn, rows=200, seed=1, truncate=True)
    import asyncmy

    spec = RunSpec(pattern="reporting", connections=4, target_tps=200, duration_s=3.0)
    run = asyncio.create_task(run_workload(my_shop.dsn, spec))
    await asyncio.sleep(1.0)
    d = my_shop.dsn
    conn = await asyncmy.connect(host=d.host, port=d.port, user=d.user, password="", database=d.database)
    try:
        async with conn.cursor() as cur:
            await cur.execute("LOCK TABLES orders WRITE, order_items WRITE, customers WRITE, products WRITE")
            await asyncio.sleep(1.0)
            await cur.execute("UNLOCK TABLES")
    finally:
        conn.close()
    result = await run
    assert result.failed == 0, result.errors
    assert result.latency.p99_ms >= 500, result.latency
    assert result.service_time.p99_ms < result.latency.p99_ms / 2


async def test_pipelined_reads_count_every_execution(shop: ShopDB) -> None:
    """pipeline=4 at full speed: every execution is counted and measured once, also in a last partial batch."""
    await seed_database(shop.dsn, rows=50, seed=3, truncate=True)
    config = WorkloadConfig.model_validate({"name": "ps", "mix": {"point_select": 1}, "tables": ["customers"]})
    result = await run_workload(shop.dsn, RunSpec(config=config, connections=2, pipeline=4, transactions=203))
    assert (result.completed, result.failed) == (203, 0), result.errors
    assert result.latency.count == 203 == sum(o.count for o in result.operations)
    assert sum(round(p.tps * p.seconds) for p in result.timeseries) == 203
    with pytest.raises(ValueError, match="full-speed"):
        RunSpec(config=config, pipeline=4, target_tps=100)


async def test_pipelined_reader_returns_the_rows_of_each_key(shop: ShopDB) -> None:
    """PostgreSQL pipelines a prepared read for many keys (one round trip) and returns each key's row, in order;
    the other drivers cannot, and their reads run one at a time."""
    import random

    from semgraph.workload.connect import open_connection
    from semgraph.workload.metadata import load_schema
    from semgraph.workload.operations import Query, sample_keys

    await seed_database(shop.dsn, rows=50, seed=3, truncate=True)
    conn = await open_connection(shop.dsn)
    try:
        table = (await load_schema(conn)).table("customers")
        keys = await sample_keys(conn, table)
        assert keys is not None
        q = conn.dialect.quote
        query = Query("point_select", "customers", f"SELECT id, email FROM {q('customers')} WHERE {q('id')} = {conn.dialect.placeholder(1)}", keys, 1, 1)  # fmt: skip
        many = await query.bind_pipelined(conn)
        if shop.dialect != "postgres":
            assert many is None
            return
        assert many is not None
        rows = await many(random.Random(7), 6)
        drawn = random.Random(7)
        expected = [keys.low + int(drawn.random() * (keys.high - keys.low + 1)) for _ in range(6)]
        assert [r[0] for r in rows] == expected
        emails = {r[0]: r[1] for r in await conn.fetch(f"SELECT id, email FROM {q('customers')}")}
        assert [r[1] for r in rows] == [emails[k] for k in expected]
    finally:
        await conn.close()
