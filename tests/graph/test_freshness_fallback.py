"""Where the tree cannot be watched the keeper says so and stats the tree before each query; `semgraph status`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from semgraph.graph import watcher as watcher_mod
from semgraph.graph.freshness import IndexKeeper, ReadRecord
from semgraph.graph.jobs import IndexJobs
from semgraph.paths import PathGuard
from semgraph.server.cli import main
from tests.graph.graphhelp import write_tree


def test_watch_limit_falls_back_to_a_stat_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: watcher_mod.Watcher, timeout: float = 30.0) -> None:
        raise OSError("OS file watch limit reached")

    monkeypatch.setattr(watcher_mod.Watcher, "start", refuse)
    root = write_tree(tmp_path / "r", {"a.py": "def one():\n    pass\n"})
    keeper = IndexKeeper(root / ".semgraph" / "index.db", root, PathGuard([root]), IndexJobs())
    keeper.start()
    try:
        assert keeper.wait_idle(60)
        assert keeper.watcher_state == "polling"
        assert keeper.watcher_detail == "OS file watch limit reached; falling back to a stat check before each query"
        (root / "b.py").write_text("def two():\n    pass\n")
        record = ReadRecord()
        keeper.before_query(record)
        assert record.disk_changes == ["b.py"]
        status = keeper.status()
        assert (status.files, status.watcher, status.index_state) == (2, "polling", "ready")
    finally:
        keeper.stop()


def test_network_file_systems_are_not_watched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(watcher_mod, "filesystem_type", lambda _path: "nfs4")
    w = watcher_mod.Watcher(tmp_path, lambda _rels: None)
    with pytest.raises(OSError, match=r"network file system \(nfs4\)"):
        w.start()


def test_status_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "r", {"a.py": "def one():\n    pass\n", "notes.txt": "x"})
    assert main(["index", str(root)]) == 0
    capsys.readouterr()
    assert main(["status", "--root", str(root), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert (st["files"], st["loc"], st["symbols"], st["index_state"], st["watcher"]) == (1, 2, 2, "ready", "off")
    assert st["skipped"] == {"unknown_language": 1, "vendored_or_build_dir": 1}  # notes.txt, .semgraph/
    assert st["root"] == str(root)
