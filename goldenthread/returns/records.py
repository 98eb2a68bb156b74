"""Reading the record for a return: every child, their plans, and the few facts the plan's state
does not keep (the strategy discussion date, the visits)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.application import CaseRecord
from domain.child import Child
from domain.plan import ChildProtectionPlan

PAGE = 1000


@dataclass(frozen=True)
class Visit:
    visited_on: date
    seen_alone: bool


@dataclass(frozen=True)
class PlanRecord:
    """A plan as a return needs it: its state, plus what only its events hold."""

    plan: ChildProtectionPlan
    strategy_discussion_on: date | None
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class ChildRecord:
    child: Child
    plans: tuple[PlanRecord, ...]
    """In the order the child's record opened them."""


def registered_child_ids(cases: CaseRecord) -> Iterator[UUID]:
    """Every child's stream id, found by the topic of the event that registers a child."""
    topic = get_topic(Child.Registered)
    start: int | None = None
    while True:
        page = cases.recorder.select_notifications(
            start=start, limit=PAGE, topics=(topic,), inclusive_of_start=start is None
        )
        if not page:
            return
        for notification in page:
            originator = notification.originator_id
            yield originator if isinstance(originator, UUID) else UUID(originator)
        start = page[-1].id


def load_child(cases: CaseRecord, child_id: UUID) -> ChildRecord:
    child = cases.load(Child, child_id, copy=False)
    plans = tuple(_load_plan(cases, period.plan_id) for period in child.protection_plans)
    return ChildRecord(child=child, plans=plans)


def _load_plan(cases: CaseRecord, plan_id: UUID) -> PlanRecord:
    plan = cases.load(ChildProtectionPlan, plan_id, copy=False)
    strategy: date | None = None
    visits: list[Visit] = []
    for domain_event in _events(cases, plan_id):
        if isinstance(domain_event, ChildProtectionPlan.Started):
            strategy = domain_event.strategy_discussion_on
        elif isinstance(domain_event, ChildProtectionPlan.ChildVisited):
            visits.append(Visit(domain_event.visited_on, domain_event.seen_alone))
    return PlanRecord(plan=plan, strategy_discussion_on=strategy, visits=tuple(visits))


def _events(cases: CaseRecord, plan_id: UUID) -> Iterator[Any]:
    events: Iterator[Any] = iter(cases.events.get(plan_id))
    return events
