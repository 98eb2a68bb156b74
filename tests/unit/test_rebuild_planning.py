"""How a rebuild is spread over processes, and what a bulk load does to the garbage collector."""

import gc
import threading

from goldenthread.rebuild import partition
from projections.engine import cycle_collection_paused
from projections.registry import READ_MODELS


def test_every_view_is_rebuilt_by_exactly_one_process_whatever_the_number_of_jobs():
    names = sorted(model.name for model in READ_MODELS)
    for jobs in range(1, len(READ_MODELS) + 2):
        groups = partition(READ_MODELS, jobs)
        assert sorted(name for group in groups for name in group) == names
        assert len(groups) == min(jobs, len(READ_MODELS))


def test_the_plan_history_is_rebuilt_in_a_process_of_its_own_when_there_are_two():
    """It costs more than all the other views together, so the calling process (which takes
    the first, costliest group) rebuilds it alone and the other process everything else."""
    groups = partition(READ_MODELS, 2)

    assert groups[0] == ["plan_history"]
    assert len(groups[1]) == len(READ_MODELS) - 1


def test_the_collector_is_paused_during_a_bulk_load_and_restored_after_the_last_pause():
    assert gc.isenabled()
    inner_started, inner_may_end = threading.Event(), threading.Event()

    def other_bulk_load() -> None:
        with cycle_collection_paused():
            inner_started.set()
            inner_may_end.wait(5)

    with cycle_collection_paused():
        assert not gc.isenabled()
        other = threading.Thread(target=other_bulk_load)
        other.start()
        inner_started.wait(5)
    assert not gc.isenabled(), "another thread's bulk load is still running"
    inner_may_end.set()
    other.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_a_bulk_load_stays_off_after_it():
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
