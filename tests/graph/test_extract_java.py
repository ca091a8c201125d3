"""Java extractor: exact symbols, annotations, imports, calls, bases, metrics and errors."""

from __future__ import annotations

import textwrap

from semgraph.graph.extractors import extract
from semgraph.graph.model import EdgeKind, FileExtraction, SymbolKind

K = SymbolKind

SERVICE = """
package com.shop.users;

import java.util.List;
import static org.junit.Assert.assertEquals;
import com.shop.db.*;

/** A user service. */
@Service
public class UserService<T> extends Base<T> implements Repo, Closeable {
    private static final int MAX = 10;
    @Autowired private UserRepo repo, backup;

    public UserService(UserRepo repo) {
        super(repo);
    }

    /**
     * Find one user.
     */
    @GetMapping("/users/{id}")
    public Optional<User> find(@PathVariable long id, String... names) throws IOException {
        for (String n : names) {
            if (n == null || id < 0) {
                continue;
            }
        }
        try {
            return repo.findById(id).map(u -> u);
        } catch (IOException e) {
            throw e;
        }
        return id > 0 ? Optional.empty() : new Holder<>(1).get();
    }

    interface Finder extends Closeable { User byEmail(String email); }

    enum Role { ADMIN, MEMBER }

    @Test
    void findsUser() { assertEquals(1, 1); }
}
"""


def jv(src: str, path: str = "src/main/java/com/shop/users/UserService.java") -> FileExtraction:
    return extract(textwrap.dedent(src).lstrip("\n").encode(), path)


def table(r: FileExtraction) -> list[tuple]:
    return [(s.kind, s.name, s.qualified_name, s.span.start_line, s.span.end_line, s.parent) for s in r.symbols]


def test_symbols_from_package_declaration() -> None:
    r = jv(SERVICE)
    c = "com.shop.users.UserService"
    assert r.module == "com.shop.users"
    assert table(r) == [
        (K.MODULE, "users", "com.shop.users", 1, 41, None),
        (K.CLASS, "UserService", c, 8, 41, 0),  # Java spans include the annotations (modifiers)
        (K.CONSTANT, "MAX", f"{c}.MAX", 10, 10, 1),
        (K.FIELD, "repo", f"{c}.repo", 11, 11, 1),
        (K.FIELD, "backup", f"{c}.backup", 11, 11, 1),
        (K.METHOD, "UserService", f"{c}.UserService", 13, 15, 1),
        (K.METHOD, "find", f"{c}.find", 20, 33, 1),
        (K.INTERFACE, "Finder", f"{c}.Finder", 35, 35, 1),
        (K.METHOD, "byEmail", f"{c}.Finder.byEmail", 35, 35, 7),
        (K.ENUM, "Role", f"{c}.Role", 37, 37, 1),
        (K.FIELD, "ADMIN", f"{c}.Role.ADMIN", 37, 37, 9),
        (K.FIELD, "MEMBER", f"{c}.Role.MEMBER", 37, 37, 9),
        (K.METHOD, "findsUser", f"{c}.findsUser", 39, 40, 1),
    ]
    assert r.errors == []


def test_annotations_docs_visibility_signatures_metrics() -> None:
    s = jv(SERVICE).symbols
    assert (s[1].doc, s[1].decorators) == ("A user service.", ["@Service"])
    assert s[1].signature == "public class UserService<T> extends Base<T> implements Repo, Closeable"
    assert s[6].signature == "public Optional<User> find(@PathVariable long id, String... names) throws IOException"
    assert (s[6].doc, s[6].decorators) == ("Find one user.", ['@GetMapping("/users/{id}")'])
    assert s[4].decorators == ["@Autowired"]
    assert [x.visibility for x in (s[2], s[3], s[5], s[7], s[8], s[10], s[12])] == [
        "private",
        "private",
        "public",
        "package",
        "public",
        "public",
        "package",
    ]
    assert [x.name for x in s if x.is_test] == ["findsUser"]
    # 1 + for + if + || + catch + ternary = 6
    assert s[6].metrics == {"loc": 14, "complexity": 6, "max_nesting": 2, "params": 2}


def test_imports_calls_bases() -> None:
    r = jv(SERVICE)
    assert [(i.module, i.name, i.alias, i.line) for i in r.imports] == [
        ("java.util", "List", "List", 3),
        ("org.junit.Assert", "assertEquals", "assertEquals", 4),
        ("com.shop.db", "*", "", 5),
    ]
    assert [(c.caller, c.target, c.name, c.receiver, c.order) for c in r.calls] == [
        (5, "super", "super", "", 0),
        (6, "repo.findById", "findById", "repo", 0),
        (6, "repo.findById().map", "map", "repo.findById()", 1),
        (6, "Optional.empty", "empty", "Optional", 2),
        (6, "Holder", "Holder", "", 3),
        (6, "new Holder<>().get", "get", "new Holder<>()", 4),
        (12, "assertEquals", "assertEquals", "", 0),
    ]
    assert [(b.child, b.target, b.kind) for b in r.bases] == [
        (1, "Base", EdgeKind.INHERITS),
        (1, "Repo", EdgeKind.IMPLEMENTS),
        (1, "Closeable", EdgeKind.IMPLEMENTS),
        (7, "Closeable", EdgeKind.INHERITS),
    ]


def test_switch_arms_and_no_package() -> None:
    r = jv(
        """
        class Router {
            int route(int k) {
                switch (k) {
                    case 1: return 1;
                    case 2: return 2;
                    default: return 0;
                }
            }
            int arrow(int k) {
                return switch (k) { case 1 -> 1; default -> 0; };
            }
        }
        """,
        path="src/main/java/app/Router.java",
    )
    assert r.module == "app"
    by = {s.name: s.metrics for s in r.symbols}
    assert by["route"] == {"loc": 7, "complexity": 3, "max_nesting": 1, "params": 1}
    assert by["arrow"] == {"loc": 3, "complexity": 2, "max_nesting": 1, "params": 1}


def test_syntax_error_partial_results() -> None:
    r = jv(
        """
        class A {
            void ok() { helper(); }
            void broken( { }
            void after() {}
        }
        """
    )
    assert [(e.line, e.col, e.message) for e in r.errors] == [(3, 17, 'missing ")"')]
    assert [s.name for s in r.symbols[1:]] == ["A", "ok", "broken", "after"]
    assert [(c.caller, c.target) for c in r.calls] == [(2, "helper")]
