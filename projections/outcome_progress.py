"""Outcome progress: for each outcome of a plan, where it started, where it is, where it is going.

Ratings are recorded professional judgement on a 0-10 scale, so every rating keeps who made it,
when, on what occasion and on what evidence. Progress is baseline vs latest vs target, and the
trend over the last three ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from domain.plan import ChildProtectionPlan as Plan
from domain.plan import OutcomeStatus
from projections.base import (
    Changes,
    Reader,
    ReadModel,
    Table,
    View,
    columns,
    run_reader,
    topics_of,
)

OUTCOMES = Table(
    "outcomes",
    columns(
        "outcome_id:uuid plan_id:uuid wording how_we_will_know baseline:int target:int "
        "status agreed_on:date latest_score:int latest_rated_on:date ratings:int "
        "closed_on:date"
    ),
    key=("outcome_id",),
    indexes=(("plan_id",),),
)
RATINGS = Table(
    "ratings",
    columns(
        "plan_id:uuid version:int outcome_id:uuid score:int rated_on:date occasion "
        "rater_name rater_role rater_agency evidence"
    ),
    key=("plan_id", "version"),
    indexes=(("outcome_id",),),
    append_only=True,
)


class Trend(Enum):
    IMPROVING = "improving"
    NO_CHANGE = "no change"
    WORSENING = "worsening"


@dataclass(frozen=True)
class Rating:
    score: int
    rated_on: date
    occasion: str
    rater_name: str
    rater_role: str
    rater_agency: str
    evidence: str


@dataclass(frozen=True)
class OutcomeProgress:
    outcome_id: UUID
    plan_id: UUID
    wording: str
    how_we_will_know: str
    baseline: int
    target: int
    status: str
    latest_score: int | None
    ratings: tuple[Rating, ...]

    @property
    def change_from_baseline(self) -> int | None:
        return None if self.latest_score is None else self.latest_score - self.baseline

    @property
    def trend(self) -> Trend | None:
        """Direction over the last three ratings (two will do); None before there are two."""
        recent = [r.score for r in self.ratings[-3:]]
        if len(recent) < 2:
            return None
        if recent[-1] > recent[0]:
            return Trend.IMPROVING
        if recent[-1] < recent[0]:
            return Trend.WORSENING
        return Trend.NO_CHANGE

    @property
    def achieved(self) -> bool:
        return self.status == OutcomeStatus.ACHIEVED.value

    @property
    def withdrawn(self) -> bool:
        return self.status == OutcomeStatus.WITHDRAWN.value


class OutcomeProgressModel(ReadModel):
    name = "outcome_progress"
    relative_cost = 3.0
    tables = (OUTCOMES, RATINGS)
    topics = topics_of(
        Plan.OutcomeAgreed,
        Plan.OutcomeRevised,
        Plan.OutcomeAchieved,
        Plan.OutcomeWithdrawn,
        Plan.OutcomeProgressRated,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.OutcomeAgreed():
                changes.put(
                    OUTCOMES,
                    {
                        "outcome_id": event.outcome_id,
                        "plan_id": event.originator_id,
                        "wording": event.wording,
                        "how_we_will_know": event.how_we_will_know,
                        "baseline": event.baseline,
                        "target": event.target,
                        "status": OutcomeStatus.AGREED.value,
                        "agreed_on": event.timestamp.date(),
                        "latest_score": None,
                        "latest_rated_on": None,
                        "ratings": 0,
                        "closed_on": None,
                    },
                )
            case Plan.OutcomeRevised():
                changes.update(
                    OUTCOMES,
                    event.outcome_id,
                    wording=event.wording,
                    how_we_will_know=event.how_we_will_know,
                    target=event.target,
                )
            case Plan.OutcomeAchieved():
                changes.update(
                    OUTCOMES,
                    event.outcome_id,
                    status=OutcomeStatus.ACHIEVED.value,
                    closed_on=event.achieved_on,
                )
            case Plan.OutcomeWithdrawn():
                changes.update(
                    OUTCOMES,
                    event.outcome_id,
                    status=OutcomeStatus.WITHDRAWN.value,
                    closed_on=event.timestamp.date(),
                )
            case Plan.OutcomeProgressRated():
                cls._rated(event, changes)

    @staticmethod
    def _rated(event: Plan.OutcomeProgressRated, changes: Changes) -> None:
        changes.put(
            RATINGS,
            {
                "plan_id": event.originator_id,
                "version": event.originator_version,
                "outcome_id": event.outcome_id,
                "score": event.score,
                "rated_on": event.rated_on,
                "occasion": event.occasion.value,
                "rater_name": event.by.name,
                "rater_role": event.by.role.value,
                "rater_agency": event.by.agency,
                "evidence": event.evidence,
            },
        )
        outcome = changes.get(OUTCOMES, event.outcome_id)
        if outcome is None:
            return
        latest = outcome["latest_rated_on"]
        if latest is None or event.rated_on >= latest:
            outcome["latest_score"] = event.score
            outcome["latest_rated_on"] = event.rated_on
        outcome["ratings"] += 1
        changes.put(OUTCOMES, outcome)


def progress_for_plan(view: View, plan_id: UUID) -> list[OutcomeProgress]:
    """Every outcome of a plan, in the order agreed, with its ratings in date order."""
    return run_reader(progress_for_plan_reader(view, plan_id))


def progress_for_plan_reader(view: View, plan_id: UUID) -> Reader[list[OutcomeProgress]]:
    """`progress_for_plan`, to run with other readers (`run_readers`)."""
    outcomes, ratings = yield (
        view.read_rows(
            OUTCOMES,
            "SELECT * FROM {outcomes} WHERE plan_id = %(plan_id)s ORDER BY agreed_on, outcome_id",
            {"plan_id": plan_id},
        ),
        view.read_rows(
            RATINGS,
            "SELECT * FROM {ratings} WHERE plan_id = %(plan_id)s ORDER BY rated_on, version",
            {"plan_id": plan_id},
        ),
    )
    by_outcome: dict[UUID, list[Rating]] = {}
    for r in ratings:
        by_outcome.setdefault(r["outcome_id"], []).append(
            Rating(
                score=r["score"],
                rated_on=r["rated_on"],
                occasion=r["occasion"],
                rater_name=r["rater_name"],
                rater_role=r["rater_role"],
                rater_agency=r["rater_agency"],
                evidence=r["evidence"],
            )
        )
    return [
        OutcomeProgress(
            outcome_id=o["outcome_id"],
            plan_id=o["plan_id"],
            wording=o["wording"],
            how_we_will_know=o["how_we_will_know"],
            baseline=o["baseline"],
            target=o["target"],
            status=o["status"],
            latest_score=o["latest_score"],
            ratings=tuple(by_outcome.get(o["outcome_id"], ())),
        )
        for o in outcomes
    ]
