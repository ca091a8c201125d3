"""The index keeper, the watcher's path filter and the cold build's partial commits, in-process."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from semgraph.graph.freshness import (
    IndexKeeper,
    IndexOptions,
    ReadRecord,
    changed_on_disk,
    read_status,
    stored_status,
)
from semgraph.graph.indexer import index_repository
from semgraph.graph.jobs import IndexJobs
from semgraph.graph.store import GraphStore
from semgraph.graph.watcher import PathFilter
from semgraph.paths import PathGuard
from tests.graph.graphhelp import write_tree
from tests.graphdump import graph_dump

FILES = {
    "app/util.py": "def helper(x):\n    return x * 2\n",
    "app/service.py": "from app.util import helper\n\n\nclass Service:\n    def run(self, x):\n        return helper(x)\n",
    ".gitignore": "generated/\n*.gen.py\n",
    "README.md": "# demo\n",
}


def keeper_for(root: Path, **kwargs) -> IndexKeeper:
    return IndexKeeper(root / ".semgraph" / "index.db", root, PathGuard([root]), IndexJobs(), **kwargs)


def symbols(db: Path) -> set[str]:
    with GraphStore.open(db, readonly=True) as store:
        return {r[0] for r in store.conn.execute("SELECT qualified_name FROM symbols")}


def test_path_filter_applies_the_walkers_rules(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {**FILES, "generated/x.py": "", "node_modules/a/b.js": ""})
    f = PathFilter(root)
    assert f.relevant(str(root / "app/util.py")) == "app/util.py"
    assert f.relevant(str(root / "generated/x.py")) is None  # .gitignore'd directory
    assert f.relevant(str(root / "app/foo.gen.py")) is None  # .gitignore'd pattern
    assert f.relevant(str(root / "node_modules/a/b.js")) is None  # a vendored directory
    assert f.relevant(str(root / ".semgraph/index.db-wal")) is None  # the index itself
    assert f.relevant(str(root / "README.md")) is None  # not a language semgraph parses
    assert f.relevant(str(root / "app/gone")) == "app/gone"  # a removed directory: its files went with it
    assert f.relevant(str(tmp_path / "elsewhere.py")) is None
    # a changed ignore file counts, and its new rules apply at once
    (root / ".gitignore").write_text("app/\n")
    assert f.relevant(str(root / ".gitignore")) == ".gitignore"
    assert f.relevant(str(root / "app/util.py")) is None


def test_keeper_indexes_on_start_then_follows_an_edit(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", FILES)
    keeper = keeper_for(root)
    keeper.start()
    try:
        assert keeper.wait_idle(60)
        db = keeper.db_path
        assert {"app.util.helper", "app.service.Service.run"} <= symbols(db)
        assert keeper.watcher_state == "watching"
        gen = stored_status(db)["generation"]
        (root / "app/util.py").write_text("def helper(x):\n    return x * 2\n\n\ndef added_later():\n    pass\n")
        deadline = time.monotonic() + 30
        while "app.util.added_later" not in symbols(db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "app.util.added_later" in symbols(db)
        assert keeper.wait_idle(30)
        stamp = keeper.stamp(ReadRecord(generation=stored_status(db)["generation"]))
        assert stamp.generation > gen
        assert (stamp.index_state, stamp.files_changed_since, stamp.changed_files) == ("ready", False, [])
        # an ignored file changing starts no run
        runs = keeper.runs
        (root / "generated").mkdir()
        (root / "generated/x.py").write_text("def nope():\n    pass\n")
        time.sleep(0.5)
        assert keeper.runs == runs and "generated.x.nope" not in symbols(db)
    finally:
        keeper.stop()
    assert not keeper._thread.is_alive() and not keeper._watcher.alive


def test_poll_mode_checks_the_disk_before_a_query(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", FILES)
    keeper = keeper_for(root, watch="poll")
    keeper.start()
    try:
        assert keeper.wait_idle(60)
        (root / "app/new.py").write_text("def fresh():\n    pass\n")
        record = ReadRecord()
        keeper.before_query(record)  # finds the new file and waits (briefly) for its re-index
        assert record.disk_changes == ["app/new.py"]
        assert "app.new.fresh" in symbols(keeper.db_path)
        stamp = keeper.stamp(ReadRecord(generation=stored_status(keeper.db_path)["generation"]))
        assert (stamp.watcher, stamp.files_changed_since) == ("polling", False)
    finally:
        keeper.stop()


def test_watch_off_reports_changed_files_without_indexing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", FILES)
    db = root / ".semgraph" / "index.db"
    index_repository(root, db, PathGuard([root]))
    keeper = keeper_for(root, watch="off", auto_index=False)
    (root / "app/util.py").write_text("def helper(x):\n    return x\n")
    (root / "app/service.py").unlink()
    record = ReadRecord(generation=1)
    keeper.before_query(record)
    stamp = keeper.stamp(record)
    assert (stamp.files_changed_since, stamp.changed_files, stamp.changed_files_total) == (
        True,
        ["app/service.py", "app/util.py"],
        2,
    )
    assert stamp.watcher == "off" and "app.service.Service" in symbols(db)  # labelled, not re-indexed
    # an impact of the working tree must read an index that includes it: the passive keeper indexes then
    keeper.before_query(ReadRecord(), current=True)
    assert "app.service.Service" not in symbols(db)


def test_changed_on_disk_lists_added_modified_and_removed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", FILES)
    db = tmp_path / "i.db"
    index_repository(root, db, PathGuard([root]))
    (root / "app/a.py").write_text("x = 1\n")
    (root / "app/util.py").write_text("def helper(x):\n    return 3\n")
    (root / "app/service.py").unlink()
    with GraphStore.open(db, readonly=True) as store:
        assert changed_on_disk(store, root, PathGuard([root]), IndexOptions()) == [
            "app/a.py",
            "app/service.py",
            "app/util.py",
        ]


def _many(n: int) -> dict[str, str]:
    return {
        f"pkg/m{i:03d}.py": f"from pkg.m{(i + 1) % n:03d} import f{(i + 1) % n}\n\n\ndef f{i}():\n"
        f"    return f{(i + 1) % n}()\n"
        for i in range(n)
    }


def test_cold_build_commits_parts_and_a_stopped_build_is_redone(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", _many(400))
    db = tmp_path / "i.db"
    seen: list[tuple[int, bool, int]] = []

    def stop_midway(done: float, total: float | None = None, message: str | None = None) -> None:
        if done >= 200:
            raise KeyboardInterrupt  # stands for a server stopped mid-build

    # commit_every=0 commits after every progress step: readers see the growing part
    with pytest.raises(KeyboardInterrupt):
        index_repository(root, db, PathGuard([root]), workers=1, commit_every=1e-9, progress=stop_midway)
    st = stored_status(db)
    seen.append((st["files"], st["partial"], st["generation"]))
    assert seen[0][1] is True and 0 < seen[0][0] < 400 and seen[0][2] >= 1
    # the next run starts over and ends in the same graph as a build that was never stopped
    index_repository(root, db, PathGuard([root]), workers=1)
    clean = tmp_path / "clean.db"
    index_repository(root, clean, PathGuard([root]), workers=1)
    assert stored_status(db)["partial"] is False
    assert graph_dump(db) == graph_dump(clean)
    assert read_status(db, root).files == 400


def test_status_reports_skips_and_no_server(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {**FILES, "generated/x.py": "", "big.py": "x = 1\n" * 400_000})
    db = root / ".semgraph" / "index.db"
    assert read_status(db, root).index_state == "none"
    index_repository(root, db, PathGuard([root]))
    st = read_status(db, root)
    assert (st.files, st.index_state, st.watcher) == (2, "ready", "off")
    assert st.skipped == {"ignored": 1, "too_large": 1, "unknown_language": 2, "vendored_or_build_dir": 1}
    assert st.watcher_detail == "no server is running on this index"


def test_a_workers_keeper_labels_answers_from_the_supervisors_state_without_a_stat_check(tmp_path: Path) -> None:
    """``serve --workers N``: a worker's answers carry the supervisor keeper's stamp; no tree stat per query."""
    import os

    from semgraph.graph.follower import FollowerKeeper
    from semgraph.graph.freshness import live_state, write_server_status

    root = write_tree(tmp_path / "r", FILES)
    supervisor = keeper_for(root)
    supervisor.start()
    try:
        assert supervisor.wait_idle(60) and supervisor.watcher_state == "watching"
        db = supervisor.db_path
        follower = FollowerKeeper(db, root, PathGuard([root]), IndexJobs(), supervisor_pid=os.getpid())
        with supervisor._cond:  # a batch queued by the supervisor's watcher, as its state is published
            supervisor._pending.add("app/util.py")
        published = live_state(supervisor)
        write_server_status(supervisor, published)
        with supervisor._cond:
            supervisor._pending.discard("app/util.py")
        record = ReadRecord(generation=stored_status(db)["generation"])
        assert not follower.query_needs_wait(0.0)  # no thread hop for before_query while the supervisor watches
        assert follower.query_needs_wait(5.0) and follower.query_needs_wait(0.0, current=True)  # a batch queued
        follower.before_query(record)
        assert record.disk_changes is None  # no stat check of the tree
        stamp = follower.stamp(record)
        assert (stamp.watcher, stamp.index_state, stamp.changed_files, stamp.changed_files_total) == (
            "watching",
            "building",
            ["app/util.py"],
            1,
        )
        assert follower.busy
        write_server_status(supervisor)  # the batch done: the worker says so at once
        assert follower.stamp(record).index_state == "ready" and not follower.busy
        # a status file from another process (not this worker's supervisor): back to the stat check
        stranger = FollowerKeeper(db, root, PathGuard([root]), IndexJobs(), supervisor_pid=os.getpid() + 1)
        (root / "app/new.py").write_text("def fresh():\n    pass\n")
        record = ReadRecord(generation=stored_status(db)["generation"])
        assert stranger.query_needs_wait(0.0)
        stranger.before_query(record)
        assert record.disk_changes == ["app/new.py"]
        assert stranger.stamp(record).watcher == "off"
    finally:
        supervisor.stop()


def test_a_query_needs_no_pre_query_work_only_while_a_watcher_follows_the_tree(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", FILES)
    keeper = keeper_for(root, watch="off", auto_index=False)
    assert keeper.query_needs_wait(0.0)  # no watcher: every answer stats the tree first
    keeper.watcher_state = "watching"
    assert not keeper.query_needs_wait(0.0)
    assert not keeper.query_needs_wait(5.0)  # nothing building or queued: nothing to wait for
    assert keeper.query_needs_wait(0.0, current=True)  # must read every change on disk
    keeper.request_run()
    assert keeper.busy and keeper.query_needs_wait(5.0)
    assert not keeper.query_needs_wait(0.0)
