"""Incremental re-index of a hub module: definitions that did not change keep their symbol ids, only the sites
that name what came or went are resolved again, and the stored graph equals a full rebuild of the same tree."""

from __future__ import annotations

import os
from pathlib import Path

from semgraph.graph.store import GraphStore
from tests.graph.graphhelp import db_for, index, write_tree
from tests.graphdump import graph_dump

HUB = (
    "from app.models import A, B\n\n\n"
    "class Repo:\n"
    "    def save(self, x):\n"
    "        return x\n\n"
    "    def load(self, key):\n"
    "        return key\n\n\n"
    "def make() -> A:\n"
    "    return A()\n\n\n"
    "def helper(v):\n"
    "    return v\n"
)

PROJECT = {
    "app/__init__.py": "",
    "app/models.py": (
        "class A:\n    def run(self):\n        return 1\n\n\nclass B:\n    def run(self):\n        return 2\n"
    ),
    "app/hub.py": HUB,
    **{
        f"app/user{i}.py": (
            "from app import hub\nfrom app.hub import Repo, helper, make\n\n\n"
            f"def use{i}():\n"
            "    r = Repo()\n"
            "    r.save(1)\n"
            "    helper(2)\n"
            "    x = make()\n"
            "    x.run()\n"
            "    return hub.extra()\n"
        )
        for i in range(6)
    },
}


def rewrite(path: Path, text: str) -> None:
    """Rewrite a file so that its mtime surely changes."""
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def ids(db: Path) -> dict[str, int]:
    with GraphStore.open(db, readonly=True) as store:
        return {r[0]: r[1] for r in store.conn.execute("SELECT qualified_name, id FROM symbols")}


def typed_run_target(db: Path) -> set[str]:
    with GraphStore.open(db, readonly=True) as store:
        return {
            r[0]
            for r in store.conn.execute(
                "SELECT d.qualified_name FROM edges e JOIN symbols d ON d.id = e.dst_id "
                "WHERE e.kind = 'calls' AND e.target = 'x.run'"
            )
        }


def edit_then_compare(tmp_path: Path, new_hub: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """Index, edit the hub, re-index; assert the graph equals a fresh full index; (files re-linked, ids before,
    ids after)."""
    root = write_tree(tmp_path / "p", PROJECT)
    db = db_for(root)
    index(root)
    before = ids(db)
    rewrite(root / "app/hub.py", new_hub)
    report = index(root)
    assert report.files_parsed == 1
    rebuilt = tmp_path / "rebuilt.db"
    index(root, rebuilt)
    assert graph_dump(db) == graph_dump(rebuilt)
    return report.files_resolved, before, ids(db)


def test_editing_a_method_body_relinks_only_the_hub_and_keeps_every_id(tmp_path: Path) -> None:
    body = HUB.replace("        return x\n", "        y = x * 2\n        print(y)\n        return y\n")
    relinked, before, after = edit_then_compare(tmp_path, body)
    assert relinked == 1  # six files call into the hub; none of their links can have changed
    assert after == before


def test_adding_a_function_relinks_the_files_that_name_it(tmp_path: Path) -> None:
    root_hub = HUB + "\n\ndef extra():\n    return 3\n"
    relinked, before, after = edit_then_compare(tmp_path, root_hub)
    assert relinked == 7  # the hub and the six files whose `hub.extra()` was unresolved
    assert {k: v for k, v in after.items() if k != "app.hub.extra"} == before
    assert "app.hub.extra" in after


def test_a_changed_return_type_moves_the_typed_calls_of_other_files(tmp_path: Path) -> None:
    relinked, before, after = edit_then_compare(tmp_path, HUB.replace("def make() -> A:", "def make() -> B:"))
    assert relinked == 7
    assert after == before  # `make` is the same definition with another signature: it keeps its id too
    assert typed_run_target(db_for(tmp_path / "p")) == {"app.models.B.run"}


def test_a_removed_method_breaks_its_callers_as_before(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", PROJECT)
    db = db_for(root)
    index(root)
    rewrite(root / "app/hub.py", HUB.replace("    def save(self, x):\n        return x\n\n", ""))
    report = index(root)
    assert report.files_resolved == 7
    with GraphStore.open(db, readonly=True) as store:
        broken = store.conn.execute(
            "SELECT count(*) FROM edges WHERE target = 'r.save' AND dst_id IS NULL "
            "AND json_extract(meta, '$.broken') LIKE 'app.hub.Repo.save (app/hub.py:%'"
        ).fetchone()[0]
    assert broken == 6


def test_changed_imports_fall_back_to_relinking_every_importer(tmp_path: Path) -> None:
    changed = HUB.replace("from app.models import A, B\n", "from app.models import A, B\nimport os\n")
    relinked, before, after = edit_then_compare(tmp_path, changed)
    assert relinked == 7  # the hub's own imports feed re-exports: every file linked into it is redone
    assert set(after) == set(before)


GLOB = {
    "pkg/__init__.py": "from pkg.fields import *\n",
    "pkg/fields.py": "class Field:\n    def clean(self):\n        return 1\n",
    "app/__init__.py": "",
    "app/query.py": "from pkg import Field\n\n\ndef make():\n    return Field()\n",
}


def test_a_name_re_exported_through_a_glob_import_resolves_as_in_a_full_index(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", GLOB)
    db = db_for(root)
    index(root)
    rewrite(root / "app/query.py", GLOB["app/query.py"] + "\n\ndef more():\n    return make()\n")
    assert index(root).files_parsed == 1  # app/query.py alone; pkg/__init__.py is read from the store
    rebuilt = tmp_path / "rebuilt.db"
    index(root, rebuilt)
    assert graph_dump(db) == graph_dump(rebuilt)
    with GraphStore.open(db, readonly=True) as store:
        dst = store.conn.execute(
            "SELECT d.qualified_name FROM edges e JOIN symbols d ON d.id = e.dst_id "
            "WHERE e.kind = 'imports' AND e.name = 'Field'"
        ).fetchall()
    assert dst == [("pkg.fields.Field",)]


def test_a_changed_signature_keeps_name_matched_callers_linked_as_a_full_index_does(tmp_path: Path) -> None:
    files = {
        "lib/__init__.py": "",
        "lib/tools.py": "class Tool:\n    def frobnicate(self, a):\n        return a\n",
        "app/__init__.py": "",
        "app/use.py": "def run(obj):\n    return obj.frobnicate(1)\n",  # no import: a name match
    }
    root = write_tree(tmp_path / "p", files)
    db = db_for(root)
    index(root)
    with GraphStore.open(db, readonly=True) as store:
        (res,) = store.conn.execute("SELECT resolution FROM edges WHERE target = 'obj.frobnicate'").fetchone()
    assert res == "name_match"
    rewrite(root / "lib/tools.py", "class Tool:\n    def frobnicate(self, a, b=2):\n        return a + b\n")
    assert index(root).files_resolved == 2  # lib/tools.py and the file that names frobnicate
    rebuilt = tmp_path / "rebuilt.db"
    index(root, rebuilt)
    assert graph_dump(db) == graph_dump(rebuilt)  # still a name match, not a call broken by the edit


def test_many_changed_names_take_the_single_pass_and_give_the_same_graph(tmp_path: Path, monkeypatch) -> None:
    from semgraph.graph import indexer

    monkeypatch.setattr(indexer, "SCAN_WORDS", 0)  # every re-index takes the one-pass search for sites
    relinked, _, _ = edit_then_compare(tmp_path, HUB.replace("def make() -> A:", "def make() -> B:"))
    assert relinked == 7
    assert typed_run_target(db_for(tmp_path / "p")) == {"app.models.B.run"}
    relinked, _, _ = edit_then_compare(tmp_path / "again", HUB + "\n\ndef extra():\n    return 3\n")
    assert relinked == 7
