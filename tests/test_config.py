from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.config import ALL_TOOLSETS, Settings, parse_toolsets
from semgraph.errors import InvalidInputError


def test_defaults(tmp_path: Path) -> None:
    s = Settings.build(cwd=tmp_path)
    assert s.roots == (tmp_path.resolve(),)
    assert s.db_path == tmp_path.resolve() / ".semgraph" / "index.db"
    assert s.toolsets == ALL_TOOLSETS


def test_roots_db_and_toolsets(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    s = Settings.build(["a", "b", "a"], "idx/x.db", "dag,graph", cwd=tmp_path)
    assert s.roots == (tmp_path / "a", tmp_path / "b")
    assert s.db_path == tmp_path / "idx" / "x.db"
    assert s.toolsets == ("graph", "dag")


def test_bad_root_and_toolset(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a directory"):
        Settings.build(["missing"], cwd=tmp_path)
    with pytest.raises(InvalidInputError, match="unknown toolset"):
        parse_toolsets("graph,nope")
    assert parse_toolsets("all") == ALL_TOOLSETS
