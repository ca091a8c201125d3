"""Shop databases for the workload tests: SQLite (always), PostgreSQL and MariaDB (services).

PostgreSQL gets a fresh schema per test module and MariaDB a fresh database per
module (unique names, dropped afterwards). When a service is down the tests
skip with the reason, except under ``SEMGRAPH_REQUIRE_SERVICES=1`` where they fail.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from semgraph.paths import PathGuard
from semgraph.workload.dsn import DSN, parse_dsn
from semgraph.workload.service import shop_sqlite_schema
from tests.support import FIXTURES

PG_URL = os.environ.get("SEMGRAPH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
MY_HOST = os.environ.get("SEMGRAPH_TEST_MYSQL_HOST", "127.0.0.1")
MY_URL = f"mysql://root@{MY_HOST}:3306"
SCHEMAS = FIXTURES / "workload"
DIALECTS = ("sqlite", "postgres", "mysql")


def require_services() -> bool:
    return os.environ.get("SEMGRAPH_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def unavailable(service: str, exc: BaseException) -> None:
    reason = f"{service} not reachable ({type(exc).__name__}: {exc})"
    if require_services():
        pytest.fail(f"{reason} but SEMGRAPH_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(reason)


def statements(dialect: str) -> list[str]:
    text = (SCHEMAS / f"schema.{dialect}.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


@dataclass
class ShopDB:
    """One empty shop database (schema loaded, no rows) and how to reach it."""

    dialect: str
    dsn: DSN
    guard: PathGuard
    root: Path


async def _pg_setup(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.execute(f'SET search_path = "{schema}"')
        for stmt in statements("postgres"):
            await conn.execute(stmt)
    finally:
        await conn.close()


async def _pg_drop(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL, timeout=5)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def _my_exec(sqls: list[str], database: str | None = None) -> None:
    import asyncmy

    conn = await asyncmy.connect(host=MY_HOST, port=3306, user="root", password="", database=database, autocommit=True, connect_timeout=5)  # fmt: skip
    try:
        async with conn.cursor() as cur:
            for stmt in sqls:
                await cur.execute(stmt)
    finally:
        conn.close()


def make_sqlite(root: Path, name: str = "shop.db") -> ShopDB:
    guard = PathGuard([root])
    with sqlite3.connect(root / name) as conn:
        conn.executescript(shop_sqlite_schema())
    return ShopDB("sqlite", parse_dsn(f"sqlite:///{name}", guard), guard, root)


@contextmanager
def pg_shop_database(factory: pytest.TempPathFactory, prefix: str = "wl") -> Iterator[ShopDB]:
    """An empty shop in its own PostgreSQL schema named ``<prefix>_<random>``, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_setup(schema))
    except Exception as exc:
        unavailable("PostgreSQL", exc)
    root = factory.mktemp(f"{prefix}_pg")
    guard = PathGuard([root])
    try:
        yield ShopDB("postgres", parse_dsn(f"{PG_URL}?search_path={schema}", guard), guard, root)
    finally:
        asyncio.run(_pg_drop(schema))


@contextmanager
def my_shop_database(factory: pytest.TempPathFactory, prefix: str = "wl") -> Iterator[ShopDB]:
    """An empty shop in its own MariaDB database named ``<prefix>_<random>``, dropped afterwards."""
    database = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_my_exec([f"CREATE DATABASE `{database}`"]))
        asyncio.run(_my_exec(statements("mysql"), database))
    except Exception as exc:
        unavailable("MariaDB", exc)
    root = factory.mktemp(f"{prefix}_my")
    guard = PathGuard([root])
    try:
        yield ShopDB("mysql", parse_dsn(f"{MY_URL}/{database}", guard), guard, root)
    finally:
        asyncio.run(_my_exec([f"DROP DATABASE IF EXISTS `{database}`"]))


@pytest.fixture(scope="module")
def pg_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopDB]:
    with pg_shop_database(tmp_path_factory) as db:
        yield db


@pytest.fixture(scope="module")
def my_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopDB]:
    with my_shop_database(tmp_path_factory) as db:
        yield db


@pytest.fixture(scope="module")
def sqlite_shop(tmp_path_factory: pytest.TempPathFactory) -> ShopDB:
    return make_sqlite(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(params=DIALECTS)
def shop(request: pytest.FixtureRequest) -> ShopDB:
    """The shop in each dialect (module-scoped databases, shared by the module's tests)."""
    return request.getfixturevalue({"sqlite": "sqlite_shop", "postgres": "pg_shop", "mysql": "my_shop"}[request.param])
