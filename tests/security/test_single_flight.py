"""Finding 2: after a re-index, concurrent analyses share one build per cache key."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from semgraph.analysis.codebase import open_codebase
from semgraph.cache import CACHE, SingleFlightLRU
from semgraph.graph import views
from semgraph.graph.indexer import index_repository
from semgraph.graph.store import GraphStore
from semgraph.paths import PathGuard
from tests.support import copy_fixture


def test_one_build_per_key_and_generation() -> None:
    cache = SingleFlightLRU(max_bytes=1000)
    calls: list[int] = []
    gate = threading.Event()

    def build() -> list[int]:
        calls.append(1)
        gate.wait(2)
        return [len(calls)]

    with ThreadPoolExecutor(40) as pool:
        futures = [pool.submit(cache.get, "k", 1, build, lambda v: 100) for _ in range(40)]
        time.sleep(0.2)
        gate.set()
        results = [f.result() for f in futures]
    assert len(calls) == 1 and all(r is results[0] for r in results)
    cache.get("k", 2, build, lambda v: 100)  # a new generation replaces the old entry
    assert len(calls) == 2 and cache.bytes == 100


def test_byte_budget_evicts_least_recently_used() -> None:
    cache = SingleFlightLRU(max_bytes=250)
    for key in "abc":
        cache.get(key, 1, lambda key=key: key, lambda v: 100)
    assert cache.bytes == 200
    assert cache.get("a", 1, lambda: "rebuilt", lambda v: 100) == "rebuilt"  # "a" was evicted first


def test_a_failed_build_reaches_every_waiter_and_is_not_cached() -> None:
    cache = SingleFlightLRU()
    gate = threading.Event()

    def boom() -> None:
        gate.wait(2)
        raise RuntimeError("broken index")

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(cache.get, "k", 1, boom, lambda v: 1) for _ in range(8)]
        time.sleep(0.1)
        gate.set()
        errors = [f.exception() for f in futures]
    assert all(isinstance(e, RuntimeError) for e in errors)
    assert cache.get("k", 1, lambda: "ok", lambda v: 1) == "ok"


def test_concurrent_analyses_after_reindex_build_once(tmp_path: Path) -> None:
    root = copy_fixture("pyshop", tmp_path)
    db = tmp_path / "index.db"
    index_repository(root, db, PathGuard([root]), workers=1)
    next(root.rglob("*.py")).write_text("def added_after_reindex():\n    return 1\n")
    index_repository(root, db, PathGuard([root]), workers=1)
    before = CACHE.builds

    def analyse() -> tuple[int, int]:
        with GraphStore.open(db, readonly=True) as store:
            g = views.call_graph(store)
        cb = open_codebase(db)
        return id(g), id(cb)

    with ThreadPoolExecutor(40) as pool:
        seen = list(pool.map(lambda _: analyse(), range(40)))
    assert len(set(seen)) == 1
    assert CACHE.builds - before == 2  # one call graph, one codebase
