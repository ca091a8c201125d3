"""Hostile-looking but real identifiers are quoted per dialect; hostile values are bound, on every database."""

from __future__ import annotations

from semgraph.workload.connect import open_connection
from semgraph.workload.runner import RunSpec, run_workload
from semgraph.workload.seed_config import SeedConfig
from semgraph.workload.seeder import seed_database
from semgraph.workload.workload_config import WorkloadConfig
from tests.workload.conftest import ShopDB

TABLE = 'we"ird`; DROP TABLE customers; --'
COLUMN = "na;me' --"
EVIL = "x'); DROP TABLE customers; --"


async def test_identifiers_quoted_and_values_bound(shop: ShopDB) -> None:
    conn = await open_connection(shop.dsn)
    q = conn.dialect.quote
    try:
        await conn.execute(f"DROP TABLE IF EXISTS {q(TABLE)}")
        key = "INTEGER PRIMARY KEY" if shop.dialect == "sqlite" else "INT NOT NULL PRIMARY KEY"
        await conn.execute(f"CREATE TABLE {q(TABLE)} (id {key}, {q(COLUMN)} VARCHAR(64) NOT NULL)")
    finally:
        await conn.close()
    config = SeedConfig.model_validate({"tables": {TABLE: {"columns": {COLUMN: {"kind": "constant", "value": EVIL}}}}})
    result = await seed_database(shop.dsn, config, rows=25, tables=[TABLE], truncate=True)
    assert result.total_rows == 25
    workload = WorkloadConfig.model_validate(
        {"mix": {"point_select": 3, "range_scan": 1, "insert": 1, "update": 1, "delete": 1}, "tables": [TABLE]}
    )
    run = await run_workload(shop.dsn, RunSpec(config=workload, transactions=60, connections=2, allow_writes=True))
    assert (run.completed, run.failed) == (60, 0), run.errors
    conn = await open_connection(shop.dsn)
    try:
        rows = await conn.fetch(f"SELECT DISTINCT {q(COLUMN)} FROM {q(TABLE)} WHERE {q('id')} <= 25")
        assert rows == [(EVIL,)]
        # the customers table survived every attempt (this module's shop has no rows in it)
        assert await conn.fetch(f"SELECT COUNT(*) FROM {q('customers')}") == [(0,)]
        await conn.execute(f"DROP TABLE {q(TABLE)}")
    finally:
        await conn.close()
