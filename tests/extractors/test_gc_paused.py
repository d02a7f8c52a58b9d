"""`gc_paused`: the cycle collector is off while a page is parsed, and back as it was after,
even when the parse fails."""

from __future__ import annotations

import gc

import pytest

from extractors._http.session import gc_paused


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failed_parse_turns_it_back_on() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("unreadable page")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nested_pauses_restore_on_the_outer_exit_only() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
