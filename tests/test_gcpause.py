"""The collector pause is counted across nesting and threads and restores the previous setting."""

from __future__ import annotations

import gc
import threading

import pytest

from semgraph.gcpause import gc_paused, without_gc


def test_nested_and_threaded_pauses_restore_the_collector() -> None:
    assert gc.isenabled()
    entered = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with gc_paused():
            entered.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    with gc_paused():
        t.start()
        entered.wait(5)
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()  # the worker is still inside its pause
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_decorator_restores_after_an_exception() -> None:
    assert gc.isenabled()
    seen: list[bool] = []

    @without_gc
    def boom(x: int) -> int:
        seen.append(gc.isenabled())
        raise ValueError(x)

    with pytest.raises(ValueError, match="7"):
        boom(7)
    assert seen == [False]
    assert gc.isenabled()
    assert boom.__name__ == "boom"
