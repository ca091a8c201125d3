"""JSON Schema and OpenAPI 3.1 straight from schema.rs / models: validated, with nullability,
max length, enums and references kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from semgraph.rust.export import json_schema, openapi
from semgraph.rust.project import SourceFile, parse_sources
from semgraph.rust.spec import load_spec
from tests.rust.helpers import DIESEL, PATTERN_NAMES, PATTERNS, parse_fixture

SOURCES = [PATTERNS / f"{n}.rs" for n in PATTERN_NAMES] + [DIESEL / "workspace"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_openapi_31_validates_for_every_fixture(source: Path) -> None:
    spec = parse_fixture(source).spec
    doc = openapi(spec)
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert set(doc["components"]["schemas"]) >= {e.name for e in spec.entities}
    Draft202012Validator.check_schema(json_schema(spec))


def test_shop_spec_openapi_validates_with_routes_and_actions() -> None:
    doc = openapi(load_spec((DIESEL / "specs" / "shop.yaml").read_text()))
    validate(doc)
    assert sorted(doc["paths"]) == [
        "/accounts",
        "/accounts/{id}",
        "/accounts/{id}/close",
        "/accounts/{id}/withdraw",
        "/ledgers",
        "/ledgers/{id}",
        "/ledgers/{id}/void",
    ]
    assert sorted(doc["paths"]["/accounts/{id}"]) == ["delete", "get", "parameters", "patch"]
    schemas = doc["components"]["schemas"]
    assert sorted(schemas) == [
        "Account",
        "AccountStatus",
        "Error",
        "Ledger",
        "NewAccount",
        "NewLedger",
        "UpdateAccount",
        "UpdateLedger",
    ]
    assert schemas["AccountStatus"] == {
        "title": "AccountStatus",
        "type": "string",
        "enum": ["pending", "active", "closed"],
    }
    account = schemas["Account"]
    assert account["properties"]["owner"] == {"type": "string", "maxLength": 120, "description": "Who owns it"}
    assert account["properties"]["status"] == {"$ref": "#/components/schemas/AccountStatus"}
    assert account["properties"]["meta"] == {}  # any JSON value, null included
    assert account["properties"]["deleted_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert account["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert account["required"] == ["id", "owner", "balance", "status", "tags", "created_at", "updated_at"]
    assert schemas["Ledger"]["properties"]["account_id"] == {
        "type": "integer",
        "format": "int64",
        "x-references": {"table": "accounts", "column": "id", "entity": "Account"},
    }
    assert schemas["NewAccount"]["required"] == ["owner", "balance", "status", "tags"]
    assert "required" not in schemas["UpdateAccount"]


def test_export_straight_from_schema_rs_keeps_types() -> None:
    schema = (DIESEL / "workspace/crates/store/src/schema.rs").read_bytes()
    spec = parse_sources([], [SourceFile("schema.rs", schema)]).spec
    doc = json_schema(spec)
    Draft202012Validator.check_schema(doc)
    users = doc["$defs"]["User"]
    assert users == {
        "title": "User",
        "type": "object",
        "properties": {
            "id": {"type": "integer", "format": "int32"},
            "email": {"type": "string", "maxLength": 255},
            "display_name": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "deleted_at": {"type": ["string", "null"], "format": "date-time"},
        },
        "required": ["id", "email", "created_at", "updated_at"],
        "additionalProperties": False,
        "x-table": "users",
        "x-primary-key": ["id"],
    }
    post = doc["$defs"]["Post"]
    assert post["properties"]["author_id"]["x-references"] == {"table": "users", "column": "id", "entity": "User"}
    assert post["properties"]["title"] == {"type": "string", "maxLength": 200}
    # schema-only tables have no handlers, so OpenAPI has components but no routes
    api = openapi(spec)
    validate(api)
    assert api["paths"] == {}


def test_composite_keys_and_custom_types_in_openapi() -> None:
    doc = openapi(parse_fixture(PATTERNS / "composite.rs").spec)
    validate(doc)
    member = doc["components"]["schemas"]["TeamMember"]
    assert member["x-table"] == "org.team_members"
    assert member["x-primary-key"] == ["team_id", "user_id"]
    assert member["properties"]["role"] == {"$ref": "#/components/schemas/MembershipRole"}
    assert member["properties"]["display_name"] == {"type": ["string", "null"], "maxLength": 80}
    assert sorted(doc["paths"]) == ["/org/team_members", "/org/team_members/{team_id}/{user_id}"]
    params = doc["paths"]["/org/team_members/{team_id}/{user_id}"]["parameters"]
    assert [(p["name"], p["schema"]) for p in params] == [
        ("team_id", {"type": "integer", "format": "int32"}),
        ("user_id", {"type": "integer", "format": "int32"}),
    ]
