"""Malformed source: an error with file, line and column for the broken item; the rest still parses."""

from __future__ import annotations

from semgraph.rust.project import SourceFile, parse_sources
from tests.rust.helpers import MALFORMED, parse_fixture


def _diags(name: str) -> tuple[list[str], list[str]]:
    result = parse_fixture(MALFORMED / name)
    return [str(d) for d in result.diagnostics], [e.name for e in result.spec.entities]


def test_missing_comma_between_fields() -> None:
    diags, entities = _diags("missing_comma.rs")
    assert diags == [
        "malformed/missing_comma.rs:6:5: error: syntax error in struct Broken: unexpected 'pub other: i32'"
    ]
    assert entities == ["Fine"]


def test_unclosed_generic_reports_the_missing_token_and_keeps_both_neighbours() -> None:
    diags, entities = _diags("unclosed_generic.rs")
    assert diags == ["malformed/unclosed_generic.rs:11:26: error: syntax error in struct Tagged: missing >"]
    assert entities == ["AlsoGood", "Good"]


def test_broken_table_and_joinable_other_table_still_parses() -> None:
    diags, entities = _diags("bad_table.rs")
    assert diags == [
        "malformed/bad_table.rs:5:9: error: table!: expected ',' after the column type (','), found 'email'",
        "malformed/bad_table.rs:16:25: error: joinable!: expected '->' between the child and the parent table "
        "('->'), found 'users'",
    ]
    assert entities == ["Post"]


def test_empty_table_name_attribute_falls_back_to_the_inferred_table() -> None:
    result = parse_fixture(MALFORMED / "bad_attribute.rs")
    assert [str(d) for d in result.diagnostics] == [
        "malformed/bad_attribute.rs:4:21: error: struct Widget: #[diesel(table_name = …)] needs a table name; "
        "using the inferred widgets"
    ]
    assert [(e.name, e.table) for e in result.spec.entities] == [("Widget", "widgets")]


def test_missing_trailing_comma_is_valid_rust_not_an_error() -> None:
    result = parse_fixture(MALFORMED / "trailing_field.rs")
    assert result.diagnostics == []
    (entity,) = result.spec.entities
    assert (entity.name, entity.table, [f.name for f in entity.fields]) == ("Relaxed", "relaxeds", ["name"])


def test_one_broken_file_does_not_stop_the_others() -> None:
    good = SourceFile("src/models/good.rs", b"#[derive(Queryable)]\npub struct Good {\n    pub id: i64,\n}\n")
    bad = SourceFile("src/models/bad.rs", b"#[derive(Queryable)]\npub struct Bad {\n    pub id: i64\n    x\n}\n")
    result = parse_sources([bad, good])
    assert [str(d) for d in result.diagnostics] == [
        "src/models/bad.rs:4:5: error: syntax error in struct Bad: unexpected 'x'"
    ]
    assert [e.name for e in result.spec.entities] == ["Good"]


def test_column_type_errors_name_the_token() -> None:
    schema = b"diesel::table! {\n    t (id) {\n        id -> Int8,\n        x -> Nullable<Text,\n    }\n}\n"
    result = parse_sources([], [SourceFile("schema.rs", schema)])
    assert [str(d) for d in result.diagnostics] == ["schema.rs:4:22: error: table!: unclosed '<' in a column type"]
    assert result.spec.entities == []
