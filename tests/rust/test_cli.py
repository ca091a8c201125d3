"""CLI: semgraph diesel parse / diesel openapi / rust generate (called in-process through main)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from semgraph.server.cli import main
from tests.rust.helpers import DIESEL


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DIESEL / "workspace", tmp_path / "workspace")
    shutil.copytree(DIESEL / "malformed", tmp_path / "malformed")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_parse_writes_a_spec_and_generate_writes_the_crate(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["diesel", "parse", "workspace", "-o", "spec.yaml"]) == 0
    spec = yaml.safe_load((project / "spec.yaml").read_text())
    assert [e["name"] for e in spec["entities"]] == ["Post", "User"]
    assert "spec written to spec.yaml (2 entities, 0 enums)" in capsys.readouterr().out

    assert main(["rust", "generate", "spec.yaml", "-o", "out", "--dry-run"]) == 0
    assert not (project / "out").exists()
    assert capsys.readouterr().out.startswith("--- /dev/null\n+++ b/src/models/post.rs\n")

    assert main(["rust", "generate", "spec.yaml", "-o", "out", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in report["files"]] == [
        "src/models/post.rs",
        "src/models/user.rs",
        "src/schema.rs",
        "src/handlers/post.rs",
        "src/handlers/user.rs",
        "src/handlers/error.rs",
        "src/models/mod.rs",
        "src/handlers/mod.rs",
    ]
    assert {f["status"] for f in report["files"]} == {"created"}
    (project / "out/src/schema.rs").write_text("// changed\n")
    assert main(["rust", "generate", "spec.yaml", "-o", "out"]) == 1
    assert "1 file(s) already exist with other content: src/schema.rs" in capsys.readouterr().err
    assert main(["rust", "generate", "spec.yaml", "-o", "out", "--overwrite", "--targets", "schema"]) == 0
    assert (project / "out/src/schema.rs").read_text().count("diesel::table!") == 2


def test_parse_to_stdout_and_exit_code_on_syntax_errors(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["diesel", "parse", "malformed/missing_comma.rs"]) == 1
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out)["entities"][0]["name"] == "Fine"
    assert "malformed/missing_comma.rs:6:5: error: syntax error in struct Broken" in captured.err


def test_openapi_command_prints_a_valid_document(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["diesel", "openapi", "workspace/crates/store/src/schema.rs"]) == 0
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    assert sorted(doc["components"]["schemas"]) == ["Error", "Post", "User"]
    assert main(["diesel", "openapi", "workspace", "--json-schema", "-o", "schema.json"]) == 0
    assert sorted(json.loads((project / "schema.json").read_text())["$defs"]) == [
        "NewPost",
        "NewUser",
        "Post",
        "UpdateUser",
        "User",
    ]


def test_bad_paths_are_one_line_errors(project: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["diesel", "parse", "missing"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["rust", "generate", "nope.yaml", "-o", "out"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["diesel", "parse", "/etc"]) == 1
    assert "resolves outside the allowed roots" in capsys.readouterr().err


def test_diagnostics_come_errors_first_counted_with_the_rest_reachable(
    project: Path, capsys: pytest.CaptureFixture
) -> None:
    crate = project / "noisy"
    crate.mkdir()
    (crate / "schema.rs").write_text("diesel::table! {\n    items (id) {\n        id -> Int4,\n    }\n}\n")
    fields = "".join(f"    pub f{i}: i32,\n" for i in range(205))
    (crate / "a_models.rs").write_text(
        f"#[derive(Queryable)]\n#[diesel(table_name = items)]\npub struct Item {{\n{fields}}}\n"
    )
    (crate / "z_broken.rs").write_text("pub struct Broken {\n    pub a: i32\n    pub b: i32,\n}\n")
    assert main(["diesel", "parse", "noisy", "-o", "noisy.yaml"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err[0] == "noisy/z_broken.rs:3:5: error: syntax error in struct Broken: unexpected 'pub b: i32'"
    assert err[1] == "noisy/a_models.rs:3:1: warning: struct Item: field f0 has no column f0 in table items"
    assert err[-2:] == ["… 6 more (--all-diagnostics prints every one)", "1 error(s), 205 warning(s) in 3 file(s)"]
    assert main(["diesel", "parse", "noisy", "-o", "noisy.yaml", "--all-diagnostics"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 207 and err[-2].endswith("field f204 has no column f204 in table items")
