"""Pause Python's cyclic garbage collector around bulk parse / generate work.

Parsing or generating a 1,000-model crate allocates hundreds of thousands of
short-lived objects (tree-sitter nodes, tokens, pydantic models) and none of
them form reference cycles that need the collector; with it running, repeated
full-heap passes over everything alive cost about a third of the round trip's
CPU time. Reference counting still frees everything as usual. Nested and
concurrent pauses are counted, so only the last one out turns collection back
on, and only if it was on to begin with.
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
    """Run the body with the cyclic collector off (restored afterwards)."""
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
