"""Rust extractor: exact symbols, impls, imports, calls, bases, metrics and errors."""

from __future__ import annotations

import textwrap

from semgraph.graph.extractors import extract
from semgraph.graph.model import EdgeKind, FileExtraction, SymbolKind

K = SymbolKind


def rs(src: str, path: str = "src/models/user.rs") -> FileExtraction:
    return extract(textwrap.dedent(src).lstrip("\n").encode(), path)


def table(r: FileExtraction) -> list[tuple]:
    return [(s.kind, s.name, s.qualified_name, s.span.start_line, s.span.end_line, s.parent) for s in r.symbols]


USER = """
//! Users of the shop.
use std::fmt::{self, Display};
use crate::db::{Pool, models::Order as O};
use super::*;
mod queries;

/// A registered user.
/// Has an email.
#[derive(Debug, Clone, Serialize)]
pub struct User<T: Clone> {
    pub id: i64,
    pub(crate) email: String,
    extra: T,
}

pub enum Role {
    Admin,
    Member(u32),
}

pub trait Repo: Send + Sync {
    fn find(&self, id: i64) -> Option<User<String>>;
}

impl<T: Clone> Display for User<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.email)
    }
}

impl User<String> {
    /// Look a user up.
    pub async fn find_by_email(pool: &Pool, email: &str) -> Result<Self, Error> {
        let row = sqlx::query!("select 1").fetch_one(pool).await?;
        let norm = |s: &str| s.trim().to_lowercase();
        println!("{}", norm(email));
        Ok(Self::new(row.id, norm(email)))
    }

    fn new(id: i64, email: String) -> Self {
        User { id, email, extra: String::new() }
    }
}

pub const MAX: usize = 10;
type Res<T> = Result<T, Error>;

#[get("/users/{id}")]
pub async fn get_user(path: web::Path<i64>) -> impl Responder {
    let user = User::find_by_email(&pool(), "x").await;
    HttpResponse::Ok().json(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> i64 { 1 }

    #[test]
    fn finds() {
        assert_eq!(helper(), 1);
    }

    #[tokio::test]
    async fn async_finds() {}
}
"""


def test_symbols_impls_and_qualified_names() -> None:
    r = rs(USER)
    m = "crate::models::user"
    assert r.module == m
    assert table(r) == [
        (K.MODULE, "user", m, 1, 67, None),
        (K.STRUCT, "User", f"{m}::User", 10, 14, 0),
        (K.FIELD, "id", f"{m}::User::id", 11, 11, 1),
        (K.FIELD, "email", f"{m}::User::email", 12, 12, 1),
        (K.FIELD, "extra", f"{m}::User::extra", 13, 13, 1),
        (K.ENUM, "Role", f"{m}::Role", 16, 19, 0),
        (K.FIELD, "Admin", f"{m}::Role::Admin", 17, 17, 5),
        (K.FIELD, "Member", f"{m}::Role::Member", 18, 18, 5),
        (K.TRAIT, "Repo", f"{m}::Repo", 21, 23, 0),
        (K.METHOD, "find", f"{m}::Repo::find", 22, 22, 8),
        (K.IMPL, "Display for User", f"{m}::<impl Display for User>", 25, 29, 0),
        (K.METHOD, "fmt", f"{m}::User::fmt", 26, 28, 10),
        (K.IMPL, "User", f"{m}::<impl User>", 31, 43, 0),
        (K.METHOD, "find_by_email", f"{m}::User::find_by_email", 33, 38, 12),
        (K.FUNCTION, "norm", f"{m}::User::find_by_email::norm", 35, 35, 13),
        (K.METHOD, "new", f"{m}::User::new", 40, 42, 12),
        (K.CONSTANT, "MAX", f"{m}::MAX", 45, 45, 0),
        (K.TYPE_ALIAS, "Res", f"{m}::Res", 46, 46, 0),
        (K.FUNCTION, "get_user", f"{m}::get_user", 49, 52, 0),
        (K.MODULE, "tests", f"{m}::tests", 55, 67, 0),
        (K.FUNCTION, "helper", f"{m}::tests::helper", 58, 58, 19),
        (K.FUNCTION, "finds", f"{m}::tests::finds", 61, 63, 19),
        (K.FUNCTION, "async_finds", f"{m}::tests::async_finds", 66, 66, 19),
    ]
    assert r.errors == []


def test_attributes_docs_visibility_async_tests() -> None:
    r = rs(USER)
    by = {s.qualified_name.rsplit("::", 1)[-1]: s for s in r.symbols}
    assert r.symbols[0].doc == "Users of the shop."
    user = by["User"]
    assert user.doc == "A registered user.\nHas an email."
    assert user.decorators == ["#[derive(Debug, Clone, Serialize)]"]
    assert user.signature == "pub struct User<T: Clone>"
    assert [by[n].visibility for n in ("id", "email", "extra", "Admin", "find", "fmt", "new", "MAX", "Res")] == [
        "public",
        "crate",
        "private",
        "public",
        "public",
        "public",
        "private",
        "public",
        "private",
    ]
    f = by["find_by_email"]
    assert f.signature == "pub async fn find_by_email(pool: &Pool, email: &str) -> Result<Self, Error>"
    assert f.doc == "Look a user up."
    assert (f.is_async, by["new"].is_async) == (True, False)
    assert by["get_user"].decorators == ['#[get("/users/{id}")]']
    assert by["find"].signature == "fn find(&self, id: i64) -> Option<User<String>>"
    assert [(s.name, s.is_test) for s in r.symbols if s.is_test] == [
        ("tests", True),
        ("helper", True),
        ("finds", True),
        ("async_finds", True),
    ]
    assert by["tests"].decorators == ["#[cfg(test)]"]
    assert by["async_finds"].decorators == ["#[tokio::test]"]


def test_imports_use_trees_and_mod_declarations() -> None:
    r = rs(USER)
    assert [(i.module, i.name, i.alias, i.line, i.is_relative, i.scope) for i in r.imports] == [
        ("std::fmt", "", "fmt", 2, False, 0),
        ("std::fmt", "Display", "Display", 2, False, 0),
        ("crate::db", "Pool", "Pool", 3, False, 0),
        ("crate::db::models", "Order", "O", 3, False, 0),
        ("super", "*", "", 4, True, 0),
        ("crate::models::user::queries", "", "queries", 5, False, 0),
        ("super", "*", "", 56, True, 19),
    ]


def test_calls_macros_and_closures() -> None:
    r = rs(USER)
    assert [(c.caller, c.target, c.name, c.receiver, c.order) for c in r.calls] == [
        (13, "sqlx::query!", "query!", "sqlx", 0),
        (13, "sqlx::query!().fetch_one", "fetch_one", "sqlx::query!()", 1),
        (14, "s.trim", "trim", "s", 0),
        (14, "s.trim().to_lowercase", "to_lowercase", "s.trim()", 1),
        (13, "Ok", "Ok", "", 2),
        (13, "Self::new", "new", "Self", 3),
        (13, "norm", "norm", "", 4),
        (15, "String::new", "new", "String", 0),
        (18, "User::find_by_email", "find_by_email", "User", 0),
        (18, "pool", "pool", "", 1),
        (18, "HttpResponse::Ok", "Ok", "HttpResponse", 2),
        (18, "HttpResponse::Ok().json", "json", "HttpResponse::Ok()", 3),
    ]


def test_trait_impl_and_supertrait_bases() -> None:
    r = rs(USER)
    assert [(b.child, b.target, b.kind, b.line) for b in r.bases] == [
        (8, "Send", EdgeKind.INHERITS, 21),
        (8, "Sync", EdgeKind.INHERITS, 21),
        (10, "Display", EdgeKind.IMPLEMENTS, 25),
    ]


def test_metrics() -> None:
    r = rs(
        """
        fn route(req: &Request, strict: bool) -> u8 {
            let x = load(req)?;
            if strict && x > 0 || req.admin {
                for item in req.items() {
                    match item {
                        Item::A => 1,
                        Item::B if x > 1 => 2,
                        _ => 3,
                    };
                }
                loop { break; }
            } else if let Some(v) = req.v {
                while v > 0 {}
            } else {
                return 0;
            }
            1
        }

        impl Svc {
            fn run(&self, a: i32, b: i32) {}
        }
        """,
        path="src/lib.rs",
    )
    by = {s.name: s.metrics for s in r.symbols[1:] if s.kind in (K.FUNCTION, K.METHOD)}
    # 1 + if + && + || + for + 2 extra match arms + loop + else-if + while = 10; `?` does not count
    assert by["route"] == {"loc": 18, "complexity": 10, "max_nesting": 3, "params": 2}
    assert by["run"] == {"loc": 1, "complexity": 1, "max_nesting": 0, "params": 2}
    assert r.symbols[1].qualified_name == "crate::route"
    assert r.symbols[3].qualified_name == "crate::Svc::run"


def test_same_name_in_two_modules_and_generics() -> None:
    a = rs("pub fn save<T: Into<String>>(x: T) {}\n", "src/a.rs")
    b = rs("pub fn save<T: Into<String>>(x: T) {}\n", "src/b/mod.rs")
    assert [s.qualified_name for s in a.symbols] == ["crate::a", "crate::a::save"]
    assert [s.qualified_name for s in b.symbols] == ["crate::b", "crate::b::save"]
    assert a.symbols[1].signature == "pub fn save<T: Into<String>>(x: T)"


def test_syntax_error_partial_results() -> None:
    r = rs(
        """
        pub fn ok() -> i32 { helper() }

        fn broken( {

        pub struct After { pub x: i32 }
        """
    )
    assert [(e.line, e.col, e.message) for e in r.errors] == [(3, 1, 'syntax error near "fn broken( {"')]
    assert [(s.kind, s.name, s.parent) for s in r.symbols[1:]] == [
        (K.FUNCTION, "ok", 0),
        (K.STRUCT, "After", 0),
        (K.FIELD, "x", 2),
    ]
    assert [(c.caller, c.target) for c in r.calls] == [(1, "helper")]


def test_non_utf8_bytes_do_not_crash() -> None:
    r = extract(b'/// caf\xe9\nfn f() -> &\'static str { "\xff" }\n', "src/lib.rs")
    assert [(s.name, s.doc) for s in r.symbols[1:]] == [("f", "caf\ufffd")]
