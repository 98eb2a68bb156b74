"""Key decisions: what was decided about a plan, by whom, why, and what else was considered.

The inspectorate found that records rarely did justice to the analysis behind decisions: "what was
agreed and why, which other options were considered and what was learnt" was seldom written down,
and informal manager decisions not at all. This view lays out, per plan, the three key decision
points (is a plan needed, the plan is agreed, can the plan end) and every review conference's
decision, each with its maker, rationale, options considered, dissent and who was there, next to
the management oversight recorded for it. It flags what is missing, so a chair or a manager sees
the gaps while they can still be filled.

Oversight is kept in its own table and matched to its decision point when asked, because a
manager may record it before the decision event (challenging a plan in supervision before the
conference agrees it) or after it (signing off an ending the week after the review).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from domain.calendar import add_working_days
from domain.plan import ChildProtectionPlan as Plan
from domain.plan import KeyDecisionPoint, PlanEndReason, ReviewDecision
from domain.timescales import FIRST_CORE_GROUP_WORKING_DAYS
from domain.values import Actor, Dissent
from projections.base import (
    Changes,
    Reader,
    ReadModel,
    Row,
    Table,
    View,
    columns,
    run_reader,
    topics_of,
)

PLAN_AGREED_WORKING_DAYS = FIRST_CORE_GROUP_WORKING_DAYS
"""A plan is expected to be agreed by the time its core group first meets: within 10 working
days of the initial conference."""

DECISIONS = Table(
    "decisions",
    columns(
        "plan_id:uuid version:int point decided_on:date by_name by_role by_agency rationale "
        "options_considered dissent:json attending_agencies:json decision category end_reason"
    ),
    key=("plan_id", "version"),
)
OVERSIGHT = Table(
    "oversight",
    columns(
        "plan_id:uuid version:int decision_point recorded_on:date by_name by_role by_agency "
        "agreed_and_why options_considered learning"
    ),
    key=("plan_id", "version"),
)
PLANS = Table(
    "plans",
    columns("plan_id:uuid team lead_worker_id:uuid lead_worker_name icpc_on:date ended_on:date"),
    key=("plan_id",),
    indexes=(("team",),),
)

NO_RATIONALE = "no rationale recorded"
NO_OVERSIGHT = "no management oversight recorded"
NO_OPTIONS = "options considered not recorded"
NOT_AGREED_IN_TIME = "plan not agreed within 10 working days"

_ADMINISTRATIVE_ENDINGS = {
    PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY.value: "the child moved to another local authority",
    PlanEndReason.TURNED_18.value: "the child turned 18",
    PlanEndReason.DIED.value: "the child died",
    PlanEndReason.LEFT_THE_UK.value: "the child left the UK",
}


class DecisionPoint(Enum):
    """Where in a plan's life a decision was made: the three key decision points, and the review
    conferences in between."""

    PLAN_NEEDED = KeyDecisionPoint.PLAN_NEEDED.value
    PLAN_AGREED = KeyDecisionPoint.PLAN_AGREED.value
    REVIEW_CONFERENCE = "review_conference"
    PLAN_CAN_END = KeyDecisionPoint.PLAN_CAN_END.value

    @property
    def is_key(self) -> bool:
        return self is not DecisionPoint.REVIEW_CONFERENCE


@dataclass(frozen=True)
class DecisionMaker:
    """Who recorded the decision, in which role and for which agency."""

    name: str
    role: str
    agency: str


@dataclass(frozen=True)
class RecordedDissent:
    """Someone who disagreed with the decision, and why: disagreement is recorded and faced."""

    by_name: str
    agency: str
    reason: str


@dataclass(frozen=True)
class Oversight:
    """A manager's challenge and support at a key decision point."""

    decision_point: str
    recorded_on: date
    by: DecisionMaker
    agreed_and_why: str
    options_considered: str
    learning: str


@dataclass(frozen=True)
class KeyDecision:
    """One decision about a plan, or a key decision point still to come (`pending`).

    `gaps` names what the record lacks; a decision that has not happened yet has none, except a
    plan still not agreed more than 10 working days after its initial conference.
    """

    plan_id: UUID
    point: DecisionPoint
    pending: bool
    decided_on: date | None
    decided_by: DecisionMaker | None
    rationale: str
    options_considered: str
    dissent: tuple[RecordedDissent, ...]
    present: tuple[str, ...]
    decision: str | None
    category: str | None
    end_reason: str | None
    oversight: tuple[Oversight, ...]
    gaps: tuple[str, ...]


@dataclass(frozen=True)
class PlanGaps:
    """A plan whose decision record has gaps, counted by kind: a manager's to-do list."""

    plan_id: UUID
    team: str
    lead_worker_id: UUID
    lead_worker_name: str
    icpc_on: date
    ended_on: date | None
    no_rationale: int
    no_oversight: int
    no_options: int
    not_agreed_in_time: int

    @property
    def total(self) -> int:
        return self.no_rationale + self.no_oversight + self.no_options + self.not_agreed_in_time

    @property
    def by_kind(self) -> dict[str, int]:
        return {
            NO_RATIONALE: self.no_rationale,
            NO_OVERSIGHT: self.no_oversight,
            NO_OPTIONS: self.no_options,
            NOT_AGREED_IN_TIME: self.not_agreed_in_time,
        }


def _by(actor: Actor) -> dict[str, Any]:
    return {"by_name": actor.name, "by_role": actor.role.value, "by_agency": actor.agency}


def _dissent(dissent: Iterable[Dissent]) -> list[dict[str, str]]:
    return [{"by_name": d.by_name, "agency": d.agency, "reason": d.reason} for d in dissent]


class KeyDecisionsModel(ReadModel):
    name = "key_decisions"
    relative_cost = 1.0
    tables = (DECISIONS, OVERSIGHT, PLANS)
    topics = topics_of(
        Plan.Started,
        Plan.LeadSocialWorkerAllocated,
        Plan.Agreed,
        Plan.ReviewConferenceHeld,
        Plan.Ended,
        Plan.ManagementOversightRecorded,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.Started():
                cls._started(event, changes)
            case Plan.LeadSocialWorkerAllocated():
                changes.update(
                    PLANS,
                    event.originator_id,
                    team=event.team,
                    lead_worker_id=event.social_worker_id,
                    lead_worker_name=event.social_worker_name,
                )
            case Plan.Agreed():
                cls._decided(
                    event,
                    changes,
                    point=DecisionPoint.PLAN_AGREED,
                    decided_on=event.agreed_on,
                    rationale=event.contingency_plan,
                )
            case Plan.ReviewConferenceHeld():
                cls._decided(
                    event,
                    changes,
                    point=DecisionPoint.REVIEW_CONFERENCE,
                    decided_on=event.held_on,
                    rationale=event.rationale,
                    options_considered=event.options_considered,
                    dissent=_dissent(event.dissent),
                    attending_agencies=list(event.attending_agencies),
                    decision=event.decision.value,
                    category=event.category.value,
                )
            case Plan.Ended():
                changes.update(PLANS, event.originator_id, ended_on=event.ended_on)
                cls._decided(
                    event,
                    changes,
                    point=DecisionPoint.PLAN_CAN_END,
                    decided_on=event.ended_on,
                    dissent=_dissent(event.dissent),
                    decision=ReviewDecision.END.value,
                    end_reason=event.reason.value,
                )
            case Plan.ManagementOversightRecorded():
                changes.put(
                    OVERSIGHT,
                    {
                        "plan_id": event.originator_id,
                        "version": event.originator_version,
                        "decision_point": event.decision_point.value,
                        "recorded_on": event.recorded_on,
                        **_by(event.by),
                        "agreed_and_why": event.agreed_and_why,
                        "options_considered": event.options_considered,
                        "learning": event.learning,
                    },
                )

    @classmethod
    def _started(cls, event: Plan.Started, changes: Changes) -> None:
        changes.put(
            PLANS,
            {
                "plan_id": event.originator_id,
                "team": event.team,
                "lead_worker_id": event.lead_social_worker_id,
                "lead_worker_name": event.lead_social_worker_name,
                "icpc_on": event.icpc_on,
                "ended_on": None,
            },
        )
        cls._decided(
            event,
            changes,
            point=DecisionPoint.PLAN_NEEDED,
            decided_on=event.icpc_on,
            rationale=event.rationale,
            options_considered=event.options_considered,
            dissent=_dissent(event.dissent),
            attending_agencies=list(event.attending_agencies),
            category=event.category.value,
        )

    @staticmethod
    def _decided(
        event: Any,
        changes: Changes,
        *,
        point: DecisionPoint,
        decided_on: date,
        rationale: str = "",
        options_considered: str = "",
        dissent: list[dict[str, str]] | None = None,
        attending_agencies: list[str] | None = None,
        decision: str | None = None,
        category: str | None = None,
        end_reason: str | None = None,
    ) -> None:
        changes.put(
            DECISIONS,
            {
                "plan_id": event.originator_id,
                "version": event.originator_version,
                "point": point.value,
                "decided_on": decided_on,
                **_by(event.by),
                "rationale": rationale,
                "options_considered": options_considered,
                "dissent": dissent or [],
                "attending_agencies": attending_agencies or [],
                "decision": decision,
                "category": category,
                "end_reason": end_reason,
            },
        )


# --- queries ------------------------------------------------------------------------------------


def decisions_for_plan(view: View, plan_id: UUID, today: date) -> list[KeyDecision]:
    """Every decision about one plan in date order, followed by the key decision points still to
    come; empty for a plan the view does not know."""
    return run_reader(decisions_for_plan_reader(view, plan_id, today))


def decisions_for_plan_reader(view: View, plan_id: UUID, today: date) -> Reader[list[KeyDecision]]:
    """`decisions_for_plan`, to run with other readers (`run_readers`)."""
    params = {"plan_id": plan_id}
    plans, decisions, oversight = yield (
        view.read_rows(PLANS, "SELECT * FROM {plans} WHERE plan_id = %(plan_id)s", params),
        view.read_rows(DECISIONS, "SELECT * FROM {decisions} WHERE plan_id = %(plan_id)s", params),
        view.read_rows(
            OVERSIGHT,
            "SELECT * FROM {oversight} WHERE plan_id = %(plan_id)s ORDER BY recorded_on, version",
            params,
        ),
    )
    if not plans:
        return []
    return _decisions(plans[0], decisions, oversight, today)


def plans_with_gaps(view: View, today: date, *, team: str | None = None) -> list[PlanGaps]:
    """Plans (open or ended) whose decision record has gaps, most gaps first: oversight of an
    ending can still be recorded after the plan ended, so ended plans stay on the list."""
    where, params = ("", {}) if team is None else (" WHERE p.team = %(team)s", {"team": team})
    plans = view.select(PLANS, f"SELECT * FROM {{plans}} p{where}", params)
    joined = "JOIN {plans} p ON p.plan_id = x.plan_id" + where
    decisions = view.select(DECISIONS, f"SELECT x.* FROM {{decisions}} x {joined}", params)
    oversight = view.select(
        OVERSIGHT, f"SELECT x.* FROM {{oversight}} x {joined} ORDER BY x.recorded_on", params
    )
    decisions_of = _grouped(decisions)
    oversight_of = _grouped(oversight)
    found = []
    for plan in plans:
        pid = plan["plan_id"]
        gaps = [
            gap
            for decision in _decisions(
                plan, decisions_of.get(pid, []), oversight_of.get(pid, []), today
            )
            for gap in decision.gaps
        ]
        if gaps:
            found.append(
                PlanGaps(
                    plan_id=pid,
                    team=plan["team"],
                    lead_worker_id=plan["lead_worker_id"],
                    lead_worker_name=plan["lead_worker_name"],
                    icpc_on=plan["icpc_on"],
                    ended_on=plan["ended_on"],
                    no_rationale=gaps.count(NO_RATIONALE),
                    no_oversight=gaps.count(NO_OVERSIGHT),
                    no_options=gaps.count(NO_OPTIONS),
                    not_agreed_in_time=gaps.count(NOT_AGREED_IN_TIME),
                )
            )
    return sorted(found, key=lambda g: (-g.total, g.icpc_on, str(g.plan_id)))


def _grouped(rows: Iterable[Row]) -> dict[UUID, list[Row]]:
    grouped: dict[UUID, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row["plan_id"], []).append(row)
    return grouped


def _decisions(
    plan: Row, decisions: Sequence[Row], oversight: Sequence[Row], today: date
) -> list[KeyDecision]:
    by_point: dict[str, list[Oversight]] = {}
    for row in oversight:
        by_point.setdefault(row["decision_point"], []).append(_oversight(row))
    ordered = sorted(decisions, key=lambda d: (d["decided_on"], d["version"]))
    ending_review = next(
        (
            d
            for d in reversed(ordered)
            if d["point"] == DecisionPoint.REVIEW_CONFERENCE.value
            and d["decision"] == ReviewDecision.END.value
            and d["decided_on"] == plan["ended_on"]
        ),
        None,
    )
    made = [_decision(row, by_point, ending_review) for row in ordered]
    decided = {d.point for d in made}
    pending = [
        _pending(plan, point, by_point, today)
        for point in (DecisionPoint.PLAN_AGREED, DecisionPoint.PLAN_CAN_END)
        if point not in decided
    ]
    return made + pending


def _oversight(row: Row) -> Oversight:
    return Oversight(
        decision_point=row["decision_point"],
        recorded_on=row["recorded_on"],
        by=DecisionMaker(row["by_name"], row["by_role"], row["by_agency"]),
        agreed_and_why=row["agreed_and_why"],
        options_considered=row["options_considered"],
        learning=row["learning"],
    )


def _decision(
    row: Row, by_point: Mapping[str, list[Oversight]], ending_review: Row | None
) -> KeyDecision:
    point = DecisionPoint(row["point"])
    rationale, options = row["rationale"], row["options_considered"]
    present, dissent, category = row["attending_agencies"], row["dissent"], row["category"]
    administrative = row["end_reason"] in _ADMINISTRATIVE_ENDINGS
    if point is DecisionPoint.PLAN_CAN_END and administrative:
        rationale = f"Ended administratively: {_ADMINISTRATIVE_ENDINGS[row['end_reason']]}."
    elif point is DecisionPoint.PLAN_CAN_END and ending_review is not None:
        rationale = ending_review["rationale"]
        options = ending_review["options_considered"]
        present, category = ending_review["attending_agencies"], ending_review["category"]
        earlier = ending_review["dissent"]
        dissent = [*earlier, *(d for d in dissent if d not in earlier)]
    oversight = _oversight_for(point, row["decision"] == ReviewDecision.END.value, by_point)
    gaps = []
    if not rationale.strip():
        gaps.append(NO_RATIONALE)
    if point.is_key and not oversight:
        gaps.append(NO_OVERSIGHT)
    if not _options_recorded(point, options, oversight, administrative):
        gaps.append(NO_OPTIONS)
    return KeyDecision(
        plan_id=row["plan_id"],
        point=point,
        pending=False,
        decided_on=row["decided_on"],
        decided_by=DecisionMaker(row["by_name"], row["by_role"], row["by_agency"]),
        rationale=rationale,
        options_considered=options,
        dissent=tuple(RecordedDissent(d["by_name"], d["agency"], d["reason"]) for d in dissent),
        present=tuple(present),
        decision=row["decision"],
        category=category,
        end_reason=row["end_reason"],
        oversight=oversight,
        gaps=tuple(gaps),
    )


def _oversight_for(
    point: DecisionPoint, ended_the_plan: bool, by_point: Mapping[str, list[Oversight]]
) -> tuple[Oversight, ...]:
    """A review conference has oversight of its own only when it ended the plan: then the
    manager's view of the ending belongs to it as much as to the ending itself."""
    if point is DecisionPoint.REVIEW_CONFERENCE:
        if not ended_the_plan:
            return ()
        return tuple(by_point.get(DecisionPoint.PLAN_CAN_END.value, ()))
    return tuple(by_point.get(point.value, ()))


def _options_recorded(
    point: DecisionPoint, options: str, oversight: Sequence[Oversight], administrative: bool
) -> bool:
    """Agreeing the plan carries no options of its own (only the contingency plan), so the
    options the manager recorded at that point count; an administrative ending (a move, a
    death, turning 18) had no options to weigh."""
    if options.strip() or administrative:
        return True
    if point is DecisionPoint.PLAN_AGREED:
        return any(o.options_considered.strip() for o in oversight)
    return False


def _pending(
    plan: Row, point: DecisionPoint, by_point: Mapping[str, list[Oversight]], today: date
) -> KeyDecision:
    """A key decision point still to come is not a gap, except a plan left unagreed past the
    10 working days its core group has to start work on it. The clock stops if the plan ends."""
    gaps: tuple[str, ...] = ()
    if point is DecisionPoint.PLAN_AGREED:
        due = add_working_days(plan["icpc_on"], PLAN_AGREED_WORKING_DAYS)
        as_of = today if plan["ended_on"] is None else min(today, plan["ended_on"])
        if as_of > due:
            gaps = (NOT_AGREED_IN_TIME,)
    return KeyDecision(
        plan_id=plan["plan_id"],
        point=point,
        pending=True,
        decided_on=None,
        decided_by=None,
        rationale="",
        options_considered="",
        dissent=(),
        present=(),
        decision=None,
        category=None,
        end_reason=None,
        oversight=tuple(by_point.get(point.value, ())),
        gaps=gaps,
    )
