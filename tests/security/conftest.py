"""Databases for the security tests: own names prefixed ``i18_`` (other suites share the services)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.workload.conftest import ShopDB, make_sqlite, my_shop_database, pg_shop_database


@pytest.fixture
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> ShopDB:
    return make_sqlite(tmp_path_factory.mktemp("i18_sqlite"))


@pytest.fixture(scope="module")
def pg_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopDB]:
    with pg_shop_database(tmp_path_factory, prefix="i18") as db:
        yield db


@pytest.fixture(scope="module")
def my_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopDB]:
    with my_shop_database(tmp_path_factory, prefix="i18") as db:
        yield db


@pytest.fixture(params=("sqlite", "postgres", "mysql"))
def db(request: pytest.FixtureRequest) -> ShopDB:
    return request.getfixturevalue({"sqlite": "sqlite_db", "postgres": "pg_db", "mysql": "my_db"}[request.param])
