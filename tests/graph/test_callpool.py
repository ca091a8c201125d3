"""Calls resolved in forked workers (``graph.callpool``) give the same stored graph as resolved in-process."""

from __future__ import annotations

import itertools
import shutil
import time
from pathlib import Path

import pytest

from semgraph.graph import callpool, indexer
from semgraph.graph.callpool import CallPool, shards
from tests.graph.graphhelp import index
from tests.graphdump import graph_dump

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PARTS = ("resolution_py", "resolution_ts", "resolution_java", "resolution_go", "rustshop", "cargo_ws")


def corpus(root: Path) -> Path:
    for part in PARTS:
        shutil.copytree(FIXTURES / part, root / part, ignore=shutil.ignore_patterns(".semgraph"))
    return root


def test_shards_are_contiguous_and_cover_every_unit() -> None:
    class U:
        def __init__(self, n: int) -> None:
            self.calls = [0] * n

    prepared = [(U(n), {}, []) for n in (50, 0, 3, 200, 7, 7, 1, 90)]
    got = shards(prepared, 4)  # type: ignore[arg-type]
    assert got[0][0] == 0 and got[-1][1] == len(prepared)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(got))
    assert len(got) >= 3  # the 200-call file is a shard of its own, not the whole list


def test_forked_resolution_stores_the_same_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = corpus(tmp_path / "src")
    monkeypatch.setattr(callpool, "MIN_CALLS", 10**9)
    serial = index(root, tmp_path / "serial.db", workers=2)

    forked_shards: list[int] = []
    rows = CallPool.rows

    def counting(self: CallPool):  # type: ignore[no-untyped-def]
        yield from rows(self)
        forked_shards.append(self.forked)

    start = CallPool.start

    def started(self: CallPool) -> None:  # the first shard is with a worker before the indexer may take any
        start(self)
        deadline = time.monotonic() + 30
        while self._futures and not (self._futures[0].running() or self._futures[0].done()):
            assert time.monotonic() < deadline
            time.sleep(0.01)

    monkeypatch.setattr(callpool, "MIN_CALLS", 0)
    monkeypatch.setattr(CallPool, "rows", counting)
    monkeypatch.setattr(CallPool, "start", started)
    # a cold build as on a big repository: dropped indexes, FTS filled while the calls are resolved
    monkeypatch.setattr(indexer, "IN_PROCESS_FILES", 5)
    forked = index(root, tmp_path / "forked.db", workers=2)

    assert forked_shards and forked_shards[0] > 0  # workers resolved some shards
    assert forked.resolution == serial.resolution and sum(serial.resolution.values()) > 100
    assert graph_dump(tmp_path / "forked.db") == graph_dump(tmp_path / "serial.db")
