"""Enums with one name in two modules (fixtures/diesel/samename) stay two enums, each field keeps its
own, generated code imports the right one, and the round trip holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.rust.export import openapi
from semgraph.rust.generator import GenerateOptions, generate
from semgraph.rust.project import parse_path
from semgraph.rust.regions import write_files
from semgraph.rust.spec import ParseResult, dump_spec, load_spec
from tests.rust.helpers import DIESEL, parse_fixture

SAMENAME = DIESEL / "samename"


@pytest.fixture(scope="module")
def parsed() -> ParseResult:
    return parse_fixture(SAMENAME)


def test_same_named_enums_in_two_modules_stay_apart(parsed: ParseResult) -> None:
    assert [(e.name, e.module, e.values()) for e in parsed.spec.enums] == [
        ("shop::billing::state::Status", "shop::billing::state", ["Due", "Paid"]),
        ("shop::orders::Status", "shop::orders", ["Pending", "Shipped"]),
        ("shop::tickets::Status", "shop::tickets", ["Open", "Waiting", "Closed"]),
    ]
    assert parsed.diagnostics == []


def test_each_field_holds_the_enum_its_module_names(parsed: ParseResult) -> None:
    spec = parsed.spec
    got = {(e.name, f.name): (f.enum, f.enum_values) for e in spec.entities for f in e.fields if f.enum}
    assert got == {
        # `use crate::billing::Status`: re-exported by the enclosing module (`pub use self::state::Status`)
        ("Invoice", "state"): ("shop::billing::state::Status", ["Due", "Paid"]),
        ("Order", "state"): ("shop::orders::Status", ["Pending", "Shipped"]),
        ("Ticket", "state"): ("shop::tickets::Status", ["Open", "Waiting", "Closed"]),
        # defined elsewhere, brought in by `use crate::tickets::Status`
        ("TicketAudit", "state"): ("shop::tickets::Status", ["Open", "Waiting", "Closed"]),
    }


def test_generated_code_keeps_one_file_per_module_and_imports_the_right_one(parsed: ParseResult) -> None:
    files = {f.path: f.content for f in generate(parsed.spec, GenerateOptions(rustfmt=False))}
    assert "src/models/enums.rs" not in files
    assert "// semgraph:module shop::billing::state\n" in files["src/models/enums_1.rs"]
    assert "// semgraph:module shop::orders\n" in files["src/models/enums_2.rs"]
    assert "    Shipped,\n" in files["src/models/enums_2.rs"]
    assert "// semgraph:module shop::tickets\n" in files["src/models/enums_3.rs"]
    assert "    Waiting,\n" in files["src/models/enums_3.rs"]
    assert "use crate::models::enums_1::Status;\n" in files["src/models/invoice.rs"]
    assert "use crate::models::enums_2::Status;\n" in files["src/models/order.rs"]
    assert "use crate::models::enums_3::Status;\n" in files["src/models/ticket.rs"]
    assert "use crate::models::enums_3::Status;\n" in files["src/models/ticket_audit.rs"]
    assert "crate::billing" not in files["src/models/invoice.rs"]  # the struct's own use line is not kept twice
    assert "pub mod enums_1;\npub mod enums_2;\npub mod enums_3;\n" in files["src/models/mod.rs"]


def test_round_trip_is_equal_and_byte_stable(parsed: ParseResult, tmp_path: Path) -> None:
    out = generate(load_spec(dump_spec(parsed.spec)), GenerateOptions(rustfmt=False))
    write_files(out, tmp_path)
    again = parse_path(tmp_path)
    assert again.diagnostics == []
    assert again.spec == parsed.spec
    assert [(f.path, f.content) for f in generate(again.spec, GenerateOptions(rustfmt=False))] == [
        (f.path, f.content) for f in out
    ]


def test_openapi_keys_stay_apart_and_valid(parsed: ParseResult) -> None:
    openapi_spec_validator = pytest.importorskip("openapi_spec_validator")
    doc = openapi(parsed.spec, paths=True)
    openapi_spec_validator.validate(doc)
    schemas = doc["components"]["schemas"]
    assert schemas["shop.orders.Status"]["enum"] == ["Pending", "Shipped"]
    assert schemas["shop.tickets.Status"]["enum"] == ["Open", "Waiting", "Closed"]
    assert schemas["TicketAudit"]["properties"]["state"] == {"$ref": "#/components/schemas/shop.tickets.Status"}
