"""A plan's whole history, one plain-English line per recorded fact, for the conference chair.

The inspectorate found that records rarely did justice to what was decided and why, and that
reviews measured actions instead of the difference made for the child. Because every decision,
rating, task update and escalation is an attributed event, the history a chair reviews can be the
record itself: who did what, when it happened in practice and when it was recorded, in one
sentence each. The history gathers the plan's own stream with its core group, its agency tasks,
its escalations and the child's record of the plan opening and closing, so nothing that happened
under the plan is in another place.

Events of the core group, task and escalation streams name their plan only in their first event,
and later events name an outcome, a task or a member only by id, so the view keeps small lookups
fed by the events that carry those names. No child identity is held: `Child.Registered` is never
read.

Each entry has two dates. `occurred_on` is the practice date the event is about (the day a meeting
was held, a rating made, a task completed); events that carry no such date (an outcome agreed, a
due date moved) fall back to the day they were recorded. `recorded_at` is when it was typed in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from operator import itemgetter
from typing import Any
from uuid import UUID

from domain.agency_task import AgencyTask
from domain.child import Child
from domain.core_group import AttendanceStatus, CoreGroup
from domain.escalation import Escalation, EscalationKind, EscalationSubject
from domain.plan import ChildProtectionPlan as Plan
from domain.plan import KeyDecisionPoint, PlanEndReason, RatingOccasion, ReviewDecision
from domain.values import Actor, CategoryOfAbuse, ParentalEngagement, Role
from projections.base import (
    Changes,
    ColumnType,
    Reader,
    ReadModel,
    Row,
    Table,
    View,
    columns,
    run_reader,
    topics_of,
)

# --- what the history holds ---------------------------------------------------------------------

DECISIONS = "decisions"
OUTCOMES_KIND = "outcomes"
RATINGS = "ratings"
TASKS_KIND = "tasks"
MEETINGS = "meetings"
ESCALATIONS_KIND = "escalations"
CHILD = "child"
KINDS: tuple[str, ...] = (
    DECISIONS,
    OUTCOMES_KIND,
    RATINGS,
    TASKS_KIND,
    MEETINGS,
    ESCALATIONS_KIND,
    CHILD,
)
"""What a chair filters the history by: conference and management decisions, outcomes, ratings,
agency tasks, the core group, escalations, and the child and family (visits, the child's views,
parental engagement, lead worker changes)."""

READ: dict[type[Any], tuple[str, str | None]] = {
    Plan.Started: (DECISIONS, "icpc_on"),
    Plan.Agreed: (DECISIONS, "agreed_on"),
    Plan.ReviewConferenceHeld: (DECISIONS, "held_on"),
    Plan.Ended: (DECISIONS, "ended_on"),
    Plan.ManagementOversightRecorded: (DECISIONS, "recorded_on"),
    Plan.LetterOfConcernSent: (DECISIONS, "sent_on"),
    Plan.OutcomeAgreed: (OUTCOMES_KIND, None),
    Plan.OutcomeRevised: (OUTCOMES_KIND, None),
    Plan.OutcomeAchieved: (OUTCOMES_KIND, "achieved_on"),
    Plan.OutcomeWithdrawn: (OUTCOMES_KIND, None),
    Plan.OutcomeProgressRated: (RATINGS, "rated_on"),
    Plan.AgencyTaskSet: (TASKS_KIND, None),
    Plan.LeadSocialWorkerAllocated: (CHILD, None),
    Plan.ChildVisited: (CHILD, "visited_on"),
    Plan.ChildsViewsRecorded: (CHILD, "recorded_on"),
    Plan.ParentalEngagementRecorded: (CHILD, "recorded_on"),
    CoreGroup.Formed: (MEETINGS, "formed_on"),
    CoreGroup.MemberJoined: (MEETINGS, "joined_on"),
    CoreGroup.MemberLeft: (MEETINGS, "left_on"),
    CoreGroup.MeetingScheduled: (MEETINGS, None),
    CoreGroup.MeetingHeld: (MEETINGS, "held_on"),
    CoreGroup.MeetingCancelled: (MEETINGS, "cancelled_on"),
    CoreGroup.Closed: (MEETINGS, "closed_on"),
    AgencyTask.Assigned: (TASKS_KIND, "assigned_on"),
    AgencyTask.Started: (TASKS_KIND, "started_on"),
    AgencyTask.ProgressNoted: (TASKS_KIND, "noted_on"),
    AgencyTask.Blocked: (TASKS_KIND, "blocked_on"),
    AgencyTask.Unblocked: (TASKS_KIND, "unblocked_on"),
    AgencyTask.Completed: (TASKS_KIND, "completed_on"),
    AgencyTask.DueDateChanged: (TASKS_KIND, None),
    AgencyTask.Reassigned: (TASKS_KIND, None),
    AgencyTask.Cancelled: (TASKS_KIND, "cancelled_on"),
    Escalation.Raised: (ESCALATIONS_KIND, "raised_on"),
    Escalation.ContactRecorded: (ESCALATIONS_KIND, "contacted_on"),
    Escalation.ActionsAgreed: (ESCALATIONS_KIND, "agreed_on"),
    Escalation.MovedToNextStage: (ESCALATIONS_KIND, "moved_on"),
    Escalation.Resolved: (ESCALATIONS_KIND, "resolved_on"),
    Escalation.Withdrawn: (ESCALATIONS_KIND, "withdrawn_on"),
    Child.ProtectionPlanOpened: (CHILD, "start_on"),
    Child.ProtectionPlanClosed: (CHILD, "end_on"),
}
"""Every event the history reads, with its kind and the field holding the practice date it is
about (None: the day it was recorded). A scheduled meeting is dated when it was arranged, not on
the day planned, so the history never shows a future that had not happened yet."""

# --- tables -------------------------------------------------------------------------------------

ENTRIES = Table(
    "entries",
    columns(
        "position:int plan_id:uuid stream stream_id:uuid stream_version:int event_type kind "
        "occurred_on:date recorded_at:timestamp actor_name actor_role actor_agency sentence"
    ),
    key=("position",),
    indexes=(("plan_id", "occurred_on", "position"),),
    append_only=True,
)
STREAMS = Table(
    "streams",
    columns("stream_id:uuid plan_id:uuid stream"),
    key=("stream_id",),
)
CONFERENCES = Table(
    "conferences",
    columns("plan_id:uuid position:int held_on:date kind"),
    key=("plan_id", "position"),
)
TASKS = Table(
    "tasks",
    columns("task_id:uuid description agency assignee_name"),
    key=("task_id",),
)
OUTCOMES = Table(
    "outcomes",
    columns("outcome_id:uuid plan_id:uuid wording"),
    key=("outcome_id",),
)
MEMBERS = Table(
    "members",
    columns("core_group_id:uuid member_id:uuid name agency"),
    key=("core_group_id", "member_id"),
)
ESCALATIONS = Table(
    "escalations",
    columns("escalation_id:uuid kind stage_names:json"),
    key=("escalation_id",),
)

# --- what queries return ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    position: int
    plan_id: UUID
    stream: str
    stream_id: UUID
    stream_version: int
    event_type: str
    kind: str
    occurred_on: date
    recorded_at: datetime
    actor_name: str
    actor_role: str
    actor_agency: str
    sentence: str


@dataclass(frozen=True)
class Conference:
    held_on: date
    kind: str
    position: int


@dataclass(frozen=True)
class SinceLastConference:
    """What a chair reads before a review: everything since the last conference, by kind."""

    conference: Conference | None
    entries: tuple[HistoryEntry, ...]

    @cached_property
    def by_kind(self) -> dict[str, tuple[HistoryEntry, ...]]:
        """The entries of each kind present, kinds in the usual order, entries in time order."""
        groups: dict[str, list[HistoryEntry]] = {kind: [] for kind in KINDS}
        for entry in self.entries:
            groups[entry.kind].append(entry)
        return {kind: tuple(group) for kind, group in groups.items() if group}

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(group) for kind, group in self.by_kind.items()}


# --- the read model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What earlier events said about things a later event names only by id."""

    outcome: str | None = None
    task: Row | None = None
    member: str | None = None
    escalation: Row | None = None


class PlanHistoryModel(ReadModel):
    name = "plan_history"
    relative_cost = 25.0
    tables = (ENTRIES, STREAMS, CONFERENCES, TASKS, OUTCOMES, MEMBERS, ESCALATIONS)
    topics = topics_of(*READ)

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        kind_and_date = READ.get(type(event))
        if kind_and_date is None:
            return
        placed = _placed(event, changes)
        if placed is None:
            return
        stream, plan_id = placed
        known = _known(event, changes) if type(event) in _NAMING else _NOTHING_KNOWN
        if type(event) in _REMEMBERED:
            _remember(event, changes, plan_id, position)
        kind, date_field = kind_and_date
        actor: Actor = event.by
        timestamp: datetime = event.timestamp
        changes.put(
            ENTRIES,
            {
                "position": position,
                "plan_id": plan_id,
                "stream": stream,
                "stream_id": event.originator_id,
                "stream_version": event.originator_version,
                "event_type": type(event).__qualname__,
                "kind": kind,
                "occurred_on": getattr(event, date_field) if date_field else timestamp.date(),
                "recorded_at": timestamp,
                "actor_name": actor.name,
                "actor_role": actor.role.value,
                "actor_agency": actor.agency,
                "sentence": _SENTENCES[kind](event, known),
            },
        )


def _placed(event: Any, changes: Changes) -> tuple[str, UUID] | None:
    """Which stream the event is on and which plan it belongs to; None for a stream whose first
    event was never seen (nothing can say which plan it is about)."""
    match event:
        case Plan.Event():
            return "plan", event.originator_id
        case Child.ProtectionPlanOpened() | Child.ProtectionPlanClosed():
            return "child", event.plan_id
        case CoreGroup.Formed() | AgencyTask.Assigned() | Escalation.Raised():
            return _STREAM_NAMES[type(event)], event.plan_id
    row = changes.get(STREAMS, event.originator_id)
    return (row["stream"], row["plan_id"]) if row is not None else None


_STREAM_NAMES: dict[type[Any], str] = {
    CoreGroup.Formed: "core_group",
    AgencyTask.Assigned: "task",
    Escalation.Raised: "escalation",
}


_NAMING: frozenset[type[Any]] = frozenset(
    {
        Plan.OutcomeRevised,
        Plan.OutcomeAchieved,
        Plan.OutcomeWithdrawn,
        Plan.OutcomeProgressRated,
        Plan.AgencyTaskSet,
        CoreGroup.MemberLeft,
        *(t for t in READ if issubclass(t, (AgencyTask.Event, Escalation.Event))),
    }
)
"""Events whose sentence names something an earlier event described (`_known`)."""

_REMEMBERED: frozenset[type[Any]] = frozenset(
    {
        CoreGroup.Formed,
        AgencyTask.Assigned,
        Escalation.Raised,
        Plan.Started,
        Plan.ReviewConferenceHeld,
        Plan.OutcomeAgreed,
        Plan.OutcomeRevised,
        AgencyTask.Reassigned,
        CoreGroup.MemberJoined,
    }
)
"""Events that feed the lookups (`_remember`)."""


def _known(event: Any, changes: Changes) -> Known:
    """What earlier events said about what `event` names (only called for `_NAMING` events:
    a new case here needs its event type there)."""
    match event:
        case (
            Plan.OutcomeRevised()
            | Plan.OutcomeAchieved()
            | Plan.OutcomeWithdrawn()
            | Plan.OutcomeProgressRated()
        ):
            return Known(outcome=_wording(changes, event.outcome_id))
        case Plan.AgencyTaskSet():
            return Known(
                outcome=_wording(changes, event.outcome_id),
                task=changes.get(TASKS, event.task_id),
            )
        case AgencyTask.Event():
            return Known(task=changes.get(TASKS, event.originator_id))
        case CoreGroup.MemberLeft():
            member = changes.get(MEMBERS, event.originator_id, event.member_id)
            return Known(member=f"{member['name']} ({member['agency']})" if member else None)
        case Escalation.Event():
            return Known(escalation=changes.get(ESCALATIONS, event.originator_id))
    return Known()


_NOTHING_KNOWN = Known()


def _wording(changes: Changes, outcome_id: UUID) -> str | None:
    row = changes.get(OUTCOMES, outcome_id)
    return row["wording"] if row is not None else None


def _remember(event: Any, changes: Changes, plan_id: UUID, position: int) -> None:
    """Keep the lookups later events need (names, the plan of each stream, conference dates).
    Only called for `_REMEMBERED` events: a new case here needs its event type there."""
    match event:
        case CoreGroup.Formed() | AgencyTask.Assigned() | Escalation.Raised():
            changes.put(
                STREAMS,
                {
                    "stream_id": event.originator_id,
                    "plan_id": plan_id,
                    "stream": _STREAM_NAMES[type(event)],
                },
            )
            _remember_first(event, changes)
        case Plan.Started():
            _conference_held(changes, plan_id, position, event.icpc_on, "initial")
        case Plan.ReviewConferenceHeld():
            _conference_held(changes, plan_id, position, event.held_on, "review")
        case Plan.OutcomeAgreed() | Plan.OutcomeRevised():
            changes.put(
                OUTCOMES,
                {"outcome_id": event.outcome_id, "plan_id": plan_id, "wording": event.wording},
            )
        case AgencyTask.Reassigned():
            changes.update(
                TASKS,
                event.originator_id,
                agency=event.agency,
                assignee_name=event.assignee_name,
            )
        case CoreGroup.MemberJoined():
            changes.put(
                MEMBERS,
                {
                    "core_group_id": event.originator_id,
                    "member_id": event.member_id,
                    "name": event.name,
                    "agency": event.agency,
                },
            )


def _conference_held(
    changes: Changes, plan_id: UUID, position: int, held_on: date, kind: str
) -> None:
    changes.put(
        CONFERENCES, {"plan_id": plan_id, "position": position, "held_on": held_on, "kind": kind}
    )


def _remember_first(event: Any, changes: Changes) -> None:
    match event:
        case AgencyTask.Assigned():
            changes.put(
                TASKS,
                {
                    "task_id": event.originator_id,
                    "description": event.description,
                    "agency": event.agency,
                    "assignee_name": event.assignee_name,
                },
            )
        case Escalation.Raised():
            changes.put(
                ESCALATIONS,
                {
                    "escalation_id": event.originator_id,
                    "kind": EscalationKind(event.kind).value,
                    "stage_names": [stage.name for stage in event.policy.stages],
                },
            )


# --- sentences ----------------------------------------------------------------------------------

BRIEF = 140
"""Free text is quoted up to about this many characters: enough to know what was said, with the
full record a click away."""


def sentence(event: Any, known: Known | None = None) -> str:
    """One plain-English sentence saying who did what. Never names the child."""
    entry = READ.get(type(event))
    if entry is None:
        return fallback_sentence(event)
    return _SENTENCES[entry[0]](event, known or Known())


def fallback_sentence(event: Any) -> str:
    """What an event without a sentence of its own would say; tests make sure none does."""
    return f"{_who(event.by)} recorded {type(event).__qualname__}."


def _decision_sentence(event: Any, known: Known) -> str:
    who = _who(event.by)
    match event:
        case Plan.Started():
            return (
                f"{who} chaired the initial child protection conference: a plan is needed; "
                f"category {_category(event.category)}; lead social worker "
                f"{event.lead_social_worker_name} ({event.team}).{_dissent(event.dissent)}"
            )
        case Plan.Agreed():
            return f"{who} recorded the plan as agreed, with the contingency plan: " + _said(
                event.contingency_plan
            )
        case Plan.LetterOfConcernSent():
            postponed = event.review_postponed_to
            return f"{who} sent the parents a letter of concern: {_said(event.concern)}" + (
                f" Review postponed to {_day(postponed)}." if postponed else ""
            )
        case Plan.ManagementOversightRecorded():
            number, label = _DECISION_POINTS[KeyDecisionPoint(event.decision_point)]
            return (
                f"{who} recorded management oversight at key decision point {number} "
                f"({label}): {_said(event.agreed_and_why)} Options considered: "
                f"{_said(event.options_considered)}"
                + (f" Learning: {_said(event.learning)}" if event.learning else "")
            )
        case Plan.ReviewConferenceHeld():
            continues = ReviewDecision(event.decision) is ReviewDecision.CONTINUE
            due = event.next_review_due
            return (
                f"{who} chaired a review conference: the plan "
                f"{'continues' if continues else 'ends'}; latest category "
                f"{_category(event.category)}."
                + (f" Next review due {_day(due)}." if due else "")
                + _dissent(event.dissent)
            )
        case Plan.Ended():
            step_down = (
                "; stepped down to a child in need plan"
                if event.stepped_down_to_child_in_need
                else ""
            )
            return (
                f"{who} ended the plan: {_END_REASONS[PlanEndReason(event.reason)]}{step_down}."
                + _dissent(event.dissent)
            )
    return fallback_sentence(event)


def _outcome_sentence(event: Any, known: Known) -> str:
    who = _who(event.by)
    outcome = _quote(known.outcome) if known.outcome else "an outcome"
    match event:
        case Plan.OutcomeAgreed():
            return (
                f"{who} agreed the outcome {_quote(event.wording)} (baseline "
                f"{event.baseline}/10, target {event.target}/10), measured by: "
                f"{_said(event.how_we_will_know)}"
            )
        case Plan.OutcomeRevised():
            was = f"{outcome} to " if known.outcome and known.outcome != event.wording else ""
            return (
                f"{who} revised the outcome {was}{_quote(event.wording)} (target "
                f"{event.target}/10): {_said(event.reason)}"
            )
        case Plan.OutcomeAchieved():
            return f"{who} recorded the outcome {outcome} as achieved: {_said(event.evidence)}"
        case Plan.OutcomeWithdrawn():
            return f"{who} withdrew the outcome {outcome}: {_said(event.reason)}"
        case Plan.OutcomeProgressRated():
            return (
                f"{who} rated the outcome {outcome} {event.score}/10 "
                f"{_OCCASIONS[RatingOccasion(event.occasion)]}: {_said(event.evidence)}"
            )
    return fallback_sentence(event)


def _task_sentence(event: Any, known: Known) -> str:
    who = _who(event.by)
    task = _quote(known.task["description"]) if known.task else "a task"
    match event:
        case Plan.AgencyTaskSet():
            named = f"the task {task}" if known.task else "a task"
            outcome = f"the outcome {_quote(known.outcome)}" if known.outcome else "an outcome"
            return f"{who} set {named} for {event.agency} under {outcome}."
        case AgencyTask.Assigned():
            return (
                f"{who} assigned the task {_quote(event.description)} to "
                f"{event.assignee_name} ({event.agency}), due {_day(event.due_on)}."
            )
        case AgencyTask.Started():
            return f"{who} started work on the task {task}."
        case AgencyTask.ProgressNoted():
            return f"{who} noted progress on the task {task}: {_said(event.note)}"
        case AgencyTask.Blocked():
            return f"{who} reported the task {task} blocked: {_said(event.reason)}"
        case AgencyTask.Unblocked():
            return f"{who} unblocked the task {task}: {_said(event.note)}"
        case AgencyTask.Completed():
            return f"{who} completed the task {task}: {_said(event.evidence)}"
        case AgencyTask.DueDateChanged():
            return (
                f"{who} moved the due date of the task {task} to {_day(event.due_on)}: "
                f"{_said(event.reason)}"
            )
        case AgencyTask.Reassigned():
            before = (
                f"from {known.task['assignee_name']} ({known.task['agency']}) "
                if known.task
                else ""
            )
            return (
                f"{who} reassigned the task {task} {before}to {event.assignee_name} "
                f"({event.agency}): {_said(event.reason)}"
            )
        case AgencyTask.Cancelled():
            return f"{who} cancelled the task {task}: {_said(event.reason)}"
    return fallback_sentence(event)


def _meeting_sentence(event: Any, known: Known) -> str:
    who = _who(event.by)
    match event:
        case CoreGroup.Formed():
            weeks = event.meeting_interval_weeks
            return (
                f"{who} formed the core group, to meet every {weeks} "
                f"week{'s' if weeks != 1 else ''} after its first meeting."
            )
        case CoreGroup.MemberJoined():
            lead = " as lead professional" if event.lead_professional else ""
            return (
                f"{who} added {event.name} ({event.role_title}, {event.agency}) to the core "
                f"group{lead}."
            )
        case CoreGroup.MemberLeft():
            member = known.member or "a member"
            return f"{who} recorded that {member} left the core group: {_said(event.reason)}"
        case CoreGroup.MeetingScheduled():
            return f"{who} scheduled a core group meeting for {_day(event.meeting_on)}."
        case CoreGroup.MeetingHeld():
            return (
                f"{who} recorded a core group meeting ({_attendance(event.attendance)}; "
                f"parents {_ENGAGEMENT[ParentalEngagement(event.parental_engagement)]}; "
                f"{_count(len(event.outcomes_rated), 'outcome')} rated): {_said(event.summary)}"
            )
        case CoreGroup.MeetingCancelled():
            return f"{who} cancelled a scheduled core group meeting: {_said(event.reason)}"
        case CoreGroup.Closed():
            return f"{who} closed the core group as the plan ended."
    return fallback_sentence(event)


def _escalation_sentence(event: Any, known: Known) -> str:
    who = _who(event.by)
    alert = known.escalation is not None and (
        known.escalation["kind"] == EscalationKind.PRACTICE_ALERT.value
    )
    noun = "practice alert" if alert else "disagreement"
    match event:
        case Escalation.Raised():
            return _raised(event)
        case Escalation.ContactRecorded():
            return (
                f"{who} contacted {event.contact_name} ({event.contact_agency}) about the "
                f"{noun}: {_said(event.summary)}"
            )
        case Escalation.ActionsAgreed():
            return (
                f"{who} recorded {_count(len(event.actions), 'action')} agreed to settle the "
                f"{noun}: {_actions(event.actions)}."
            )
        case Escalation.MovedToNextStage():
            names: Sequence[str] = known.escalation["stage_names"] if known.escalation else ()
            name = f" ({names[event.stage - 1]})" if len(names) >= event.stage else ""
            return (
                f"{who} moved the {noun} to stage {event.stage}{name}, "
                f"{_stage_due(event.stage_due_on)}: {_said(event.reason)}"
            )
        case Escalation.Resolved():
            return (
                f"{who} resolved the {noun}: {_said(event.outcome)} Learning: "
                f"{_said(event.learning)}"
            )
        case Escalation.Withdrawn():
            return f"{who} withdrew the {noun}: {_said(event.reason)}"
    return fallback_sentence(event)


def _raised(event: Any) -> str:
    alert = EscalationKind(event.kind) is EscalationKind.PRACTICE_ALERT
    concerning = [event.concerning_agency] if event.concerning_agency else []
    if event.concerning_conference_decision:
        concerning.append("the conference decision")
    first = event.policy.stages[0].name
    return (
        f"{_who(event.by)} raised a {'practice alert' if alert else 'professional disagreement'} "
        f"concerning {' and '.join(concerning)} about "
        f"{_SUBJECTS[EscalationSubject(event.subject)]}: {_said(event.description)} "
        f"Stage 1 ({first}) {_stage_due(event.stage_due_on)}."
    )


def _child_sentence(event: Any, known: Known) -> str:
    who = _who(event.by)
    match event:
        case Plan.LeadSocialWorkerAllocated():
            return (
                f"{who} allocated {event.social_worker_name} ({event.team}) as lead social worker."
            )
        case Plan.ChildVisited():
            alone = "seen alone" if event.seen_alone else "not seen alone"
            return f"{who} visited the child, {alone}" + _then(event.note)
        case Plan.ChildsViewsRecorded():
            how = f" ({_brief(event.how_gathered, 60)})" if event.how_gathered else ""
            return f"{who} recorded the child's views{how}: {_said(event.views)}"
        case Plan.ParentalEngagementRecorded():
            return (
                f"{who} judged the parents "
                f"{_ENGAGEMENT[ParentalEngagement(event.engagement)]} "
                f"{_OCCASIONS[RatingOccasion(event.occasion)]}" + _then(event.note)
            )
        case Child.ProtectionPlanOpened():
            return (
                f"{who} noted on the child's record that the plan started on "
                f"{_day(event.start_on)}."
            )
        case Child.ProtectionPlanClosed():
            return f"{who} noted on the child's record that the plan ended on {_day(event.end_on)}."
    return fallback_sentence(event)


_SENTENCES = {
    DECISIONS: _decision_sentence,
    OUTCOMES_KIND: _outcome_sentence,
    RATINGS: _outcome_sentence,
    TASKS_KIND: _task_sentence,
    MEETINGS: _meeting_sentence,
    ESCALATIONS_KIND: _escalation_sentence,
    CHILD: _child_sentence,
}

_CATEGORIES = {
    CategoryOfAbuse.NEGLECT: "neglect",
    CategoryOfAbuse.PHYSICAL: "physical abuse",
    CategoryOfAbuse.SEXUAL: "sexual abuse",
    CategoryOfAbuse.EMOTIONAL: "emotional abuse",
    CategoryOfAbuse.MULTIPLE: "multiple",
}
_OCCASIONS = {
    RatingOccasion.INITIAL_CONFERENCE: "at the initial conference",
    RatingOccasion.CORE_GROUP_MEETING: "at a core group meeting",
    RatingOccasion.REVIEW_CONFERENCE: "at a review conference",
    RatingOccasion.VISIT: "on a visit",
    RatingOccasion.SUPERVISION: "in supervision",
}
_ENGAGEMENT = {
    ParentalEngagement.ENGAGED: "engaged",
    ParentalEngagement.PARTIALLY_ENGAGED: "partially engaged",
    ParentalEngagement.NOT_ENGAGED: "not engaged",
}
_DECISION_POINTS = {
    KeyDecisionPoint.PLAN_NEEDED: (1, "is a plan needed"),
    KeyDecisionPoint.PLAN_AGREED: (2, "agreeing the plan"),
    KeyDecisionPoint.PLAN_CAN_END: (3, "can the plan end"),
}
_END_REASONS = {
    PlanEndReason.NO_LONGER_AT_CONTINUING_RISK: "the child is no longer at continuing risk",
    PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY: "the child moved to another local authority",
    PlanEndReason.TURNED_18: "the young person turned 18",
    PlanEndReason.DIED: "the child died",
    PlanEndReason.LEFT_THE_UK: "the child left the UK",
}
_SUBJECTS = {
    EscalationSubject.THRESHOLD: "the threshold",
    EscalationSubject.PLAN_IMPLEMENTATION: "how the plan is carried out",
    EscalationSubject.TASK_NOT_DONE: "a task not done",
    EscalationSubject.INFORMATION_SHARING: "information sharing",
    EscalationSubject.ENDING_THE_PLAN: "ending the plan",
    EscalationSubject.DRIFT: "drift",
    EscalationSubject.OTHER: "another matter",
}


def _who(actor: Actor) -> str:
    """Partner agency staff are named with their agency; the local authority's own staff (social
    workers, managers, chairs) by name, their role being plain from what they did."""
    if actor.role is Role.AGENCY_PRACTITIONER:
        return f"{actor.name} ({actor.agency})"
    return actor.name


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _category(category: Any) -> str:
    return _CATEGORIES[CategoryOfAbuse(category)]


def _brief(text: str, limit: int = BRIEF) -> str:
    """One line, cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def _said(text: str) -> str:
    """Free text as the end of a sentence: brief, and closed with a full stop if it had none."""
    brief = _brief(text)
    return brief if brief.endswith((".", "!", "?", "…")) else brief + "."


def _then(note: str) -> str:
    return f": {_said(note)}" if note.strip() else "."


def _quote(text: str) -> str:
    """A name (of an outcome or a task) in quotation marks, short enough to read in passing."""
    return f"“{_brief(text, 80).rstrip('.')}”"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _dissent(dissent: Sequence[Any]) -> str:
    agencies = list(dict.fromkeys(d.agency for d in dissent))
    return f" Dissent recorded from {', '.join(agencies)}." if agencies else ""


def _attendance(attendance: Sequence[Any]) -> str:
    """Who came, and which agencies did not: what a chair looks for when a plan drifts."""
    attended = sum(1 for a in attendance if AttendanceStatus(a.status) is AttendanceStatus.ATTENDED)
    parts = [f"{attended} attended"]
    for status, words in (
        (AttendanceStatus.SENT_APOLOGIES, "apologies from"),
        (AttendanceStatus.DID_NOT_ATTEND, "did not attend:"),
    ):
        agencies = [a.agency for a in attendance if AttendanceStatus(a.status) is status]
        if agencies:
            parts.append(f"{words} {', '.join(dict.fromkeys(agencies))}")
    return ", ".join(parts)


def _actions(actions: Sequence[Any]) -> str:
    shown = [
        f"{_quote(a.description)} ({a.owner_agency}, by {_day(a.due_on)})" for a in actions[:3]
    ]
    more = f"; and {len(actions) - 3} more" if len(actions) > 3 else ""
    return "; ".join(shown) + more


def _stage_due(due_on: date | None) -> str:
    return f"due {_day(due_on)}" if due_on is not None else "which runs as convened"


# --- queries ------------------------------------------------------------------------------------


def history(
    view: View,
    plan_id: UUID,
    *,
    kinds: Collection[str] | None = None,
    before: date | None = None,
    limit: int | None = None,
) -> list[HistoryEntry]:
    """The plan's history in time order (practice date, then log position).

    `kinds` keeps only those kinds; `before` only entries that happened before that day; `limit`
    the latest that many of what is left (still returned in time order), so a page can show the
    most recent entries and step back with `before`.
    """
    return run_reader(history_reader(view, plan_id, kinds=kinds, before=before, limit=limit))


def history_reader(
    view: View,
    plan_id: UUID,
    *,
    kinds: Collection[str] | None = None,
    before: date | None = None,
    limit: int | None = None,
) -> Reader[list[HistoryEntry]]:
    """`history`, to run with other readers (`run_readers`)."""
    params: dict[str, Any] = {"plan_id": plan_id}
    sql = "SELECT * FROM {entries} WHERE plan_id = %(plan_id)s"
    if kinds is not None:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"Unknown kinds {sorted(unknown)}; kinds are {', '.join(KINDS)}.")
        if not kinds:
            return []
        chosen, chosen_params = view.any_of("kinds", kinds)
        params.update(chosen_params)
        sql += f" AND kind {chosen}"
    if before is not None:
        sql += " AND occurred_on < %(before)s"
        params["before"] = before
    if limit is None:
        [rows] = yield (view.read_rows(ENTRIES, sql + " ORDER BY occurred_on, position", params),)
    else:
        params["limit"] = limit
        sql += " ORDER BY occurred_on DESC, position DESC LIMIT %(limit)s"
        [latest] = yield (view.read_rows(ENTRIES, sql, params),)
        rows = list(reversed(latest))
    return [HistoryEntry(**row) for row in rows]


def plan_version_on(view: View, plan_id: UUID, on: date) -> int | None:
    """The plan stream version to load for "the plan as it stood on `on`": the highest version
    of the plan's own events that happened on or before that day; None before the initial
    conference.

    Loading a version replays every plan event recorded before it, so an event recorded late for
    an earlier day also brings in whatever was recorded between the two.
    """
    rows = view.query(
        "SELECT MAX(stream_version) AS version FROM {entries} "
        "WHERE plan_id = %(plan_id)s AND stream = %(stream)s AND occurred_on <= %(on)s "
        "AND EXISTS (SELECT 1 FROM {entries} WHERE plan_id = %(plan_id)s "
        "AND stream = %(stream)s AND stream_version = %(first)s AND occurred_on <= %(on)s)",
        {"plan_id": plan_id, "stream": "plan", "on": on, "first": 1},
    )
    version = rows[0]["version"] if rows else None
    return int(version) if version is not None else None


def last_conference(view: View, plan_id: UUID, *, before: date | None = None) -> Conference | None:
    """The latest initial or review conference (held before `before`, if given)."""
    params: dict[str, Any] = {"plan_id": plan_id}
    sql = "SELECT * FROM {conferences} WHERE plan_id = %(plan_id)s"
    if before is not None:
        sql += " AND held_on < %(before)s"
        params["before"] = before
    rows = view.select(CONFERENCES, sql + " ORDER BY held_on DESC, position DESC LIMIT 1", params)
    if not rows:
        return None
    row = rows[0]
    return Conference(held_on=row["held_on"], kind=row["kind"], position=row["position"])


def changes_since_last_conference(view: View, plan_id: UUID) -> SinceLastConference:
    """Everything that happened after the last conference: later days, and on the conference's
    own day whatever came after it in the log. Without a conference, the whole history. One
    query: the last conference is found within it, and its columns come with every entry."""
    return run_reader(changes_since_last_conference_reader(view, plan_id))


def changes_since_last_conference_reader(view: View, plan_id: UUID) -> Reader[SinceLastConference]:
    """`changes_since_last_conference`, to run with other readers (`run_readers`)."""
    [rows] = yield (
        view.read(
            "WITH last AS (SELECT held_on AS c_held_on, position AS c_position, kind AS c_kind "
            "FROM {conferences} WHERE plan_id = %(plan_id)s "
            "ORDER BY held_on DESC, position DESC LIMIT 1) "
            "SELECT last.*, e.* FROM last LEFT JOIN {entries} e ON e.plan_id = %(plan_id)s "
            # A row comparison: one range of the index, and a plan PostgreSQL finds quickly.
            "AND (e.occurred_on, e.position) > (last.c_held_on, last.c_position) "
            "ORDER BY e.occurred_on, e.position",
            {"plan_id": plan_id},
            _SINCE_KINDS,
        ),
    )
    if not rows:
        whole = yield from history_reader(view, plan_id)
        return SinceLastConference(None, tuple(whole))
    first = rows[0]
    conference = Conference(
        held_on=first["c_held_on"], kind=first["c_kind"], position=first["c_position"]
    )
    entries = tuple(
        HistoryEntry(*_entry_values(row)) for row in rows if row["position"] is not None
    )
    return SinceLastConference(conference, entries)


_SINCE_KINDS: dict[str, ColumnType] = {**ENTRIES.kinds, "c_held_on": "date"}
_entry_values = itemgetter(*(f.name for f in fields(HistoryEntry)))
"""An entry's columns, in `HistoryEntry`'s order, from a row that has others too."""
