"""core.collector.batch_gc: the collector's setting for a long batch, put back after it."""

import gc
import threading

import pytest

from weibao.core.collector import BATCH_GEN0, batch_gc


def test_a_batch_freezes_what_is_alive_and_collects_the_young_less_often():
    before = gc.get_threshold()
    with batch_gc():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (BATCH_GEN0, *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_the_setting_is_put_back_after_a_batch_that_failed():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), batch_gc():
        raise RuntimeError("the import stopped")
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)


def test_the_last_of_two_overlapping_batches_puts_the_setting_back():
    before = gc.get_threshold()
    first_in, second_done, seen = threading.Event(), threading.Event(), []

    def first():
        with batch_gc():
            first_in.set()
            second_done.wait(10)
            seen.append(gc.get_threshold())  # the other batch's end changed nothing

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with batch_gc():
        pass
    second_done.set()
    thread.join(10)
    assert seen == [(BATCH_GEN0, *before[1:])]
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)
