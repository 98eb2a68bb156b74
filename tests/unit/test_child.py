from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from domain.child import Child
from domain.errors import (
    ChildIdentityError,
    ChildInNeedPlanError,
    NotTheOpenPlanError,
    OpenPlanExistsError,
    OverlappingPlanError,
)
from tests.builders import an_actor, child_details

WORKER = an_actor()


def a_child() -> Child:
    return Child.register(child_id=uuid4(), by=WORKER, details=child_details())


def test_one_open_plan_per_child():
    child = a_child()
    child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 3, 2))

    with pytest.raises(OpenPlanExistsError):
        child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 3, 9))


def test_plans_of_one_child_never_overlap():
    child = a_child()
    first = uuid4()
    child.open_protection_plan_on(by=WORKER, plan_id=first, start_on=date(2026, 3, 2))
    child.close_protection_plan(by=WORKER, plan_id=first, end_on=date(2026, 6, 1), step_down=False)

    with pytest.raises(OverlappingPlanError):
        child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 5, 4))
    with pytest.raises(OverlappingPlanError):
        child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 6, 1))


def test_the_number_of_previous_plans_is_derived_from_history():
    child = a_child()
    first, second = uuid4(), uuid4()
    child.open_protection_plan_on(by=WORKER, plan_id=first, start_on=date(2024, 3, 4))
    child.close_protection_plan(by=WORKER, plan_id=first, end_on=date(2024, 9, 2), step_down=False)
    child.open_protection_plan_on(by=WORKER, plan_id=second, start_on=date(2026, 3, 2))

    assert child.previous_protection_plans(first) == 0
    assert child.previous_protection_plans(second) == 1


def test_a_step_down_child_in_need_plan_starts_on_the_protection_plans_end_date():
    child = a_child()
    plan_id = uuid4()
    child.open_protection_plan_on(by=WORKER, plan_id=plan_id, start_on=date(2026, 3, 2))

    child.close_protection_plan(by=WORKER, plan_id=plan_id, end_on=date(2026, 6, 1), step_down=True)

    assert child.open_child_in_need_plan is not None
    assert child.open_child_in_need_plan.start_on == date(2026, 6, 1)


def test_an_open_protection_plan_and_an_open_child_in_need_plan_never_coexist():
    child = a_child()
    child.start_child_in_need_plan(by=WORKER, start_on=date(2026, 1, 5))

    child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 3, 2))

    assert child.open_child_in_need_plan is None
    assert child.child_in_need_plans[-1].end_on == date(2026, 3, 2)
    with pytest.raises(ChildInNeedPlanError):
        child.start_child_in_need_plan(by=WORKER, start_on=date(2026, 3, 9))


def test_an_unborn_child_is_registered_with_an_expected_date_of_birth():
    details = replace(child_details(), date_of_birth=None, expected_date_of_birth=date(2026, 9, 1))

    child = Child.register(child_id=uuid4(), by=WORKER, details=details)

    assert child.expected_date_of_birth == date(2026, 9, 1)


def test_a_child_has_a_date_of_birth_or_an_expected_one_but_not_both():
    with pytest.raises(ChildIdentityError):
        Child.register(
            child_id=uuid4(),
            by=WORKER,
            details=replace(child_details(), expected_date_of_birth=date(2026, 9, 1)),
        )


def test_a_child_in_need_plan_never_starts_inside_an_earlier_protection_plan():
    child = a_child()
    plan_id = uuid4()
    child.open_protection_plan_on(by=WORKER, plan_id=plan_id, start_on=date(2026, 3, 2))
    child.close_protection_plan(
        by=WORKER, plan_id=plan_id, end_on=date(2026, 6, 1), step_down=False
    )

    with pytest.raises(OverlappingPlanError):
        child.start_child_in_need_plan(by=WORKER, start_on=date(2026, 5, 1))
    child.start_child_in_need_plan(by=WORKER, start_on=date(2026, 6, 1))


def test_a_protection_plan_never_starts_inside_an_earlier_child_in_need_plan():
    child = a_child()
    child.start_child_in_need_plan(by=WORKER, start_on=date(2026, 1, 5))
    child.end_child_in_need_plan(by=WORKER, end_on=date(2026, 4, 1))

    with pytest.raises(OverlappingPlanError):
        child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 3, 2))
    child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 4, 1))


def test_only_the_childs_open_plan_can_be_closed():
    child = a_child()
    child.open_protection_plan_on(by=WORKER, plan_id=uuid4(), start_on=date(2026, 3, 2))

    with pytest.raises(NotTheOpenPlanError):
        child.close_protection_plan(
            by=WORKER, plan_id=uuid4(), end_on=date(2026, 6, 1), step_down=False
        )


def test_a_child_in_need_plan_cannot_end_before_it_started_nor_when_none_is_open():
    child = a_child()

    with pytest.raises(ChildInNeedPlanError):
        child.end_child_in_need_plan(by=WORKER, end_on=date(2026, 1, 5))
    child.start_child_in_need_plan(by=WORKER, start_on=date(2026, 1, 5))
    with pytest.raises(ChildInNeedPlanError):
        child.end_child_in_need_plan(by=WORKER, end_on=date(2026, 1, 4))
