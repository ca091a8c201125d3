"""Real-workspace idioms (fixtures/diesel/modules): identity by module path, views, primary models,
forms, Diesel 1.x attributes, project types imported, and a round trip that holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.rust.export import json_schema, openapi
from semgraph.rust.generator import GenerateOptions, generate
from semgraph.rust.project import parse_path
from semgraph.rust.regions import write_files
from semgraph.rust.schema_parser import parse_schema_source
from semgraph.rust.spec import ParseResult, dump_spec, load_spec
from tests.rust.helpers import DIESEL, parse_fixture

MODULES = DIESEL / "modules"


@pytest.fixture(scope="module")
def parsed() -> ParseResult:
    return parse_fixture(MODULES)


@pytest.fixture(scope="module")
def files(parsed: ParseResult) -> dict[str, str]:
    return {f.path: f.content for f in generate(parsed.spec, GenerateOptions(rustfmt=False))}


def test_every_struct_is_kept_apart_by_its_module(parsed: ParseResult) -> None:
    assert [(e.name, e.module) for e in parsed.spec.entities if e.has_model] == [
        ("Account", "ledger_db::model"),
        ("AccountOwner", "ledger_db::model"),
        ("AuditRecord", "ledger_db::legacy"),
        ("Balance", "ledger_db::model"),
        ("Entry", "ledger_db::model"),
        ("Notify", "ledger_db::types"),
        ("importer::batch::NewEntry", "importer::batch"),
        ("ledger_db::insert::NewEntry", "ledger_db::insert"),
    ]
    assert parsed.diagnostics == []  # Option<T> on an Insertable over a NOT NULL column is normal Diesel


def test_a_query_struct_is_a_view_and_no_table_is_invented(parsed: ParseResult, files: dict[str, str]) -> None:
    balance = parsed.spec.entity("Balance")
    assert balance is not None and (balance.kind, balance.table) == ("view", "")
    generated = parse_schema_source(files["src/schema.rs"])
    original = parse_schema_source((MODULES / "crates/ledger/src/schema.rs").read_text())
    assert sorted(generated.tables) == sorted(original.tables) == ["accounts", "audit_log", "balance", "entries"]
    for name, table in original.tables.items():
        assert sorted(c.name for c in generated.tables[name].columns) == sorted(c.name for c in table.columns)
    assert "src/handlers/balance.rs" not in files
    only = [(e.name, e.table) for e in parsed.spec.entities if not e.has_model]
    assert only == [("BalanceTable", "balance")]  # the table's own name would collide with the Balance view


def test_relations_and_forms_attach_to_the_primary_model(parsed: ParseResult) -> None:
    spec = parsed.spec
    assert spec.entity_for_table("accounts").name == "Account"  # type: ignore[union-attr]
    assert spec.entity_for_table("entries").name == "Entry"  # type: ignore[union-attr]
    assert [(r.kind, r.entity) for r in spec.entity("Account").relations] == [("has_many", "Entry")]  # type: ignore[union-attr]
    assert spec.entity("AccountOwner").relations == []  # type: ignore[union-attr]
    entry = spec.entity("Entry")
    assert entry.field("account_id").references.entity == "Account"  # type: ignore[union-attr]
    forms = {e.name: e.form_of for e in spec.entities if e.form_of}
    assert forms == {"importer::batch::NewEntry": "Entry", "ledger_db::insert::NewEntry": "Entry"}


def test_embed_field_reads_no_column_and_cfg_attr_stays_conditional(parsed: ParseResult, files: dict[str, str]) -> None:
    notify = parsed.spec.entity("Entry").field("notify")  # type: ignore[union-attr]
    assert (notify.no_column, notify.sql_type, notify.attributes) == (  # type: ignore[union-attr]
        True,
        None,
        ['#[cfg_attr(feature = "full", diesel(embed))]'],
    )
    assert '    #[cfg_attr(feature = "full", diesel(embed))]\n    pub notify: Notify,\n' in files["src/models/entry.rs"]


def test_diesel_1_attributes_and_a_table_without_a_key_list(parsed: ParseResult) -> None:
    audit = parsed.spec.entity("AuditRecord")
    assert (audit.table, audit.primary_key, audit.insertable.name) == ("audit_log", ["id"], "NewAuditRecord")  # type: ignore[union-attr]


def test_custom_types_text_enums_and_project_imports(parsed: ParseResult, files: dict[str, str]) -> None:
    spec = parsed.spec
    assert [(t.name, t.path) for t in spec.sql_types] == [
        ("EntryState", None),
        ("Tsvector", "diesel_full_text_search::Tsvector"),
    ]
    assert "pub struct Text" not in files["src/schema.rs"]
    assert "pub struct EntryState;" in files["src/schema.rs"]
    assert spec.entity("Balance").uses == ["crate::types::AccountId"]  # type: ignore[union-attr]
    assert "use crate::types::AccountId;\n" in files["src/models/balance.rs"]
    assert "use diesel::{AsExpression, FromSqlRow};\n" in files["src/models/enums.rs"]
    assert "// semgraph:module importer::batch\n" in files["src/models/new_entry.rs"]


def test_round_trip_is_equal_and_byte_stable(parsed: ParseResult, tmp_path: Path) -> None:
    spec = load_spec(dump_spec(parsed.spec))
    out = generate(spec, GenerateOptions(rustfmt=False))
    write_files(out, tmp_path)
    again = parse_path(tmp_path)
    assert again.diagnostics == []
    assert again.spec == parsed.spec
    assert [(f.path, f.content) for f in generate(again.spec, GenerateOptions(rustfmt=False))] == [
        (f.path, f.content) for f in out
    ]


def test_openapi_and_json_schema_are_valid(parsed: ParseResult) -> None:
    openapi_spec_validator = pytest.importorskip("openapi_spec_validator")
    jsonschema = pytest.importorskip("jsonschema")
    doc = openapi(parsed.spec, paths=True)
    openapi_spec_validator.validate(doc)
    assert {"importer.batch.NewEntry", "ledger_db.insert.NewEntry", "Balance"} <= set(doc["components"]["schemas"])
    assert sorted(p for p in doc["paths"] if "{" not in p) == ["/accounts", "/audit_log", "/entries"]
    jsonschema.Draft202012Validator.check_schema(json_schema(parsed.spec))


def test_cfg_twins_are_one_field_with_two_variants(parsed: ParseResult, files: dict[str, str]) -> None:
    account = parsed.spec.entity("Account")
    kind = account.field("kind")  # type: ignore[union-attr]
    assert [f.name for f in account.fields] == ["id", "owner", "kind"]  # type: ignore[union-attr]
    assert (kind.rust_type, kind.attributes) == ("AccountKind", ['#[cfg(feature = "full")]'])  # type: ignore[union-attr]
    assert [(v.rust_type, v.attributes) for v in kind.variants] == [  # type: ignore[union-attr]
        ("String", ['#[cfg(not(feature = "full"))]'])
    ]
    assert (
        '    #[cfg(feature = "full")]\n    pub kind: AccountKind,\n'
        '    #[cfg(not(feature = "full"))]\n    pub kind: String,\n'
    ) in files["src/models/account.rs"]
    schema = openapi(parsed.spec, paths=False)["components"]["schemas"]["Account"]
    assert schema["required"] == ["id", "owner", "kind"]
