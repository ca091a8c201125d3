"""The 100-model dataset of the reference plan: exact specs for all models, round trip, rustfmt."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from semgraph.rust.generator import GenerateOptions, generate
from semgraph.rust.project import parse_path
from semgraph.rust.spec import ParseResult, dump_spec, load_spec
from tests.rust.helpers import DIESEL, assert_rustfmt_clean, dump, parse_generated, write_tree


def _make_dataset():
    spec = importlib.util.spec_from_file_location("make_dataset", DIESEL / "make_dataset.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> ParseResult:
    root = _make_dataset().write_dataset(tmp_path_factory.mktemp("ds") / "dataset100", 100)
    return parse_path(root)


def _expected_entity(i: int) -> dict:
    name, table = f"Entity{i:03d}", f"entity{i:03d}s"
    fields = [
        {"name": "id", "rust_type": "i64", "sql_type": "Int8"},
        {"name": "name", "rust_type": "String", "sql_type": "Text"},
        {"name": "description", "rust_type": "Option<String>", "sql_type": "Text", "nullable": True},
        {"name": f"value{i}", "rust_type": "i32", "sql_type": "Int4"},
        {"name": "active", "rust_type": "bool", "sql_type": "Bool"},
        {
            "name": "status",
            "rust_type": f"Status{i}",
            "sql_type": "Text",
            "enum": f"Status{i}",
            "enum_values": ["Pending", "Active", "Completed", "Archived"],
        },
        {"name": "related_id", "rust_type": "i64", "sql_type": "Int8"},
        {"name": "created_at", "rust_type": "NaiveDateTime", "sql_type": "Timestamp"},
        {"name": "updated_at", "rust_type": "NaiveDateTime", "sql_type": "Timestamp"},
        {"name": "deleted_at", "rust_type": "Option<NaiveDateTime>", "sql_type": "Timestamp", "nullable": True},
    ]
    relations = []
    if i > 0:
        parent = f"entity{i - 1:03d}s"
        fields[6]["references"] = {"table": parent, "entity": f"Entity{i - 1:03d}"}
        relations.append(
            {"kind": "belongs_to", "table": parent, "entity": f"Entity{i - 1:03d}", "foreign_key": "related_id"}
        )
    if i < 99:
        relations.append(
            {
                "kind": "has_many",
                "table": f"entity{i + 1:03d}s",
                "entity": f"Entity{i + 1:03d}",
                "foreign_key": "related_id",
            }
        )
    return {
        "name": name,
        "table": table,
        "fields": fields,
        "derives": ["Debug", "Clone", "Queryable", "Insertable", "Serialize", "Deserialize"],
        "check_for_backend": [],
        "relations": relations,
        "insertable": {
            "name": f"New{name}",
            "fields": ["name", "description", f"value{i}", "active", "status", "related_id"],
            "derives": ["Debug", "Clone", "Insertable"],
        },
        "changeset": None,
    }


def test_all_100_models_parse_to_the_exact_spec(dataset: ParseResult) -> None:
    assert dataset.diagnostics == []
    assert len(dataset.files) == 102  # 100 models, models/mod.rs, schema.rs
    spec = dump(dataset.spec)
    assert len(spec["entities"]) == 100
    for i, entity in enumerate(spec["entities"]):
        assert entity == _expected_entity(i), f"Entity{i:03d}"
    assert [e["name"] for e in spec["enums"]] == sorted(f"Status{i}" for i in range(100))
    assert spec["enums"][0] == {
        "name": "Status0",
        "variants": [
            {"name": "Pending", "db_value": "Pending"},
            {"name": "Active", "db_value": "Active"},
            {"name": "Completed", "db_value": "Completed"},
            {"name": "Archived", "db_value": "Archived"},
        ],
        "derives": ["Debug", "Clone", "Copy", "PartialEq", "Eq", "Serialize", "Deserialize"],
    }
    assert spec["allow_in_same_query"] == []


def test_all_100_models_round_trip(dataset: ParseResult, tmp_path: Path) -> None:
    spec = load_spec(dump_spec(dataset.spec, "yaml"))
    assert spec == dataset.spec
    files = generate(spec, GenerateOptions(rustfmt=False))
    assert len(files) == 100 + 1 + 1 + 100 + 1 + 2  # models, enums, schema, handlers, error, two mod.rs
    again = parse_generated(files)
    assert again.diagnostics == []
    assert again.spec == dataset.spec
    assert [f.content for f in generate(again.spec, GenerateOptions(rustfmt=False))] == [f.content for f in files]
    assert_rustfmt_clean(write_tree(files, tmp_path))
