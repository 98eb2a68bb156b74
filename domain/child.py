"""The child: identity, and the sequence of plans the child has been subject to.

Keeping identity in its own stream does three things. One child can have several plans over
time, so the number of previous plans is derived from history and never typed in. The rule "one
open plan per child, and never two overlapping" is held by one stream, so two people opening a
plan for the same child at the same moment cannot both succeed: the second save fails on the
child's version. And personal identity data sits in one place that can be erased deliberately.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    ChildIdentityError,
    ChildInNeedPlanError,
    NotTheOpenPlanError,
    OpenPlanExistsError,
    OverlappingPlanError,
    PlanEndsOnStartDateError,
)
from domain.transcodings import stored_enum, stored_value
from domain.values import Actor


@stored_enum("Gender")
class Gender(Enum):
    """Children in Need census `GenderCurrent` codes."""

    NOT_KNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    NOT_STATED = "9"


ETHNICITY_CODES = frozenset(
    {
        "WBRI",
        "WIRI",
        "WIRT",
        "WOTH",
        "WROM",
        "MWBC",
        "MWBA",
        "MWAS",
        "MOTH",
        "AIND",
        "APKN",
        "ABAN",
        "AOTH",
        "BCRB",
        "BAFR",
        "BOTH",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
    }
)
"""Children in Need census ethnicity codes (`REFU`: refused; `NOBT`: not yet obtained)."""


@stored_value("ProtectionPlanPeriod")
@dataclass
class ProtectionPlanPeriod:
    plan_id: UUID
    start_on: date
    end_on: date | None = None


@stored_value("ChildInNeedPlanPeriod")
@dataclass
class ChildInNeedPlanPeriod:
    start_on: date
    end_on: date | None = None


@dataclass(frozen=True)
class ChildDetails:
    """Who the child is, as held by the local authority. Everything here is personal data."""

    la_child_id: str
    given_name: str
    family_name: str
    gender: Gender
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    ethnicity: str = "NOBT"
    upn: str | None = None


class Child(Aggregate):
    """A child known to children's social care, with every child protection plan they have had."""

    class Registered(Aggregate.Created):
        by: Actor
        la_child_id: str
        given_name: str
        family_name: str
        gender: Gender
        date_of_birth: date | None
        expected_date_of_birth: date | None
        ethnicity: str
        upn: str | None

    @classmethod
    def register(cls, *, child_id: UUID, by: Actor, details: ChildDetails) -> Child:
        """A child is known by a date of birth, or, before birth, by an expected one."""
        if (details.date_of_birth is None) == (details.expected_date_of_birth is None):
            raise ChildIdentityError(
                "Give either a date of birth or, for an unborn child, an expected date of birth."
            )
        if not details.la_child_id.strip():
            raise ChildIdentityError("The local authority's child id must be given.")
        if details.ethnicity not in ETHNICITY_CODES:
            raise ChildIdentityError("Ethnicity must be one of the census codes.")
        return cls._create(
            cls.Registered,
            id=child_id,
            by=by,
            la_child_id=details.la_child_id.strip(),
            given_name=details.given_name.strip(),
            family_name=details.family_name.strip(),
            gender=details.gender,
            date_of_birth=details.date_of_birth,
            expected_date_of_birth=details.expected_date_of_birth,
            ethnicity=details.ethnicity,
            upn=details.upn,
        )

    def __init__(
        self,
        by: Actor,
        la_child_id: str,
        given_name: str,
        family_name: str,
        gender: Gender,
        date_of_birth: date | None,
        expected_date_of_birth: date | None,
        ethnicity: str,
        upn: str | None,
    ) -> None:
        self.registered_by = by.user_id
        self.la_child_id = la_child_id
        self.given_name = given_name
        self.family_name = family_name
        self.gender = gender
        self.date_of_birth = date_of_birth
        self.expected_date_of_birth = expected_date_of_birth
        self.ethnicity = ethnicity
        self.upn = upn
        self.protection_plans: list[ProtectionPlanPeriod] = []
        self.child_in_need_plans: list[ChildInNeedPlanPeriod] = []

    @property
    def open_protection_plan(self) -> ProtectionPlanPeriod | None:
        last = self.protection_plans[-1] if self.protection_plans else None
        return last if last is not None and last.end_on is None else None

    @property
    def open_child_in_need_plan(self) -> ChildInNeedPlanPeriod | None:
        last = self.child_in_need_plans[-1] if self.child_in_need_plans else None
        return last if last is not None and last.end_on is None else None

    def _last_child_in_need_end(self) -> date | None:
        ends = [p.end_on for p in self.child_in_need_plans if p.end_on is not None]
        return max(ends) if ends else None

    def previous_protection_plans(self, plan_id: UUID) -> int:
        """How many plans the child had before this one: the census `NumberOfPreviousCPP`."""
        for index, period in enumerate(self.protection_plans):
            if period.plan_id == plan_id:
                return index
        return len(self.protection_plans)

    # --- protection plans ---------------------------------------------------------------------

    class ProtectionPlanOpened(Aggregate.Event):
        by: Actor
        plan_id: UUID
        start_on: date

    def open_protection_plan_on(self, *, by: Actor, plan_id: UUID, start_on: date) -> None:
        """One open plan per child, and plans never overlap: a new plan starts after the last one
        ended. An open child in need plan ends the day the protection plan starts, so the two
        never coexist."""
        if self.open_protection_plan is not None:
            raise OpenPlanExistsError("This child already has an open child protection plan.")
        ended = [p.end_on for p in self.protection_plans if p.end_on is not None]
        if ended and start_on <= max(ended):
            raise OverlappingPlanError(
                f"A new plan starts after the child's last plan ended ({max(ended)})."
            )
        cin = self.open_child_in_need_plan
        if cin is not None and start_on < cin.start_on:
            raise OverlappingPlanError("The plan cannot start before the open child in need plan.")
        last_cin_end = self._last_child_in_need_end()
        if cin is None and last_cin_end is not None and start_on < last_cin_end:
            raise OverlappingPlanError(
                f"A protection plan starts on or after the last child in need plan ended "
                f"({last_cin_end})."
            )
        if cin is not None:
            self._child_in_need_plan_ended(by=by, end_on=start_on)
        self._protection_plan_opened(by=by, plan_id=plan_id, start_on=start_on)

    @event(ProtectionPlanOpened)
    def _protection_plan_opened(self, by: Actor, plan_id: UUID, start_on: date) -> None:
        self.protection_plans.append(ProtectionPlanPeriod(plan_id, start_on))

    class ProtectionPlanClosed(Aggregate.Event):
        by: Actor
        plan_id: UUID
        end_on: date

    def close_protection_plan(
        self, *, by: Actor, plan_id: UUID, end_on: date, step_down: bool
    ) -> None:
        """Mirror of the plan's ending on the child's record; with `step_down` a child in need plan
        starts the same day."""
        current = self.open_protection_plan
        if current is None or current.plan_id != plan_id:
            raise NotTheOpenPlanError("That plan is not the child's open plan.")
        if end_on <= current.start_on:
            raise PlanEndsOnStartDateError("A plan ends after the day it started.")
        self._protection_plan_closed(by=by, plan_id=plan_id, end_on=end_on)
        if step_down:
            self._child_in_need_plan_started(by=by, start_on=end_on)

    @event(ProtectionPlanClosed)
    def _protection_plan_closed(self, by: Actor, plan_id: UUID, end_on: date) -> None:
        self.protection_plans[-1].end_on = end_on

    # --- child in need plans ------------------------------------------------------------------

    class ChildInNeedPlanStarted(Aggregate.Event):
        by: Actor
        start_on: date

    def start_child_in_need_plan(self, *, by: Actor, start_on: date) -> None:
        """Never alongside a protection plan, past or present: it starts on or after the last
        protection plan and the last child in need plan ended."""
        if self.open_protection_plan is not None:
            raise ChildInNeedPlanError(
                "A child in need plan cannot start while a child protection plan is open."
            )
        if self.open_child_in_need_plan is not None:
            raise ChildInNeedPlanError("The child already has an open child in need plan.")
        ends = [p.end_on for p in self.protection_plans if p.end_on is not None]
        last_cin_end = self._last_child_in_need_end()
        if last_cin_end is not None:
            ends.append(last_cin_end)
        if ends and start_on < max(ends):
            raise OverlappingPlanError(
                f"A child in need plan starts on or after the last plan ended ({max(ends)})."
            )
        self._child_in_need_plan_started(by=by, start_on=start_on)

    @event(ChildInNeedPlanStarted)
    def _child_in_need_plan_started(self, by: Actor, start_on: date) -> None:
        self.child_in_need_plans.append(ChildInNeedPlanPeriod(start_on))

    class ChildInNeedPlanEnded(Aggregate.Event):
        by: Actor
        end_on: date

    def end_child_in_need_plan(self, *, by: Actor, end_on: date) -> None:
        current = self.open_child_in_need_plan
        if current is None:
            raise ChildInNeedPlanError("The child has no open child in need plan.")
        if end_on < current.start_on:
            raise ChildInNeedPlanError("A child in need plan cannot end before it started.")
        self._child_in_need_plan_ended(by=by, end_on=end_on)

    @event(ChildInNeedPlanEnded)
    def _child_in_need_plan_ended(self, by: Actor, end_on: date) -> None:
        self.child_in_need_plans[-1].end_on = end_on
