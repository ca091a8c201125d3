"""Seeding schemas with the idioms of real applications (fixtures/workload/realistic/), no config.

Each fixture reproduces what stopped the seeder on real schemas: enums, arrays, ltree/tsvector/
citext/ranges, composite and partial/expression uniques, CHECKs, generated and identity columns,
NOT NULL foreign-key cycles, SET/YEAR/unsigned widths, triggers writing into other tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from semgraph.paths import PathGuard
from semgraph.workload.dsn import DSN, parse_dsn
from semgraph.workload.seeder import seed_database
from tests.support import FIXTURES
from tests.workload.conftest import MY_HOST, MY_URL, PG_URL, _my_exec, unavailable
from tests.workload.helpers import scalar

REAL = FIXTURES / "workload" / "realistic"


async def _pg_setup(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        for ext in ("ltree", "citext"):
            with contextlib.suppress(asyncpg.UniqueViolationError):  # created concurrently by another run
                await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.execute(f'SET search_path = "{schema}", public')
        await conn.execute((REAL / "forum.postgres.sql").read_text())
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def forum(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DSN]:
    import asyncpg

    schema = f"wlr_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_setup(schema))
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", exc)
    guard = PathGuard([tmp_path_factory.mktemp("forum")])
    try:
        yield parse_dsn(f"{PG_URL}?search_path={schema},public", guard)
    finally:

        async def drop() -> None:
            conn = await asyncpg.connect(PG_URL, timeout=5)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()

        asyncio.run(drop())


@pytest.fixture(scope="module")
def branches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DSN]:
    database = f"wlr_{uuid.uuid4().hex[:10]}"
    text = (REAL / "branches.mysql.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    try:
        asyncio.run(_my_exec([f"CREATE DATABASE `{database}`"]))
    except Exception as exc:
        unavailable("MariaDB", exc)
    asyncio.run(_my_exec([s.strip() for s in body.split(";\n") if s.strip()], database))
    guard = PathGuard([tmp_path_factory.mktemp("branches")])
    try:
        yield parse_dsn(f"{MY_URL}/{database}", guard)
    finally:
        asyncio.run(_my_exec([f"DROP DATABASE IF EXISTS `{database}`"]))
    assert MY_HOST


async def test_postgres_idioms_all_seeded(forum: DSN) -> None:
    result = await seed_database(forum, rows=300, seed=5)
    assert result.problems == []
    written = {t.table: t.rows_written for t in result.tables}
    # team_profiles: one row per team (its key is a foreign key); the rest get every row asked for
    # endpoints_status: one row (CHECK (id = 0) on its key); bytea keys get distinct values
    assert written == {
        "audit_log": 0, "badges": 300, "endpoints": 300, "endpoints_status": 1, "members": 300, "nodes": 300,
        "team_profiles": 300, "teams": 300, "topic_followers": 300, "topics": 300,
    }  # fmt: skip
    by = {t.table: t for t in result.tables}
    # the topics trigger fills audit_log: it is not seeded on top (those rows would collide), only reported
    assert by["audit_log"].rows_added_by_triggers == 300
    assert by["audit_log"].notes == [
        "not seeded: filled by trigger topics_log on topics (set rows in the config to add more)"
    ]
    assert result.order.index("topics") < result.order.index("audit_log")
    assert any("members.home_team_id -> teams" in c for c in result.cycles_broken)
    # a CHECK it cannot read is named in the notes; the OR one is honoured through its comparison
    assert any(n.startswith("CHECK not generated for: members_email_shape") for n in by["members"].notes)
    assert "members_left_after_joined" not in str(by["members"].notes)
    checks = {
        "karma out of range": "SELECT COUNT(*) FROM members WHERE karma < -5 OR karma > 50",
        "plan not in list": "SELECT COUNT(*) FROM members WHERE plan NOT IN ('free', 'pro', 'team')",
        "short nick": "SELECT COUNT(*) FROM members WHERE length(nick) < 3",
        "generated column": "SELECT COUNT(*) FROM members WHERE display IS DISTINCT FROM upper(nick)",
        "dates": "SELECT COUNT(*) FROM topics WHERE starts_on > ends_on",
        "left before joined": "SELECT COUNT(*) FROM members WHERE left_at <= joined_at",
        "rating": "SELECT COUNT(*) FROM topics WHERE rating < 0 OR rating > 10",
        "featured": "SELECT COUNT(*) FROM badges WHERE is_featured",
        "orphan home team": "SELECT COUNT(*) FROM members m WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE t.id = m.home_team_id)",
        "empty tags": "SELECT COUNT(*) FROM topics WHERE cardinality(tags) = 0",
    }
    for name, sql in checks.items():
        assert await scalar(forum, sql) == 0, name
    assert await scalar(forum, "SELECT COUNT(DISTINCT lower(email)) FROM members") == 300
    assert await scalar(forum, "SELECT COUNT(*) FROM topics WHERE nlevel(path) = 3") == 300
    assert await scalar(forum, "SELECT COUNT(*) FROM topics WHERE moods IS NOT NULL AND NOT moods <@ ARRAY['reader', 'writer', 'moderator']::member_role[]") == 0  # fmt: skip


async def test_mysql_idioms_all_seeded(branches: DSN) -> None:
    result = await seed_database(branches, rows=200, seed=2)
    assert result.problems == []
    written = {t.table: t.rows_written for t in result.tables}
    assert written == {"branches": 200, "clerk_branches": 200, "clerk_notes": 0, "clerks": 200}
    by = {t.table: t for t in result.tables}
    assert by["clerk_notes"].rows_added_by_triggers == 200
    assert any("clerks.branch_id -> branches" in c for c in result.cycles_broken)
    for name, sql in {
        "hired": "SELECT COUNT(*) FROM clerks WHERE hired < 1901 OR hired > 2155",
        "bonus": "SELECT COUNT(*) FROM clerks WHERE bonus < 0 OR bonus > 50",
        "skills": "SELECT COUNT(*) FROM clerks WHERE skills IS NOT NULL AND skills NOT REGEXP '^((till|stock|returns),?)*$'",
        "orphan branch": "SELECT COUNT(*) FROM clerks c WHERE NOT EXISTS (SELECT 1 FROM branches b WHERE b.id = c.branch_id)",
        "generated": "SELECT COUNT(*) FROM clerks WHERE double_level <> level * 2",
    }.items():
        assert await scalar(branches, sql) == 0, name
    assert await scalar(branches, "SELECT COUNT(DISTINCT code) FROM clerks") == 200


async def test_sqlite_idioms_all_seeded(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "library.db") as conn:
        conn.executescript((REAL / "library.sqlite.sql").read_text())
    dsn = parse_dsn("sqlite:///library.db", PathGuard([tmp_path]))
    result = await seed_database(dsn, rows=150, seed=9)
    assert result.problems == []
    assert {t.table: t.rows_written for t in result.tables} == {"books": 150, "loans": 150, "readers": 150}
    for name, sql in {
        "title length": "SELECT COUNT(*) FROM books WHERE length(title) > 30",
        "shelf": "SELECT COUNT(*) FROM books WHERE shelf NOT IN ('A', 'B', 'C')",
        "copies": "SELECT COUNT(*) FROM books WHERE copies NOT BETWEEN 1 AND 5",
        "dates": "SELECT COUNT(*) FROM loans WHERE NOT lent_on < due_on",
    }.items():
        assert await scalar(dsn, sql) == 0, name


async def test_workloads_on_the_forum_rerun_with_the_same_seed(forum: DSN) -> None:
    from semgraph.workload.runner import RunSpec, run_workload

    await seed_database(forum, rows=200, seed=4, truncate=True)
    reads = await run_workload(forum, RunSpec(pattern="olap", transactions=200, connections=2, seed=1))
    names = {o.name for o in reads.operations}
    assert reads.failed == 0
    assert "aggregate:topic_followers" in names  # composite-key table: operations too
    spec = RunSpec(pattern="write_heavy", transactions=400, connections=1, seed=3, allow_writes=True)
    runs = [await run_workload(forum, spec) for _ in range(2)]
    # same seed twice: the same kinds of operations, and both succeed (the keys come from each run's own stream)
    assert [r.failed for r in runs] == [0, 0], [e.sample for r in runs for e in r.errors]
    assert [(o.name, o.count) for o in runs[0].operations] == [(o.name, o.count) for o in runs[1].operations]
    assert "insert:topic_followers" in {o.name for o in runs[0].operations}
    assert "insert:team_profiles" not in {o.name for o in runs[0].operations}  # one child per parent: all taken
    # bytea keys are drawn per run (no constant bytes); a table already holding every row its CHECK allows
    # gets no writes at all
    done = {o.name for r in runs for o in r.operations}
    assert {"insert:endpoints", "insert:nodes"} <= done
    assert not {
        n for n in done if n.endswith(":endpoints_status") and not n.startswith(("point_select", "range", "agg"))
    }


async def test_workload_inserts_follow_the_seed_config(tmp_path: Path) -> None:
    from semgraph.workload.runner import RunSpec, run_workload
    from semgraph.workload.seed_config import load_seed_config
    from tests.workload.conftest import make_sqlite

    shop = make_sqlite(tmp_path)
    config = load_seed_config(FIXTURES / "workload" / "seed.toml")
    await seed_database(shop.dsn, config, truncate=True)
    spec = RunSpec(pattern="write_heavy", transactions=300, connections=1, allow_writes=True, seed_config=config)
    result = await run_workload(shop.dsn, spec)
    assert result.failed == 0
    assert result.rows_changed["customers"]["inserted"] > 0 and result.rows_changed["products"]["inserted"] > 0
    # the run's rows use the configured generators: the domain, the SKU template and the category list
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM customers WHERE email NOT LIKE '%@shop.test'") == 0
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE sku NOT LIKE 'SKU-%'") == 0
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM products WHERE category NOT IN ('books', 'games', 'garden')") == 0  # fmt: skip
    assert await scalar(shop.dsn, "SELECT COUNT(*) FROM orders WHERE status NOT IN ('new', 'paid', 'shipped')") == 0  # fmt: skip
