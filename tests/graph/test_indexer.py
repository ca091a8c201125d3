"""indexer: incremental by content hash, removals, renames, skips, syntax errors."""

from __future__ import annotations

import os
from pathlib import Path

from semgraph.graph.store import GraphStore
from tests.graph.graphhelp import call_edges, db_for, index, write_tree

PROJECT = {
    "app/__init__.py": "",
    "app/util.py": "def helper(x):\n    return x * 2\n\n\ndef unused():\n    pass\n",
    "app/service.py": (
        "from app.util import helper\n\n\nclass Service:\n    def run(self, x):\n        return helper(x)\n"
    ),
    "app/main.py": "from app.service import Service\n\n\ndef main():\n    return Service().run(1)\n",
}


def touch_later(path: Path, text: str) -> None:
    """Rewrite a file so that its mtime surely changes."""
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def symbols_of(db: Path) -> set[str]:
    with GraphStore.open(db, readonly=True) as store:
        return {s.qualified_name for s in store.symbols()}


def test_cold_then_unchanged_parses_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", PROJECT)
    first = index(root)
    assert (first.files_scanned, first.files_parsed, first.files_added, first.files_unchanged) == (4, 4, 4, 0)
    assert first.generation == 1
    assert first.languages["python"].files == 4
    assert first.languages["python"].symbols == 9  # 4 modules, helper, unused, Service, run, main
    again = index(root)
    assert (again.files_parsed, again.files_unchanged, again.files_removed) == (0, 4, 0)
    assert again.generation == 1  # nothing changed: same generation


def test_touched_but_identical_file_is_not_reparsed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", PROJECT)
    index(root)
    touch_later(root / "app/util.py", PROJECT["app/util.py"])
    report = index(root)
    assert (report.files_parsed, report.files_unchanged) == (0, 4)


def test_editing_one_file_reparses_only_it_and_relinks_callers(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", PROJECT)
    db = db_for(root)
    index(root)
    before = call_edges(db)
    assert ("app.service.Service.run", "helper", "import", 1, "app.util.helper") in before
    with GraphStore.open(db, readonly=True) as store:
        untouched = {(e.id, e.target, e.dst_id) for e in store.edges(kind="calls") if e.target != "helper"}
        helper_id = store.find_symbols("app.util.helper")[0].id
    touch_later(root / "app/util.py", "# moved down\n\n\ndef helper(x):\n    return x * 3\n")
    report = index(root)
    assert (report.files_parsed, report.files_changed, report.files_unchanged) == (1, 1, 3)
    assert report.generation == 2
    # only util.py: `helper` is defined as before, so it keeps its id and service.py's edge into it stays valid;
    # `unused` went away, but no other file names it
    assert report.files_resolved == 1
    with GraphStore.open(db, readonly=True) as store:  # edges that did not point into util.py were kept as they were
        assert {(e.id, e.target, e.dst_id) for e in store.edges(kind="calls") if e.target != "helper"} == untouched
    # the caller in an unchanged file points at the new helper symbol
    after = call_edges(db)
    assert ("app.service.Service.run", "helper", "import", 1, "app.util.helper") in after
    assert "app.util.unused" not in symbols_of(db)
    with GraphStore.open(db, readonly=True) as store:
        helper = store.find_symbols("app.util.helper")[0]
        assert (helper.id, helper.start_line) == (helper_id, 4)
        assert [e.src_id for e in store.edges(kind="calls", dst=helper.id)] == [
            store.find_symbols("app.service.Service.run")[0].id
        ]


def test_deleting_a_file_removes_its_symbols_and_edges(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", PROJECT)
    db = db_for(root)
    index(root)
    (root / "app/util.py").unlink()
    report = index(root)
    assert (report.files_removed, report.files_parsed) == (1, 0)
    assert not any(q.startswith("app.util") for q in symbols_of(db))
    # the call from service.run is kept with its text, now unresolved
    assert ("app.service.Service.run", "helper", "unresolved", 0, None) in call_edges(db)
    with GraphStore.open(db, readonly=True) as store:
        assert store.file("app/util.py") is None
        ids = {s.id for s in store.symbols()}
        dangling = [e for e in store.edges() if e.src_id not in ids or (e.dst_id is not None and e.dst_id not in ids)]
        assert dangling == []
        assert store.conn.execute("SELECT count(*) FROM symbols_fts").fetchone()[0] == len(ids)


def test_renaming_a_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", PROJECT)
    db = db_for(root)
    index(root)
    (root / "app/util.py").rename(root / "app/tools.py")
    touch_later(root / "app/service.py", PROJECT["app/service.py"].replace("app.util", "app.tools"))
    report = index(root)
    assert (report.files_removed, report.files_added, report.files_changed) == (1, 1, 1)
    assert "app.tools.helper" in symbols_of(db)
    assert not any(q.startswith("app.util") for q in symbols_of(db))
    assert ("app.service.Service.run", "helper", "import", 1, "app.tools.helper") in call_edges(db)


def test_skips_and_syntax_errors_are_reported(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "p",
        {
            "ok.py": "def fine():\n    return 1\n",
            "broken.py": "def good():\n    return 1\n\n\ndef bad(:\n    pass\n",
            "blob.py": b"\x00\x01\x02binary",
            "latin.py": "def caf\xe9():\n    return 'x'\n".encode("latin-1"),
            "huge.py": "x = 1\n" * 200_000,
        },
    )
    report = index(root)
    assert report.skipped == {"binary": 1, "too_large": 1}
    assert report.files_parsed == 3
    assert report.parse_error_total >= 2
    assert any(e.startswith("broken.py:5:") for e in report.parse_errors), report.parse_errors
    assert any(e.startswith("latin.py:1:8: not valid UTF-8") for e in report.parse_errors), report.parse_errors
    names = symbols_of(db_for(root))
    assert {"ok.fine", "broken.good"} <= names  # the intact parts of a broken file are kept


def test_changing_the_root_rebuilds(tmp_path: Path) -> None:
    a = write_tree(tmp_path / "a", {"x.py": "def fa():\n    pass\n"})
    b = write_tree(tmp_path / "b", {"y.py": "def fb():\n    pass\n"})
    db = tmp_path / "shared.db"
    index(a, db)
    report = index(b, db)
    assert report.files_added == 1
    assert symbols_of(db) == {"y", "y.fb"}


def test_pool_parsing_gives_the_same_graph(tmp_path: Path) -> None:
    files = {
        f"pkg/m{i}.py": f"from pkg.m{(i + 1) % 200} import f{(i + 1) % 200}\n\n\ndef f{i}():\n    return f{(i + 1) % 200}()\n"
        for i in range(200)
    }
    files["pkg/__init__.py"] = ""
    root = write_tree(tmp_path / "p", files)
    report = index(root, workers=2)
    assert report.files_parsed == 201
    edges = call_edges(db_for(root))
    assert len(edges) == 200
    assert ("pkg.m7.f7", "f8", "import", 1, "pkg.m8.f8") in edges


def test_adding_a_file_links_calls_that_were_unresolved(tmp_path: Path) -> None:
    files = {k: v for k, v in PROJECT.items() if k != "app/util.py"}
    root = write_tree(tmp_path / "p", files)
    db = db_for(root)
    index(root)
    assert ("app.service.Service.run", "helper", "unresolved", 0, None) in call_edges(db)
    write_tree(root, {"app/util.py": PROJECT["app/util.py"]})
    report = index(root)
    assert (report.files_added, report.files_parsed) == (1, 1)
    assert report.files_resolved == 2  # the new file and the one whose call it answers
    assert ("app.service.Service.run", "helper", "import", 1, "app.util.helper") in call_edges(db)


def test_concurrent_runs_on_one_index_do_not_corrupt_it(tmp_path: Path) -> None:
    """Two writers (e.g. the CLI while a server indexes): SQLite serialises them, the second sees the first."""
    import threading

    root = write_tree(tmp_path / "p", PROJECT)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(index(root))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r.files_parsed, r.files_unchanged) for r in reports) == [(0, 4), (4, 0)]
    with GraphStore.open(db_for(root), readonly=True) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.counts() == {"files": 4, "symbols": 9, "edges": len(store.edges())}
        assert store.generation() == 1


def test_cold_build_restores_settings_and_links_like_a_warm_run(tmp_path: Path) -> None:
    """A cold build (over 150 files) runs without fsync, with a big cache and with the resolver fed from the rows
    it just stored; afterwards the connection is back to normal settings, the GC is back on, and the edges are
    the ones a re-resolution from the database gives."""
    import gc

    from semgraph.graph.indexer import IN_PROCESS_FILES, Indexer
    from semgraph.paths import PathGuard

    files = {f"pkg/m{i:03d}.py": f"from pkg.m{(i + 1) % 160:03d} import f{(i + 1) % 160}\n\n\ndef f{i}():\n"
             f"    return f{(i + 1) % 160}()\n" for i in range(160)}  # fmt: skip
    files["pkg/__init__.py"] = ""
    root = write_tree(tmp_path / "p", files)
    assert len(files) > IN_PROCESS_FILES
    db = db_for(root)
    with GraphStore.open(db) as store:
        report = Indexer(store, root, PathGuard([root])).run(workers=1)
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == -32000
    assert gc.isenabled()
    assert (report.files_parsed, report.resolution) == (161, {"import": 160})
    cold = call_edges(db)
    assert ("pkg.m007.f7", "f8", "import", 1, "pkg.m008.f8") in cold and len(cold) == 160
    # the same project indexed warm: one file first, then the rest resolved against symbols read from the db
    warm_root = write_tree(tmp_path / "w", {"pkg/__init__.py": ""})
    index(warm_root)
    write_tree(warm_root, files)
    index(warm_root)
    assert call_edges(db_for(warm_root)) == cold
