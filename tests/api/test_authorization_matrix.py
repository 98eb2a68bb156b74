"""Who may do what: every role, every operation of the API, on a plan the person is connected to
and on one they are not, each request valid, so that need-to-know alone decides the answer.

The expected answers come from the table below, written from the rules of the service (not from
the policy code it checks):

- analysts and administrators never see a plan or a child, not even from a core group seat;
  administrators alone read the access log;
- a partner sees the plans whose core group they sit in and changes only the tasks given to them
  or to their agency; a social worker sees the plans they lead; a team manager the team's plans;
  a chair the plans they chaired (a chair in the safeguarding unit sees them all);
- a record the user may not see answers 404, exactly as a missing one; a visible record with an
  action that is not the role's answers 403.

Plans are found in the demo authority through the write model; what a case changes or uses up
(an outcome, a member, a meeting, a task, an escalation) is created for that case alone, and
each role works on a plan of its own, so no case depends on another's outcome.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic
from fastapi.routing import APIRoute, iter_route_contexts

from domain.application import CaseRecord
from domain.child import Child
from domain.core_group import CoreGroup
from domain.escalation import EscalationKind, EscalationSubject
from domain.plan import ChildProtectionPlan
from goldenthread.demo import (
    DEMO_PASSWORD,
    PRACTITIONERS,
    SOCIAL_WORKERS,
    DemoPerson,
    username_of,
)
from goldenthread.wiring import build_case_record
from tests.api.conftest import PEOPLE, TODAY, Tracker

# --- who ----------------------------------------------------------------------------------------

SW, TM, CHAIR, UNIT_CHAIR = "social_worker", "team_manager", "chair", "unit_chair"
PARTNER, ANALYST, ADMIN = "practitioner", "analyst", "administrator"
ROLES = (SW, TM, CHAIR, UNIT_CHAIR, PARTNER, ANALYST, ADMIN)

EVERYONE = frozenset(ROLES)
"""On a record: anyone who may see it (analysts and administrators never do)."""
CHAIRS = frozenset({CHAIR, UNIT_CHAIR})
LEAD = "the plan's lead social worker"
OWNERS = frozenset({LEAD, TM})
"""Who runs a plan day to day: its lead social worker (no other) and the team's manager."""
WORKERS = frozenset({SW, TM})
"""Social workers who see the plan, lead or not, and the team's manager."""
TEAM_LISTS = frozenset({SW, TM, *CHAIRS})
FIGURES = frozenset({TM, *CHAIRS, ANALYST})

# --- the expectations table ---------------------------------------------------------------------

DAY = TODAY.isoformat()
NEXT_WEEK = (TODAY + timedelta(days=7)).isoformat()
IN_A_MONTH = (TODAY + timedelta(days=28)).isoformat()
WHY = "Discussed at supervision and agreed."


@dataclass(frozen=True)
class Ids:
    """The records one case is about."""

    plan_id: UUID
    child_id: UUID
    lead: DemoPerson
    team: str
    outcome_id: UUID  # an agreed outcome of the plan (a fresh one where the case uses it up)
    member_id: UUID | None = None
    meeting_id: UUID | None = None
    task_id: UUID | None = None
    escalation_id: UUID | None = None


Body = Callable[[Ids | None], dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """One operation of the API: who may do it, on what, and a valid request for it.

    `on` is what the case needs: nothing (`None`: lists, figures, the user's own session), or
    a record of a plan. `duty` holds the roles whose job it is (for a record, on one they see).
    `also` widens it for one kind of record: partners on the tasks given to them or their agency
    ("their task"), anyone on the escalation they raised ("raised it").
    """

    duty: frozenset[str]
    on: str | None = "plan"  # plan, outcome, member, meeting, (blocked) task, escalation, child
    body: Body | None = None
    if_match: str | None = None  # plan, core-group, task, escalation
    creates: bool = False
    also: str | None = None
    query: Callable[[Ids | None], dict[str, str]] | None = None
    lists_plans: str | None = None  # the key of the listed rows, each with a plan_id


def _meeting_held(ids: Ids) -> dict[str, Any]:
    return {"held_on": DAY, "summary": "Reviewed every task.", "parental_engagement": "engaged"}


def _task_for_police(ids: Ids) -> dict[str, Any]:
    return {
        "outcome_id": str(ids.outcome_id),
        "agency": "Northfield Police",
        "assignee_name": "Claire Dunn",
        "description": "Share any call-outs within a working day.",
        "due_on": IN_A_MONTH,
        "assigned_on": DAY,
    }


PLAN, CORE_GROUP, TASK, ESCALATION = "plan", "core-group", "task", "escalation"
V1 = "/api/v1"
P = f"{V1}/plans/{{plan_id}}"
CG = f"{P}/core-group"
T = f"{V1}/tasks/{{task_id}}"
E = f"{V1}/escalations/{{escalation_id}}"

OPERATIONS: dict[tuple[str, str], Operation] = {
    # the user's own session, and what is about no one record
    ("POST", f"{V1}/auth/logout"): Operation(EVERYONE, on=None),
    ("GET", f"{V1}/me"): Operation(EVERYONE, on=None),
    ("GET", f"{V1}/access-log"): Operation(
        frozenset({ADMIN}), on=None, query=lambda ids: {"limit": "5"}
    ),
    ("POST", f"{V1}/children"): Operation(
        TEAM_LISTS,
        on=None,
        creates=True,
        body=lambda ids: {
            "la_child_id": f"NF-MATRIX-{uuid4().hex[:8]}",
            "given_name": "Robin",
            "family_name": "Example",
            "gender": "2",
            "date_of_birth": "2019-05-04",
        },
    ),
    ("GET", f"{V1}/plans"): Operation(
        EVERYONE, on=None, query=lambda ids: {"limit": "100"}, lists_plans="plans"
    ),
    ("GET", f"{V1}/tasks/mine"): Operation(EVERYONE - {ANALYST, ADMIN}, on=None),
    ("GET", f"{V1}/task-completion"): Operation(FIGURES, on=None),
    ("GET", f"{V1}/escalations/summary"): Operation(FIGURES, on=None),
    ("GET", f"{V1}/analytics/cohort"): Operation(FIGURES, on=None),
    ("GET", f"{V1}/analytics/cohort.csv"): Operation(FIGURES, on=None),
    ("GET", f"{V1}/escalations"): Operation(TEAM_LISTS, on=None, lists_plans="escalations"),
    ("GET", f"{V1}/drift"): Operation(TEAM_LISTS, on=None, lists_plans="plans"),
    ("GET", f"{V1}/caseloads"): Operation(TEAM_LISTS, on=None),
    # a child, and starting a plan for one
    ("GET", f"{V1}/children/{{child_id}}"): Operation(EVERYONE, on="child"),
    ("POST", f"{V1}/plans"): Operation(
        CHAIRS,
        on="child",
        creates=True,
        body=lambda ids: {
            "child_id": str(ids.child_id),
            "icpc_on": DAY,
            "category": "NEG",
            "lead_social_worker_id": str(ids.lead.user_id),
            "lead_social_worker_name": ids.lead.name,
            "team": ids.team,
            "rationale": "Significant harm from neglect.",
        },
    ),
    # reading a plan
    ("GET", P): Operation(EVERYONE),
    ("GET", CG): Operation(EVERYONE),
    ("GET", f"{P}/tasks"): Operation(EVERYONE),
    ("GET", f"{P}/outcome-progress"): Operation(EVERYONE),
    ("GET", f"{P}/task-completion"): Operation(EVERYONE),
    ("GET", f"{P}/key-decisions"): Operation(EVERYONE),
    ("GET", f"{P}/history"): Operation(EVERYONE),
    ("GET", f"{P}/since-last-conference"): Operation(EVERYONE),
    ("GET", f"{P}/drift"): Operation(EVERYONE),
    # the plan's own records
    ("POST", f"{P}/lead-social-worker"): Operation(
        frozenset({TM}),
        if_match=PLAN,
        body=lambda ids: {
            "social_worker_id": str(ids.lead.user_id),
            "social_worker_name": ids.lead.name,
            "team": ids.team,
        },
    ),
    ("POST", f"{P}/outcomes"): Operation(
        OWNERS,
        if_match=PLAN,
        body=lambda ids: {
            "wording": "Ella sleeps in her own bed",
            "how_we_will_know": "Seen at visits",
            "baseline": 2,
            "target": 8,
        },
    ),
    ("POST", f"{P}/outcomes/{{outcome_id}}/revision"): Operation(
        OWNERS,
        on="outcome",
        if_match=PLAN,
        body=lambda ids: {
            "wording": "Ella sleeps in her own bed every night",
            "how_we_will_know": "Seen at visits",
            "target": 9,
            "reason": WHY,
        },
    ),
    ("POST", f"{P}/outcomes/{{outcome_id}}/achievement"): Operation(
        OWNERS,
        on="outcome",
        if_match=PLAN,
        body=lambda ids: {"achieved_on": DAY, "evidence": "Sustained for three months."},
    ),
    ("POST", f"{P}/outcomes/{{outcome_id}}/withdrawal"): Operation(
        OWNERS, on="outcome", if_match=PLAN, body=lambda ids: {"reason": WHY}
    ),
    ("POST", f"{P}/outcomes/{{outcome_id}}/ratings"): Operation(
        EVERYONE,
        on="outcome",
        if_match=PLAN,
        body=lambda ids: {"score": 5, "evidence": "Seen at a visit.", "rated_on": DAY},
    ),
    ("POST", f"{P}/agreement"): Operation(
        OWNERS,
        if_match=PLAN,
        body=lambda ids: {"agreed_on": DAY, "contingency_plan": "A legal planning meeting."},
    ),
    ("POST", f"{P}/visits"): Operation(
        OWNERS, if_match=PLAN, body=lambda ids: {"visited_on": DAY, "seen_alone": True}
    ),
    ("POST", f"{P}/childs-views"): Operation(
        OWNERS,
        if_match=PLAN,
        body=lambda ids: {"recorded_on": DAY, "views": "Likes her new school."},
    ),
    ("POST", f"{P}/parental-engagement"): Operation(
        OWNERS,
        if_match=PLAN,
        body=lambda ids: {"recorded_on": DAY, "engagement": "partially_engaged"},
    ),
    ("POST", f"{P}/letters-of-concern"): Operation(
        CHAIRS,
        if_match=PLAN,
        body=lambda ids: {"sent_on": DAY, "concern": "Parents missed two core groups."},
    ),
    ("POST", f"{P}/oversight"): Operation(
        frozenset({TM}),
        if_match=PLAN,
        body=lambda ids: {
            "decision_point": "plan_agreed",
            "recorded_on": DAY,
            "agreed_and_why": WHY,
            "options_considered": "Child in need plan.",
        },
    ),
    ("POST", f"{P}/review-conferences"): Operation(
        CHAIRS,
        if_match=PLAN,
        body=lambda ids: {
            "held_on": DAY,
            "decision": "continue",
            "category": "NEG",
            "rationale": "Risk of neglect remains; the plan continues.",
        },
    ),
    ("POST", f"{P}/ending"): Operation(
        OWNERS,
        if_match=PLAN,
        body=lambda ids: {"ended_on": DAY, "reason": "moved_to_another_authority"},
    ),
    # the core group
    ("POST", f"{CG}/members"): Operation(
        OWNERS,
        if_match=CORE_GROUP,
        body=lambda ids: {
            "member_id": str(uuid4()),
            "name": "Jo Example",
            "agency": "Northfield CAMHS",
            "role_title": "Mental health practitioner",
            "joined_on": DAY,
        },
    ),
    ("POST", f"{CG}/members/{{member_id}}/departure"): Operation(
        OWNERS,
        on="member",
        if_match=CORE_GROUP,
        body=lambda ids: {"left_on": DAY, "reason": "Changed job."},
    ),
    ("POST", f"{CG}/meetings"): Operation(
        OWNERS, if_match=CORE_GROUP, body=lambda ids: {"meeting_on": NEXT_WEEK}
    ),
    ("POST", f"{CG}/meetings/held"): Operation(OWNERS, if_match=CORE_GROUP, body=_meeting_held),
    ("POST", f"{CG}/meetings/{{meeting_id}}/record"): Operation(
        OWNERS, on="meeting", if_match=CORE_GROUP, body=_meeting_held
    ),
    ("POST", f"{CG}/meetings/{{meeting_id}}/cancellation"): Operation(
        OWNERS,
        on="meeting",
        if_match=CORE_GROUP,
        body=lambda ids: {"cancelled_on": DAY, "reason": "The family moved it."},
    ),
    # agency tasks
    ("POST", f"{P}/tasks"): Operation(OWNERS, creates=True, body=_task_for_police),
    ("GET", T): Operation(EVERYONE, on="task"),
    ("POST", f"{T}/start"): Operation(
        WORKERS, on="task", also="their task", if_match=TASK, body=lambda ids: {"started_on": DAY}
    ),
    ("POST", f"{T}/progress"): Operation(
        WORKERS,
        on="task",
        also="their task",
        if_match=TASK,
        body=lambda ids: {"noted_on": DAY, "note": "First visit made."},
    ),
    ("POST", f"{T}/completion"): Operation(
        WORKERS,
        on="task",
        also="their task",
        if_match=TASK,
        body=lambda ids: {"completed_on": DAY, "evidence": "Recorded in our notes."},
    ),
    ("POST", f"{T}/block"): Operation(
        WORKERS,
        on="task",
        also="their task",
        if_match=TASK,
        body=lambda ids: {"blocked_on": DAY, "reason": "No answer at the door."},
    ),
    ("POST", f"{T}/unblock"): Operation(
        WORKERS,
        on="blocked task",
        also="their task",
        if_match=TASK,
        body=lambda ids: {"unblocked_on": DAY, "note": "The family answered."},
    ),
    ("POST", f"{T}/due-date"): Operation(
        OWNERS,
        on="task",
        if_match=TASK,
        body=lambda ids: {"due_on": NEXT_WEEK, "reason": WHY},
    ),
    ("POST", f"{T}/reassignment"): Operation(
        OWNERS,
        on="task",
        if_match=TASK,
        body=lambda ids: {
            "agency": "Parkside GP Surgery",
            "assignee_name": "Dr Imran Malik",
            "reason": WHY,
        },
    ),
    ("POST", f"{T}/cancellation"): Operation(
        OWNERS,
        on="task",
        if_match=TASK,
        body=lambda ids: {"cancelled_on": DAY, "reason": "No longer needed."},
    ),
    # escalations
    ("POST", f"{P}/escalations"): Operation(
        EVERYONE,
        creates=True,
        body=lambda ids: {
            "kind": "professional_disagreement",
            "concerning_agency": "Northfield Police",
            "subject": "information_sharing",
            "description": "Call-outs not shared with the core group.",
            "raised_on": DAY,
        },
    ),
    ("GET", E): Operation(EVERYONE, on="escalation"),
    ("POST", f"{E}/contacts"): Operation(
        EVERYONE,
        on="escalation",
        if_match=ESCALATION,
        body=lambda ids: {
            "contacted_on": DAY,
            "contact_name": "Claire Dunn",
            "contact_agency": "Northfield Police",
            "summary": "Agreed to talk again on Monday.",
        },
    ),
    ("POST", f"{E}/actions"): Operation(
        EVERYONE,
        on="escalation",
        if_match=ESCALATION,
        body=lambda ids: {
            "agreed_on": DAY,
            "actions": [
                {
                    "description": "Share call-outs weekly.",
                    "owner_agency": "Northfield Police",
                    "due_on": NEXT_WEEK,
                }
            ],
        },
    ),
    ("POST", f"{E}/next-stage"): Operation(
        frozenset({TM, *CHAIRS}),
        on="escalation",
        also="raised it",
        if_match=ESCALATION,
        body=lambda ids: {"moved_on": DAY, "reason": "Not resolved between practitioners."},
    ),
    ("POST", f"{E}/resolution"): Operation(
        frozenset({TM, *CHAIRS}),
        on="escalation",
        also="raised it",
        if_match=ESCALATION,
        body=lambda ids: {
            "resolved_on": DAY,
            "outcome": "Weekly sharing agreed.",
            "learning": "Name a deputy.",
        },
    ),
    ("POST", f"{E}/withdrawal"): Operation(
        frozenset({TM, *CHAIRS}),
        on="escalation",
        also="raised it",
        if_match=ESCALATION,
        body=lambda ids: {"withdrawn_on": DAY, "reason": "The concern fell away."},
    ),
}

FIGURES_BY_PERSON = frozenset({TM, *CHAIRS})
"""`/task-completion?by=assignee` names people: not for analysts, who see de-identified figures."""
NEVER_DONE = {("POST", f"{P}/agreement"), ("POST", V1 + "/plans")}
"""Allowed, but refused by a rule of the record in every case here: the demo plans were agreed
at their conference, and each child already has an open plan."""

# --- the rules of who sees what -----------------------------------------------------------------

OWN_TASK, AGENCY_TASK, OTHER_TASK = "their own task", "their agency's task", "another agency's task"
RAISED_BY_THEM, RAISED_BY_ANOTHER = "raised by them", "raised by someone else"


def sees(who: str, connected: bool) -> bool:
    """A plan (and its child): by connection, and every plan for the safeguarding unit's chair;
    never for analysts and administrators, whatever seat they hold."""
    if who in (ANALYST, ADMIN):
        return False
    return connected or who == UNIT_CHAIR


def may_see(who: str, plan: ChildProtectionPlan, core_group: CoreGroup) -> bool:
    """The same rule on a live plan: for checking what lists show."""
    person = PEOPLE[who]
    if who in (ANALYST, ADMIN):
        return False
    if core_group.is_member(person.user_id):
        return True
    return {
        SW: plan.lead_social_worker_id == person.user_id,
        TM: plan.team == person.team,
        CHAIR: str(person.user_id) in plan.chair_ids,
        UNIT_CHAIR: True,
        PARTNER: False,
    }[who]


def expected(
    operation: Operation, who: str, connected: bool, variant: str, leads: bool = True
) -> int | None:
    """None when the action is the user's to do; else 404 (the record is hidden) or 403.
    `leads`: a social worker connected to the plan leads it (rather than sits in its core
    group)."""
    if operation.on is None:
        duty = FIGURES_BY_PERSON if variant == "by person" else operation.duty
        return None if who in duty else 403
    if not sees(who, connected):
        return 404
    if who in operation.duty or (who == SW and leads and LEAD in operation.duty):
        return None
    if operation.also == "their task" and who == PARTNER and variant in (OWN_TASK, AGENCY_TASK):
        return None
    if operation.also == "raised it" and variant == RAISED_BY_THEM:
        return None
    return 403


def variants(operation: Operation, key: tuple[str, str], who: str) -> tuple[str, ...]:
    if key == ("GET", f"{V1}/task-completion"):
        return ("by agency", "by person")
    if operation.on in ("task", "blocked task"):
        return (OWN_TASK, AGENCY_TASK, OTHER_TASK) if who == PARTNER else (OTHER_TASK,)
    if operation.on == "escalation":
        if who in (ANALYST, ADMIN):
            return (RAISED_BY_ANOTHER,)
        return (RAISED_BY_THEM, RAISED_BY_ANOTHER)
    return ("",)


# --- the world ----------------------------------------------------------------------------------


def api_operations(app: Any) -> set[tuple[str, str]]:
    """Every operation the served app routes under /api/v1, but signing in (public)."""
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and context.path.startswith(V1)
        and context.path != f"{V1}/auth/token"  # public: signing in
        for method in context.methods or ()
    }


@dataclass
class Scene:
    """One role's plan: connected to it or not."""

    who: str
    connected: bool
    plan: ChildProtectionPlan
    core_group: CoreGroup
    lead: DemoPerson
    outcome_id: UUID = field(default_factory=uuid4)
    leads: bool = True  # for a social worker connected to it: leads it, or sits in its core group

    @property
    def where(self) -> str:
        if not self.leads:
            return " in the core group of a plan they do not lead"
        return " on a plan they are connected to" if self.connected else " on another plan"


@dataclass
class Result:
    who: str
    key: tuple[str, str]
    variant: str
    expected: int | None
    status: int
    rule: str | None
    answer: str
    where: str = ""
    unseen_listed: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.expected is None

    def violation(self) -> str | None:
        if self.unseen_listed:
            return f"listed plans the user may not see: {', '.join(self.unseen_listed)}"
        if self.status == 422 and self.rule == "request-schema":
            return "the matrix sent an invalid request"
        if self.expected is None:
            refused_by_a_rule = self.status in (409, 412, 422) and self.rule is not None
            if 200 <= self.status < 300 or refused_by_a_rule:
                return None
            return f"allowed, answered {self.status} ({self.rule})"
        if self.status != self.expected:
            return f"expected {self.expected}, answered {self.status} ({self.rule})"
        if self.expected == 404 and self.rule != "not-found":
            return f"hidden, but not answered as a missing record ({self.rule})"
        return None

    def __str__(self) -> str:
        method, path = self.key
        variant = f" [{self.variant}]" if self.variant else ""
        return f"{self.who}{self.where}: {method} {path}{variant}"


class Matrix:
    """Finds the plans, makes the records each case needs, sends the cases, keeps the answers."""

    def __init__(self, tracker: Tracker, cases: CaseRecord) -> None:
        self.tracker, self.cases = tracker, cases
        self.results: list[Result] = []
        self.untaken: list[tuple[ChildProtectionPlan, CoreGroup]] = []
        self.scenes = self._scenes()

    # --- finding a plan for each role -----------------------------------------------------------

    def _scenes(self) -> dict[tuple[str, bool], Scene]:
        topic = get_topic(ChildProtectionPlan.Started)
        for notification in self.cases.recorder.select_notifications(1, 100_000, topics=[topic]):
            plan = self.cases.load(ChildProtectionPlan, notification.originator_id)
            if plan.is_open:
                self.untaken.append((plan, self.cases.load(CoreGroup, plan.core_group_id)))
        scenes = {}
        for who in ROLES:
            for connected in (True, False):
                found = self._take(lambda p, g, w=who, c=connected: self._fits(w, c, p, g))
                scenes[(who, connected)] = Scene(who, connected, *found)
        for scene in scenes.values():
            self._prepare(scene)
        return scenes

    def _take(
        self, fits: Callable[[ChildProtectionPlan, CoreGroup], bool]
    ) -> tuple[ChildProtectionPlan, CoreGroup, DemoPerson]:
        plan, core_group = next((p, g) for p, g in self.untaken if fits(p, g))
        self.untaken.remove((plan, core_group))
        lead = next(s for s in SOCIAL_WORKERS if s.user_id == plan.lead_social_worker_id)
        return plan, core_group, lead

    def seated_social_worker(self) -> Scene:
        """A social worker in the core group of a colleague's plan in their own team."""
        person = PEOPLE[SW]
        plan, core_group, lead = self._take(
            lambda p, g: p.team == person.team and p.lead_social_worker_id != person.user_id
        )
        scene = Scene(SW, True, plan, core_group, lead, leads=False)
        self._prepare(scene)
        self.cases.change_core_group(
            plan.core_group_id,
            lambda g: g.add_member(
                by=lead.actor,
                member_id=person.user_id,
                name=person.name,
                agency=person.agency,
                role_title="Social worker for a sibling",
                lead_professional=False,
                joined_on=TODAY,
            ),
        )
        return scene

    def _fits(
        self, who: str, connected: bool, plan: ChildProtectionPlan, core_group: CoreGroup
    ) -> bool:
        """Connected: leads it, the team's, chaired it, sits in its core group, as fits the
        role. Not connected: none of these (a social worker's is a colleague's plan in the same
        team). Analysts and administrators are connected by a seat in the core group."""
        person = PEOPLE[who]
        member = core_group.is_member(person.user_id)
        if who in (ANALYST, ADMIN):
            return not member
        link = {
            SW: plan.lead_social_worker_id == person.user_id,
            TM: plan.team == person.team,
            CHAIR: str(person.user_id) in plan.chair_ids,
            UNIT_CHAIR: str(person.user_id) in plan.chair_ids,
            PARTNER: member,
        }[who]
        if who == SW and not connected and plan.team != person.team:
            return False
        if connected:
            return link
        return not link and not member and self._child_unseen(who, plan)

    def _child_unseen(self, who: str, plan: ChildProtectionPlan) -> bool:
        """The child of a plan the user is not connected to has no other plan they see."""
        if who == UNIT_CHAIR:
            return True
        for other_id in self._plans_of_child(plan.child_id):
            other = self.cases.load(ChildProtectionPlan, other_id)
            if may_see(who, other, self.cases.load(CoreGroup, other.core_group_id)):
                return False
        return True

    def _plans_of_child(self, child_id: UUID) -> list[UUID]:
        return [p.plan_id for p in self.cases.load(Child, child_id).protection_plans]

    def _prepare(self, scene: Scene) -> None:
        """An agreed outcome to set tasks under; analysts and administrators take a core group
        seat (which must still not let them see the plan)."""
        lead = scene.lead.actor
        self._agree_outcome(scene, scene.outcome_id)
        if scene.who in (ANALYST, ADMIN) and scene.connected:
            person = PEOPLE[scene.who]
            self.cases.change_core_group(
                scene.plan.core_group_id,
                lambda g: g.add_member(
                    by=lead,
                    member_id=person.user_id,
                    name=person.name,
                    agency=person.agency,
                    role_title="Partnership analyst",
                    lead_professional=False,
                    joined_on=TODAY,
                ),
            )

    def _agree_outcome(self, scene: Scene, outcome_id: UUID) -> None:
        self.cases.change_plan(
            scene.plan.id,
            lambda p: p.agree_outcome(
                by=scene.lead.actor,
                outcome_id=outcome_id,
                wording="Ella attends school every day",
                how_we_will_know="School attendance above 95%",
                baseline=3,
                target=8,
            ),
        )

    # --- the records one case is about ----------------------------------------------------------

    def ids(self, scene: Scene, operation: Operation, variant: str) -> Ids:
        plan = scene.plan
        ids = Ids(plan.id, plan.child_id, scene.lead, plan.team, scene.outcome_id)
        match operation.on:
            case "outcome":
                outcome_id = uuid4()
                self._agree_outcome(scene, outcome_id)
                return _with(ids, outcome_id=outcome_id)
            case "member":
                return _with(ids, member_id=self._member(scene))
            case "meeting":
                return _with(ids, meeting_id=self._meeting(scene))
            case "task" | "blocked task":
                task_id = self._task(scene, variant)
                if operation.on == "blocked task":
                    self.cases.change_task(
                        task_id,
                        lambda t: t.block(by=scene.lead.actor, blocked_on=TODAY, reason="Ill."),
                    )
                return _with(ids, task_id=task_id)
            case "escalation":
                return _with(ids, escalation_id=self._escalation(scene, variant))
        return ids

    def _member(self, scene: Scene) -> UUID:
        member_id = uuid4()
        self.cases.change_core_group(
            scene.plan.core_group_id,
            lambda g: g.add_member(
                by=scene.lead.actor,
                member_id=member_id,
                name="Sam Example",
                agency="Northfield CAMHS",
                role_title="Mental health practitioner",
                lead_professional=False,
                joined_on=TODAY,
            ),
        )
        return member_id

    def _meeting(self, scene: Scene) -> UUID:
        meeting_id = uuid4()
        self.cases.change_core_group(
            scene.plan.core_group_id,
            lambda g: g.schedule_meeting(
                by=scene.lead.actor, meeting_id=meeting_id, meeting_on=TODAY
            ),
        )
        return meeting_id

    def _task(self, scene: Scene, variant: str) -> UUID:
        partner, police = PEOPLE[PARTNER], PRACTITIONERS[2]
        agency, assignee_id, assignee_name = {
            OWN_TASK: (partner.agency, partner.user_id, partner.name),
            AGENCY_TASK: (partner.agency, None, "Duty health visitor"),
            OTHER_TASK: (police.agency, police.user_id, police.name),
        }[variant]
        task_id = uuid4()
        self.cases.assign_task(
            task_id=task_id,
            plan_id=scene.plan.id,
            by=scene.lead.actor,
            outcome_id=scene.outcome_id,
            agency=agency,
            assignee_id=assignee_id,
            assignee_name=assignee_name,
            description="Visit fortnightly and weigh Ella.",
            due_on=TODAY + timedelta(days=28),
            assigned_on=TODAY,
        )
        return task_id

    def _escalation(self, scene: Scene, variant: str) -> UUID:
        if variant == RAISED_BY_THEM:
            raiser = PEOPLE[scene.who].actor
        else:
            raiser = next(
                p.actor
                for p in PRACTITIONERS
                if scene.core_group.is_member(p.user_id) and p is not PEOPLE[scene.who]
            )
        escalation_id = uuid4()
        self.cases.raise_escalation(
            escalation_id=escalation_id,
            plan_id=scene.plan.id,
            by=raiser,
            raised_on=TODAY,
            kind=EscalationKind.PROFESSIONAL_DISAGREEMENT,
            concerning_agency="Northfield Police",
            concerning_conference_decision=False,
            subject=EscalationSubject.TASK_NOT_DONE,
            description="The agreed task was not done.",
        )
        return escalation_id

    # --- sending --------------------------------------------------------------------------------

    def run(self, key: tuple[str, str], who: str, scene: Scene | None, variant: str) -> None:
        operation = OPERATIONS[key]
        ids = self.ids(scene, operation, variant) if scene is not None else None
        etag = self._current_etag(operation.if_match, ids) if operation.if_match else None
        response = self._send(key, who, ids, variant, etag)
        connected, leads = (scene.connected, scene.leads) if scene else (False, True)
        result = Result(
            who,
            key,
            variant,
            expected(operation, who, connected, variant, leads),
            response.status_code,
            _rule(response),
            _shape(response),
            where=scene.where if scene else "",
        )
        if operation.lists_plans and response.status_code == 200:
            self._check_listed(result, who, response.json()[operation.lists_plans])
        self.results.append(result)

    def missing(self, key: tuple[str, str]) -> str:
        """How the operation answers about records that do not exist, asked by the safeguarding
        unit's chair (who sees every plan there is)."""
        ghost = Ids(uuid4(), uuid4(), SOCIAL_WORKERS[0], "Child Protection Team 1", uuid4())
        ghost = _with(ghost, member_id=uuid4(), meeting_id=uuid4(), task_id=uuid4())
        ghost = _with(ghost, escalation_id=uuid4())
        return _shape(self._send(key, UNIT_CHAIR, ghost, "", etag='"1"'))

    def _send(
        self, key: tuple[str, str], who: str, ids: Ids | None, variant: str, etag: str | None
    ) -> Any:
        operation = OPERATIONS[key]
        method, template = key
        path = template.format(**_path_values(ids)) if ids is not None else template
        if key == ("POST", f"{V1}/auth/logout"):
            headers = {"Authorization": f"Bearer {self._fresh_token(who)}"}
        else:
            headers = dict(self.tracker.as_(who))
        if operation.creates:
            headers["Idempotency-Key"] = str(uuid4())
        if etag is not None:
            headers["If-Match"] = etag
        params = operation.query(ids) if operation.query else {}
        if variant in ("by agency", "by person"):
            params = {"by": "agency" if variant == "by agency" else "assignee"}
        body = operation.body(ids) if operation.body else None
        return self.tracker.client.request(method, path, headers=headers, params=params, json=body)

    def _current_etag(self, record: str, ids: Ids | None) -> str:
        """The record's ETag now, read by the safeguarding unit's chair (who sees every plan)."""
        assert ids is not None
        url = {
            PLAN: f"{V1}/plans/{ids.plan_id}",
            CORE_GROUP: f"{V1}/plans/{ids.plan_id}/core-group",
            TASK: f"{V1}/tasks/{ids.task_id}",
            ESCALATION: f"{V1}/escalations/{ids.escalation_id}",
        }[record]
        response = self.tracker.client.get(url, headers=self.tracker.as_(UNIT_CHAIR))
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    def _fresh_token(self, who: str) -> str:
        response = self.tracker.client.post(
            f"{V1}/auth/token",
            json={"username": username_of(PEOPLE[who]), "password": DEMO_PASSWORD},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def _check_listed(self, result: Result, who: str, rows: list[dict[str, Any]]) -> None:
        """A list shows only plans the user may see, judged on the live plan and core group."""
        for plan_id in {row["plan_id"] for row in rows}:
            plan = self.cases.load(ChildProtectionPlan, UUID(plan_id))
            if not may_see(who, plan, self.cases.load(CoreGroup, plan.core_group_id)):
                result.unseen_listed.append(plan_id)


def _with(ids: Ids, **changes: Any) -> Ids:
    return Ids(**{**ids.__dict__, **changes})


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _rule(response: Any) -> str | None:
    if response.headers.get("content-type") != "application/problem+json":
        return None
    rule = response.json().get("rule")
    return str(rule) if rule is not None else None


def _shape(response: Any) -> str:
    """The answer without the ids it names: for comparing a hidden record with a missing one."""
    answer = f"{response.status_code} {response.headers.get('content-type')} {response.text}"
    return UUID_TEXT.sub("<id>", answer)


def _path_values(ids: Ids) -> dict[str, str]:
    return {name: str(value) for name, value in ids.__dict__.items() if value is not None}


# --- the tests ----------------------------------------------------------------------------------


def test_the_matrix_knows_every_operation_of_the_api_and_no_other(tracker: Tracker):
    known, served = set(OPERATIONS), api_operations(tracker.client.app)

    assert served - known == set(), "operations the matrix does not know"
    assert known - served == set(), "operations the matrix knows that the API no longer has"


@pytest.fixture(scope="module")
def matrix(tracker: Tracker) -> Iterator[Matrix]:
    cases = build_case_record(tracker.settings)
    try:
        yield Matrix(tracker, cases)
    finally:
        cases.close()


def test_every_role_is_allowed_exactly_what_need_to_know_allows_on_every_operation(
    matrix: Matrix,
):
    ending = ("POST", f"{P}/ending")
    on_a_plan = [k for k, op in OPERATIONS.items() if op.on is not None and k != ending]
    about_no_record = [k for k, op in OPERATIONS.items() if op.on is None]
    for (who, _), scene in matrix.scenes.items():
        for key in [*on_a_plan, ending]:  # the ending last: it closes the plan
            for variant in variants(OPERATIONS[key], key, who):
                matrix.run(key, who, scene, variant)
    for who in ROLES:
        for key in about_no_record:
            for variant in variants(OPERATIONS[key], key, who):
                matrix.run(key, who, None, variant)

    results = matrix.results
    violations = [f"{r}: {r.violation()}" for r in results if r.violation()]
    hidden = [r for r in results if r.expected == r.status == 404]
    missing = {key: matrix.missing(key) for key in {r.key for r in hidden}}
    violations += [
        f"{r}: hidden, but not answered exactly as a missing record"
        for r in hidden
        if r.answer != missing[r.key]
    ]
    allowed = [r for r in results if r.allowed]
    done = Counter(r.key for r in allowed if 200 <= r.status < 300)
    refusals = Counter(r.rule for r in allowed if not 200 <= r.status < 300)
    print(
        f"\nauthorization matrix: {len(results)} cases, {len(allowed)} allowed "
        f"({done.total()} done, {refusals.total()} refused by a rule of the record: "
        f"{dict(refusals)}), {len(results) - len(allowed)} denied "
        f"({sum(r.expected == 404 for r in results)} hidden, "
        f"{sum(r.expected == 403 for r in results)} forbidden), {len(violations)} violations"
    )
    assert not violations, "\n".join(violations)
    assert len(results) >= 850
    assert len(allowed) >= 250
    assert len(hidden) >= 400
    assert {r.key for r in results} == set(OPERATIONS)
    never_done = {r.key for r in allowed} - set(done) - NEVER_DONE
    assert never_done == set(), "allowed operations that never went through: check their bodies"


def test_a_social_worker_in_the_core_group_of_a_plan_they_do_not_lead_does_not_run_it(
    matrix: Matrix,
):
    scene = matrix.seated_social_worker()
    ending = ("POST", f"{P}/ending")
    on_a_plan = [k for k, op in OPERATIONS.items() if op.on is not None and k != ending]
    before = len(matrix.results)

    for key in [*on_a_plan, ending]:
        for variant in variants(OPERATIONS[key], key, SW):
            matrix.run(key, SW, scene, variant)

    results = matrix.results[before:]
    violations = [f"{r}: {r.violation()}" for r in results if r.violation()]
    assert not violations, "\n".join(violations)
