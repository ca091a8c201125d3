"""Seeding against real SQLite, PostgreSQL and MariaDB: determinism, FK integrity, safety, failures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError
from semgraph.workload.seed_config import SeedConfig, load_seed_config
from semgraph.workload.seeder import seed_database
from tests.support import FIXTURES
from tests.workload.conftest import ShopDB, make_sqlite
from tests.workload.helpers import ORPHANS, checksums, execute, scalar

TABLES = ["customers", "orders", "order_items", "products"]


async def test_same_seed_same_data_other_seed_other_data(shop: ShopDB) -> None:
    first = await seed_database(shop.dsn, rows=300, seed=7, truncate=True)
    assert first.order == ["customers", "orders", "products", "order_items"]
    assert [(t.table, t.rows_written) for t in first.tables] == [(n, 300) for n in first.order]
    a = await checksums(shop.dsn)
    await seed_database(shop.dsn, rows=300, seed=7, truncate=True)
    b = await checksums(shop.dsn)
    assert a == b
    assert {n: c[0] for n, c in a.items()} == dict.fromkeys(TABLES, 300)
    await seed_database(shop.dsn, rows=300, seed=8, truncate=True)
    c = await checksums(shop.dsn)
    assert all(a[n][1] != c[n][1] for n in TABLES)
    for name, sql in ORPHANS.items():
        assert await scalar(shop.dsn, sql) == 0, name


async def test_refuses_to_mix_with_existing_rows_and_appends_incrementally(shop: ShopDB) -> None:
    await seed_database(shop.dsn, rows=100, seed=1, truncate=True)
    with pytest.raises(InvalidInputError, match=r"already have rows: customers \(100\)"):
        await seed_database(shop.dsn, rows=10, seed=1)
    result = await seed_database(shop.dsn, rows=50, seed=1, incremental=True)
    assert [(t.table, t.rows_before, t.rows_written) for t in result.tables] == [
        (n, 100, 50) for n in ["customers", "orders", "products", "order_items"]
    ]
    assert await scalar(shop.dsn, "SELECT COUNT(DISTINCT email) FROM customers") == 150
    assert await scalar(shop.dsn, "SELECT MAX(id) FROM customers") == 150
    for name, sql in ORPHANS.items():
        assert await scalar(shop.dsn, sql) == 0, name


async def test_failure_reports_rows_per_table_and_leaves_no_half_batch(shop: ShopDB) -> None:
    await seed_database(shop.dsn, rows=0, truncate=True)
    await seed_database(shop.dsn, rows=1, seed=3, tables=["customers"])
    await execute(shop.dsn, "UPDATE customers SET id = 230")
    config = SeedConfig.model_validate(
        {"batch_size": 100, "tables": {"customers": {"columns": {"id": {"kind": "sequential", "start": 1}}}}}
    )
    result = await seed_database(shop.dsn, config, rows=250, seed=3, incremental=True, tables=["customers"])
    [problem] = result.problems
    assert (problem.table, problem.status, problem.rows_written) == ("customers", "failed", 200)
    assert "rows 201-250: constraint" in problem.reason
    # the report names what failed: PostgreSQL/SQLite the column, MariaDB the key and the value
    assert problem.column == "id" or (problem.constraint, problem.value) == ("PRIMARY", "230")
    # batches 1-2 committed, batch 3 (which hit id 230) rolled back completely
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM customers") == 201
    assert await scalar(shop.dsn, "SELECT MAX(id) FROM customers WHERE id <> 230") == 201


async def test_config_generators(shop: ShopDB) -> None:
    config = load_seed_config(FIXTURES / "workload" / "seed.toml")
    result = await seed_database(shop.dsn, config, truncate=True)
    assert {t.table: t.rows_written for t in result.tables} == {
        "customers": 100, "orders": 300, "products": 50, "order_items": 200,
    }  # fmt: skip
    assert result.seed == 42
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM customers WHERE email NOT LIKE '%@shop.test'") == 0
    nulls = await scalar(shop.dsn, "SELECT COUNT(*) FROM customers WHERE phone IS NULL")
    assert 10 <= nulls <= 40
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE sku = 'SKU-00001'") == 1
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE price < 1 OR price > 250") == 0
    assert (
        await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE category NOT IN ('books', 'games', 'garden')") == 0
    )
    books = await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE category = 'books'")
    garden = await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE category = 'garden'")
    assert books > garden
    # zipf: customer 1 (the first parent key) is the most frequent buyer
    top = await scalar(
        shop.dsn, "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 1"
    )
    assert top == 1
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM order_items WHERE quantity < 1 OR quantity > 5") == 0
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM orders WHERE status NOT IN ('new', 'paid', 'shipped')") == 0
    yaml_config = load_seed_config(FIXTURES / "workload" / "seed.yaml")
    assert yaml_config == config


async def test_unknown_tables_and_columns_are_refused(tmp_path: Path) -> None:
    shop = make_sqlite(tmp_path)
    with pytest.raises(Exception, match="no table 'customers; DROP TABLE orders'"):
        await seed_database(shop.dsn, rows=5, tables=["customers; DROP TABLE orders"])
    bad = SeedConfig.model_validate({"tables": {"customers": {"columns": {'email" = 1; --': {"kind": "email"}}}}})
    with pytest.raises(Exception, match="has no column"):
        await seed_database(shop.dsn, bad, rows=5)
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM orders") == 0


async def test_cycles_broken_at_nullable_fk_or_reported(tmp_path: Path) -> None:
    db = tmp_path / "cycle.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id));"
            "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id));"
        )
    shop = make_sqlite(tmp_path, "unused.db")
    from semgraph.workload.dsn import parse_dsn

    dsn = parse_dsn("sqlite:///cycle.db", shop.guard)
    result = await seed_database(dsn, rows=20)
    assert result.order == ["a", "b"]
    assert result.cycles_broken == [
        "a.b_id -> b (NULL first, filled after b is loaded)",
        "a.b_id: 20 NULLs filled with b key 1 after the cycle",
    ]
    assert await scalar(dsn, "SELECT COUNT(*) FROM b WHERE a_id NOT IN (SELECT id FROM a)") == 0
    assert await scalar(dsn, "SELECT COUNT(*) FROM a WHERE b_id IS NULL OR b_id NOT IN (SELECT id FROM b)") == 0
    # NOT NULL both ways: the first table gets the parent's future integer keys, checked afterwards
    with sqlite3.connect(tmp_path / "hard.db") as conn:
        conn.executescript(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER NOT NULL REFERENCES b(id));"
            "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id));"
        )
    hard = parse_dsn("sqlite:///hard.db", shop.guard)
    result = await seed_database(hard, rows=5)
    assert result.problems == []
    assert result.cycles_broken[0] in {
        "a.b_id -> b (loaded first with b's future keys, FK checks off, verified after)",
        "b.a_id -> a (loaded first with a's future keys, FK checks off, verified after)",
    }
    assert await scalar(hard, "SELECT COUNT(*) FROM a WHERE b_id NOT IN (SELECT id FROM b)") == 0
    assert await scalar(hard, "SELECT COUNT(*) FROM b WHERE a_id NOT IN (SELECT id FROM a)") == 0
    # text keys cannot be predicted: refused with the path and what to do
    with sqlite3.connect(tmp_path / "text.db") as conn:
        conn.executescript(
            "CREATE TABLE a (id TEXT PRIMARY KEY, b_id TEXT NOT NULL REFERENCES b(id));"
            "CREATE TABLE b (id TEXT PRIMARY KEY, a_id TEXT NOT NULL REFERENCES a(id));"
        )
    with pytest.raises(
        InvalidInputError, match=r"no nullable column and no integer parent key: (a -> b -> a|b -> a -> b)"
    ):
        await seed_database(parse_dsn("sqlite:///text.db", shop.guard), rows=5)


async def test_weird_but_real_identifiers_are_quoted(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "odd.db") as conn:
        conn.execute('CREATE TABLE "we""ird; DROP TABLE x" (id INTEGER PRIMARY KEY, "na;me --" TEXT NOT NULL)')
        conn.execute("CREATE TABLE x (id INTEGER PRIMARY KEY)")
    shop = make_sqlite(tmp_path, "unused.db")
    from semgraph.workload.dsn import parse_dsn

    dsn = parse_dsn("sqlite:///odd.db", shop.guard)
    config = SeedConfig.model_validate(
        {
            "tables": {
                'we"ird; DROP TABLE x': {"columns": {"na;me --": {"kind": "constant", "value": "'); DROP TABLE x; --"}}}
            }
        }
    )
    result = await seed_database(dsn, config, rows=3)
    assert result.total_rows == 6
    assert await scalar(dsn, "SELECT COUNT(*) FROM x") == 3
    with sqlite3.connect(tmp_path / "odd.db") as conn:
        assert conn.execute('SELECT DISTINCT "na;me --" FROM "we""ird; DROP TABLE x"').fetchall() == [
            ("'); DROP TABLE x; --",)
        ]
