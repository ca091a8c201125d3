"""schema.rs tokens and the Rust ↔ SQL type mapping per backend."""

from __future__ import annotations

import pytest

from semgraph.errors import UnsupportedError
from semgraph.rust.schema_parser import parse_schema_source
from semgraph.rust.types import rust_for_sql, sql_for_rust


def test_table_macro_tokens_are_read_exactly() -> None:
    info = parse_schema_source(
        """
table! {
    use diesel::sql_types::*;
    use crate::custom::{Mood, Colour};

    /// Docs on the table.
    #[sql_name = "People"]
    people (id) {
        id -> diesel::sql_types::BigInt,
        #[sql_name = "type"]
        kind -> Nullable<Array<Nullable<Mood>>>,
        r#ref -> Range<Int4>,
    }

    pets (owner_id, name) {
        owner_id -> BigInt,
        name -> Text,
    }
}
joinable!(pets -> people (owner_id));
allow_tables_to_appear_in_same_query!(people, pets);
"""
    )
    assert info.diagnostics == []
    people, pets = info.tables["people"], info.tables["pets"]
    assert (people.sql_name, people.doc, people.primary_key, people.custom_types) == (
        "People",
        "Docs on the table.",
        ["id"],
        [("Mood", "crate::custom::Mood"), ("Colour", "crate::custom::Colour")],
    )
    assert [(c.name, c.sql_type, c.nullable, c.sql_name) for c in people.columns] == [
        ("id", "BigInt", False, None),
        ("kind", "Array<Nullable<Mood>>", True, "type"),
        ("ref", "Range<Int4>", False, None),
    ]
    assert pets.primary_key == ["owner_id", "name"]
    assert [(j.child, j.parent, j.foreign_key) for j in info.joinables] == [("pets", "people", "owner_id")]
    assert info.allow_groups == [["people", "pets"]]


@pytest.mark.parametrize(
    ("sql", "backend", "rust"),
    [
        ("Int2", "postgres", "i16"),
        ("Int8", "postgres", "i64"),
        ("Float4", "postgres", "f32"),
        ("Numeric", "postgres", "bigdecimal::BigDecimal"),
        ("Timestamptz", "postgres", "chrono::DateTime<chrono::Utc>"),
        ("Interval", "postgres", "diesel::pg::data_types::PgInterval"),
        ("Uuid", "postgres", "uuid::Uuid"),
        ("Jsonb", "postgres", "serde_json::Value"),
        ("Bytea", "postgres", "Vec<u8>"),
        ("Cidr", "postgres", "ipnetwork::IpNetwork"),
        ("MacAddr", "postgres", "[u8; 6]"),
        ("Money", "postgres", "diesel::pg::data_types::PgMoney"),
        ("Array<Nullable<Text>>", "postgres", "Vec<Option<String>>"),
        ("Range<Int8>", "postgres", "(std::ops::Bound<i64>, std::ops::Bound<i64>)"),
        ("Nullable<Bool>", "postgres", "Option<bool>"),
        ("Datetime", "mysql", "chrono::NaiveDateTime"),
        ("TinyInt", "mysql", "i8"),
        ("Unsigned<Integer>", "mysql", "u32"),
        ("Json", "mysql", "serde_json::Value"),
        ("Blob", "mysql", "Vec<u8>"),
        ("Integer", "sqlite", "i32"),
        ("Binary", "sqlite", "Vec<u8>"),
        ("Timestamp", "sqlite", "chrono::NaiveDateTime"),
    ],
)
def test_sql_to_rust(sql: str, backend: str, rust: str) -> None:
    assert rust_for_sql(sql, backend) == rust


@pytest.mark.parametrize(("sql", "backend"), [("Jsonb", "mysql"), ("Uuid", "sqlite"), ("Array<Text>", "mysql")])
def test_types_a_backend_lacks_are_unsupported(sql: str, backend: str) -> None:
    with pytest.raises(UnsupportedError):
        rust_for_sql(sql, backend)


@pytest.mark.parametrize(
    ("rust", "backend", "sql"),
    [
        ("i64", "postgres", "Int8"),
        ("i64", "mysql", "BigInt"),
        ("chrono::NaiveDateTime", "mysql", "Datetime"),
        ("&'a str", "postgres", "Text"),
        ("&'a [u8]", "sqlite", "Binary"),
        ("Vec<Option<uuid::Uuid>>", "postgres", "Array<Nullable<Uuid>>"),
        ("Vec<String>", "mysql", None),
        ("(Bound<i32>, Bound<i32>)", "postgres", "Range<Int4>"),
        ("serde_json::Value", "mysql", "Json"),
        ("MyStruct", "postgres", None),
        ("T", "postgres", None),
    ],
)
def test_rust_to_sql(rust: str, backend: str, sql: str | None) -> None:
    assert sql_for_rust(rust, backend) == sql


def test_enums_map_through_their_sql_type() -> None:
    assert sql_for_rust("Option<Mood>", "postgres", {"Mood": "MoodType"}) == "Nullable<MoodType>"
    assert rust_for_sql("MoodType", "postgres", {"MoodType": "Mood"}) == "Mood"
