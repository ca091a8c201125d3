"""Helpers for the graph tests: write small projects, index them, read edges back."""

from __future__ import annotations

from pathlib import Path

from semgraph.graph.indexer import IndexReport, index_repository
from semgraph.graph.store import GraphStore
from semgraph.paths import PathGuard


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def index(root: Path, db: Path | None = None, **kwargs) -> IndexReport:
    db = db or root.parent / (root.name + "-index.db")
    return index_repository(root, db, PathGuard([root]), **kwargs)


def db_for(root: Path) -> Path:
    return root.parent / (root.name + "-index.db")


def call_edges(db: Path, kind: str = "calls") -> set[tuple[str, str, str, int, str | None]]:
    """(caller qualified name, target text, resolution, candidates, callee qualified name) of every edge of ``kind``."""
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT s.qualified_name, e.target, e.resolution, e.candidates, d.qualified_name FROM edges e "
            "JOIN symbols s ON s.id = e.src_id LEFT JOIN symbols d ON d.id = e.dst_id WHERE e.kind = ?",
            (kind,),
        ).fetchall()
    return {tuple(r) for r in rows}  # type: ignore[misc]


def resolved(db: Path, kind: str = "calls") -> set[tuple[str, str, str, int, str | None]]:
    return {e for e in call_edges(db, kind) if e[4] is not None}
