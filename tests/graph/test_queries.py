"""queries: search ranking, get_symbol, call graphs, impact from symbols, files and diffs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError, NotFoundError
from semgraph.graph import queries_api as q
from semgraph.graph.impact import impact, parse_unified_diff
from semgraph.graph.store import GraphStore
from tests.graph.graphhelp import db_for, index
from tests.support import copy_fixture


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_fixture("pyshop", tmp_path_factory.mktemp("q"))
    index(root)
    return root


@pytest.fixture
def store(shop: Path):
    with GraphStore.open(db_for(shop), readonly=True) as s:
        yield s


def names(hits) -> list[str]:
    return [h.qualified_name for h in hits]


def test_search_ranks_exact_names_first(store: GraphStore) -> None:
    res = q.search(store, "register")
    assert res.exact == 2
    assert names(res.hits)[:2] == ["pyshop.routes.users.register", "pyshop.services.users.UserService.register"]
    res = q.search(store, "user repo")
    assert names(res.hits)[0] == "pyshop.repositories.users.UserRepository"
    res = q.search(store, "UserRepository", kind="method")
    assert sorted(names(res.hits)) == [
        "pyshop.repositories.users.UserRepository.create",
        "pyshop.repositories.users.UserRepository.exists",
        "pyshop.repositories.users.UserRepository.find_by_email",
    ]
    page = q.search(store, "user repo", limit=2, offset=1)
    assert len(page.hits) == 2 and page.total == q.search(store, "user repo").total
    with pytest.raises(InvalidInputError, match="unknown kind"):
        q.search(store, "x", kind="spaceship")
    with pytest.raises(InvalidInputError, match="no searchable words"):
        q.search(store, "!!!")


def test_get_symbol(store: GraphStore) -> None:
    d = q.get_symbol(store, "UserService.register")
    assert d.symbol.qualified_name == "pyshop.services.users.UserService.register"
    assert d.parent is not None and d.parent.qualified_name == "pyshop.services.users.UserService"
    assert (d.callers, d.callees, d.unresolved_callees) == (1, 6, 0)
    assert d.snippet.splitlines()[0] == "    def register(self, email: str, password: str):"
    assert d.snippet.splitlines()[-1] == "        return user"
    assert q.get_symbol(store, d.symbol.id).symbol == d.symbol
    cls = q.get_symbol(store, "pyshop.services.users.UserService")
    assert [c.name for c in cls.children] == ["__init__", "register", "validate", "login"]
    with pytest.raises(InvalidInputError, match="ambiguous: 2 matches"):
        q.get_symbol(store, "register")
    with pytest.raises(NotFoundError, match="unknown symbol 'no_such_thing'"):
        q.get_symbol(store, "no_such_thing")
    with pytest.raises(NotFoundError, match="no symbol with id 999999"):
        q.get_symbol(store, "999999")
    short = q.get_symbol(store, "OrderService.checkout", max_lines=3)
    assert short.snippet_truncated and short.snippet.endswith("[truncated: 19 lines in all]")


def test_call_graph_callers_and_callees(store: GraphStore) -> None:
    g = q.call_graph(store, "hash_password", direction="callers", depth=3, with_mermaid=True)
    assert [(n.qualified_name, n.depth) for n in g.nodes] == [
        ("pyshop.services.security.hash_password", 0),
        ("pyshop.services.users.UserService.register", 1),
        ("pyshop.routes.users.register", 2),
    ]
    assert [(e.target, e.resolution) for e in g.edges] == [
        ("hash_password", "import"),
        ("UserService().register", "import"),
    ]
    assert not g.truncated
    assert g.mermaid.splitlines() == [
        "flowchart LR",
        f'  n{g.nodes[0].id}(["security.hash_password"])',
        f'  n{g.nodes[1].id}["UserService.register"]',
        f'  n{g.nodes[2].id}["users.register"]',
        f"  n{g.nodes[1].id} --> n{g.nodes[0].id}",
        f"  n{g.nodes[2].id} --> n{g.nodes[1].id}",
    ]
    down = q.call_graph(store, "pyshop.routes.orders.checkout", direction="callees", depth=1)
    assert [n.qualified_name for n in down.nodes[1:]] == [
        "pyshop.db.session_scope",
        "pyshop.routes.orders.make_gateway",
        "pyshop.services.orders.OrderService",
        "pyshop.services.orders.OrderService.checkout",
    ]
    assert down.unresolved == ["request.get_json", "jsonify", "str"]
    capped = q.call_graph(store, "pyshop.routes.orders.checkout", direction="callees", depth=3, max_nodes=3)
    assert capped.truncated and len(capped.nodes) == 3
    with pytest.raises(InvalidInputError, match="unknown direction"):
        q.call_graph(store, "hash_password", direction="sideways")


def test_call_graph_extras_only_on_request(store: GraphStore) -> None:
    """No flowchart and no source unless asked for; asked for, the same graph with them."""
    lean = q.call_graph(store, "hash_password", direction="callers", depth=3)
    assert lean.mermaid is None and all(n.snippet is None for n in lean.nodes)
    rich = q.call_graph(store, "hash_password", direction="callers", depth=3, with_mermaid=True, snippet_lines=1)
    assert rich.mermaid is not None and rich.mermaid.startswith("flowchart LR")
    assert [n.snippet for n in rich.nodes] == [
        "def hash_password(password: str) -> str:\n…",
        "    def register(self, email: str, password: str):\n…",
        "def register():\n…",
    ]
    assert [(n.id, n.depth) for n in rich.nodes] == [(n.id, n.depth) for n in lean.nodes]
    assert rich.edges == lean.edges
    whole = q.call_graph(store, "hash_password", snippet_lines=30)  # a 3-line function: all of it, no mark
    assert whole.root.snippet is not None and whole.root.snippet.count("\n") == 2
    assert not whole.root.snippet.endswith("…")


def test_call_graph_of_a_class_includes_its_methods(store: GraphStore) -> None:
    g = q.call_graph(store, "pyshop.services.users.UserService", direction="callers", depth=1, with_mermaid=True)
    assert [(n.qualified_name, n.depth) for n in g.nodes] == [
        ("pyshop.services.users.UserService", 0),
        ("pyshop.services.users.UserService.__init__", 0),
        ("pyshop.services.users.UserService.register", 0),
        ("pyshop.services.users.UserService.validate", 0),
        ("pyshop.services.users.UserService.login", 0),
        ("pyshop.routes.users.register", 1),  # same depth: in index (source) order
        ("pyshop.routes.users.login", 1),
        ("tests.test_users.test_register_rejects_short_password", 1),
        ("tests.test_users.test_register_rejects_bad_email", 1),
    ]
    assert g.notes == ["class UserService: its 4 member function(s) are included at depth 0"]
    assert sum(1 for e in g.edges if e.kind == "contains") == 4
    assert f"  n{g.root.id} --- n{g.nodes[1].id}" in g.mermaid.splitlines()


def test_mermaid_labels_are_escaped() -> None:
    assert q.mermaid_label('a<"b">&c') == "a#lt;#quot;b#quot;#gt;#amp;c"


def test_impact_of_a_symbol_and_a_file(store: GraphStore) -> None:
    res = impact(store, symbol="hash_password")
    assert [(f.path, f.distance, [s.qualified_name for s in f.symbols]) for f in res.files] == [
        ("pyshop/services/users.py", 1, ["pyshop.services.users", "pyshop.services.users.UserService.register"]),
        ("pyshop/routes/users.py", 2, ["pyshop.routes.users.register"]),
    ]
    assert res.files[0].symbols[1].via == "calls:import"
    by_file = impact(store, file="pyshop/services/payments.py", max_depth=1)
    assert [(f.path, [(s.qualified_name, s.via, s.certain) for s in f.symbols]) for f in by_file.files] == [
        (
            "pyshop/routes/orders.py",
            [
                ("pyshop.routes.orders", "imports:import", True),
                ("pyshop.routes.orders.make_gateway", "calls:import", True),
            ],
        ),
        (
            "pyshop/services/orders.py",
            [
                ("pyshop.services.orders", "imports:import", True),
                ("pyshop.services.orders.OrderService.checkout", "calls:typed", True),  # self.x = Type(...)
            ],
        ),
    ]
    with pytest.raises(InvalidInputError, match="exactly one"):
        impact(store, symbol="x", file="y")


DIFF = """\
diff --git a/pyshop/services/security.py b/pyshop/services/security.py
--- a/pyshop/services/security.py
+++ b/pyshop/services/security.py
@@ -16,1 +16,2 @@ def hash_password(password: str) -> str:
-    return bcrypt.checkpw(password.encode(), password_hash.encode())
+    ok = bcrypt.checkpw(password.encode(), password_hash.encode())
+    return ok
diff --git a/docs/new.md b/docs/new.md
--- /dev/null
+++ b/docs/new.md
@@ -0,0 +1 @@
+hello
"""


def test_parse_unified_diff() -> None:
    assert parse_unified_diff(DIFF) == {"pyshop/services/security.py": [(16, 17)], "docs/new.md": [(1, 1)]}


def test_impact_of_a_diff(store: GraphStore) -> None:
    res = impact(store, diff=DIFF)
    assert [c.symbol.qualified_name for c in res.changed] == ["pyshop.services.security.verify_password"]
    assert res.changed[0].lines == [16, 17]
    assert res.unindexed_files == ["docs/new.md"]
    assert [(f.path, [(s.qualified_name, s.distance) for s in f.symbols]) for f in res.files] == [
        (
            "pyshop/services/users.py",
            [("pyshop.services.users", 1), ("pyshop.services.users.UserService.login", 1)],
        ),
        ("pyshop/routes/users.py", [("pyshop.routes.users.login", 2)]),
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_impact_of_the_git_working_tree(tmp_path: Path) -> None:
    root = copy_fixture("pyshop", tmp_path)
    git = ["git", "-C", str(root), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    path = root / "pyshop/services/notifications.py"
    path.write_text(path.read_text().replace("Thanks for registering.", "Thanks for joining."))
    index(root)
    with GraphStore.open(db_for(root), readonly=True) as s:
        res = impact(s, diff="git: working-tree")
        assert [c.symbol.qualified_name for c in res.changed] == ["pyshop.services.notifications.send_welcome"]
        assert [(f.path, f.distance) for f in res.files] == [
            ("pyshop/services/users.py", 1),
            ("pyshop/routes/users.py", 2),
        ]
    subprocess.run([*git, "commit", "-qam", "reword"], check=True)
    with GraphStore.open(db_for(root), readonly=True) as s:
        clean = impact(s, diff="git: working-tree")  # committed: nothing left in the work tree
        assert (clean.changed, clean.files, clean.notes) == (
            [],
            [],
            ["git diff 'working-tree' is empty: nothing changed"],
        )
        ranged = impact(s, diff="git: HEAD~1..HEAD")
        assert [c.symbol.qualified_name for c in ranged.changed] == ["pyshop.services.notifications.send_welcome"]
        with pytest.raises(InvalidInputError, match="bad git range"):
            impact(s, diff="git: --output=/tmp/x")
        with pytest.raises(InvalidInputError, match="git diff failed"):
            impact(s, diff="git: nosuchbranch..HEAD")


def test_an_exact_identifier_matches_the_others_by_whole_words(tmp_path: Path) -> None:
    from tests.graph.graphhelp import write_tree

    root = write_tree(
        tmp_path / "shop",
        {
            "pkg/ops.py": (
                "def send_mail(to):\n    return to\n\n\n"
                "def send_mailer_report(to):\n    return to\n\n\n"
                "def mail_send_queue(to):\n    return to\n"
            )
        },
    )
    index(root)
    with GraphStore.open(db_for(root), readonly=True) as s:
        exact = q.search(s, "send_mail")
        # the symbol itself first, then symbols that share its whole words ("mailer" is not "mail")
        assert names(exact.hits) == ["pkg.ops.send_mail", "pkg.ops.mail_send_queue"]
        assert exact.exact == 1
        # words typed as words: each is a prefix too
        typed = q.search(s, "send mail")
        assert sorted(names(typed.hits)) == [
            "pkg.ops.mail_send_queue",
            "pkg.ops.send_mail",
            "pkg.ops.send_mailer_report",
        ]
        partial = q.search(s, "send_mai")  # names nothing: prefixes
        assert "pkg.ops.send_mailer_report" in names(partial.hits)


def test_search_pages_are_the_same_whatever_tiers_are_read(store: GraphStore) -> None:
    """A tier is skipped only when the page is settled: every page of a query equals a slice of one long page."""
    for query in ("register", "user", "User", "find", "create", "test"):
        whole = q.search(store, query, limit=200)
        for offset in range(0, len(whole.hits), 2):
            page = q.search(store, query, limit=2, offset=offset)
            assert [h.id for h in page.hits] == [h.id for h in whole.hits[offset : offset + 2]], (query, offset)
            assert page.total == whole.total
