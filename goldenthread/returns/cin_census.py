"""The DfE Children in Need census: the child protection part of the annual return, as XML.

A census year runs from 1 April to 31 March. The return holds every child with child protection
activity in the year (a protection plan open at any time in it, or a section 47 enquiry or initial
conference in it), with each of the child's episodes of need (`CINdetails`) open in the year: its
section 47 enquiries, protection plans and their reviews, and child in need plans. Everything is
as the record stood on 31 March: a plan that ended later is reported open.

The record holds no referrals, assessments or disabilities, so an episode is derived from the
plans themselves: it opens at the earliest strategy discussion (or conference) of its plans and
closes when the last plan in an unbroken run of plans ends. docs/returns.md lists every field and
where it comes from.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version

from domain.application import CaseRecord
from domain.child import Gender
from domain.plan import ChildProtectionPlan, PlanEndReason
from domain.timescales import icpc_due
from goldenthread.returns.records import ChildRecord, PlanRecord, load_child, registered_child_ids

DEMO_LA_CODE = "999"
"""The census header's three-digit DfE local authority code. The demo authority is fictional, so
this placeholder is no real authority's code; a real authority passes its own (`--la-code`)."""

SOFTWARE_CODE = "Golden Thread"
SERIAL_NUMBER = "001"

REFERRAL_SOURCE_UNKNOWN = "10"
NEED_ABUSE_OR_NEGLECT = "N1"
NEED_NOT_STATED = "N0"
SERVICES_CEASED = "RC7"

"""The census's ethnicity codes. The record keeps whatever code was given; one outside this set
is returned as it is, for the census rules to report, never replaced by a guess."""

SEX: dict[Gender, str] = {
    Gender.MALE: "M",
    Gender.FEMALE: "F",
    Gender.NOT_KNOWN: "U",
    Gender.NOT_STATED: "U",
}
"""The record keeps the census's former `GenderCurrent` codes; the census now asks for `Sex`."""

REASON_FOR_CLOSURE: dict[PlanEndReason, str] = {
    PlanEndReason.NO_LONGER_AT_CONTINUING_RISK: SERVICES_CEASED,
    PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY: "RC5",
    PlanEndReason.TURNED_18: SERVICES_CEASED,
    PlanEndReason.DIED: "RC2",
    PlanEndReason.LEFT_THE_UK: SERVICES_CEASED,
}
"""Why an episode closed when it closed with a protection plan's ending. The record does not say
whether a young person who turned 18 went on to adult services, so that is RC7, not RC6."""

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class CensusYear:
    """1 April to 31 March; `2025-26` is the year ending 31 March 2026."""

    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> CensusYear:
        match = _YEAR.match(text.strip())
        if match is None or int(match[2]) != (int(match[1]) + 1) % 100:
            raise ValueError(f"A census year is written like 2025-26, not {text!r}.")
        first = int(match[1])
        return cls(start=date(first, 4, 1), end=date(first + 1, 3, 31))

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.end.year % 100:02d}"

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, start: date, end: date | None) -> bool:
        return start <= self.end and (end is None or end >= self.start)


# --- one child's return ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Section47:
    started_on: date
    icpc_target: date
    icpc_on: date | None
    """None when the conference fell after the census year."""


@dataclass(frozen=True)
class ProtectionPlanEntry:
    start_on: date
    end_on: date | None
    initial_category: str
    latest_category: str
    previous_plans: int
    review_dates: tuple[date, ...]


@dataclass(frozen=True)
class ChildInNeedPlanEntry:
    start_on: date
    end_on: date | None


@dataclass(frozen=True)
class Episode:
    """One `CINdetails` module: an episode of need from referral to closure."""

    referral_on: date
    primary_need: str
    closure_on: date | None
    reason_for_closure: str | None
    icpc_on: date | None
    """An initial conference whose section 47 enquiry has no known start: the census records it
    on the episode instead."""
    child_in_need_plans: tuple[ChildInNeedPlanEntry, ...]
    section47s: tuple[Section47, ...]
    protection_plans: tuple[ProtectionPlanEntry, ...]


@dataclass(frozen=True)
class CensusChild:
    la_child_id: str
    upn: str | None
    birth_date: date | None
    expected_birth_date: date | None
    sex: str
    ethnicity: str
    episodes: tuple[Episode, ...]


@dataclass(frozen=True)
class _Period:
    """A protection plan (with its plan) or a child in need plan, as known on 31 March."""

    opens_on: date
    start_on: date
    end_on: date | None
    plan: PlanRecord | None = None


def census_child(record: ChildRecord, year: CensusYear) -> CensusChild | None:
    """The child's return for the year, or None if the child had no child protection activity
    in it."""
    periods = _periods(record, year)
    if not any(p.plan is not None and _active_in(p, year) for p in periods):
        return None
    child = record.child
    episodes = tuple(
        _episode(run, record, year)
        for run in _runs(periods)
        if year.overlaps(min(p.opens_on for p in run), _closed_on(run))
    )
    unborn = child.date_of_birth is None
    return CensusChild(
        la_child_id=child.la_child_id,
        upn=child.upn.strip() if child.upn and child.upn.strip() else None,
        birth_date=child.date_of_birth,
        expected_birth_date=child.expected_date_of_birth if unborn else None,
        sex="U" if unborn else SEX[child.gender],
        ethnicity=child.ethnicity,
        episodes=episodes,
    )


def _active_in(period: _Period, year: CensusYear) -> bool:
    """A plan open at some time in the year, or whose section 47 enquiry started in it."""
    return year.overlaps(period.start_on, period.end_on) or year.covers(period.opens_on)


def _as_at(day: date | None, year: CensusYear) -> date | None:
    return day if day is not None and day <= year.end else None


def _periods(record: ChildRecord, year: CensusYear) -> list[_Period]:
    periods = [
        _Period(
            opens_on=plan.strategy_discussion_on or plan.plan.icpc_on,
            start_on=plan.plan.icpc_on,
            end_on=_as_at(plan.plan.ended_on, year),
            plan=plan,
        )
        for plan in record.plans
    ]
    periods += [
        _Period(opens_on=p.start_on, start_on=p.start_on, end_on=_as_at(p.end_on, year))
        for p in record.child.child_in_need_plans
    ]
    periods = [p for p in periods if p.opens_on <= year.end]
    return sorted(periods, key=lambda p: (p.opens_on, p.start_on, p.plan is not None))


def _runs(periods: Sequence[_Period]) -> list[list[_Period]]:
    """Unbroken runs of plans: a plan whose enquiry opened before the previous plans ended (or
    the day they ended, as a step-down child in need plan starts) belongs to the same episode, so
    episodes never overlap."""
    runs: list[list[_Period]] = []
    for period in periods:
        if runs:
            closed_on = _closed_on(runs[-1])
            if closed_on is None or period.opens_on <= closed_on:
                runs[-1].append(period)
                continue
        runs.append([period])
    return runs


def _closed_on(run: Sequence[_Period]) -> date | None:
    ends = [p.end_on for p in run]
    if any(end is None for end in ends):
        return None
    return max(end for end in ends if end is not None)


def _episode(run: Sequence[_Period], record: ChildRecord, year: CensusYear) -> Episode:
    closed_on = _closed_on(run)
    in_year = [p for p in run if year.overlaps(p.start_on, p.end_on)]
    plans = [p for p in in_year if p.plan is not None]
    enquiries = [
        p
        for p in run
        if p.plan is not None and (year.covers(p.opens_on) or year.covers(p.start_on))
    ]
    section47s, icpc_on = _section47s(enquiries, year)
    return Episode(
        referral_on=min(p.opens_on for p in run),
        primary_need=(
            NEED_ABUSE_OR_NEGLECT if any(p.plan is not None for p in run) else NEED_NOT_STATED
        ),
        closure_on=closed_on,
        reason_for_closure=None if closed_on is None else _reason_for_closure(run),
        icpc_on=icpc_on,
        child_in_need_plans=tuple(
            ChildInNeedPlanEntry(p.start_on, p.end_on) for p in in_year if p.plan is None
        ),
        section47s=section47s,
        protection_plans=tuple(_plan_entry(p, record, year) for p in plans),
    )


def _section47s(
    enquiries: Sequence[_Period], year: CensusYear
) -> tuple[tuple[Section47, ...], date | None]:
    """A section 47 module for each enquiry in the year whose start (the strategy discussion) is
    known. One conference with no known start is recorded on the episode itself; any further one
    gets a module starting on the conference day, the latest the enquiry can have started."""
    modules: list[Section47] = []
    on_episode: date | None = None
    for period in enquiries:
        assert period.plan is not None
        icpc_on = period.start_on if year.covers(period.start_on) else None
        started_on = period.plan.strategy_discussion_on
        if started_on is None and on_episode is None and icpc_on is not None:
            on_episode = icpc_on
            continue
        started_on = started_on or period.start_on
        modules.append(Section47(started_on, icpc_due(started_on), icpc_on))
    return tuple(modules), on_episode


def _reason_for_closure(run: Sequence[_Period]) -> str:
    """From the last plan to end: a child in need plan's ending means services ceased; a
    protection plan's ending says why."""
    last = max(run, key=lambda p: (p.end_on or date.max, p.plan is None))
    plan: ChildProtectionPlan | None = last.plan.plan if last.plan is not None else None
    if plan is None or plan.end_reason is None:
        return SERVICES_CEASED
    return REASON_FOR_CLOSURE[plan.end_reason]


def _plan_entry(period: _Period, record: ChildRecord, year: CensusYear) -> ProtectionPlanEntry:
    assert period.plan is not None
    plan = period.plan.plan
    reviews = [r for r in plan.reviews if r.held_on <= year.end]
    latest = reviews[-1].category if reviews else plan.initial_category
    return ProtectionPlanEntry(
        start_on=plan.icpc_on,
        end_on=period.end_on,
        initial_category=plan.initial_category.value,
        latest_category=latest.value,
        previous_plans=record.child.previous_protection_plans(plan.id),
        review_dates=tuple(r.held_on for r in reviews if year.covers(r.held_on)),
    )


# --- reading the record -----------------------------------------------------------------------


def census_children(cases: CaseRecord, year: CensusYear) -> list[CensusChild]:
    """Every child in the year's return, in order of the authority's child id."""
    found = []
    for child_id in registered_child_ids(cases):
        returned = census_child(load_child(cases, child_id), year)
        if returned is not None:
            found.append(returned)
    return sorted(found, key=lambda c: c.la_child_id)


def export_cin_census(
    cases: CaseRecord,
    year: CensusYear,
    *,
    la_code: str = DEMO_LA_CODE,
    generated_at: datetime | None = None,
) -> bytes:
    """The year's census return as XML, ready for the DfE's COLLECT."""
    return census_xml(
        census_children(cases, year), year, la_code=la_code, generated_at=generated_at
    )


# --- writing the XML ------------------------------------------------------------------------------


def census_xml(
    children: Iterable[CensusChild],
    year: CensusYear,
    *,
    la_code: str = DEMO_LA_CODE,
    generated_at: datetime | None = None,
) -> bytes:
    """The `Message` document: a header, then one `Child` per child, elements in the order the
    census schema sets."""
    if not re.fullmatch(r"\d{3}", la_code):
        raise ValueError("The local authority code is the DfE's three-digit code.")
    message = ET.Element("Message")
    _header(message, year, la_code, generated_at or datetime.now())
    children_element = ET.SubElement(message, "Children")
    for child in children:
        _child(children_element, child)
    ET.indent(message)
    body: bytes = ET.tostring(message, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _text(parent: ET.Element, tag: str, value: str | date | int | None) -> None:
    if value is None:
        return
    ET.SubElement(parent, tag).text = value.isoformat() if isinstance(value, date) else str(value)


def _header(message: ET.Element, year: CensusYear, la_code: str, generated_at: datetime) -> None:
    header = ET.SubElement(message, "Header")
    collection = ET.SubElement(header, "CollectionDetails")
    _text(collection, "Collection", "CIN")
    _text(collection, "Year", year.end.year)
    _text(collection, "ReferenceDate", year.end)
    source = ET.SubElement(header, "Source")
    _text(source, "SourceLevel", "L")
    _text(source, "LEA", la_code)
    _text(source, "SoftwareCode", SOFTWARE_CODE)
    _text(source, "Release", _release())
    _text(source, "SerialNo", SERIAL_NUMBER)
    _text(source, "DateTime", generated_at.replace(microsecond=0, tzinfo=None).isoformat())


def _release() -> str:
    try:
        return version("goldenthread")
    except PackageNotFoundError:
        return "unknown"


def _child(parent: ET.Element, child: CensusChild) -> None:
    element = ET.SubElement(parent, "Child")
    identifiers = ET.SubElement(element, "ChildIdentifiers")
    _text(identifiers, "LAchildID", child.la_child_id)
    _text(identifiers, "UPN", child.upn)
    _text(identifiers, "PersonBirthDate", child.birth_date)
    _text(identifiers, "ExpectedPersonBirthDate", child.expected_birth_date)
    _text(identifiers, "Sex", child.sex)
    characteristics = ET.SubElement(element, "ChildCharacteristics")
    _text(characteristics, "Ethnicity", child.ethnicity)
    for episode in child.episodes:
        _episode_element(element, episode)


def _episode_element(parent: ET.Element, episode: Episode) -> None:
    details = ET.SubElement(parent, "CINdetails")
    _text(details, "CINreferralDate", episode.referral_on)
    _text(details, "ReferralSource", REFERRAL_SOURCE_UNKNOWN)
    _text(details, "PrimaryNeedCode", episode.primary_need)
    _text(details, "CINclosureDate", episode.closure_on)
    _text(details, "ReasonForClosure", episode.reason_for_closure)
    _text(details, "DateOfInitialCPC", episode.icpc_on)
    for cin_plan in episode.child_in_need_plans:
        dates = ET.SubElement(details, "CINPlanDates")
        _text(dates, "CINPlanStartDate", cin_plan.start_on)
        _text(dates, "CINPlanEndDate", cin_plan.end_on)
    for enquiry in episode.section47s:
        section47 = ET.SubElement(details, "Section47")
        _text(section47, "S47ActualStartDate", enquiry.started_on)
        _text(section47, "InitialCPCtarget", enquiry.icpc_target)
        _text(section47, "DateOfInitialCPC", enquiry.icpc_on)
        _text(section47, "ICPCnotRequired", "0")
    _text(details, "ReferralNFA", "0")
    for plan in episode.protection_plans:
        _plan_element(details, plan)


def _plan_element(parent: ET.Element, plan: ProtectionPlanEntry) -> None:
    element = ET.SubElement(parent, "ChildProtectionPlans")
    _text(element, "CPPstartDate", plan.start_on)
    _text(element, "CPPendDate", plan.end_on)
    _text(element, "InitialCategoryOfAbuse", plan.initial_category)
    _text(element, "LatestCategoryOfAbuse", plan.latest_category)
    _text(element, "NumberOfPreviousCPP", plan.previous_plans)
    if plan.review_dates:
        reviews = ET.SubElement(element, "Reviews")
        for held_on in plan.review_dates:
            _text(reviews, "CPPreviewDate", held_on)
