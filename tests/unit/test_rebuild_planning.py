"""How a rebuild is spread over processes, and what a bulk load does to the garbage collector."""

import gc
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from domain.application import CaseRecord
from domain.child import Child
from goldenthread.rebuild import partition
from projections.base import Changes, ReadModel, Table, columns, topics_of, view_classes
from projections.engine import ProjectionEngine, cycle_collection_paused
from projections.registry import READ_MODELS
from tests.builders import an_actor, child_details


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


def test_the_collector_is_paused_within_the_block_and_running_again_after_it():
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_before_a_bulk_load_stays_off_after_it():
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- the engine: a bulk load in a process of its own pauses the collector, nowhere else -----------

COLLECTOR_SEEN: list[bool] = []


class CollectorWatch(ReadModel):
    """Notes, for each child registered, whether the cyclic collector was running; a child whose
    local authority id starts with FAIL breaks the handler."""

    name = "collector_watch"
    tables = (Table("seen", columns("child_id:uuid"), key=("child_id",)),)
    topics = topics_of(Child.Registered)

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        COLLECTOR_SEEN.append(gc.isenabled())
        if event.la_child_id.startswith("FAIL"):
            raise RuntimeError("a broken handler")
        changes.put(cls.tables[0], {"child_id": event.originator_id})


def _record_with_children(tmp_path: Path, *la_child_ids: str) -> CaseRecord:
    cases = CaseRecord(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "cases.sqlite"),
        }
    )
    for la_child_id in la_child_ids:
        cases.register_child(child_id=uuid4(), by=an_actor(), details=child_details(la_child_id))
    return cases


def _engine(cases: CaseRecord, tmp_path: Path, *, alone_in_process: bool) -> ProjectionEngine:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "v.db")}
    factory = InfrastructureFactory.construct(Environment(CollectorWatch.name, env))
    view = factory.tracking_recorder(view_classes(CollectorWatch)[0])
    return ProjectionEngine(cases.recorder, cases.mapper, [view], alone_in_process=alone_in_process)


def test_a_view_filled_from_empty_by_a_process_of_its_own_is_filled_with_the_collector_paused(
    tmp_path: Path,
) -> None:
    COLLECTOR_SEEN.clear()
    cases = _record_with_children(tmp_path, "LA1", "LA2")

    _engine(cases, tmp_path, alone_in_process=True).catch_up()

    assert COLLECTOR_SEEN == [False, False]
    assert gc.isenabled()


def test_the_web_process_never_pauses_the_collector_even_to_fill_a_view_from_empty(
    tmp_path: Path,
) -> None:
    COLLECTOR_SEEN.clear()
    cases = _record_with_children(tmp_path, "LA1", "LA2")

    _engine(cases, tmp_path, alone_in_process=False).catch_up()

    assert COLLECTOR_SEEN == [True, True]


def test_a_catch_up_after_the_first_fill_runs_with_the_collector_on(tmp_path: Path) -> None:
    COLLECTOR_SEEN.clear()
    cases = _record_with_children(tmp_path, "LA1")
    engine = _engine(cases, tmp_path, alone_in_process=True)
    engine.catch_up()
    cases.register_child(child_id=uuid4(), by=an_actor(), details=child_details("LA2"))

    engine.catch_up()

    assert COLLECTOR_SEEN == [False, True]


def test_the_collector_is_back_on_when_a_handler_fails_during_a_bulk_load(tmp_path: Path) -> None:
    COLLECTOR_SEEN.clear()
    cases = _record_with_children(tmp_path, "LA1", "FAIL2")

    with pytest.raises(RuntimeError, match="a broken handler"):
        _engine(cases, tmp_path, alone_in_process=True).catch_up()

    assert COLLECTOR_SEEN == [False, False]
    assert gc.isenabled()
