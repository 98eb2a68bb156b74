"""The service layer's own promises: not found, duplicates, stale versions, and no half-changes."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.application import CaseRecord, PlanEnding
from domain.child import Child
from domain.core_group import CoreGroup
from domain.errors import DuplicateRecordError, NotFoundError, StaleVersionError
from domain.plan import ChildProtectionPlan, PlanEndReason
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from tests.builders import an_actor, child_details
from tests.scenarios import a_started_plan

WORKER = an_actor()


@pytest.fixture
def cases(tmp_path):
    record = build_case_record(Settings(data_dir=tmp_path, database_url=None))
    yield record
    record.close()


def started(cases: CaseRecord) -> tuple[UUID, UUID, UUID]:
    return a_started_plan(cases, WORKER)


def test_a_record_that_does_not_exist_is_not_found(cases):
    with pytest.raises(NotFoundError):
        cases.load(ChildProtectionPlan, uuid4())


def test_a_record_of_another_kind_is_not_found_under_that_kind(cases):
    child_id, _, _ = started(cases)

    with pytest.raises(NotFoundError):
        cases.load(ChildProtectionPlan, child_id)


def test_creating_a_record_twice_is_refused_and_writes_nothing(cases):
    child_id, _, _ = started(cases)
    position = cases.recorder.max_notification_id()

    with pytest.raises(DuplicateRecordError):
        cases.register_child(child_id=child_id, by=WORKER, details=child_details())
    assert cases.recorder.max_notification_id() == position


def test_a_change_made_to_an_older_version_is_refused_as_stale(cases):
    _, plan_id, _ = started(cases)
    seen = cases.load(ChildProtectionPlan, plan_id).version
    cases.change_plan(
        plan_id,
        lambda p: p.record_visit(by=WORKER, visited_on=date(2026, 3, 5), seen_alone=True, note=""),
    )

    with pytest.raises(StaleVersionError):
        cases.change_plan(
            plan_id,
            lambda p: p.record_visit(
                by=WORKER, visited_on=date(2026, 3, 6), seen_alone=True, note=""
            ),
            expected_version=seen,
        )


def test_a_plan_cannot_be_ended_through_a_single_stream_change(cases):
    child_id, plan_id, _group_id = started(cases)

    with pytest.raises(TypeError):
        cases.change_plan(
            plan_id,
            lambda p: p.end(by=WORKER, ended_on=date(2026, 4, 1), reason=PlanEndReason.TURNED_18),
        )
    assert cases.load(ChildProtectionPlan, plan_id).is_open
    assert cases.load(Child, child_id).open_protection_plan is not None


def test_ending_a_plan_closes_the_childs_record_and_the_core_group_together(cases):
    child_id, plan_id, group_id = started(cases)

    cases.end_plan(
        plan_id=plan_id,
        core_group_id=group_id,
        by=WORKER,
        ending=PlanEnding(ended_on=date(2026, 4, 1), reason=PlanEndReason.TURNED_18),
    )

    assert not cases.load(ChildProtectionPlan, plan_id).is_open
    assert cases.load(Child, child_id).open_protection_plan is None
    assert cases.load(Child, child_id).open_child_in_need_plan is None
    assert not cases.load(CoreGroup, group_id).is_open
