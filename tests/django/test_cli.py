"""``semgraph django vars | optimize | serializer`` call the same domain functions as the tools."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from semgraph.server.cli import main
from tests.support import FIXTURES


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "rentals", tmp_path / "rentals")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "rentals"


def test_vars_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["django", "vars", "rentals/rentals/templates/rentals/maintenance_list.html", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["variables"]["owners"] == ["owned_properties.all", "username"]
    assert data["templates"] == ["rentals/maintenance_list.html", "rentals/base.html", "rentals/_nav.html"]


def test_optimize_diff_applies(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["django", "optimize", "rentals", "--view", "tenant_directory", "--diff"]) == 0
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/rentals/views.py\n+++ b/rentals/views.py\n")
    assert "+from django.db.models import Prefetch" not in diff  # views.py already imports it
    done = subprocess.run(["patch", "-p1"], input=diff, text=True, cwd=project, capture_output=True)
    assert done.returncode == 0, done.stderr


def test_serializer_and_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["django", "serializer", "Tenant", "user.email", "leases.all.end_date", "--project", "rentals"]) == 0
    captured = capsys.readouterr()
    assert '"leases": [_item_0_leases(x) for x in obj.leases.all()]' in captured.out
    assert "cache: miss" in captured.err
    assert main(["django", "serializer", "Invoice", "x", "--project", "rentals"]) == 1
    assert "model 'Invoice' not found" in capsys.readouterr().err
    assert main(["django", "vars", "rentals/missing.html"]) == 1
    assert "does not exist" in capsys.readouterr().err
