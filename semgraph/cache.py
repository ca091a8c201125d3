"""Single-flight caches with a byte budget: one build per key, the other callers wait for it.

Why: analyses run in up to 40 worker threads. A cache that is checked under a lock but built outside
it lets every thread that misses build its own copy after a re-index (20x the CPU, GBs of RSS). Here the
first caller of a (key, generation) builds; the others block on its result. Entries live in one
process-wide LRU bounded in (estimated) bytes; a newer generation replaces the old entry at once, and
memory freed by an eviction is handed back to the OS (gc + malloc_trim).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

V = TypeVar("V")

DEFAULT_BUDGET_MB = 768
"""Total estimate of cached analysis state (graphs, codebases) before the least recently used goes."""


def budget_bytes() -> int:
    """``SEMGRAPH_CACHE_MB`` (default 768) in bytes."""
    try:
        return max(1, int(os.environ.get("SEMGRAPH_CACHE_MB", DEFAULT_BUDGET_MB))) * 1024 * 1024
    except ValueError:
        return DEFAULT_BUDGET_MB * 1024 * 1024


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


@dataclass
class _Entry:
    generation: int
    value: Any
    size: int


class SingleFlightLRU:
    """``get(key, generation, build, size)``: cached value, or exactly one ``build()`` per key+generation."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes if max_bytes is not None else budget_bytes()
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[tuple[Hashable, int], _Flight] = {}
        self.builds = 0
        self.bytes = 0

    def get(self, key: Hashable, generation: int, build: Callable[[], V], size: Callable[[V], int]) -> V:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.generation == generation:
                self._entries.move_to_end(key)
                return entry.value
            flight = self._flights.get((key, generation))
            leader = flight is None
            if flight is None:
                flight = self._flights[(key, generation)] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        freed = False
        try:
            value = build()
            flight.value = value
            with self._lock:
                self.builds += 1
                old = self._entries.pop(key, None)
                if old is not None:
                    self.bytes -= old.size
                    freed = True
                if old is None or old.generation <= generation:
                    n = max(0, int(size(value)))
                    self._entries[key] = _Entry(generation, value, n)
                    self.bytes += n
                freed = self._evict() or freed
            return value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                self._flights.pop((key, generation), None)
            flight.done.set()
            if freed:
                release_memory()

    def _evict(self) -> bool:
        evicted = False
        while self.bytes > self.max_bytes and len(self._entries) > 1:
            _key, entry = self._entries.popitem(last=False)
            self.bytes -= entry.size
            evicted = True
        return evicted

    def drop(self, key: Hashable) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
        if old is not None:
            release_memory()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


_ONCE_LOCK = threading.Lock()


def once(owner: Any, name: str, build: Callable[[], V]) -> V:
    """A value memoised on ``owner`` (``owner.__dict__[name]``), built by exactly one caller at a time."""
    slot = owner.__dict__
    value = slot.get(name)
    if value is not None:
        return value
    with _ONCE_LOCK:
        lock = slot.setdefault(f"{name}__lock", threading.Lock())
    with lock:
        value = slot.get(name)
        if value is None:
            value = build()
            slot[name] = value
    return value


_libc: Any = None


def release_memory() -> None:
    """Collect cycles and return freed heap pages to the OS (glibc ``malloc_trim``; a no-op elsewhere)."""
    global _libc
    gc.collect()
    if _libc is None:
        path = ctypes.util.find_library("c")
        _libc = ctypes.CDLL(path) if path else False
    trim = getattr(_libc, "malloc_trim", None) if _libc else None
    if trim is not None:
        trim(0)


CACHE = SingleFlightLRU()
"""The process-wide cache every analysis view shares (one budget for graphs, codebases, …)."""
