"""The CLI commands: semgraph seed, semgraph workload run / patterns / show / compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from semgraph.server.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_seed_run_show_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = ["--root", str(tmp_path)]
    assert main(["seed", *root, "--rows", "20"]) == 1
    assert "allow_writes is false" in capsys.readouterr().err
    seeded = run_json(capsys, "seed", *root, "--yes", "--rows", "20", "--seed", "9")
    assert seeded["total_rows"] == 80 and seeded["seed"] == 9
    first = run_json(capsys, "workload", "run", *root, "--pattern", "olap", "-t", "30", "-c", "2")
    assert (first["run_id"], first["completed"], first["failed"], first["connections"]) == (1, 30, 0, 2)
    second = run_json(capsys, "workload", "run", *root, "--pattern", "oltp", "-t", "40", "--allow-writes")
    assert (second["run_id"], second["completed"] + second["failed"]) == (2, 40)
    shown = run_json(capsys, "workload", "show", *root, "1")
    assert shown["completed"] == 30 and shown["workload"] == "olap"
    listing = run_json(capsys, "workload", "show", *root)
    assert [r["run_id"] for r in listing] == [2, 1]
    cmp = run_json(capsys, "workload", "compare", *root, "1", "2")
    assert "workload: olap vs oltp" in cmp["setup_differences"]
    assert main(["workload", "show", *root, "7"]) == 1
    assert "no workload run 7" in capsys.readouterr().err
    assert main(["workload", "patterns", *root]) == 0
    table = capsys.readouterr().out
    assert all(name in table for name in ("oltp", "ecommerce", "time_series", "write_heavy", "balanced"))
    assert main(["workload", "run", *root, "--pattern", "olap", "-t", "10"]) == 0
    text = capsys.readouterr().out
    assert "run 3 olap on" in text and ": done" in text and "TPS" in text and "ALL" in text
