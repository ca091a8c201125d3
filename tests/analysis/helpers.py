"""Helpers for the analysis tests: write or copy a project, index it, open its codebase view."""

from __future__ import annotations

import shutil
from pathlib import Path

from semgraph.analysis.codebase import Codebase, open_codebase
from semgraph.graph.indexer import index_repository
from semgraph.paths import PathGuard
from tests.support import FIXTURES


def index_tree(root: Path, files: dict[str, str] | None = None) -> Codebase:
    """Write ``files`` under ``root`` (if given), index it and return the analyses' view."""
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    db = root.parent / f"{root.name}.db"
    index_repository(root, db, PathGuard([root]), workers=1)
    return open_codebase(db)


def index_fixture(name: str, dest: Path) -> Codebase:
    """Copy ``fixtures/<name>`` to ``dest`` and index it."""
    root = dest / Path(name).name
    shutil.copytree(FIXTURES / name, root)
    return index_tree(root)
