"""What the tools and the CLI share: default DSN, the index database is off limits, configs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from semgraph.config import Settings
from semgraph.errors import InvalidInputError, NotFoundError
from semgraph.paths import PathGuard
from semgraph.workload import service
from semgraph.workload.seed_config import SeedConfig


def test_default_dsn_is_a_shop_in_the_index_dir(tmp_path: Path) -> None:
    settings = Settings.build([tmp_path])
    dsn = service.resolve_dsn(None, settings, PathGuard(settings.roots))
    assert dsn.path == tmp_path.resolve() / ".semgraph" / "workload.db"
    with sqlite3.connect(dsn.path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    assert names == ["customers", "order_items", "orders", "products"]


def test_index_database_is_refused(tmp_path: Path) -> None:
    settings = Settings.build([tmp_path])
    with pytest.raises(InvalidInputError, match="semgraph's own index database"):
        service.resolve_dsn("sqlite:///.semgraph/index.db", settings, PathGuard(settings.roots))


def test_config_from_file_or_inline_not_both(tmp_path: Path) -> None:
    guard = PathGuard([tmp_path])
    (tmp_path / "s.yaml").write_text("seed: 5\nrows: 3\n")
    assert service.load_config("s.yaml", None, guard, SeedConfig) == SeedConfig(seed=5, rows=3)
    assert service.load_config(None, {"rows": 2}, guard, SeedConfig) == SeedConfig(rows=2)
    with pytest.raises(InvalidInputError, match="not both"):
        service.load_config("s.yaml", {"rows": 2}, guard, SeedConfig)
    with pytest.raises(NotFoundError):
        service.load_config("missing.toml", None, guard, SeedConfig)
    with pytest.raises(
        InvalidInputError, match=r"config_data: invalid config: rows: Input should be greater than or equal to 0"
    ):
        service.load_config(None, {"rows": -1}, guard, SeedConfig)
