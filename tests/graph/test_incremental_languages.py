"""Incremental re-index equals a full rebuild in every language the resolver types (Rust crates with dyn/cfg
alternatives, TypeScript, Java overloads, Go, Python): the most-called files of each fixture are edited so that
every line of theirs moves (their definitions keep their ids), or so that their imports change (no id is kept),
then the stored graph is compared with a fresh index of the same tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from semgraph.graph.store import GraphStore
from tests.graph.graphhelp import db_for, index
from tests.graph.test_incremental_exact import ids, rewrite
from tests.graphdump import graph_dump

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
COMMENT = {".py": "#", ".rs": "//", ".ts": "//", ".tsx": "//", ".js": "//", ".go": "//", ".java": "//"}
# an import the file did not have: its imports change, so no symbol keeps its id (the fallback path)
IMPORT = {
    ".py": "import os\n",
    ".rs": "use std::fmt;\n",
    ".ts": 'import * as nodefs from "fs";\n',
    ".js": 'const nodefs = require("fs");\n',
    ".go": 'import _ "fmt"\n',
    ".java": "import java.util.Objects;\n",
}


def with_import(path: Path, text: str) -> str:
    """``text`` with one more import, after the package clause where the language wants one first."""
    lines = text.splitlines(keepends=True)
    at = next((i + 1 for i, ln in enumerate(lines) if ln.startswith("package ")), 0)
    return "".join([*lines[:at], IMPORT[path.suffix], *lines[at:]])


def most_called_files(db: Path, n: int) -> list[str]:
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT f.path, COUNT(*) AS c FROM edges e JOIN symbols d ON d.id = e.dst_id JOIN files f ON "
            "f.id = d.file_id WHERE e.kind = 'calls' AND e.file_id != d.file_id GROUP BY f.path "
            "ORDER BY c DESC, f.path LIMIT ?",
            (n,),
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("fixture", ["cargo_ws", "resolution_ts", "resolution_java", "resolution_go", "resolution_py"])
@pytest.mark.parametrize("edit", ["lines_move", "imports_change"])
def test_editing_the_most_called_files_gives_the_graph_of_a_full_rebuild(
    tmp_path: Path, fixture: str, edit: str
) -> None:
    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root, ignore=shutil.ignore_patterns(".semgraph"))
    db = db_for(root)
    index(root)
    hubs = most_called_files(db, 3)
    assert hubs, f"{fixture}: no cross-file calls to edit around"
    for rel in hubs:
        path = root / rel
        mark = COMMENT[path.suffix]
        text = path.read_text(encoding="utf-8")
        before = ids(db)
        if edit == "lines_move":
            rewrite(path, f"{mark} edited: every line below moves\n\n" + text)
        else:
            rewrite(path, with_import(path, text))
        report = index(root)
        assert report.files_parsed == 1
        if edit == "lines_move":  # the same definitions: every id kept, no other file re-linked
            assert (ids(db), report.files_resolved) == (before, 1), f"{fixture}: {rel}"
        rebuilt = tmp_path / f"rebuilt-{rel.replace('/', '_')}.db"
        index(root, rebuilt)
        assert graph_dump(db) == graph_dump(rebuilt), f"{fixture}: {rel}"
