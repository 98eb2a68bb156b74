"""A page's reads of many live streams at once: the same aggregates as loading each one, on both
backends, even when another process has changed them since they were cached."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from api import streams
from api.streams import Streams
from domain.application import CaseRecord
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan
from goldenthread.wiring import build_case_record
from tests.builders import an_actor
from tests.integration.backends import settings_for
from tests.scenarios import a_started_plan

WORKER = an_actor()


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path):
    postgres = request.getfixturevalue("postgres_schema") if request.param == "postgres" else None
    return settings_for(request.param, tmp_path, postgres, cipher=False)


def started(cases: CaseRecord) -> tuple[UUID, UUID, UUID]:
    return a_started_plan(cases, WORKER)


def visited(cases: CaseRecord, plan_id, times: int) -> None:
    for day in range(times):
        cases.change_plan(
            plan_id,
            lambda p, day=day: p.record_visit(
                by=WORKER, visited_on=date(2026, 3, 3 + day), seen_alone=True, note=""
            ),
        )


def test_many_streams_read_together_are_as_they_stand_now(settings, monkeypatch):
    page_side = build_case_record(settings)
    other_process = build_case_record(settings)
    try:
        ids = [started(other_process) for _ in range(3)]
        plan_ids = [plan_id for _, plan_id, _ in ids]
        before = Streams(page_side).load_many(ChildProtectionPlan, plan_ids)
        assert set(before) == set(plan_ids)
        # Changed elsewhere after this process cached them: one a little, one a lot.
        visited(other_process, plan_ids[0], 1)
        visited(other_process, plan_ids[1], 5)
        monkeypatch.setattr(streams, "NEWER_PER_QUERY", 2)

        now = Streams(page_side).load_many(ChildProtectionPlan, [*plan_ids, uuid4()])

        assert list(now) == plan_ids, "a stream that does not exist is left out"
        for plan_id in plan_ids:
            fresh = other_process.load(ChildProtectionPlan, plan_id)
            assert now[plan_id].version == fresh.version
            assert now[plan_id].modified_on == fresh.modified_on
    finally:
        page_side.close()
        other_process.close()


def test_a_stream_of_another_kind_is_not_read_as_this_kind(settings):
    cases = build_case_record(settings)
    try:
        child_id, plan_id, group_id = started(cases)
        read = Streams(cases)
        read.load_many(ChildProtectionPlan, [plan_id, child_id])

        assert list(read.load_many(ChildProtectionPlan, [plan_id, child_id])) == [plan_id]
        assert list(read.load_many(CoreGroup, [group_id, plan_id])) == [group_id]
    finally:
        cases.close()
