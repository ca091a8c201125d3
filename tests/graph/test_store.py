"""store: schema versioning, read API, FTS words, derived edges."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semgraph.errors import DatabaseError, NotFoundError, PathAccessError
from semgraph.graph import schema
from semgraph.graph import store as store_mod
from semgraph.graph.store import GraphStore, NewEdge, words
from semgraph.graph.views import call_graph, import_graph
from tests.graph.graphhelp import db_for, index, write_tree

FILES = {
    "app/__init__.py": "",
    "app/repo.py": (
        'class UserRepository:\n    """Stores users."""\n\n    def find_by_email(self, email):\n        return email\n'
    ),
    "app/service.py": (
        "from app.repo import UserRepository\n\n\n"
        "class UserService:\n"
        "    def register(self, email):\n"
        "        return UserRepository().find_by_email(email)\n"
    ),
}


@pytest.fixture
def store(tmp_path: Path):
    root = write_tree(tmp_path / "p", FILES)
    index(root)
    with GraphStore.open(db_for(root), readonly=True) as s:
        yield s


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aB_9.:/ <>()-", max_size=24))
def test_words_cut_at_the_last_separator_equals_the_whole_split(text: str) -> None:
    """``words`` caches the two halves of a qualified name: it must give what splitting the whole text gives."""
    whole = " ".join(filter(None, map(store_mod._segment_words, store_mod._SEGMENTS.split(text))))
    assert words(text) == whole


def test_words_split_snake_and_camel_case() -> None:
    assert words("UserRepository.find_by_email") == "UserRepository User Repository find by email find_by_email"
    assert words("HTTPServer") == "HTTPServer HTTP Server"
    assert words("crate::db::find_user") == "crate db find user find_user"


def test_schema_version_and_wal(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    with GraphStore.open(db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.generation() == 0
        assert s.root is None
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer than this semgraph"):
        GraphStore.open(db)


def test_readonly_before_any_index(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no index yet: call index_repository first"):
        GraphStore.open(tmp_path / "missing.db", readonly=True)


def test_read_api(store: GraphStore) -> None:
    assert [f.path for f in store.files()] == ["app/__init__.py", "app/repo.py", "app/service.py"]
    repo_file = store.file("app/repo.py")
    assert repo_file is not None and repo_file.module == "app.repo" and repo_file.language == "python"
    assert repo_file.loc == 4  # non-blank lines
    classes = store.symbols(kind="class")
    assert [c.qualified_name for c in classes] == ["app.repo.UserRepository", "app.service.UserService"]
    cls = classes[0]
    assert (cls.path, cls.start_line, cls.end_line, cls.doc) == ("app/repo.py", 1, 5, "Stores users.")
    method = store.find_symbols("UserRepository.find_by_email")  # suffix of a qualified name
    assert [m.qualified_name for m in method] == ["app.repo.UserRepository.find_by_email"]
    assert method[0].parent_id == cls.id and method[0].metrics["params"] == 1
    assert store.find_symbols("app.repo.UserRepository")[0].id == cls.id  # exact qualified name
    assert store.find_symbols("find_by_email")[0].id == method[0].id  # exact name
    assert store.symbol(method[0].id) == method[0]
    calls = store.edges(kind="calls", dst=method[0].id)
    assert [(e.target, e.resolution) for e in calls] == [("UserRepository().find_by_email", "import")]
    contains = store.edges(kind="contains", src=cls.id)
    assert [e.dst_id for e in contains] == [method[0].id]
    assert store.read_source("app/repo.py").startswith(b"class UserRepository")


def test_derived_edges_are_replaced_and_dropped_with_their_symbols(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", FILES)
    db = db_for(root)
    index(root)
    with GraphStore.open(db) as s:
        repo = s.find_symbols("app.repo.UserRepository.find_by_email")[0]
        service = s.find_symbols("app.service.UserService.register")[0]
        gen = s.generation()
        n = s.replace_derived_edges(
            "analysis:crosslang", [NewEdge("cross_language", service.id, repo.id, target="http", meta={"via": "x"})]
        )
        assert n == 1 and s.generation() == gen + 1
        (edge,) = s.edges(kind="cross_language")
        assert (edge.src_id, edge.dst_id, edge.origin, edge.meta, edge.file_id) == (
            service.id, repo.id, "analysis:crosslang", {"via": "x"}, service.file_id,
        )  # fmt: skip
        graph = call_graph(s)
        assert graph.has_edge(service.id, repo.id)
        assert {d["kind"] for _, _, d in graph.edges(data=True)} == {"calls", "cross_language"}
        assert s.replace_derived_edges("analysis:crosslang", []) == 0
        assert s.edges(kind="cross_language") == []
        s.replace_derived_edges("analysis:crosslang", [NewEdge("cross_language", service.id, repo.id)])
    (root / "app/repo.py").write_text("X = 1\n")
    index(root)
    with GraphStore.open(db, readonly=True) as s:
        assert s.edges(kind="cross_language") == []


def test_views_are_cached_per_generation(store: GraphStore) -> None:
    g1 = call_graph(store)
    assert call_graph(store) is g1
    service = store.find_symbols("app.service.UserService.register")[0]
    method = store.find_symbols("app.repo.UserRepository.find_by_email")[0]
    assert g1.nodes[service.id]["qualified_name"] == "app.service.UserService.register"
    edge = next(iter(g1.get_edge_data(service.id, method.id).values()))
    assert (edge["kind"], edge["resolution"], edge["line"]) == ("calls", "import", 6)
    imports = import_graph(store)
    assert list(imports.edges) == [("app.service", "app.repo")]


def test_read_source_stays_inside_the_indexed_root(store: GraphStore) -> None:
    with pytest.raises(PathAccessError, match="resolves outside the allowed roots"):
        store.read_source("../outside.py")
    with pytest.raises(PathAccessError):
        store.read_source("/etc/passwd")
    with pytest.raises(NotFoundError, match=r"'app/gone\.py' does not exist"):
        store.read_source("app/gone.py")


def test_an_older_index_is_migrated_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(schema.MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    conn.execute("INSERT INTO meta(key, value) VALUES ('note', 'kept')")
    conn.commit()
    conn.close()
    with GraphStore.open(db) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST == 4
        indexes = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'edges'")}
        assert indexes == {"edges", "edges_src", "edges_dst", "edges_file", "edges_name", "edges_typed"}
        assert s._meta("note") == "kept"


def test_rust_files_of_an_older_index_are_parsed_again(tmp_path: Path) -> None:
    # version 2 stored Rust names as `crate::…`; version 3 names carry the crate, so those files must be redone
    db = tmp_path / "v2.db"
    conn = sqlite3.connect(db)
    conn.executescript(schema.MIGRATIONS[0] + schema.MIGRATIONS[1] + "\nPRAGMA user_version = 2;")
    row = "INSERT INTO files(path, language, module, hash, size, loc, mtime_ns, generation) VALUES (?,?,?,?,?,?,?,?)"
    conn.execute(row, ("src/db.rs", "rust", "crate::db", "abc", 10, 1, 123, 1))
    conn.execute(row, ("app/db.py", "python", "app.db", "def", 10, 1, 456, 1))
    conn.commit()
    conn.close()
    with GraphStore.open(db) as s:
        rows = s.conn.execute("SELECT path, hash, mtime_ns FROM files ORDER BY path").fetchall()
    assert rows == [("app/db.py", "def", 456), ("src/db.rs", "", 0)]
