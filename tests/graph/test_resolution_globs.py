"""Star-import re-export chains (networkx's ``from networkx.generators import *`` whose ``__init__`` does
``from .random_graphs import *``) and calls on module-level instances (Django's ``apps = Apps()``), on a cold
index and after an incremental re-index."""

from __future__ import annotations

import os
from pathlib import Path

from tests.graph.graphhelp import call_edges, db_for, index, write_tree
from tests.graphdump import graph_dump

CHAIN = {
    "pkg/__init__.py": "from pkg.sub import *\nfrom pkg import tools\n",
    "pkg/tools/__init__.py": "from pkg.tools.misc import *\n",
    "pkg/tools/misc.py": "def groups():\n    return 7\n",
    "pkg/sub/__init__.py": "from pkg.sub.leaf import *\nfrom pkg import *\n",  # a cycle back to the top
    "pkg/sub/leaf.py": (
        '__all__ = ["make", "helper"]\n\nfrom pkg.util import helper\n\n\n'
        "def make():\n    return 1\n\n\ndef unlisted():\n    return 2\n"
    ),
    "pkg/util.py": "def helper():\n    return 3\n",
    "pkg/open.py": "def public():\n    return 4\n\n\ndef _private():\n    return 5\n",
    "pkg/mid.py": "from pkg.open import *\n",
    "app/__init__.py": "",
    "app/use.py": (
        "import pkg as p\nimport pkg.mid as m\nfrom pkg import make\n\n\n"
        "def by_attr():\n    return p.make()\n\n\n"
        "def by_name():\n    return make()\n\n\n"
        "def listed_import():\n    return p.helper()\n\n\n"
        "def not_listed():\n    return p.unlisted()\n\n\n"
        "def public_names():\n    return m.public()\n\n\n"
        "def private_names():\n    return m._private()\n\n\n"
        "def subpackage():\n    return p.tools.groups()\n"
    ),
    "app/star.py": "from pkg import *\n\n\ndef bare():\n    return make()\n",
}

INSTANCE = {
    "apps/__init__.py": "from .registry import apps\n",  # the package is named as what it re-exports, as django.apps
    "apps/registry.py": (
        "class Apps:\n    def get_app_config(self, label):\n        return label\n\n\n"
        "apps = Apps()\n\n\ndef here():\n    return apps.get_app_config('b')\n"
    ),
    "apps/other.py": "class Other:\n    def get_app_config(self, label):\n        return label\n",
    "app/__init__.py": "",
    "app/x.py": "from apps import apps\n\n\ndef f():\n    return apps.get_app_config('a')\n",
}


def edges(db: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(caller, call text) → (resolution, callee qualified name)."""
    return {(e[0], e[1]): (e[2], e[4]) for e in call_edges(db)}


def test_a_two_level_glob_chain_resolves_honouring_all_and_public_names(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", CHAIN)
    index(root)
    got = edges(db_for(root))
    assert got[("app.use.by_attr", "p.make")] == ("import", "pkg.sub.leaf.make")
    assert got[("app.use.by_name", "make")] == ("import", "pkg.sub.leaf.make")
    assert got[("app.star.bare", "make")] == ("import", "pkg.sub.leaf.make")
    assert got[("app.use.listed_import", "p.helper")] == ("import", "pkg.util.helper")  # listed, imported
    assert got[("app.use.not_listed", "p.unlisted")][0] != "import"  # not in leaf's `__all__`
    assert got[("app.use.public_names", "m.public")] == ("import", "pkg.open.public")
    assert got[("app.use.private_names", "m._private")][0] != "import"  # `_private` is not star-exported
    assert got[("app.use.subpackage", "p.tools.groups")] == ("import", "pkg.tools.misc.groups")  # `nx.utils.groups`


def test_a_module_level_instance_types_its_method_calls(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "i", INSTANCE)
    index(root)
    got = edges(db_for(root))
    assert got[("app.x.f", "apps.get_app_config")] == ("typed", "apps.registry.Apps.get_app_config")
    assert got[("apps.registry.here", "apps.get_app_config")] == ("typed", "apps.registry.Apps.get_app_config")


def rewrite(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_editing_a_glob_chain_gives_the_graph_of_a_full_rebuild(tmp_path: Path) -> None:
    files = {**CHAIN, "app/late.py": "import pkg\n\n\ndef late():\n    return pkg.fresh()\n"}
    root = write_tree(tmp_path / "p", files)
    db = db_for(root)
    index(root)
    assert edges(db)[("app.late.late", "pkg.fresh")][1] is None
    # the leaf gains a listed function: the caller two glob hops away now reaches it
    leaf = files["pkg/sub/leaf.py"].replace('"helper"]', '"helper", "fresh"]') + "\n\ndef fresh():\n    return 6\n"
    rewrite(root / "pkg/sub/leaf.py", leaf)
    index(root)
    rebuilt = tmp_path / "rebuilt.db"
    index(root, rebuilt)
    assert graph_dump(db) == graph_dump(rebuilt)
    assert edges(db)[("app.late.late", "pkg.fresh")] == ("import", "pkg.sub.leaf.fresh")
    # the middle link goes away: nothing reaches the leaf through pkg any more
    rewrite(root / "pkg/sub/__init__.py", "from pkg import *\n")
    index(root)
    rebuilt2 = tmp_path / "rebuilt2.db"
    index(root, rebuilt2)
    assert graph_dump(db) == graph_dump(rebuilt2)
    assert edges(db)[("app.use.by_attr", "p.make")][0] != "import"
    # and back, with `make` dropped from the leaf's `__all__`: imports unchanged, what the glob binds is not
    rewrite(root / "pkg/sub/__init__.py", CHAIN["pkg/sub/__init__.py"])
    rewrite(root / "pkg/sub/leaf.py", leaf.replace('"make", ', ""))
    index(root)
    rebuilt3 = tmp_path / "rebuilt3.db"
    index(root, rebuilt3)
    assert graph_dump(db) == graph_dump(rebuilt3)
    assert edges(db)[("app.use.by_attr", "p.make")][0] != "import"
    assert edges(db)[("app.late.late", "pkg.fresh")] == ("import", "pkg.sub.leaf.fresh")


def test_re_pointing_a_module_level_instance_retypes_its_callers_as_a_full_rebuild(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "i", INSTANCE)
    db = db_for(root)
    index(root)
    made_other = "from apps.other import Other\n\napps = Other()"  # the registry's imports change too
    rewrite(root / "apps/registry.py", INSTANCE["apps/registry.py"].replace("apps = Apps()", made_other))
    index(root)
    assert edges(db)[("app.x.f", "apps.get_app_config")] == ("typed", "apps.other.Other.get_app_config")
    rewrite(root / "apps/registry.py", INSTANCE["apps/registry.py"].replace("apps = Apps()", "apps = Apps(1)"))
    index(root)
    rebuilt = tmp_path / "rebuilt.db"
    index(root, rebuilt)
    assert graph_dump(db) == graph_dump(rebuilt)
    assert edges(db)[("app.x.f", "apps.get_app_config")] == ("typed", "apps.registry.Apps.get_app_config")
