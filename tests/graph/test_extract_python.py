"""Python extractor: exact symbols, imports, calls, bases, metrics and errors."""

from __future__ import annotations

import concurrent.futures
import textwrap

import pytest

from semgraph.errors import UnsupportedError
from semgraph.graph.extractors import extract, module_name_for
from semgraph.graph.model import EdgeKind, FileExtraction, SymbolKind

K = SymbolKind


def py(src: str, path: str = "app/services/users.py") -> FileExtraction:
    return extract(textwrap.dedent(src).lstrip("\n").encode(), path)


def table(r: FileExtraction) -> list[tuple]:
    return [(s.kind, s.name, s.qualified_name, s.span.start_line, s.span.end_line, s.parent) for s in r.symbols]


def calls(r: FileExtraction) -> list[tuple]:
    return [(c.caller, c.target, c.name, c.receiver, c.order) for c in r.calls]


SERVICE = '''
"""User services."""
import os.path
import json as j
from ..models import User as U, Order
from . import db
from .x import *

MAX_USERS = 10
registry = {}


@app.route("/users", methods=["POST"])
async def create_user(request, *, notify: bool = False) -> "User":
    """Create a user.

    Saves it too.
    """
    data = await request.json()
    user = U(**data)
    db.session.add(user)
    return user


class UserService(BaseService, metaclass=Meta):
    """Business rules for users."""

    repo: Repo = None

    def __init__(self, repo):
        self.repo = repo

    @staticmethod
    def _helper(x, y=1):
        return x

    def save(self, user):
        def validate(u):
            return check(u.email)

        norm = lambda s: s.strip()
        validate(user)
        self.repo.save(norm(user.name))


def _private():
    pass
'''


def test_symbols_kinds_spans_parents() -> None:
    r = py(SERVICE)
    m = "app.services.users"
    assert r.module == m
    assert table(r) == [
        (K.MODULE, "users", m, 1, 46, None),
        (K.CONSTANT, "MAX_USERS", f"{m}.MAX_USERS", 8, 8, 0),
        (K.VARIABLE, "registry", f"{m}.registry", 9, 9, 0),
        (K.FUNCTION, "create_user", f"{m}.create_user", 13, 21, 0),
        (K.CLASS, "UserService", f"{m}.UserService", 24, 42, 0),
        (K.FIELD, "repo", f"{m}.UserService.repo", 27, 27, 4),
        (K.METHOD, "__init__", f"{m}.UserService.__init__", 29, 30, 4),
        (K.METHOD, "_helper", f"{m}.UserService._helper", 33, 34, 4),
        (K.METHOD, "save", f"{m}.UserService.save", 36, 42, 4),
        (K.FUNCTION, "validate", f"{m}.UserService.save.validate", 37, 38, 8),
        (K.FUNCTION, "norm", f"{m}.UserService.save.norm", 40, 40, 8),
        (K.FUNCTION, "_private", f"{m}._private", 45, 46, 0),
    ]
    assert r.loc == 33
    assert r.errors == []


def test_signature_doc_decorators_visibility_async() -> None:
    r = py(SERVICE)
    by = {s.name: s for s in r.symbols}
    assert r.symbols[0].doc == "User services."
    f = by["create_user"]
    assert f.signature == 'async def create_user(request, *, notify: bool = False) -> "User"'
    assert f.doc == "Create a user.\n\nSaves it too."
    assert f.decorators == ['@app.route("/users", methods=["POST"])']
    assert f.is_async is True
    assert f.visibility == "public"
    assert by["UserService"].signature == "class UserService(BaseService, metaclass=Meta)"
    assert by["UserService"].doc == "Business rules for users."
    assert by["_helper"].decorators == ["@staticmethod"]
    assert by["_helper"].visibility == "private"
    assert by["__init__"].visibility == "public"
    assert by["_private"].visibility == "private"
    assert by["save"].is_async is False
    assert by["norm"].signature == "norm = lambda s: s.strip()"


def test_imports() -> None:
    r = py(SERVICE)
    assert [(i.module, i.name, i.alias, i.line, i.is_relative, i.scope) for i in r.imports] == [
        ("os.path", "", "os", 2, False, 0),
        ("json", "", "j", 3, False, 0),
        ("..models", "User", "U", 4, True, 0),
        ("..models", "Order", "Order", 4, True, 0),
        (".", "db", "db", 5, True, 0),
        (".x", "*", "", 6, True, 0),
    ]


def test_calls_callers_and_order() -> None:
    r = py(SERVICE)
    assert calls(r) == [
        (0, "app.route", "route", "app", 0),
        (3, "request.json", "json", "request", 0),
        (3, "U", "U", "", 1),
        (3, "db.session.add", "add", "db.session", 2),
        (9, "check", "check", "", 0),
        (10, "s.strip", "strip", "s", 0),
        (8, "validate", "validate", "", 0),
        (8, "self.repo.save", "save", "self.repo", 1),
        (8, "norm", "norm", "", 2),
    ]
    first = r.calls[1]
    assert (first.line, first.col) == (18, 26)  # the callee name's position


def test_bases_ignore_metaclass() -> None:
    r = py(SERVICE)
    assert [(b.child, b.target, b.kind, b.line) for b in r.bases] == [(4, "BaseService", EdgeKind.INHERITS, 24)]


def test_params_exclude_self() -> None:
    r = py(SERVICE)
    by = {s.name: s.metrics["params"] for s in r.symbols if "params" in s.metrics}
    assert by == {"create_user": 2, "__init__": 1, "_helper": 2, "save": 1, "validate": 1, "norm": 1, "_private": 0}


def test_complexity_nesting_loc() -> None:
    r = py(
        """
        def classify(items, limit):
            total = 0

            for item in items:
                if item.a and item.b:
                    total += 1
                elif item.c:
                    total += 2
                else:
                    total += 3
            return total


        def straight():
            return 1


        def deep(x):
            try:
                while x:
                    with ctx():
                        if x > 1 or x < -1:
                            x = [y for y in x if y]
            except ValueError:
                pass
            except KeyError:
                pass
            match x:
                case 1:
                    return "a" if x else "b"
                case 2:
                    pass
                case _:
                    pass
        """
    )
    metrics = {s.name: s.metrics for s in r.symbols[1:]}
    # 1 + for + if + and + elif = 5
    assert metrics["classify"] == {"loc": 10, "complexity": 5, "max_nesting": 2, "params": 2}
    assert metrics["straight"] == {"loc": 2, "complexity": 1, "max_nesting": 0, "params": 1 - 1}
    # 1 + while + if + or + comprehension for + comprehension if + 2 except + 2 extra arms + ternary = 11
    assert metrics["deep"] == {"loc": 17, "complexity": 11, "max_nesting": 3, "params": 1}


def test_test_detection() -> None:
    r = py(
        """
        import pytest

        def test_login(client):
            assert client

        def helper():
            pass

        class TestUsers:
            def test_create(self):
                pass

            def setup_method(self):
                pass

        class UserTests(TestCase):
            def test_x(self):
                pass

        class Plain:
            def test_not_a_test(self):
                pass
        """,
        path="tests/test_users.py",
    )
    assert [(s.name, s.is_test) for s in r.symbols[1:]] == [
        ("test_login", True),
        ("helper", False),
        ("TestUsers", True),
        ("test_create", True),
        ("setup_method", False),
        ("UserTests", True),
        ("test_x", True),
        ("Plain", False),
        ("test_not_a_test", False),
    ]


def test_same_function_name_in_two_modules() -> None:
    a = extract(b"def save(x):\n    return x\n", "app/a.py")
    b = extract(b"def save(x):\n    return x\n", "app/b/__init__.py")
    assert (a.symbols[1].name, a.symbols[1].qualified_name) == ("save", "app.a.save")
    assert (b.symbols[1].name, b.symbols[1].qualified_name) == ("save", "app.b.save")
    assert (a.module, b.module) == ("app.a", "app.b")


def test_import_inside_function_has_scope() -> None:
    r = py(
        """
        def load():
            from json import loads
            return loads("1")
        """
    )
    assert [(i.module, i.name, i.scope) for i in r.imports] == [("json", "loads", 1)]
    assert calls(r) == [(1, "loads", "loads", "", 0)]


def test_syntax_error_keeps_intact_items() -> None:
    r = py(
        """
        def good():
            return ok()

        def broken(:
            pass

        class Fine:
            def m(self):
                return 1
        """
    )
    assert [(e.line, e.col, e.message) for e in r.errors] == [(4, 12, 'missing ")"')]
    names = [(s.kind, s.name, s.span.start_line) for s in r.symbols[1:]]
    assert (K.FUNCTION, "good", 1) in names
    assert (K.CLASS, "Fine", 7) in names
    assert (K.METHOD, "m", 8) in names
    assert calls(r)[0] == (1, "ok", "ok", "", 0)


def test_error_node_reported_with_location() -> None:
    r = extract(
        b"def a():\n    pass\n\nclass B:\n    def m(self):\n        return 1 +* 2\n\ndef c():\n    return 3\n",
        "users.py",
    )
    assert [(e.line, e.col, e.message) for e in r.errors] == [(6, 9, 'syntax error near "return 1 +* 2"')]
    assert [s.qualified_name for s in r.symbols] == ["users", "users.a", "users.B", "users.B.m", "users.c"]


def test_non_utf8_and_empty() -> None:
    r = extract(b"def f():\n    return '\xff\xfe'\n", "m.py")
    assert [(s.name, s.kind) for s in r.symbols] == [("m", K.MODULE), ("f", K.FUNCTION)]
    empty = extract(b"", "pkg/empty.py")
    assert (empty.module, len(empty.symbols), empty.loc, empty.errors) == ("pkg.empty", 1, 0, [])


def test_module_names() -> None:
    assert module_name_for("app/services/users.py", "python") == "app.services.users"
    assert module_name_for("app/__init__.py", "python") == "app"
    assert module_name_for("src/pkg/mod.py", "python") == "pkg.mod"
    assert module_name_for("src/models/user.rs", "rust") == "crate::models::user"
    assert module_name_for("shop/src/db/mod.rs", "rust") == "crate::db"
    assert module_name_for("src/lib.rs", "rust") == "crate"
    assert module_name_for("src/main.rs", "rust") == "crate"
    assert module_name_for("web/src/components/App.tsx", "tsx") == "web/src/components/App"
    assert module_name_for("internal/db/users.go", "go") == "internal/db"
    assert module_name_for("main.go", "go") == "."
    assert module_name_for("src/main/java/com/shop/User.java", "java") == "com.shop"


def test_unsupported_language() -> None:
    with pytest.raises(UnsupportedError, match="not supported"):
        extract(b"x", "notes.txt")


def test_runs_in_a_process_pool() -> None:
    sources = [(b"def f():\n    g()\n", "a.py"), (b"class C:\n    pass\n", "b.py")]
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        results = list(pool.map(extract, [s for s, _ in sources], [p for _, p in sources]))
    assert [[(s.kind, s.qualified_name) for s in r.symbols] for r in results] == [
        [(K.MODULE, "a"), (K.FUNCTION, "a.f")],
        [(K.MODULE, "b"), (K.CLASS, "b.C")],
    ]
    assert [(c.caller, c.target) for c in results[0].calls] == [(1, "g")]


def test_calls_at_one_position_outer_first_and_long_literal_signature_cut() -> None:
    """`getattr(o, n)(x)`: both calls sit at `getattr`; their order no longer follows tree-sitter's capture order
    (which differed between runs): the outer call is first. A long literal's signature is its first 200 characters
    of normalised text, read without decoding the whole node."""
    big = "TABLE = [\n" + "".join(f"    ({i},  'v{i}'),\n" for i in range(3000)) + "]\n"
    src = f"def f(o, n, x):\n    return getattr(o, n)(x)\n\n{big}".encode()
    for _ in range(20):
        r = extract(src, "m.py")
        assert [(c.target, c.order, c.col) for c in r.calls] == [("getattr()", 0, 12), ("getattr", 1, 12)]
    table = next(s for s in r.symbols if s.name == "TABLE")
    assert table.signature == " ".join(big.split())[:200]
    assert len(table.signature) == 200
