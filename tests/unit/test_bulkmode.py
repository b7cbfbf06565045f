"""likeledger.bulkmode: collector off and a short switch interval inside, both restored
after, nesting and errors included."""

from __future__ import annotations

import gc
import sys

import pytest

from likeledger.bulkmode import SWITCH_INTERVAL, bulk_mode


def test_paused_inside_and_restored_after_nesting() -> None:
    assert gc.isenabled()
    before = sys.getswitchinterval()
    with bulk_mode():
        assert not gc.isenabled()
        assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL))
        with bulk_mode():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds
        assert sys.getswitchinterval() == pytest.approx(min(before, SWITCH_INTERVAL))
    assert gc.isenabled()
    assert sys.getswitchinterval() == before


def test_restored_after_an_error() -> None:
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), bulk_mode():
        raise RuntimeError("boom")
    assert gc.isenabled()
    assert sys.getswitchinterval() == before


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with bulk_mode():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_shorter_interval_is_kept() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL / 4)
    try:
        with bulk_mode():
            assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL / 4)
    finally:
        sys.setswitchinterval(before)
