"""Call resolution in forked processes, sharded by file, off the indexing process's critical path.

Resolving calls was ~25 % of a cold index's wall time, serial in the indexing process while the parser pool's
cores idled. ``Resolver.prepare`` settles everything one file's calls read from the others (bindings,
re-exports, resolved bases); the call sites of each file then depend only on that read-only state, so they
are resolved in processes forked after it is built (copy-on-write: nothing is pickled to them, only their
edge rows come back). Meanwhile the indexing process stores what does not wait for calls (import and base
edges, symbol indexes), then takes the shards no worker has started yet itself.

Only where a fork is safe: a single-threaded process (the CLI, benches) with the symbol table fully in memory
(a cold run's ``SymbolIndex(details=...)``, which never reads the database: a forked child must not touch the
parent's SQLite connection). Elsewhere, and whenever the pool fails, calls are resolved in-process, with the
same rows in the same order.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from semgraph.graph.resolver import Prepared, Resolver
from semgraph.procguard import die_with_parent, mark_pool_parent

log = logging.getLogger(__name__)

MIN_CALLS = 20_000
"""Below this many call sites, resolving in-process is cheaper than forking workers (~0.05 s each)."""
SHARDS_PER_WORKER = 8
"""Small shards, so the indexing process can take the ones still queued when its own work is done."""

_state: tuple[Resolver, list[Prepared]] | None = None  # what forked workers resolve from (set before the fork)


def _init() -> None:
    die_with_parent()  # the cyclic collector stays paused, as in the parent: the inherited heap has no garbage


def _shard(lo: int, hi: int) -> tuple[list[tuple], dict[str, int]]:
    assert _state is not None
    resolver, prepared = _state
    resolver.stats = {}
    return resolver.resolve_calls(prepared[lo:hi]), resolver.stats


def usable(resolver: Resolver, prepared: list[Prepared], workers: int | None) -> bool:
    """Whether ``resolve`` would fork: enough calls, several cores, a fork-safe process, an in-memory index."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    return (
        workers > 1
        and resolver.ix.bulk
        and resolver.ix.details is not None
        and sum(len(p[0].calls) for p in prepared) >= MIN_CALLS
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def shards(prepared: list[Prepared], count: int) -> list[tuple[int, int]]:
    """Contiguous ranges of ``prepared`` with about the same number of call sites each (in order: the rows come
    back in the order a serial run makes them, so edge ids are the same)."""
    total = sum(len(p[0].calls) + 1 for p in prepared)
    budget = max(1, total // max(1, count))
    out, lo, used = [], 0, 0
    for i, p in enumerate(prepared):
        weight = len(p[0].calls) + 1
        if used and used + weight > budget:  # a big file starts a shard of its own
            out.append((lo, i))
            lo, used = i, 0
        used += weight
    if lo < len(prepared):
        out.append((lo, len(prepared)))
    return out


class CallPool:
    """``start`` forks the workers on the shards; ``rows`` yields each shard's call rows in order, resolving
    in-process the shards no worker has started (and all of them if the pool broke)."""

    def __init__(self, resolver: Resolver, prepared: list[Prepared], workers: int | None) -> None:
        self.resolver = resolver
        self.prepared = prepared
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.ranges = shards(prepared, self.workers * SHARDS_PER_WORKER)
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future | None] = []  # None once its rows are taken (not kept until the end)
        self.forked = 0  # shards whose rows a worker made

    def start(self) -> None:
        global _state
        from semgraph.graph.extractors.rust import rust_type_name  # noqa: F401  imported lazily by the resolver

        self.resolver.ix.warm()  # built once here, not once per worker
        _state = (self.resolver, self.prepared)
        mark_pool_parent()
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("fork"), initializer=_init
            )
            self._futures = [self._pool.submit(_shard, lo, hi) for lo, hi in self.ranges]
        except (OSError, BrokenProcessPool) as exc:
            log.warning("call resolution pool failed to start (%s); resolving in-process", exc)
            self._futures = []
        finally:
            _state = None  # the children hold their copy

    def rows(self) -> Iterator[list[tuple]]:
        stats = self.resolver.stats
        done: dict[int, tuple[list[tuple], dict[str, int]]] = {}
        try:
            # take the last shards no worker has started (the workers work from the first): they are ready when
            # the workers reach them; the rows still come out in shard order
            for k in range(len(self._futures) - 1, -1, -1):
                fut = self._futures[k]
                if fut is None or not fut.cancel():
                    break
                self._futures[k] = None
                done[k] = self._here(k)
            for k in range(len(self.ranges)):
                got = done.pop(k, None)
                fut = self._futures[k] if got is None and k < len(self._futures) else None
                if fut is not None:
                    self._futures[k] = None
                    try:
                        got = fut.result()
                        self.forked += 1
                    except BrokenProcessPool as exc:
                        log.warning("call resolution pool failed (%s); resolving in-process", exc)
                        self._futures = []
                    del fut
                if got is None:  # the pool broke: resolve it here
                    got = self._here(k)
                for key, n in got[1].items():
                    stats[key] = stats.get(key, 0) + n
                yield got[0]
        finally:
            self.resolver.stats = stats
            self.close()

    def _here(self, k: int) -> tuple[list[tuple], dict[str, int]]:
        lo, hi = self.ranges[k]
        self.resolver.stats = {}
        return self.resolver.resolve_calls(self.prepared[lo:hi]), self.resolver.stats

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
