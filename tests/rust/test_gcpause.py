"""The GC pause used around bulk parse/generate work restores the collector's state exactly."""

from __future__ import annotations

import gc

import pytest

from semgraph.gcpause import gc_paused, without_gc


@pytest.fixture(autouse=True)
def _restore_gc():
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_pause_turns_collection_off_and_back_on() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_reenable_only_at_the_outermost() -> None:
    gc.enable()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_decorator_restores_after_an_exception() -> None:
    gc.enable()
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
