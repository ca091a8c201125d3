"""Databases for the security tests: own names prefixed ``i18_`` (other suites share the services)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from semgraph.paths import PathGuard
from semgraph.workload.dsn import parse_dsn
from tests.workload.conftest import MY_URL, PG_URL, ShopDB, _my_exec, _pg_drop, _pg_setup, make_sqlite, unavailable


@pytest.fixture
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> ShopDB:
    return make_sqlite(tmp_path_factory.mktemp("i18_sqlite"))


@pytest.fixture(scope="module")
def pg_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopDB]:
    schema = f"i18_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_setup(schema))
    except Exception as exc:
        unavailable("PostgreSQL", exc)
    root = tmp_path_factory.mktemp("i18_pg")
    guard = PathGuard([root])
    try:
        yield ShopDB("postgres", parse_dsn(f"{PG_URL}?search_path={schema}", guard), guard, root)
    finally:
        asyncio.run(_pg_drop(schema))


@pytest.fixture(scope="module")
def my_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopDB]:
    database = f"i18_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_my_exec([f"CREATE DATABASE `{database}`"]))
        from tests.workload.conftest import statements

        asyncio.run(_my_exec(statements("mysql"), database))
    except Exception as exc:
        unavailable("MariaDB", exc)
    root = tmp_path_factory.mktemp("i18_my")
    guard = PathGuard([root])
    try:
        yield ShopDB("mysql", parse_dsn(f"{MY_URL}/{database}", guard), guard, root)
    finally:
        asyncio.run(_my_exec([f"DROP DATABASE IF EXISTS `{database}`"]))


@pytest.fixture(params=("sqlite", "postgres", "mysql"))
def db(request: pytest.FixtureRequest) -> ShopDB:
    return request.getfixturevalue({"sqlite": "sqlite_db", "postgres": "pg_db", "mysql": "my_db"}[request.param])
