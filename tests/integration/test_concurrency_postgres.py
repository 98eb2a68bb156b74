"""Two people acting on the same record at the same moment, on the real PostgreSQL server.

Each test holds both writers at a barrier after they have loaded and decided but before they save,
so the race is certain rather than hoped for; the saves themselves are the real ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from uuid import UUID, uuid4

import pytest

from domain.application import CaseRecord
from domain.child import Child
from domain.errors import ConcurrentChangeError, OpenPlanExistsError
from domain.plan import ChildProtectionPlan
from domain.values import CategoryOfAbuse
from goldenthread.wiring import build_case_record
from tests.builders import a_chair, a_conference_decision, an_actor, child_details
from tests.integration.backends import settings_for
from tests.scenarios import a_started_plan

pytestmark = pytest.mark.postgres


class SavesTogether(CaseRecord):
    """A case record whose first save in each racing thread waits until every writer is ready to
    save. Only threads started by `_run_together` race; set-up saves go straight through."""

    def __init__(self, *args, barrier: threading.Barrier, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = barrier
        self.racer = threading.local()

    def _save(self, *aggregates):
        if getattr(self.racer, "waiting", False):
            self.racer.waiting = False
            self.barrier.wait(timeout=10)
        return super()._save(*aggregates)


def _two_writers(postgres_schema, tmp_path) -> tuple[SavesTogether, SavesTogether]:
    settings = settings_for("postgres", tmp_path, postgres_schema, cipher=False)
    plain = build_case_record(settings)
    barrier = threading.Barrier(2)
    writers = tuple(
        SavesTogether(env=settings.persistence_env(), barrier=barrier) for _ in range(2)
    )
    plain.close()
    return writers  # type: ignore[return-value]


def _run_together(
    writers: tuple[SavesTogether, ...], calls: list[Callable[[], object]]
) -> list[object]:
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        writers[index].racer.waiting = True
        try:
            results[index] = calls[index]()
        except Exception as error:  # the outcome under test is which call raised what
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _started_plan(cases: CaseRecord) -> UUID:
    return a_started_plan(cases)[1]


def _agree(outcome_id: UUID) -> Callable[[ChildProtectionPlan], None]:
    return lambda plan: plan.agree_outcome(
        by=an_actor(),
        outcome_id=outcome_id,
        wording="Outcome",
        how_we_will_know="Measure",
        baseline=2,
        target=8,
    )


def test_two_writers_editing_the_version_they_saw_one_wins_and_the_other_is_told(
    postgres_schema, tmp_path
):
    first, second = _two_writers(postgres_schema, tmp_path)
    plan_id = _started_plan(first)
    version = first.load(ChildProtectionPlan, plan_id).version
    ids = [uuid4(), uuid4()]

    results = _run_together(
        (first, second),
        [
            lambda: first.change_plan(plan_id, _agree(ids[0]), expected_version=version),
            lambda: second.change_plan(plan_id, _agree(ids[1]), expected_version=version),
        ],
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], ConcurrentChangeError)
    winner = ids[0] if not isinstance(results[0], Exception) else ids[1]
    stored = first.load(ChildProtectionPlan, plan_id)
    assert set(stored.outcomes) == {str(winner)}
    assert stored.version == version + 1


def test_two_writers_without_a_version_both_land_and_nothing_is_lost(postgres_schema, tmp_path):
    first, second = _two_writers(postgres_schema, tmp_path)
    plan_id = _started_plan(first)
    ids = [uuid4(), uuid4()]

    results = _run_together(
        (first, second),
        [
            lambda: first.change_plan(plan_id, _agree(ids[0])),
            lambda: second.change_plan(plan_id, _agree(ids[1])),
        ],
    )

    assert not [r for r in results if isinstance(r, Exception)]
    assert set(first.load(ChildProtectionPlan, plan_id).outcomes) == {str(i) for i in ids}


def test_two_conferences_opening_a_plan_for_one_child_at_once_leave_exactly_one_open(
    postgres_schema, tmp_path
):
    first, second = _two_writers(postgres_schema, tmp_path)
    child_id = uuid4()
    worker = an_actor()
    first.register_child(child_id=child_id, by=worker, details=child_details())

    def open_plan(cases: CaseRecord) -> Callable[[], object]:
        return lambda: cases.start_plan(
            plan_id=uuid4(),
            core_group_id=uuid4(),
            by=a_chair(),
            child_id=child_id,
            icpc_on=date(2026, 3, 2),
            strategy_discussion_on=None,
            category=CategoryOfAbuse.PHYSICAL,
            decision=a_conference_decision(),
            lead_social_worker_id=worker.user_id,
            lead_social_worker_name=worker.name,
            team="Team",
        )

    results = _run_together((first, second), [open_plan(first), open_plan(second)])

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], OpenPlanExistsError)
    child = first.load(Child, child_id)
    assert len(child.protection_plans) == 1
    assert child.open_protection_plan is not None
