"""The analysis CLI commands print the same results as the tools (JSON mode)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from semgraph.graph.indexer import index_repository
from semgraph.paths import PathGuard
from semgraph.server.cli import main
from tests.support import FIXTURES


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "flask_shop"
    shutil.copytree(FIXTURES / "eval" / "flask_shop", root)
    index_repository(root, root / ".semgraph" / "index.db", PathGuard([root]), workers=1)
    return root


def _run(capsys: pytest.CaptureFixture[str], root: Path, *args: str):
    code = main([*args, "--root", str(root), "--json"])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else None)


def test_workflows_patterns_quality_links(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, wfs = _run(capsys, project, "workflows", "--type", "authentication")
    assert code == 0
    assert [(w["type"], w["entry_points"][0]["path"]) for w in wfs] == [("authentication", "/login")]
    code, step = _run(capsys, project, "workflows", "--step", wfs[0]["id"], "4")
    assert step["step"]["symbol"] == "shop.security.verify_password"
    code, pats = _run(capsys, project, "patterns", "--kind", "adapter")
    assert [p["symbols"][0] for p in pats["patterns"]] == ["shop.payments.StripeGateway"]
    code, q = _run(capsys, project, "quality", "shop/services", "--min-severity", "medium")
    assert [(f["kind"], f["location"]) for f in q["findings"]] == [
        ("query_in_loop", "shop/services/importer.py:19"),
        ("query_in_loop", "shop/services/orders.py:17"),
    ]
    code, links = _run(capsys, project, "links", "--no-store")
    assert links == {"links": [], "edges_stored": 0}


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workflows", "--root", str(tmp_path)]) == 1
    assert "no index yet" in capsys.readouterr().err


def test_quality_of_a_path_with_no_indexed_file_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quality", "shop/nope", "--root", str(project)]) == 1
    assert "no indexed file under 'shop/nope'" in capsys.readouterr().err


def test_routes_command(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, inv = _run(capsys, project, "routes", "--method", "POST", "--prefix", "/products")
    assert code == 0
    assert [(r["method"], r["path"], r["handler"]) for r in inv["routes"]] == [
        ("POST", "/products/import", "shop.routes.import_catalog")
    ]
    assert inv["frameworks"] == ["flask"] and inv["unmapped"] == []
    assert main(["routes", "--root", str(project)]) == 0
    table = capsys.readouterr().out
    assert "13 routes (flask)" in table and "shop/routes.py:57" in table
