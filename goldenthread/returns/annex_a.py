"""Ofsted's Annex A, List 7: children subject to a child protection plan, as CSV.

Inspectors ask for it at the start of an inspection of local authority children's services
(ILACS): every child with an open plan on the day, and, if asked, those whose plan ended in the
months before. One row per child, identified by the authority's child id (no names). Columns the
record does not hold (disability, emergency protection orders) are left blank rather than
guessed; docs/returns.md says where every other column comes from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from domain.application import CaseRecord
from domain.calendar import add_months
from domain.child import Child, Gender
from goldenthread.returns.records import ChildRecord, PlanRecord, load_child, registered_child_ids

COLUMNS: tuple[str, ...] = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months "
    "(Y/N)",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
)

GENDER: dict[Gender, str] = {
    Gender.MALE: "Male",
    Gender.FEMALE: "Female",
    Gender.NOT_KNOWN: "Not known",
    Gender.NOT_STATED: "Not stated",
}
UNBORN_AGE = -1
"""Annex A's age for an unborn child."""


@dataclass(frozen=True)
class AnnexARow:
    child_id: str
    gender: str
    ethnicity: str
    date_of_birth: date | None
    age: int
    plan_start: date
    initial_category: str
    latest_category: str
    last_visit: date | None
    seen_alone: bool | None
    latest_review: date | None
    plan_end: date | None
    previous_plans: int
    team: str
    worker: str

    def cells(self) -> list[str]:
        return [
            self.child_id,
            self.gender,
            self.ethnicity,
            _day(self.date_of_birth),
            str(self.age),
            "",
            _day(self.plan_start),
            self.initial_category,
            self.latest_category,
            _day(self.last_visit),
            "" if self.seen_alone is None else ("Yes" if self.seen_alone else "No"),
            _day(self.latest_review),
            _day(self.plan_end),
            "",
            str(self.previous_plans),
            self.team,
            self.worker,
        ]


def _day(value: date | None) -> str:
    """Annex A dates are day/month/year."""
    return "" if value is None else value.strftime("%d/%m/%Y")


def age_on(child: Child, on: date) -> int:
    born = child.date_of_birth
    if born is None or born > on:
        return UNBORN_AGE
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def annex_a_row(record: ChildRecord, on: date, ended_since: date | None = None) -> AnnexARow | None:
    """The child's line on `on`: their open plan, or else (with `ended_since`) the plan that
    ended most recently after `ended_since`; None if neither."""
    listed = _listed_plan(record, on, ended_since)
    if listed is None:
        return None
    child, plan = record.child, listed.plan
    reviews = [r for r in plan.reviews if r.held_on <= on]
    visits = [v for v in listed.visits if v.visited_on <= on]
    last_visit = max(visits, key=lambda v: (v.visited_on, v.seen_alone), default=None)
    ended_on = plan.ended_on if plan.ended_on is not None and plan.ended_on <= on else None
    return AnnexARow(
        child_id=child.la_child_id,
        gender=GENDER[child.gender] if child.date_of_birth is not None else "Not known",
        ethnicity=child.ethnicity,
        date_of_birth=child.date_of_birth,
        age=age_on(child, on),
        plan_start=plan.icpc_on,
        initial_category=plan.initial_category.value,
        latest_category=(reviews[-1].category if reviews else plan.initial_category).value,
        last_visit=last_visit.visited_on if last_visit else None,
        seen_alone=last_visit.seen_alone if last_visit else None,
        latest_review=reviews[-1].held_on if reviews else None,
        plan_end=ended_on,
        previous_plans=child.previous_protection_plans(plan.id),
        team=plan.team,
        worker=plan.lead_social_worker_name,
    )


def _listed_plan(record: ChildRecord, on: date, ended_since: date | None) -> PlanRecord | None:
    started = [p for p in record.plans if p.plan.icpc_on <= on]
    for candidate in reversed(started):
        ended_on = candidate.plan.ended_on
        if ended_on is None or ended_on > on:
            return candidate
    if ended_since is None:
        return None
    ended = [p for p in started if p.plan.ended_on is not None and p.plan.ended_on > ended_since]
    return ended[-1] if ended else None


def annex_a_rows(cases: CaseRecord, on: date, *, ended_within_months: int = 0) -> list[AnnexARow]:
    """Every child with an open plan on `on` (and, with `ended_within_months`, every child whose
    plan ended in that many months before it), in order of the authority's child id."""
    if ended_within_months < 0:
        raise ValueError("The months before the list's date cannot be negative.")
    ended_since = add_months(on, -ended_within_months) if ended_within_months else None
    rows = []
    for child_id in registered_child_ids(cases):
        row = annex_a_row(load_child(cases, child_id), on, ended_since)
        if row is not None:
            rows.append(row)
    return sorted(rows, key=lambda r: r.child_id)


def annex_a_csv(rows: Iterable[AnnexARow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in rows)
    return out.getvalue()


def export_annex_a(cases: CaseRecord, on: date, *, ended_within_months: int = 0) -> str:
    """The list as Ofsted's CSV, ready to hand to inspectors."""
    return annex_a_csv(annex_a_rows(cases, on, ended_within_months=ended_within_months))
