"""Pause Python's cyclic garbage collector around allocation-heavy bulk work.

Indexing a repository, analysing a 10,000-step template or round-tripping a
1,000-model Diesel crate allocate hundreds of thousands of objects that stay
alive until the end and form almost no reference cycles. With the collector
on, its repeated full-heap passes over everything alive cost a third to a half
of the CPU time (measured in ``bench/index.py``, ``bench/dag.py`` and
``bench/diesel.py``). Reference counting still frees everything as usual;
cycles are collected once the pause ends.

The collector is process-wide, so there is exactly one pause counter for the
whole process: nested and concurrent pauses (tool calls run in worker threads)
are counted, and only the last one out turns collection back on, and only if
it was on when the first one came in.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_lock = threading.Lock()
_depth = 0
_was_enabled = False

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off (its previous state restored afterwards)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of ``gc_paused``."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
