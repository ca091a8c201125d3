"""``semgraph dag check`` and ``semgraph dag states`` from the command line."""

from __future__ import annotations

import json

import pytest

from semgraph.server.cli import main
from tests.support import FIXTURES


def test_check_valid_template_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES)
    assert main(["dag", "check", "dag/order_fulfillment.yaml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is True
    assert out["critical_path"]["length"] == 70.0
    assert [lv["level"] for lv in out["levels"]] == [0, 1, 2, 3, 4, 5, 6]
    assert "readiness" not in out


def test_check_with_states_and_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES)
    args = ["dag", "check", "dag/etl_pipeline.yaml", "--states", "dag/etl_pipeline_states.yaml"]
    assert main([*args, "--now", "2025-07-01T12:00:00Z", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in out["readiness"] if r["ready_for_execution"]] == ["transform_orders", "archive_raw"]
    assert out["context"]["execution_status"] == "blocked_by_failures"
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps table cells to the terminal width
    assert main(["dag", "check", "dag/two_cycles.yaml", "--mermaid"]) == 1
    text = capsys.readouterr().out
    assert "parse -> normalise -> dedupe -> parse" in text
    assert "flowchart TD\n" in text and "    class s1,s2,s3,s4,s5,s6 blocked" in text


def test_check_bad_yaml_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    (tmp_path / "bad.yaml").write_text("steps:\n  - name: [a\n")
    monkeypatch.chdir(tmp_path)
    assert main(["dag", "check", "bad.yaml"]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:3:1:" in err and "Traceback" not in err


def test_states_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES / "state_machines")
    assert main(["dag", "states", "rust_orders", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in out["machines"]] == ["OrderState"]
    assert out["machines"][0]["unreachable"] == ["Refunded"]
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["dag", "states", "python_payments"]) == 0
    text = capsys.readouterr().out
    assert "dead ends (non-terminal, no way out): DISPUTED" in text


def test_transitions_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES)
    assert main(["dag", "transitions", "--machine", "step", "dag/step_history.yaml", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [(p["index"], p["source"], p["target"], p["event"]) for p in out["problems"]] == [
        (5, "waiting_for_retry", "in_progress", "start"),
        (8, "complete", "error", "fail"),
    ]
    assert (out["final_state"], out["final_is_terminal"], out["transitions_checked"]) == ("error", False, 8)
    assert [n["target"] for n in out["legal_next"]] == ["cancelled", "complete", "pending", "resolved_manually"]


def test_runs_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES)
    assert main(["dag", "runs", "dag/step_runs.json", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(s["step"], s["mean_seconds"]) for s in out["slowest_steps"]] == [
        ("load_warehouse", 180.0),
        ("extract_orders", 40.0),
        ("transform_orders", 30.0),
    ]
    assert [(t["task"], t["duration_seconds"], t["error_steps"]) for t in out["slowest_tasks"]] == [
        ("t-100", 270.0, 0),
        ("t-101", 56.0, 1),
    ]
    assert out["retry_hot_spots"] == [
        {"step": "transform_orders", "retries": 3, "tasks_retried": 2, "max_attempts_seen": 3}
    ]
    assert out["error_rates"] == [{"step": "transform_orders", "runs": 5, "errors": 4, "error_rate": 0.8}]
    assert out["health_counts"] == {"complete": 4, "error": 1}


def test_emit_json_streams_long_lists_in_chunks_as_one_plain_document() -> None:
    import io
    import json
    from types import SimpleNamespace

    from semgraph.server.commands.dag import JSON_CHUNK, emit_json

    rows = [{"name": f"s{i}", "ready": i % 2 == 0} for i in range(2 * JSON_CHUNK + 7)]
    doc = {"valid": True, "readiness": rows, "empty": [], "short": [1, 2, 3]}
    buf = io.StringIO()
    emit_json(SimpleNamespace(out=SimpleNamespace(file=buf)), doc)
    assert json.loads(buf.getvalue()) == doc
