"""Escalations: professional disagreements, where each stands, and how long they take.

The inspectorate found that plans succeeded where disagreements were resolved early through a
clear escalation policy. Team managers need the open escalations by stage, the stages whose clock
has run out, the time to resolution, and the themes (which agencies disagree with which, about
what). Each escalation keeps the stage names and clocks of the policy it was raised under, so the
view shows them in the words the practitioners were given. Whether a stage is overdue, and how
long an escalation has been open, are worked out at query time from the caller's `today`.

An escalation belongs to the team that holds its plan now: a plan reallocated to another team
takes its disagreements with it, so they stay in front of the manager who can act on them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any
from uuid import UUID

from domain.escalation import Escalation, EscalationStatus
from domain.plan import ChildProtectionPlan as Plan
from projections.base import Changes, Index, ReadModel, Row, Table, View, columns, topics_of

OPEN_ONLY = f"status = '{EscalationStatus.OPEN.value}'"
"""The open escalations, as the partial indexes of the open list and its queries both write it."""
OPEN_ORDER = "stage_due_on NULLS LAST, raised_on, escalation_id"
"""The order of the open list: the stage due soonest first, so stages past their due date come
first of all, and stages that run as convened, with no clock, last; then the escalation raised
first. (ISO dates as text sort as dates.)"""

ESCALATIONS = Table(
    "escalations",
    columns(
        "escalation_id:uuid plan_id:uuid team kind subject raised_on:date raised_by_name "
        "raised_by_role raised_by_agency concerning_agency concerning_conference_decision:bool "
        "policy_key stage_names:json stage:int stage_name stage_started_on:date "
        "stage_due_on:date last_stage:int status closed_on:date contacts:int "
        "actions_agreed:int outcome learning withdrawal_reason"
    ),
    key=("escalation_id",),
    indexes=(
        ("plan_id",),
        ("team", "status"),
        # The open list in its order, for a team and for the whole authority: read a screenful
        # from the index rather than sorting every open escalation.
        Index(("team", "stage_due_on", "raised_on", "escalation_id"), OPEN_ONLY),
        Index(("stage_due_on", "raised_on", "escalation_id"), OPEN_ONLY),
    ),
)
STAGES = Table(
    "stages",
    columns("escalation_id:uuid stage:int stage_name started_on:date due_on:date ended_on:date"),
    key=("escalation_id", "stage"),
)
PLANS = Table(
    "plans",
    columns("plan_id:uuid team escalations:int"),
    key=("plan_id",),
)
PLAN_ESCALATIONS = Table(
    "plan_escalations",
    columns("plan_id:uuid number:int escalation_id:uuid"),
    key=("plan_id", "number"),
)
"""The escalations about each plan, numbered in the order raised, so a handler can reach every
one of them by key when the plan moves to another team."""

CONFERENCE_DECISION = "conference decision"
"""What `by_agency_pair` names as the other side when a disagreement is with a conference
decision rather than with an agency."""


@dataclass(frozen=True)
class EscalationRow:
    """One escalation as a team manager sees it: where it stands and whether its clock has run
    out today."""

    escalation_id: UUID
    plan_id: UUID
    team: str | None
    kind: str
    subject: str
    raised_on: date
    raised_by_name: str
    raised_by_role: str
    raised_by_agency: str
    concerning_agency: str | None
    concerning_conference_decision: bool
    policy_key: str
    stage: int
    stage_name: str
    stage_started_on: date
    stage_due_on: date | None
    last_stage: int
    status: str
    closed_on: date | None
    contacts: int
    actions_agreed: int
    outcome: str | None
    learning: str | None
    withdrawal_reason: str | None
    is_stage_overdue: bool
    days_open: int

    @property
    def is_open(self) -> bool:
        return self.status == EscalationStatus.OPEN.value

    @property
    def at_last_stage(self) -> bool:
        """Nobody left to escalate to: the partnership itself is now involved."""
        return self.stage >= self.last_stage


@dataclass(frozen=True)
class StageRow:
    """One stage an escalation reached: when it started, when it was due, when it ended."""

    stage: int
    stage_name: str
    started_on: date
    due_on: date | None
    ended_on: date | None


@dataclass(frozen=True)
class StageCount:
    stage: int
    stage_name: str
    open: int
    overdue: int


@dataclass(frozen=True)
class StageDuration:
    """How long a stage typically lasts before it is moved on or closed, in calendar days."""

    stage: int
    stage_name: str
    ended: int
    median_days: float


@dataclass(frozen=True)
class ResolutionFigures:
    """How long disagreements take to settle: calendar days from raising to resolution, and per
    stage. Withdrawn escalations are counted but left out of the times, since nothing was
    resolved."""

    resolved: int
    withdrawn: int
    median_days_to_resolve: float | None
    max_days_to_resolve: int | None
    stages: tuple[StageDuration, ...]


@dataclass(frozen=True)
class AgencyPairCount:
    """Who disagrees with whom: the agency raising and the agency (or conference decision)
    concerned."""

    raised_by_agency: str
    concerning: str
    open: int
    resolved: int
    withdrawn: int

    @property
    def total(self) -> int:
        return self.open + self.resolved + self.withdrawn


@dataclass(frozen=True)
class SubjectCount:
    subject: str
    open: int
    resolved: int
    withdrawn: int

    @property
    def total(self) -> int:
        return self.open + self.resolved + self.withdrawn


class EscalationsModel(ReadModel):
    name = "escalations"
    relative_cost = 0.5
    tables = (ESCALATIONS, STAGES, PLANS, PLAN_ESCALATIONS)
    topics = topics_of(
        Plan.Started,
        Plan.LeadSocialWorkerAllocated,
        Escalation.Raised,
        Escalation.ContactRecorded,
        Escalation.ActionsAgreed,
        Escalation.MovedToNextStage,
        Escalation.Resolved,
        Escalation.Withdrawn,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.Started():
                cls._plan_team(event.originator_id, event.team, changes)
            case Plan.LeadSocialWorkerAllocated():
                cls._plan_team(event.originator_id, event.team, changes)
            case Escalation.Raised():
                cls._raised(event, changes)
            case Escalation.ContactRecorded():
                escalation = changes.get(ESCALATIONS, event.originator_id)
                if escalation is not None:
                    changes.update(
                        ESCALATIONS, event.originator_id, contacts=escalation["contacts"] + 1
                    )
            case Escalation.ActionsAgreed():
                escalation = changes.get(ESCALATIONS, event.originator_id)
                if escalation is not None:
                    changes.update(
                        ESCALATIONS,
                        event.originator_id,
                        actions_agreed=escalation["actions_agreed"] + len(event.actions),
                    )
            case Escalation.MovedToNextStage():
                cls._moved(event, changes)
            case Escalation.Resolved():
                cls._closed(
                    event,
                    changes,
                    event.resolved_on,
                    status=EscalationStatus.RESOLVED.value,
                    outcome=event.outcome,
                    learning=event.learning,
                )
            case Escalation.Withdrawn():
                cls._closed(
                    event,
                    changes,
                    event.withdrawn_on,
                    status=EscalationStatus.WITHDRAWN.value,
                    withdrawal_reason=event.reason,
                )

    @staticmethod
    def _plan_team(plan_id: UUID, team: str, changes: Changes) -> None:
        """The plan's team now, carried onto every escalation about the plan."""
        plan = changes.get(PLANS, plan_id) or {"plan_id": plan_id, "escalations": 0}
        plan["team"] = team
        changes.put(PLANS, plan)
        for number in range(1, plan["escalations"] + 1):
            link = changes.get(PLAN_ESCALATIONS, plan_id, number)
            if link is not None:
                changes.update(ESCALATIONS, link["escalation_id"], team=team)

    @staticmethod
    def _raised(event: Escalation.Raised, changes: Changes) -> None:
        plan = changes.get(PLANS, event.plan_id) or {
            "plan_id": event.plan_id,
            "team": None,
            "escalations": 0,
        }
        plan["escalations"] += 1
        changes.put(PLANS, plan)
        changes.put(
            PLAN_ESCALATIONS,
            {
                "plan_id": event.plan_id,
                "number": plan["escalations"],
                "escalation_id": event.originator_id,
            },
        )
        first = event.policy.stage(1)
        changes.put(
            ESCALATIONS,
            {
                "escalation_id": event.originator_id,
                "plan_id": event.plan_id,
                "team": plan["team"],
                "kind": event.kind.value,
                "subject": event.subject.value,
                "raised_on": event.raised_on,
                "raised_by_name": event.by.name,
                "raised_by_role": event.by.role.value,
                "raised_by_agency": event.by.agency,
                "concerning_agency": event.concerning_agency,
                "concerning_conference_decision": event.concerning_conference_decision,
                "policy_key": event.policy.key,
                "stage_names": [s.name for s in event.policy.stages],
                "stage": first.number,
                "stage_name": first.name,
                "stage_started_on": event.raised_on,
                "stage_due_on": event.stage_due_on,
                "last_stage": event.policy.last_stage,
                "status": EscalationStatus.OPEN.value,
                "closed_on": None,
                "contacts": 0,
                "actions_agreed": 0,
                "outcome": None,
                "learning": None,
                "withdrawal_reason": None,
            },
        )
        changes.put(
            STAGES,
            {
                "escalation_id": event.originator_id,
                "stage": first.number,
                "stage_name": first.name,
                "started_on": event.raised_on,
                "due_on": event.stage_due_on,
                "ended_on": None,
            },
        )

    @staticmethod
    def _moved(event: Escalation.MovedToNextStage, changes: Changes) -> None:
        escalation = changes.get(ESCALATIONS, event.originator_id)
        if escalation is None:
            return
        names = escalation["stage_names"]
        name = names[event.stage - 1] if event.stage <= len(names) else f"Stage {event.stage}"
        changes.update(STAGES, event.originator_id, escalation["stage"], ended_on=event.moved_on)
        changes.put(
            STAGES,
            {
                "escalation_id": event.originator_id,
                "stage": event.stage,
                "stage_name": name,
                "started_on": event.moved_on,
                "due_on": event.stage_due_on,
                "ended_on": None,
            },
        )
        changes.update(
            ESCALATIONS,
            event.originator_id,
            stage=event.stage,
            stage_name=name,
            stage_started_on=event.moved_on,
            stage_due_on=event.stage_due_on,
        )

    @staticmethod
    def _closed(event: Any, changes: Changes, closed_on: date, **values: Any) -> None:
        escalation = changes.update(ESCALATIONS, event.originator_id, closed_on=closed_on, **values)
        if escalation is not None:
            changes.update(STAGES, event.originator_id, escalation["stage"], ended_on=closed_on)


# --- queries ------------------------------------------------------------------------------------


def _team_filter(team: str | None, column: str = "team") -> str:
    return "" if team is None else f" AND {column} = %(team)s"


_LISTED = ", ".join(c.name for c in ESCALATIONS.columns if c.name != "stage_names")
"""Every column a row of the list shows (the policy's stage names are for one escalation)."""


def _row(row: Row, today: date) -> EscalationRow:
    is_open = row["status"] == EscalationStatus.OPEN.value
    due = row["stage_due_on"]
    end = row["closed_on"] or today
    return EscalationRow(
        escalation_id=row["escalation_id"],
        plan_id=row["plan_id"],
        team=row["team"],
        kind=row["kind"],
        subject=row["subject"],
        raised_on=row["raised_on"],
        raised_by_name=row["raised_by_name"],
        raised_by_role=row["raised_by_role"],
        raised_by_agency=row["raised_by_agency"],
        concerning_agency=row["concerning_agency"],
        concerning_conference_decision=row["concerning_conference_decision"],
        policy_key=row["policy_key"],
        stage=row["stage"],
        stage_name=row["stage_name"],
        stage_started_on=row["stage_started_on"],
        stage_due_on=due,
        last_stage=row["last_stage"],
        status=row["status"],
        closed_on=row["closed_on"],
        contacts=row["contacts"],
        actions_agreed=row["actions_agreed"],
        outcome=row["outcome"],
        learning=row["learning"],
        withdrawal_reason=row["withdrawal_reason"],
        is_stage_overdue=is_open and due is not None and today > due,
        days_open=max(0, (end - row["raised_on"]).days),
    )


def open_escalations(
    view: View,
    today: date,
    *,
    team: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[EscalationRow]:
    """Open escalations (of one team, if asked): overdue stages first, then the stage due
    soonest; stages that run as convened, with no clock, come last. With `limit`, that many
    from `offset` in that order, so a page reads only the rows it may show."""
    paging = "" if limit is None else " LIMIT %(limit)s OFFSET %(offset)s"
    rows = view.query(
        f"SELECT {_LISTED} FROM {{escalations}} WHERE {OPEN_ONLY}"
        f"{_team_filter(team)} ORDER BY {OPEN_ORDER}{paging}",
        {"team": team, "limit": limit, "offset": offset},
        ESCALATIONS.kinds,
    )
    return [_row(row, today) for row in rows]


def open_escalation_count(view: View, plan_ids: Collection[UUID]) -> int:
    """How many escalations are open on any of `plan_ids`."""
    if not plan_ids:
        return 0
    ids, params = view.any_of("plans", plan_ids)
    rows = view.query(
        f"SELECT COUNT(*) AS open_count FROM {{escalations}} WHERE {OPEN_ONLY} AND plan_id {ids}",
        params,
    )
    return int(rows[0]["open_count"])


def each_open_escalation(
    view: View, today: date, *, team: str | None = None, page: int = 50
) -> Iterator[EscalationRow]:
    """The open escalations in the list's order, read `page` rows at a time as they are
    consumed: a list that stops at its first screenful reads no more than that."""
    offset = 0
    while True:
        rows = open_escalations(view, today, team=team, limit=page, offset=offset)
        yield from rows
        if len(rows) < page:
            return
        offset += page


def open_by_stage(view: View, today: date, *, team: str | None = None) -> list[StageCount]:
    """How many open escalations sit at each stage, and how many of those are past the stage's
    due date. A stage is named as in the policy each escalation was raised under, so two
    policies' differently named stages are counted apart."""
    rows = view.query(
        "SELECT stage, stage_name, COUNT(*) AS open_count, "
        "SUM(CASE WHEN stage_due_on < %(today)s THEN 1 ELSE 0 END) AS overdue "
        "FROM {escalations} WHERE status = %(open)s"
        f"{_team_filter(team)} GROUP BY stage, stage_name ORDER BY stage, stage_name",
        {"open": EscalationStatus.OPEN.value, "today": today, "team": team},
    )
    return [
        StageCount(
            stage=int(row["stage"]),
            stage_name=row["stage_name"],
            open=int(row["open_count"]),
            overdue=int(row["overdue"] or 0),
        )
        for row in rows
    ]


def resolution_times(view: View, *, team: str | None = None) -> ResolutionFigures:
    """Time to resolution across closed escalations (of one team, if asked), and how long each
    stage lasted before it was moved on or closed. Medians are worked out here, since SQLite has
    no median."""
    params = {
        "resolved": EscalationStatus.RESOLVED.value,
        "withdrawn": EscalationStatus.WITHDRAWN.value,
        "team": team,
    }
    closed = view.select(
        ESCALATIONS,
        "SELECT * FROM {escalations} WHERE status IN (%(resolved)s, %(withdrawn)s)"
        f"{_team_filter(team)}",
        params,
    )
    resolved_days = [
        (row["closed_on"] - row["raised_on"]).days
        for row in closed
        if row["status"] == EscalationStatus.RESOLVED.value
    ]
    stages = view.query(
        "SELECT s.stage AS stage, s.stage_name AS stage_name, s.started_on AS started_on, "
        "s.ended_on AS ended_on FROM {stages} s "
        "JOIN {escalations} e ON e.escalation_id = s.escalation_id "
        f"WHERE s.ended_on IS NOT NULL{_team_filter(team, 'e.team')} "
        "ORDER BY s.stage, s.stage_name",
        params,
        {"started_on": "date", "ended_on": "date"},
    )
    per_stage: dict[tuple[int, str], list[int]] = {}
    for row in stages:
        per_stage.setdefault((int(row["stage"]), row["stage_name"]), []).append(
            (row["ended_on"] - row["started_on"]).days
        )
    return ResolutionFigures(
        resolved=len(resolved_days),
        withdrawn=len(closed) - len(resolved_days),
        median_days_to_resolve=float(median(resolved_days)) if resolved_days else None,
        max_days_to_resolve=max(resolved_days) if resolved_days else None,
        stages=tuple(
            StageDuration(
                stage=stage, stage_name=name, ended=len(days), median_days=float(median(days))
            )
            for (stage, name), days in per_stage.items()
        ),
    )


_STATUS_COUNTS = (
    "SUM(CASE WHEN status = %(open)s THEN 1 ELSE 0 END) AS open_count, "
    "SUM(CASE WHEN status = %(resolved)s THEN 1 ELSE 0 END) AS resolved, "
    "SUM(CASE WHEN status = %(withdrawn)s THEN 1 ELSE 0 END) AS withdrawn, "
    "COUNT(*) AS total"
)


def _status_params(team: str | None) -> dict[str, Any]:
    return {
        "open": EscalationStatus.OPEN.value,
        "resolved": EscalationStatus.RESOLVED.value,
        "withdrawn": EscalationStatus.WITHDRAWN.value,
        "team": team,
    }


def by_agency_pair(view: View, *, team: str | None = None) -> list[AgencyPairCount]:
    """Which agencies raise disagreements with which (a disagreement with a conference decision
    and no agency counts against the conference decision), most frequent pair first."""
    concerning = f"COALESCE(concerning_agency, '{CONFERENCE_DECISION}')"
    rows = view.query(
        f"SELECT raised_by_agency, {concerning} AS concerning, {_STATUS_COUNTS} "
        f"FROM {{escalations}} WHERE 1 = 1{_team_filter(team)} "
        f"GROUP BY raised_by_agency, {concerning} "
        "ORDER BY total DESC, raised_by_agency, concerning",
        _status_params(team),
    )
    return [
        AgencyPairCount(
            raised_by_agency=row["raised_by_agency"],
            concerning=row["concerning"],
            open=int(row["open_count"] or 0),
            resolved=int(row["resolved"] or 0),
            withdrawn=int(row["withdrawn"] or 0),
        )
        for row in rows
    ]


def by_subject(view: View, *, team: str | None = None) -> list[SubjectCount]:
    """The themes: what disagreements are about, most frequent first."""
    rows = view.query(
        f"SELECT subject, {_STATUS_COUNTS} FROM {{escalations}} WHERE 1 = 1{_team_filter(team)} "
        "GROUP BY subject ORDER BY total DESC, subject",
        _status_params(team),
    )
    return [
        SubjectCount(
            subject=row["subject"],
            open=int(row["open_count"] or 0),
            resolved=int(row["resolved"] or 0),
            withdrawn=int(row["withdrawn"] or 0),
        )
        for row in rows
    ]


def escalations_for_plan(view: View, plan_id: UUID, today: date) -> list[EscalationRow]:
    """Every escalation about one plan, open or closed, in the order raised: what a chair reads
    before a conference."""
    rows = view.select(
        ESCALATIONS,
        "SELECT * FROM {escalations} WHERE plan_id = %(plan_id)s ORDER BY raised_on, escalation_id",
        {"plan_id": plan_id},
    )
    return [_row(row, today) for row in rows]


def stages_of(view: View, escalation_id: UUID) -> list[StageRow]:
    """The stages one escalation went through, in order, with their clocks."""
    rows = view.select(
        STAGES,
        "SELECT * FROM {stages} WHERE escalation_id = %(escalation_id)s ORDER BY stage",
        {"escalation_id": escalation_id},
    )
    return [
        StageRow(
            stage=row["stage"],
            stage_name=row["stage_name"],
            started_on=row["started_on"],
            due_on=row["due_on"],
            ended_on=row["ended_on"],
        )
        for row in rows
    ]
