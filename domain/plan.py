"""The child protection plan: from the conference that makes it to the conference that ends it.

The plan's stream holds the decisions (initial and review conferences, management oversight at the
three key decision points), the outcomes for the child and their ratings, and what was learnt about
the child and the parents along the way. Tasks live in their own streams (`domain.agency_task`) so
partner agencies never collide with each other; the plan only records that a task was set under one
of its outcomes, which lets "no new tasks once ended" hold atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.calendar import is_weekend
from domain.errors import (
    BlankFieldError,
    ConferenceOnWeekendError,
    DateBeforePlanStartError,
    OutcomeNotAgreedError,
    PlanAlreadyAgreedError,
    PlanEndBeforeReviewError,
    PlanEndedError,
    PlanEndsOnStartDateError,
    PlanEndWithoutReviewError,
    PlanWithoutOutcomesError,
    ReviewNotAfterPlanStartError,
    ReviewOutOfOrderError,
    ScoreOutOfRangeError,
    StepDownDateError,
    StepDownNotPossibleError,
    StrategyDiscussionAfterIcpcError,
    UnknownOutcomeError,
)
from domain.timescales import first_review_due, next_review_due
from domain.transcodings import stored_enum, stored_value
from domain.values import (
    MAX_SCORE,
    MIN_SCORE,
    Actor,
    CategoryOfAbuse,
    Dissent,
    ParentalEngagement,
)


@stored_enum("OutcomeStatus")
class OutcomeStatus(Enum):
    AGREED = "agreed"
    ACHIEVED = "achieved"
    WITHDRAWN = "withdrawn"


@stored_enum("RatingOccasion")
class RatingOccasion(Enum):
    """Where a rating or an engagement judgement was made."""

    INITIAL_CONFERENCE = "initial_conference"
    CORE_GROUP_MEETING = "core_group_meeting"
    REVIEW_CONFERENCE = "review_conference"
    VISIT = "visit"
    SUPERVISION = "supervision"


@stored_enum("KeyDecisionPoint")
class KeyDecisionPoint(Enum):
    """The three points at which the inspectorate found managers' challenge and support mattered."""

    PLAN_NEEDED = "plan_needed"
    PLAN_AGREED = "plan_agreed"
    PLAN_CAN_END = "plan_can_end"


@stored_enum("ReviewDecision")
class ReviewDecision(Enum):
    CONTINUE = "continue"
    END = "end"


@stored_enum("PlanEndReason")
class PlanEndReason(Enum):
    """Why a plan ended. Only the first is decided by a review conference; the rest are
    administrative and end the plan without one."""

    NO_LONGER_AT_CONTINUING_RISK = "no_longer_at_continuing_risk"
    MOVED_TO_ANOTHER_AUTHORITY = "moved_to_another_authority"
    TURNED_18 = "turned_18"
    DIED = "died"
    LEFT_THE_UK = "left_the_uk"

    @property
    def is_administrative(self) -> bool:
        return self is not PlanEndReason.NO_LONGER_AT_CONTINUING_RISK


@stored_value("Outcome")
@dataclass
class Outcome:
    """What must be different for the child, as the plan holds it now."""

    wording: str
    how_we_will_know: str
    baseline: int
    target: int
    status: OutcomeStatus = OutcomeStatus.AGREED
    latest_score: int | None = None


@stored_value("ReviewRecord")
@dataclass
class ReviewRecord:
    held_on: date
    decision: ReviewDecision
    category: CategoryOfAbuse


@dataclass(frozen=True)
class ConferenceDecision:
    """What a conference decided and why: the analysis the inspectorate found missing."""

    rationale: str
    options_considered: str
    attending_agencies: tuple[str, ...]
    childs_views: str = ""
    parents_views: str = ""
    dissent: tuple[Dissent, ...] = field(default_factory=tuple)


def _check_score(score: int) -> None:
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ScoreOutOfRangeError(f"Scores run from {MIN_SCORE} to {MAX_SCORE}; got {score}.")


def _check_conference_day(held_on: date) -> None:
    if is_weekend(held_on):
        raise ConferenceOnWeekendError(f"Conferences are not held at weekends ({held_on}).")


def _require(text: str, what: str) -> str:
    if not text.strip():
        raise BlankFieldError(f"{what} must be given.")
    return text.strip()


class ChildProtectionPlan(Aggregate):
    """One child's child protection plan, from its initial conference to its end."""

    class Started(Aggregate.Created):
        by: Actor
        child_id: UUID
        core_group_id: UUID
        icpc_on: date
        strategy_discussion_on: date | None
        category: CategoryOfAbuse
        rationale: str
        options_considered: str
        attending_agencies: tuple[str, ...]
        childs_views: str
        parents_views: str
        dissent: tuple[Dissent, ...]
        lead_social_worker_id: UUID
        lead_social_worker_name: str
        team: str

    @classmethod
    def start(
        cls,
        *,
        plan_id: UUID,
        by: Actor,
        child_id: UUID,
        icpc_on: date,
        strategy_discussion_on: date | None,
        category: CategoryOfAbuse,
        decision: ConferenceDecision,
        core_group_id: UUID | None = None,
        lead_social_worker_id: UUID,
        lead_social_worker_name: str,
        team: str,
    ) -> ChildProtectionPlan:
        """Key decision point 1: the initial conference decides a plan is needed. The plan
        starts on the conference date, so the census start date is always an ICPC date."""
        _check_conference_day(icpc_on)
        if strategy_discussion_on is not None and strategy_discussion_on > icpc_on:
            raise StrategyDiscussionAfterIcpcError(
                "The strategy discussion comes before the conference."
            )
        return cls._create(
            cls.Started,
            id=plan_id,
            by=by,
            child_id=child_id,
            core_group_id=core_group_id or uuid5(plan_id, "core-group"),
            icpc_on=icpc_on,
            strategy_discussion_on=strategy_discussion_on,
            category=category,
            rationale=_require(decision.rationale, "The conference's rationale"),
            options_considered=decision.options_considered.strip(),
            attending_agencies=tuple(decision.attending_agencies),
            childs_views=decision.childs_views.strip(),
            parents_views=decision.parents_views.strip(),
            dissent=tuple(decision.dissent),
            lead_social_worker_id=lead_social_worker_id,
            lead_social_worker_name=lead_social_worker_name,
            team=team,
        )

    def __init__(
        self,
        by: Actor,
        child_id: UUID,
        core_group_id: UUID,
        icpc_on: date,
        category: CategoryOfAbuse,
        lead_social_worker_id: UUID,
        lead_social_worker_name: str,
        team: str,
    ) -> None:
        self.child_id = child_id
        self.core_group_id = core_group_id
        self.chair_ids: list[str] = [str(by.user_id)]
        self.icpc_on = icpc_on
        self.initial_category = category
        self.latest_category = category
        self.lead_social_worker_id = lead_social_worker_id
        self.lead_social_worker_name = lead_social_worker_name
        self.team = team
        self.agreed_on: date | None = None
        self.outcomes: dict[str, Outcome] = {}
        self.task_ids: list[str] = []
        self.reviews: list[ReviewRecord] = []
        self.next_review_due: date = first_review_due(icpc_on)
        self.ended_on: date | None = None
        self.end_reason: PlanEndReason | None = None
        self.letters_of_concern: int = 0
        self.latest_engagement: ParentalEngagement | None = None

    # --- reading the plan ---------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def last_review_on(self) -> date | None:
        return self.reviews[-1].held_on if self.reviews else None

    def outcome(self, outcome_id: UUID) -> Outcome:
        try:
            return self.outcomes[str(outcome_id)]
        except KeyError:
            raise UnknownOutcomeError(
                f"Outcome {outcome_id} is not part of plan {self.id}."
            ) from None

    def _require_open(self) -> None:
        if self.ended_on is not None:
            raise PlanEndedError(f"Plan {self.id} ended on {self.ended_on}.")

    # --- the lead social worker ---------------------------------------------------------------

    class LeadSocialWorkerAllocated(Aggregate.Event):
        by: Actor
        social_worker_id: UUID
        social_worker_name: str
        team: str

    def allocate_lead_social_worker(
        self, *, by: Actor, social_worker_id: UUID, social_worker_name: str, team: str
    ) -> None:
        self._require_open()
        self._lead_social_worker_allocated(
            by=by,
            social_worker_id=social_worker_id,
            social_worker_name=_require(social_worker_name, "The social worker's name"),
            team=_require(team, "The team"),
        )

    @event(LeadSocialWorkerAllocated)
    def _lead_social_worker_allocated(
        self, by: Actor, social_worker_id: UUID, social_worker_name: str, team: str
    ) -> None:
        self.lead_social_worker_id = social_worker_id
        self.lead_social_worker_name = social_worker_name
        self.team = team

    # --- outcomes -----------------------------------------------------------------------------

    class OutcomeAgreed(Aggregate.Event):
        by: Actor
        outcome_id: UUID
        wording: str
        how_we_will_know: str
        baseline: int
        target: int

    def agree_outcome(
        self,
        *,
        by: Actor,
        outcome_id: UUID,
        wording: str,
        how_we_will_know: str,
        baseline: int,
        target: int,
    ) -> None:
        """An outcome says what must be different for the child and how everyone will know."""
        self._require_open()
        _check_score(baseline)
        _check_score(target)
        self._outcome_agreed(
            by=by,
            outcome_id=outcome_id,
            wording=_require(wording, "What must be different for the child"),
            how_we_will_know=_require(how_we_will_know, "How we will know"),
            baseline=baseline,
            target=target,
        )

    @event(OutcomeAgreed)
    def _outcome_agreed(
        self,
        by: Actor,
        outcome_id: UUID,
        wording: str,
        how_we_will_know: str,
        baseline: int,
        target: int,
    ) -> None:
        self.outcomes[str(outcome_id)] = Outcome(wording, how_we_will_know, baseline, target)

    class OutcomeRevised(Aggregate.Event):
        by: Actor
        outcome_id: UUID
        wording: str
        how_we_will_know: str
        target: int
        reason: str

    def revise_outcome(
        self,
        *,
        by: Actor,
        outcome_id: UUID,
        wording: str,
        how_we_will_know: str,
        target: int,
        reason: str,
    ) -> None:
        self._require_open()
        self._require_agreed(outcome_id)
        _check_score(target)
        self._outcome_revised(
            by=by,
            outcome_id=outcome_id,
            wording=_require(wording, "What must be different for the child"),
            how_we_will_know=_require(how_we_will_know, "How we will know"),
            target=target,
            reason=_require(reason, "The reason for the revision"),
        )

    @event(OutcomeRevised)
    def _outcome_revised(
        self,
        by: Actor,
        outcome_id: UUID,
        wording: str,
        how_we_will_know: str,
        target: int,
        reason: str,
    ) -> None:
        outcome = self.outcomes[str(outcome_id)]
        outcome.wording = wording
        outcome.how_we_will_know = how_we_will_know
        outcome.target = target

    class OutcomeAchieved(Aggregate.Event):
        by: Actor
        outcome_id: UUID
        achieved_on: date
        evidence: str

    def record_outcome_achieved(
        self, *, by: Actor, outcome_id: UUID, achieved_on: date, evidence: str
    ) -> None:
        self._require_open()
        self._require_agreed(outcome_id)
        self._outcome_achieved(
            by=by,
            outcome_id=outcome_id,
            achieved_on=achieved_on,
            evidence=_require(evidence, "The evidence"),
        )

    @event(OutcomeAchieved)
    def _outcome_achieved(
        self, by: Actor, outcome_id: UUID, achieved_on: date, evidence: str
    ) -> None:
        self.outcomes[str(outcome_id)].status = OutcomeStatus.ACHIEVED

    class OutcomeWithdrawn(Aggregate.Event):
        by: Actor
        outcome_id: UUID
        reason: str

    def withdraw_outcome(self, *, by: Actor, outcome_id: UUID, reason: str) -> None:
        self._require_open()
        self._require_agreed(outcome_id)
        self._outcome_withdrawn(by=by, outcome_id=outcome_id, reason=_require(reason, "The reason"))

    @event(OutcomeWithdrawn)
    def _outcome_withdrawn(self, by: Actor, outcome_id: UUID, reason: str) -> None:
        self.outcomes[str(outcome_id)].status = OutcomeStatus.WITHDRAWN

    def _require_agreed(self, outcome_id: UUID) -> Outcome:
        outcome = self.outcome(outcome_id)
        if outcome.status is not OutcomeStatus.AGREED:
            raise OutcomeNotAgreedError(
                f"Outcome {outcome_id} is {outcome.status.value}, not agreed."
            )
        return outcome

    class OutcomeProgressRated(Aggregate.Event):
        by: Actor
        outcome_id: UUID
        score: int
        evidence: str
        rated_on: date
        occasion: RatingOccasion
        occasion_id: UUID | None

    def rate_outcome_progress(
        self,
        *,
        by: Actor,
        outcome_id: UUID,
        score: int,
        evidence: str,
        rated_on: date,
        occasion: RatingOccasion,
        occasion_id: UUID | None = None,
    ) -> None:
        """A rating is recorded professional judgement: who rated, when, where and why."""
        self._require_open()
        self._require_agreed(outcome_id)
        _check_score(score)
        if rated_on < self.icpc_on:
            raise DateBeforePlanStartError("A rating cannot predate the plan.")
        self._outcome_progress_rated(
            by=by,
            outcome_id=outcome_id,
            score=score,
            evidence=_require(evidence, "The evidence for the rating"),
            rated_on=rated_on,
            occasion=occasion,
            occasion_id=occasion_id,
        )

    @event(OutcomeProgressRated)
    def _outcome_progress_rated(
        self,
        by: Actor,
        outcome_id: UUID,
        score: int,
        evidence: str,
        rated_on: date,
        occasion: RatingOccasion,
        occasion_id: UUID | None,
    ) -> None:
        self.outcomes[str(outcome_id)].latest_score = score

    # --- key decision point 2: the plan is agreed ---------------------------------------------

    class Agreed(Aggregate.Event):
        by: Actor
        agreed_on: date
        contingency_plan: str

    def agree(self, *, by: Actor, agreed_on: date, contingency_plan: str) -> None:
        """Key decision point 2. A plan is agreed only once it names at least one outcome for the
        child: the inspectorate found plans that listed actions and no outcomes."""
        self._require_open()
        if self.agreed_on is not None:
            raise PlanAlreadyAgreedError(f"Plan {self.id} was agreed on {self.agreed_on}.")
        if not any(o.status is OutcomeStatus.AGREED for o in self.outcomes.values()):
            raise PlanWithoutOutcomesError(
                "A plan is agreed only once it names an outcome for the child."
            )
        if agreed_on < self.icpc_on:
            raise DateBeforePlanStartError("The plan cannot be agreed before its conference.")
        self._agreed(
            by=by,
            agreed_on=agreed_on,
            contingency_plan=_require(contingency_plan, "The contingency plan"),
        )

    @event(Agreed)
    def _agreed(self, by: Actor, agreed_on: date, contingency_plan: str) -> None:
        self.agreed_on = agreed_on

    # --- tasks set under the plan's outcomes --------------------------------------------------

    class AgencyTaskSet(Aggregate.Event):
        by: Actor
        task_id: UUID
        outcome_id: UUID
        agency: str

    def set_agency_task(self, *, by: Actor, task_id: UUID, outcome_id: UUID, agency: str) -> None:
        """Recorded on the plan so that a task and the plan's ending cannot cross: a plan that
        ended concurrently makes this save fail."""
        self._require_open()
        self._require_agreed(outcome_id)
        self._agency_task_set(by=by, task_id=task_id, outcome_id=outcome_id, agency=agency)

    @event(AgencyTaskSet)
    def _agency_task_set(self, by: Actor, task_id: UUID, outcome_id: UUID, agency: str) -> None:
        self.task_ids.append(str(task_id))

    # --- the child and the family -------------------------------------------------------------

    class ChildVisited(Aggregate.Event):
        by: Actor
        visited_on: date
        seen_alone: bool
        note: str

    def record_visit(self, *, by: Actor, visited_on: date, seen_alone: bool, note: str) -> None:
        """Statutory visits; Ofsted's Annex A asks for the last one and whether the child was
        seen alone."""
        self._require_open()
        if visited_on < self.icpc_on:
            raise DateBeforePlanStartError("A visit under the plan cannot predate it.")
        self._child_visited(by=by, visited_on=visited_on, seen_alone=seen_alone, note=note.strip())

    @event(ChildVisited)
    def _child_visited(self, by: Actor, visited_on: date, seen_alone: bool, note: str) -> None:
        pass

    class ChildsViewsRecorded(Aggregate.Event):
        by: Actor
        recorded_on: date
        views: str
        how_gathered: str

    def record_childs_views(
        self, *, by: Actor, recorded_on: date, views: str, how_gathered: str
    ) -> None:
        self._require_open()
        self._childs_views_recorded(
            by=by,
            recorded_on=recorded_on,
            views=_require(views, "The child's views"),
            how_gathered=how_gathered.strip(),
        )

    @event(ChildsViewsRecorded)
    def _childs_views_recorded(
        self, by: Actor, recorded_on: date, views: str, how_gathered: str
    ) -> None:
        pass

    class ParentalEngagementRecorded(Aggregate.Event):
        by: Actor
        recorded_on: date
        engagement: ParentalEngagement
        occasion: RatingOccasion
        occasion_id: UUID | None
        note: str

    def record_parental_engagement(
        self,
        *,
        by: Actor,
        recorded_on: date,
        engagement: ParentalEngagement,
        occasion: RatingOccasion,
        occasion_id: UUID | None = None,
        note: str = "",
    ) -> None:
        self._require_open()
        self._parental_engagement_recorded(
            by=by,
            recorded_on=recorded_on,
            engagement=engagement,
            occasion=occasion,
            occasion_id=occasion_id,
            note=note.strip(),
        )

    @event(ParentalEngagementRecorded)
    def _parental_engagement_recorded(
        self,
        by: Actor,
        recorded_on: date,
        engagement: ParentalEngagement,
        occasion: RatingOccasion,
        occasion_id: UUID | None,
        note: str,
    ) -> None:
        self.latest_engagement = engagement

    class LetterOfConcernSent(Aggregate.Event):
        by: Actor
        sent_on: date
        concern: str
        review_postponed_to: date | None

    def send_letter_of_concern(
        self, *, by: Actor, sent_on: date, concern: str, review_postponed_to: date | None = None
    ) -> None:
        """The chair's response to parents not engaging; it may postpone the review."""
        self._require_open()
        if review_postponed_to is not None:
            _check_conference_day(review_postponed_to)
            if review_postponed_to <= self.icpc_on:
                raise ReviewNotAfterPlanStartError("A review falls after the plan's start.")
        self._letter_of_concern_sent(
            by=by,
            sent_on=sent_on,
            concern=_require(concern, "The concern"),
            review_postponed_to=review_postponed_to,
        )

    @event(LetterOfConcernSent)
    def _letter_of_concern_sent(
        self, by: Actor, sent_on: date, concern: str, review_postponed_to: date | None
    ) -> None:
        self.letters_of_concern += 1
        if review_postponed_to is not None:
            self.next_review_due = review_postponed_to

    # --- management oversight at a key decision point -----------------------------------------

    class ManagementOversightRecorded(Aggregate.Event):
        by: Actor
        decision_point: KeyDecisionPoint
        recorded_on: date
        agreed_and_why: str
        options_considered: str
        learning: str

    def record_management_oversight(
        self,
        *,
        by: Actor,
        decision_point: KeyDecisionPoint,
        recorded_on: date,
        agreed_and_why: str,
        options_considered: str,
        learning: str = "",
    ) -> None:
        """What was agreed and why, which other options were considered and what was learnt:
        the manager's challenge and support, recorded where it happened. Oversight of the
        ending can be recorded after the plan ended."""
        if decision_point is not KeyDecisionPoint.PLAN_CAN_END:
            self._require_open()
        self._management_oversight_recorded(
            by=by,
            decision_point=decision_point,
            recorded_on=recorded_on,
            agreed_and_why=_require(agreed_and_why, "What was agreed and why"),
            options_considered=_require(options_considered, "The options considered"),
            learning=learning.strip(),
        )

    @event(ManagementOversightRecorded)
    def _management_oversight_recorded(
        self,
        by: Actor,
        decision_point: KeyDecisionPoint,
        recorded_on: date,
        agreed_and_why: str,
        options_considered: str,
        learning: str,
    ) -> None:
        pass

    # --- review conferences -------------------------------------------------------------------

    class ReviewConferenceHeld(Aggregate.Event):
        by: Actor
        held_on: date
        decision: ReviewDecision
        category: CategoryOfAbuse
        rationale: str
        options_considered: str
        attending_agencies: tuple[str, ...]
        childs_views: str
        parents_views: str
        dissent: tuple[Dissent, ...]
        next_review_due: date | None

    def hold_review_conference(
        self,
        *,
        by: Actor,
        held_on: date,
        decision: ReviewDecision,
        category: CategoryOfAbuse,
        conference: ConferenceDecision,
    ) -> None:
        """A review decides whether the child remains at continuing risk. Reviews fall strictly
        after the plan's start, in date order, never at a weekend."""
        self._require_open()
        _check_conference_day(held_on)
        if held_on <= self.icpc_on:
            raise ReviewNotAfterPlanStartError(
                f"A review conference falls after the plan's start ({self.icpc_on})."
            )
        if self.reviews and held_on <= self.reviews[-1].held_on:
            raise ReviewOutOfOrderError("Review conferences are recorded in date order.")
        self._review_conference_held(
            by=by,
            held_on=held_on,
            decision=decision,
            category=category,
            rationale=_require(conference.rationale, "The conference's rationale"),
            options_considered=conference.options_considered.strip(),
            attending_agencies=tuple(conference.attending_agencies),
            childs_views=conference.childs_views.strip(),
            parents_views=conference.parents_views.strip(),
            dissent=tuple(conference.dissent),
            next_review_due=(
                next_review_due(held_on) if decision is ReviewDecision.CONTINUE else None
            ),
        )

    @event(ReviewConferenceHeld)
    def _review_conference_held(
        self,
        by: Actor,
        held_on: date,
        decision: ReviewDecision,
        category: CategoryOfAbuse,
        rationale: str,
        options_considered: str,
        attending_agencies: tuple[str, ...],
        childs_views: str,
        parents_views: str,
        dissent: tuple[Dissent, ...],
        next_review_due: date | None,
    ) -> None:
        self.reviews.append(ReviewRecord(held_on, decision, category))
        if str(by.user_id) not in self.chair_ids:
            self.chair_ids.append(str(by.user_id))
        self.latest_category = category
        if next_review_due is not None:
            self.next_review_due = next_review_due

    # --- key decision point 3: the plan ends --------------------------------------------------

    class Ended(Aggregate.Event):
        by: Actor
        ended_on: date
        reason: PlanEndReason
        stepped_down_to_child_in_need: bool
        child_in_need_plan_starts_on: date | None
        dissent: tuple[Dissent, ...]

    def end(
        self,
        *,
        by: Actor,
        ended_on: date,
        reason: PlanEndReason,
        child_in_need_plan_starts_on: date | None = None,
        dissent: tuple[Dissent, ...] = (),
    ) -> None:
        """A plan ends at a review conference that judged the child no longer at continuing
        risk, or administratively. It cannot end on the day it started, before its last review,
        nor end twice. A step-down child in need plan starts on the day this plan ends, and only
        follows a plan that ended because the risk was reduced."""
        self._require_open()
        if ended_on <= self.icpc_on:
            raise PlanEndsOnStartDateError(
                f"A plan ends after the day it started ({self.icpc_on})."
            )
        if not reason.is_administrative:
            last = self.reviews[-1] if self.reviews else None
            if last is None or last.held_on != ended_on or last.decision is not ReviewDecision.END:
                raise PlanEndWithoutReviewError(
                    "A plan ends for no longer being at continuing risk only at a review "
                    "conference that decided so, on that conference's date."
                )
        if self.reviews and ended_on < self.reviews[-1].held_on:
            raise PlanEndBeforeReviewError(
                f"A plan ends on or after its last review conference ({self.reviews[-1].held_on})."
            )
        if child_in_need_plan_starts_on is not None and reason.is_administrative:
            raise StepDownNotPossibleError(
                "A plan steps down to a child in need plan only when the child is no longer at "
                "continuing risk; a child who moved, turned 18, died or left the UK does not."
            )
        if child_in_need_plan_starts_on is not None and child_in_need_plan_starts_on != ended_on:
            raise StepDownDateError(
                "A step-down child in need plan starts on the day the protection plan ends."
            )
        self._ended(
            by=by,
            ended_on=ended_on,
            reason=reason,
            stepped_down_to_child_in_need=child_in_need_plan_starts_on is not None,
            child_in_need_plan_starts_on=child_in_need_plan_starts_on,
            dissent=tuple(dissent),
        )

    @event(Ended)
    def _ended(
        self,
        by: Actor,
        ended_on: date,
        reason: PlanEndReason,
        stepped_down_to_child_in_need: bool,
        child_in_need_plan_starts_on: date | None,
        dissent: tuple[Dissent, ...],
    ) -> None:
        self.ended_on = ended_on
        self.end_reason = reason
