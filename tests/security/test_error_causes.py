"""Finding 8: a full disk, a damaged index and a damaged run store are reported as such, with the path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from semgraph.errors import DatabaseError
from semgraph.graph import indexer as indexer_mod
from semgraph.graph.integrity import CorruptIndexError
from semgraph.graph.store import GraphStore
from semgraph.paths import PathGuard
from semgraph.workload.runs import RunStore
from tests.support import copy_fixture


def _index(root: Path, db: Path, **kw) -> indexer_mod.IndexReport:
    return indexer_mod.index_repository(root, db, PathGuard([root]), workers=1, **kw)


def test_full_disk_is_named_with_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_fixture("pyshop", tmp_path)
    db = tmp_path / "idx" / "index.db"
    real_open = GraphStore.open

    def tiny_disk(path: Path, *, readonly: bool = False) -> GraphStore:
        store = real_open(path, readonly=readonly)
        if not readonly:  # SQLite's own SQLITE_FULL, as on a full file system
            pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
            store.conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        return store

    monkeypatch.setattr(indexer_mod.GraphStore, "open", staticmethod(tiny_disk))
    with pytest.raises(DatabaseError) as info:
        _index(root, db)
    text = str(info.value)
    assert "is full" in text and str(db) in text, text
    assert "cannot rollback" not in text


def _corrupt_middle(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(db.read_bytes())
    for p in range(pages // 3, pages // 3 + 4):  # clobber a few pages in the middle, keep the header
        data[p * page : p * page + page] = b"\xa5" * page
    db.write_bytes(bytes(data))


def test_damaged_index_found_on_request_and_after_unclean_stop_then_rebuilt(tmp_path: Path) -> None:
    root = copy_fixture("pyshop", tmp_path)
    db = tmp_path / "index.db"
    _index(root, db)
    _corrupt_middle(db)
    with pytest.raises(CorruptIndexError, match="is damaged") as info:
        _index(root, db, check=True)
    assert str(db) in str(info.value) and "rebuild=true" in str(info.value)
    with sqlite3.connect(db) as conn:  # a run that never finished
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('run_state', 'running')")
    with pytest.raises(CorruptIndexError):
        _index(root, db)  # quick_check runs by itself after an unclean stop
    report = _index(root, db, rebuild=True)
    assert report.files_added == report.files_scanned > 0
    with GraphStore.open(db, readonly=True) as store:
        assert store.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert store._meta("run_state") == "clean"


def test_damaged_run_store_names_the_file_and_the_reset(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(DatabaseError) as info:
        RunStore(path).list()
    text = str(info.value)
    assert str(path) in text and "mv " in text and "internal error" not in text
