"""Go extractor: exact symbols, methods, imports, calls, embedding, metrics and errors."""

from __future__ import annotations

from pathlib import Path

from semgraph.graph.extractors import extract
from semgraph.graph.model import EdgeKind, FileExtraction, SymbolKind

K = SymbolKind

STORE = b"""// Package db stores users.
package db

import (
\t"fmt"
\tsq "github.com/Masterminds/squirrel"
\t_ "github.com/lib/pq"
)

// User is a registered user.
// It has an email.
type User struct {
\tBase
\tID          int `json:"id"`
\tname, email string
}

type Store interface {
\tFind(id int) (*User, error)
\tio.Closer
}

type ID = int64

const MaxUsers, minUsers = 10, 1

// Save stores u.
func (s *Store) Save(ctx context.Context, u *User) error {
\tif err := s.db.Exec(ctx, u); err != nil && u != nil {
\t\treturn fmt.Errorf("save: %w", err)
\t} else if u == nil {
\t\treturn nil
\t}
\tnorm := func(a string) string { return strings.ToLower(a) }
\tfor _, x := range u.Tags {
\t\tswitch v := x.(type) {
\t\tcase int:
\t\tcase string:
\t\t\tnorm(v)
\t\tdefault:
\t\t}
\t}
\treturn nil
}

func TestSave(t *testing.T) {
\tNewStore().Save(nil, &User{})
}

func Map[T any](xs []T, f func(T) T) []T { return nil }
"""


def table(r: FileExtraction) -> list[tuple]:
    return [(s.kind, s.name, s.qualified_name, s.span.start_line, s.span.end_line, s.parent) for s in r.symbols]


def test_symbols_and_methods() -> None:
    r = extract(STORE, "internal/db/store.go")
    m = "internal/db"
    assert table(r) == [
        (K.MODULE, "db", m, 1, 50, None),
        (K.STRUCT, "User", f"{m}.User", 12, 16, 0),
        (K.FIELD, "ID", f"{m}.User.ID", 14, 14, 1),
        (K.FIELD, "name", f"{m}.User.name", 15, 15, 1),
        (K.FIELD, "email", f"{m}.User.email", 15, 15, 1),
        (K.INTERFACE, "Store", f"{m}.Store", 18, 21, 0),
        (K.METHOD, "Find", f"{m}.Store.Find", 19, 19, 5),
        (K.TYPE_ALIAS, "ID", f"{m}.ID", 23, 23, 0),
        (K.CONSTANT, "MaxUsers", f"{m}.MaxUsers", 25, 25, 0),
        (K.CONSTANT, "minUsers", f"{m}.minUsers", 25, 25, 0),
        (K.METHOD, "Save", f"{m}.Store.Save", 28, 44, 0),
        (K.FUNCTION, "norm", f"{m}.Store.Save.norm", 34, 34, 10),
        (K.FUNCTION, "TestSave", f"{m}.TestSave", 46, 48, 0),
        (K.FUNCTION, "Map", f"{m}.Map", 50, 50, 0),
    ]
    assert r.errors == []


def test_docs_visibility_signatures_tests() -> None:
    s = extract(STORE, "internal/db/store.go").symbols
    assert s[0].doc == "Package db stores users."
    assert (s[1].doc, s[1].signature, s[1].visibility) == (
        "User is a registered user.\nIt has an email.",
        "type User struct",
        "public",
    )
    assert [x.visibility for x in (s[2], s[3], s[8], s[9])] == ["public", "private", "public", "private"]
    assert s[10].signature == "func (s *Store) Save(ctx context.Context, u *User) error"
    assert s[10].doc == "Save stores u."
    assert s[13].signature == "func Map[T any](xs []T, f func(T) T) []T"
    assert [x.name for x in s if x.is_test] == ["TestSave"]
    assert s[10].metrics == {"loc": 17, "complexity": 7, "max_nesting": 2, "params": 2}
    # 1 + if + && + else-if + for + 2 extra type-switch arms = 7


def test_imports_calls_embedding() -> None:
    r = extract(STORE, "internal/db/store.go")
    assert [(i.module, i.name, i.alias, i.line) for i in r.imports] == [
        ("fmt", "", "fmt", 5),
        ("github.com/Masterminds/squirrel", "", "sq", 6),
        ("github.com/lib/pq", "", "_", 7),
    ]
    assert [(c.caller, c.target, c.name, c.receiver, c.order) for c in r.calls] == [
        (10, "s.db.Exec", "Exec", "s.db", 0),
        (10, "fmt.Errorf", "Errorf", "fmt", 1),
        (11, "strings.ToLower", "ToLower", "strings", 0),
        (10, "norm", "norm", "", 2),
        (12, "NewStore", "NewStore", "", 0),
        (12, "NewStore().Save", "Save", "NewStore()", 1),
    ]
    assert [(b.child, b.target, b.kind) for b in r.bases] == [
        (1, "Base", EdgeKind.INHERITS),
        (5, "io.Closer", EdgeKind.INHERITS),
    ]


def test_root_package_and_same_name_elsewhere() -> None:
    a = extract(b"package main\n\nfunc run() {}\n", "main.go")
    b = extract(b"package worker\n\nfunc run() {}\n", Path("cmd/worker/run.go").as_posix())
    assert [s.qualified_name for s in a.symbols] == ["main", "main.run"]
    assert [s.qualified_name for s in b.symbols] == ["cmd/worker", "cmd/worker.run"]


def test_syntax_error_partial_results() -> None:
    r = extract(b"package x\n\nfunc ok() { helper() }\n\nfunc broken( {\n\nfunc after() {}\n", "x/x.go")
    # tree-sitter-go swallows `after` into the broken parameter list
    assert [(e.line, e.col, e.message) for e in r.errors] == [
        (5, 14, 'syntax error near "{"'),
        (7, 6, 'syntax error near "after"'),
        (7, 13, 'missing ")"'),
    ]
    assert [s.name for s in r.symbols[1:]] == ["ok", "broken"]
    assert [(c.caller, c.target) for c in r.calls] == [(1, "helper")]
