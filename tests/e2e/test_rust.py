"""The rust toolset over stdio: parse_diesel_model, generate_rust, export_diesel_schema,
including bad input (nonexistent path, non-Rust file, 5 MB file, output_dir outside the root)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from tests.support import FIXTURES, error_text, serve


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(FIXTURES / "diesel" / "workspace", root / "workspace")
    shutil.copytree(FIXTURES / "diesel" / "malformed", root / "malformed")
    shutil.copy(FIXTURES / "diesel" / "specs" / "shop.yaml", root / "shop.yaml")
    (root / "notes.txt").write_text("not rust\n")
    (root / "huge.rs").write_text("// filler\n" * 500_000)  # 5 MB
    return root


async def test_rust_tools_over_stdio(tmp_path: Path, mode: str) -> None:
    root = _project(tmp_path)
    outside = tmp_path / "outside"
    async with serve(root, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert {"parse_diesel_model", "generate_rust", "export_diesel_schema"} <= set(tools)
        # parse_diesel_model writes a file only when asked (spec_output), never over a non-spec file
        assert tools["parse_diesel_model"].annotations.read_only_hint is False
        assert tools["parse_diesel_model"].annotations.destructive_hint is False
        assert tools["generate_rust"].annotations.destructive_hint is True
        assert tools["generate_rust"].annotations.read_only_hint is False

        # a Cargo workspace: schema.rs is found, twins grouped, relations resolved
        res = await client.call_tool("parse_diesel_model", {"path": "workspace", "format": "yaml"})
        assert not res.is_error, error_text(res)
        out = res.structured_content
        assert out["summary"] == {
            "files": 6,
            "entities": 2,
            "models": 2,
            "enums": 0,
            "relations": 1,
            "errors": 0,
            "warnings": 0,
        }
        assert [e["name"] for e in out["entities"]] == ["Post", "User"]
        assert out["entities"][0]["relations"] == [
            {"kind": "belongs_to", "table": "users", "entity": "User", "foreign_key": "author_id"}
        ]
        spec_text = out["spec_text"]
        assert yaml.safe_load(spec_text)["entities"][1]["insertable"]["name"] == "NewUser"

        # paging over entities
        res = await client.call_tool("parse_diesel_model", {"path": "workspace", "limit": 1, "offset": 1})
        assert [e["name"] for e in res.structured_content["entities"]] == ["User"]
        assert res.structured_content["page"] == {
            "total": 2,
            "offset": 1,
            "limit": 1,
            "returned": 1,
            "next_offset": None,
        }

        # the whole spec to a file, and generate_rust from that file: every entity and sql_type kept
        res = await client.call_tool(
            "parse_diesel_model", {"path": "workspace", "limit": 1, "spec_output": "specs/workspace.yaml"}
        )
        assert not res.is_error, error_text(res)
        assert res.structured_content["spec_written_to"] == "specs/workspace.yaml"
        whole = yaml.safe_load((root / "specs" / "workspace.yaml").read_text())
        assert [e["name"] for e in whole["entities"]] == ["Post", "User"]
        res = await client.call_tool("generate_rust", {"spec_path": "specs/workspace.yaml", "targets": ["models"]})
        assert not res.is_error, error_text(res)
        assert [f["path"] for f in res.structured_content["files"]] == [
            "src/models/post.rs",
            "src/models/user.rs",
        ]
        res = await client.call_tool("parse_diesel_model", {"path": "workspace", "spec_output": "notes.txt"})
        assert res.is_error and "not an entity spec; refusing to overwrite it" in error_text(res)
        res = await client.call_tool("generate_rust", {"specs": spec_text, "spec_path": "specs/workspace.yaml"})
        assert res.is_error and "exactly one of specs" in error_text(res)

        # malformed files: diagnostics with file:line:column, the rest parsed
        res = await client.call_tool("parse_diesel_model", {"path": "malformed/missing_comma.rs"})
        assert not res.is_error
        assert res.structured_content["diagnostics"] == [
            {
                "file": "malformed/missing_comma.rs",
                "line": 6,
                "column": 5,
                "message": "syntax error in struct Broken: unexpected 'pub other: i32'",
                "severity": "error",
            }
        ]
        assert res.structured_content["diagnostics_page"] == {
            "total": 1,
            "offset": 0,
            "limit": 100,
            "returned": 1,
            "next_offset": None,
        }
        assert [e["name"] for e in res.structured_content["entities"]] == ["Fine"]

        # inline source with an inline schema
        res = await client.call_tool(
            "parse_diesel_model",
            {
                "source": "#[derive(Queryable)]\npub struct Tag {\n    pub id: i32,\n    pub label: String,\n}\n",
                "schema_source": "diesel::table! {\n    tags (id) {\n        id -> Int4,\n        #[max_length = 40]\n"
                "        label -> Varchar,\n    }\n}\n",
            },
        )
        assert res.structured_content["entities"][0]["fields"][1] == {
            "name": "label",
            "rust_type": "String",
            "sql_type": "Varchar",
            "nullable": False,
            "column_name": None,
            "sql_name": None,
            "max_length": 40,
            "default": None,
            "doc": None,
            "references": None,
            "enum": None,
            "enum_values": [],
            "item_type": None,
            "attributes": [],
            "no_column": False,
            "variants": [],
        }

        # bad input: each is a clear error and the server keeps going
        bad = {
            "missing": (
                {"path": "nope/models"},
                "Error executing tool parse_diesel_model: path 'nope/models' does not exist",
            ),
            "not rust": ({"path": "notes.txt"}, "notes.txt is not a Rust source file (.rs)"),
            "5 MB": ({"path": "huge.rs"}, "huge.rs is 5,000,000 bytes, over the 2,000,000-byte limit"),
            "escape": ({"path": "../outside"}, "resolves outside the allowed roots"),
            "both": ({"path": "workspace", "source": "x"}, "give exactly one of path (file or directory) and source"),
            "neither": ({}, "give exactly one of path (file or directory) and source"),
            "unknown arg": ({"path": "workspace", "colour": "red"}, "unknown argument(s) colour"),
        }
        for label, (args, expected) in bad.items():
            res = await client.call_tool("parse_diesel_model", args)
            assert expected in error_text(res), label
            assert "Traceback" not in error_text(res)

        # generate without output_dir: files come back, bounded
        res = await client.call_tool("generate_rust", {"specs": spec_text, "limit": 3, "max_file_chars": 300})
        assert not res.is_error, error_text(res)
        gen = res.structured_content
        assert [f["path"] for f in gen["files"]] == [
            "src/models/post.rs",
            "src/models/user.rs",
            "src/schema.rs",
        ]
        assert gen["files"][0]["status"] == "returned"
        assert gen["files"][0]["truncated"] is True
        assert gen["files"][0]["content"].endswith("\n… [truncated]")
        assert gen["page"]["total"] == 8 and gen["page"]["next_offset"] == 3
        assert gen["handlers_skipped"] == {}

        # with output_dir: written inside the root, diff returned; a second run needs overwrite
        shop = (root / "shop.yaml").read_text()
        res = await client.call_tool("generate_rust", {"specs": shop, "output_dir": "generated"})
        assert not res.is_error, error_text(res)
        gen = res.structured_content
        assert gen["written_to"] == "generated"
        assert {f["status"] for f in gen["files"]} == {"created"}
        assert gen["diff"].startswith("--- /dev/null\n+++ b/src/models/account.rs\n")
        assert (root / "generated/src/handlers/account.rs").is_file()
        res = await client.call_tool("generate_rust", {"specs": shop, "output_dir": "generated"})
        assert not res.is_error  # same content: nothing to overwrite
        assert {f["status"] for f in res.structured_content["files"]} == {"unchanged"}
        (root / "generated/src/models/account.rs").write_text("// mine\n")
        res = await client.call_tool("generate_rust", {"specs": shop, "output_dir": "generated"})
        assert "1 file(s) already exist with other content: src/models/account.rs" in error_text(res)
        res = await client.call_tool("generate_rust", {"specs": shop, "output_dir": "generated", "overwrite": True})
        assert not res.is_error
        assert [f["status"] for f in res.structured_content["files"] if f["path"] == "src/models/account.rs"] == [
            "updated"
        ]

        bad_gen = {
            "outside": ({"specs": shop, "output_dir": str(outside)}, "resolves outside the allowed roots"),
            "dotdot": ({"specs": shop, "output_dir": "../outside"}, "resolves outside the allowed roots"),
            "bad yaml": ({"specs": "entities: [\n  - name"}, "spec is not valid YAML/JSON"),
            "bad step": (
                {
                    "specs": {
                        "entities": [
                            {
                                "name": "A",
                                "table": "as",
                                "fields": [{"name": "id", "sql_type": "Int8"}],
                                "actions": [{"name": "go", "steps": [{"type": "teleport"}]}],
                            }
                        ]
                    }
                },
                "unknown step type 'teleport' (allowed step types: validate, update, insert, delete, call)",
            ),
            "backend": ({"specs": shop, "backend": "oracle"}, "backend"),
        }
        for label, (args, expected) in bad_gen.items():
            res = await client.call_tool("generate_rust", args)
            assert expected in error_text(res), label
        assert not outside.exists()

        # OpenAPI export from the workspace's schema.rs
        res = await client.call_tool("export_diesel_schema", {"path": "workspace/crates/store/src/schema.rs"})
        assert not res.is_error, error_text(res)
        doc = res.structured_content["document"]
        validate(doc)
        assert sorted(doc["components"]["schemas"]) == ["Error", "Post", "User"]
        res = await client.call_tool("export_diesel_schema", {"path": "workspace", "kind": "json_schema"})
        assert sorted(res.structured_content["document"]["$defs"]) == [
            "NewPost",
            "NewUser",
            "Post",
            "UpdateUser",
            "User",
        ]
