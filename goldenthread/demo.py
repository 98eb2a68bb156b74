"""Demo data: a believable local authority, told through the same commands practitioners use.

Everything is fictional. People have fixed ids (derived from their names) so that the user
accounts created for the demo match the actors recorded in the events. Dates are set relative to
the day the data is loaded, so overdue work is overdue on the day someone tries the tracker.
"""

# Commands run synchronously inside each loop iteration, so closures over loop variables are safe.
# ruff: noqa: B023

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from api.security.accounts import Accounts
from domain.application import CaseRecord, OutcomeRating
from domain.calendar import is_working_day
from domain.child import ChildDetails, Gender
from domain.core_group import Attendance, AttendanceStatus
from domain.escalation import AgreedAction, EscalationKind, EscalationSubject
from domain.plan import (
    ConferenceDecision,
    KeyDecisionPoint,
    ReviewDecision,
)
from domain.values import Actor, CategoryOfAbuse, Dissent, ParentalEngagement, Role

LOCAL_AUTHORITY = "Northfield Children's Services"
SAFEGUARDING_UNIT = "Northfield Safeguarding Unit"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    role: Role
    agency: str
    team: str = ""
    role_title: str = ""

    @property
    def user_id(self) -> UUID:
        return uuid5(NAMESPACE_URL, f"goldenthread-demo:{self.name}")

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.name, self.role, self.agency)


SOCIAL_WORKERS = (
    DemoPerson("Amara Okafor", Role.SOCIAL_WORKER, LOCAL_AUTHORITY, "Child Protection Team 1"),
    DemoPerson("Tom Reilly", Role.SOCIAL_WORKER, LOCAL_AUTHORITY, "Child Protection Team 1"),
    DemoPerson("Priya Shah", Role.SOCIAL_WORKER, LOCAL_AUTHORITY, "Child Protection Team 2"),
)
TEAM_MANAGERS = (
    DemoPerson("Helen Marsh", Role.TEAM_MANAGER, LOCAL_AUTHORITY, "Child Protection Team 1"),
    DemoPerson("David Osei", Role.TEAM_MANAGER, LOCAL_AUTHORITY, "Child Protection Team 2"),
)
CHAIRS = (
    DemoPerson("Margaret Quinn", Role.CONFERENCE_CHAIR, SAFEGUARDING_UNIT),
    DemoPerson("Sanjay Patel", Role.CONFERENCE_CHAIR, SAFEGUARDING_UNIT),
)
PRACTITIONERS = (
    DemoPerson(
        "Laura Bennett",
        Role.AGENCY_PRACTITIONER,
        "Northfield Health Visiting",
        "",
        "Health visitor",
    ),
    DemoPerson(
        "Gareth Evans",
        Role.AGENCY_PRACTITIONER,
        "Riverside Primary School",
        "",
        "Designated safeguarding lead",
    ),
    DemoPerson(
        "Claire Dunn",
        Role.AGENCY_PRACTITIONER,
        "Northfield Police",
        "",
        "Public protection officer",
    ),
    DemoPerson("Dr Imran Malik", Role.AGENCY_PRACTITIONER, "Parkside GP Surgery", "", "GP"),
    DemoPerson(
        "Rosa Lima", Role.AGENCY_PRACTITIONER, "Northfield CAMHS", "", "Mental health practitioner"
    ),
    DemoPerson(
        "Kevin Hart",
        Role.AGENCY_PRACTITIONER,
        "Open Door Recovery Service",
        "",
        "Substance misuse worker",
    ),
)
ANALYST = DemoPerson("Nadia Khan", Role.PARTNERSHIP_ANALYST, "Northfield Safeguarding Partnership")
ADMINISTRATOR = DemoPerson("Sam Fletcher", Role.ADMINISTRATOR, LOCAL_AUTHORITY)
EVERYONE = (*SOCIAL_WORKERS, *TEAM_MANAGERS, *CHAIRS, *PRACTITIONERS, ANALYST, ADMINISTRATOR)

GIVEN_NAMES = (
    "Ella",
    "Noah",
    "Ava",
    "Leo",
    "Maya",
    "Oscar",
    "Isla",
    "Theo",
    "Ruby",
    "Jack",
    "Zara",
    "Kai",
    "Lily",
    "Finn",
    "Aisha",
    "Harry",
    "Mia",
    "Alfie",
    "Sofia",
    "Jayden",
    "Poppy",
    "Ibrahim",
)
FAMILY_NAMES = (
    "Walker",
    "Hughes",
    "Begum",
    "Novak",
    "Clarke",
    "Ahmed",
    "Murphy",
    "Kowalski",
    "Brown",
    "Ali",
    "Taylor",
    "Campbell",
    "Mensah",
    "Wood",
    "Green",
    "Hussain",
)
OUTCOMES: dict[CategoryOfAbuse, tuple[tuple[str, str], ...]] = {
    CategoryOfAbuse.NEGLECT: (
        (
            "{child} has regular meals and a clean, safe home",
            "Health visitor and social worker "
            "see food in the house and a safe home at unannounced visits",
        ),
        ("{child} attends every health appointment", "GP and health visitor confirm attendance"),
        ("{child} attends school every day, on time", "School attendance above 95%"),
    ),
    CategoryOfAbuse.EMOTIONAL: (
        (
            "{child} lives free from domestic abuse",
            "No police call-outs; {child} says home is calm",
        ),
        (
            "{child}'s parents manage their drinking so it does not affect {child}",
            "Recovery service reports engagement and negative tests",
        ),
        ("{child} can talk to a trusted adult about worries", "CAMHS and school report it"),
    ),
    CategoryOfAbuse.PHYSICAL: (
        ("{child} is not hurt at home", "No unexplained injuries; medicals clear"),
        ("{child}'s parents use safe ways to manage behaviour", "Parenting course completed"),
    ),
    CategoryOfAbuse.SEXUAL: (
        ("{child} has no contact with the adult who harmed them", "Police and school confirm"),
        ("{child} gets therapeutic support", "CAMHS sessions attended"),
    ),
}
TASKS = (
    "Visit fortnightly and weigh {child}",
    "Report attendance weekly to the social worker",
    "Share any police call-outs within one working day",
    "Offer a review appointment and follow up missed ones",
    "Offer weekly sessions and report engagement",
    "Complete a parenting assessment",
)


def working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass
class Story:
    """The shape of one child's plan in the demo."""

    category: CategoryOfAbuse
    weeks_since_icpc: int
    ends_at_review: int | None = None  # which review (1, 2, ...) ends the plan
    engagement: ParentalEngagement = ParentalEngagement.ENGAGED
    letter_of_concern: bool = False
    unborn: bool = False
    previous_plan: bool = False
    escalation_stage: int | None = None
    escalation_resolved: bool = False
    overdue_tasks: int = 0
    stalled: bool = False
    agencies: tuple[int, ...] = (0, 1)
    oversight_missing: bool = False
    busy: bool = False  # synthetic plans: weekly visits, fortnightly task notes, more tasks


DEMO_STORIES: tuple[Story, ...] = (
    Story(CategoryOfAbuse.NEGLECT, 1),
    Story(CategoryOfAbuse.NEGLECT, 2, agencies=(0, 3)),
    Story(CategoryOfAbuse.PHYSICAL, 3, agencies=(1, 2, 3)),
    Story(CategoryOfAbuse.EMOTIONAL, 2, agencies=(2, 5, 4)),
    Story(CategoryOfAbuse.NEGLECT, 1, unborn=True, agencies=(0, 3, 5)),
    Story(CategoryOfAbuse.NEGLECT, 3, previous_plan=True, agencies=(0, 1)),
    Story(
        CategoryOfAbuse.NEGLECT,
        20,
        engagement=ParentalEngagement.NOT_ENGAGED,
        letter_of_concern=True,
        overdue_tasks=2,
        stalled=True,
        agencies=(0, 1, 3),
    ),
    Story(
        CategoryOfAbuse.EMOTIONAL,
        16,
        engagement=ParentalEngagement.PARTIALLY_ENGAGED,
        agencies=(2, 5, 1),
        escalation_stage=2,
    ),
    Story(
        CategoryOfAbuse.EMOTIONAL, 30, agencies=(2, 5, 4, 1), escalation_stage=3, overdue_tasks=1
    ),
    Story(CategoryOfAbuse.NEGLECT, 26, agencies=(0, 1), escalation_stage=4, stalled=True),
    Story(CategoryOfAbuse.PHYSICAL, 12, agencies=(1, 2), escalation_stage=1),
    Story(
        CategoryOfAbuse.NEGLECT,
        14,
        agencies=(0, 1, 3),
        escalation_stage=1,
        escalation_resolved=True,
    ),
    Story(CategoryOfAbuse.SEXUAL, 18, agencies=(2, 4, 1), oversight_missing=True),
    Story(CategoryOfAbuse.NEGLECT, 40, ends_at_review=2, agencies=(0, 1)),
    Story(CategoryOfAbuse.PHYSICAL, 36, ends_at_review=2, agencies=(1, 3)),
    Story(CategoryOfAbuse.EMOTIONAL, 18, ends_at_review=1, agencies=(2, 5)),
    Story(
        CategoryOfAbuse.NEGLECT,
        60,
        ends_at_review=3,
        agencies=(0, 1, 3),
        engagement=ParentalEngagement.PARTIALLY_ENGAGED,
    ),
    Story(CategoryOfAbuse.NEGLECT, 8, overdue_tasks=1, agencies=(0, 3)),
    Story(CategoryOfAbuse.EMOTIONAL, 10, agencies=(5, 4), stalled=True),
    Story(CategoryOfAbuse.NEGLECT, 22, agencies=(0, 1, 3), overdue_tasks=1),
)


class Storyteller:
    """Records one child's history through the application service, in date order."""

    def __init__(self, cases: CaseRecord, rng: random.Random, today: date) -> None:
        self.cases = cases
        self.rng = rng
        self.today = today

    def tell(self, number: int, story: Story) -> UUID:
        rng = self.rng
        worker = SOCIAL_WORKERS[number % len(SOCIAL_WORKERS)]
        manager = next(m for m in TEAM_MANAGERS if m.team == worker.team)
        chair = CHAIRS[number % len(CHAIRS)]
        given = GIVEN_NAMES[number % len(GIVEN_NAMES)]
        family = FAMILY_NAMES[(number * 7) % len(FAMILY_NAMES)]
        icpc_on = working_day_on_or_after(self.today - timedelta(weeks=story.weeks_since_icpc))
        child_id = uuid4()
        born = None if story.unborn else icpc_on - timedelta(days=rng.randint(200, 5000))
        self.cases.register_child(
            child_id=child_id,
            by=worker.actor,
            details=ChildDetails(
                la_child_id=f"NF{100000 + number}",
                given_name=given,
                family_name=family,
                gender=rng.choice((Gender.MALE, Gender.FEMALE)),
                date_of_birth=born,
                expected_date_of_birth=icpc_on + timedelta(days=70) if story.unborn else None,
                ethnicity=rng.choice(("WBRI", "WOTH", "MWBC", "AIND", "BAFR", "AOTH")),
                upn=None,
            ),
        )
        if story.previous_plan:
            self._earlier_plan(child_id, icpc_on - timedelta(weeks=90), worker, chair, story)
        self._plan(child_id, icpc_on, given, worker, manager, chair, story)
        return child_id

    def _earlier_plan(
        self, child_id: UUID, icpc_on: date, worker: DemoPerson, chair: DemoPerson, story: Story
    ) -> None:
        icpc_on = working_day_on_or_after(icpc_on)
        plan_id, core_group_id = uuid4(), uuid4()
        self.cases.start_plan(
            plan_id=plan_id,
            core_group_id=core_group_id,
            by=chair.actor,
            child_id=child_id,
            icpc_on=icpc_on,
            strategy_discussion_on=icpc_on - timedelta(days=14),
            category=story.category,
            decision=self._decision(story, "Concerns about home conditions and supervision."),
            lead_social_worker_id=worker.user_id,
            lead_social_worker_name=worker.name,
            team=worker.team,
        )
        review_on = working_day_on_or_after(icpc_on + timedelta(days=85))
        self.cases.hold_review_conference(
            plan_id=plan_id,
            core_group_id=core_group_id,
            by=chair.actor,
            held_on=review_on,
            decision=ReviewDecision.END,
            category=story.category,
            conference=self._decision(story, "Home conditions sustained; risk reduced."),
            step_down_to_child_in_need=True,
        )
        self.cases.change_child(
            child_id,
            lambda c: c.end_child_in_need_plan(by=worker.actor, end_on=review_on + timedelta(90)),
        )

    def _decision(self, story: Story, rationale: str) -> ConferenceDecision:
        agencies = tuple(PRACTITIONERS[i].agency for i in story.agencies)
        return ConferenceDecision(
            rationale=rationale,
            options_considered="No further action; child in need plan; child protection plan.",
            attending_agencies=(LOCAL_AUTHORITY, *agencies),
            childs_views="Told the social worker what a good day and a bad day look like.",
            parents_views="Accept that things need to change; worried about the process.",
        )

    def _plan(
        self,
        child_id: UUID,
        icpc_on: date,
        given: str,
        worker: DemoPerson,
        manager: DemoPerson,
        chair: DemoPerson,
        story: Story,
    ) -> None:
        rng, cases = self.rng, self.cases
        plan_id, core_group_id = uuid4(), uuid4()
        members = [PRACTITIONERS[i] for i in story.agencies]
        cases.start_plan(
            plan_id=plan_id,
            core_group_id=core_group_id,
            by=chair.actor,
            child_id=child_id,
            icpc_on=icpc_on,
            strategy_discussion_on=icpc_on - timedelta(days=rng.randint(12, 24)),
            category=story.category,
            decision=self._decision(story, RATIONALES[story.category]),
            lead_social_worker_id=worker.user_id,
            lead_social_worker_name=worker.name,
            team=worker.team,
        )
        if not story.oversight_missing:
            self._oversight(plan_id, manager, icpc_on, KeyDecisionPoint.PLAN_NEEDED)
        for member in members:
            cases.change_core_group(
                core_group_id,
                lambda g: g.add_member(
                    by=worker.actor,
                    member_id=member.user_id,
                    name=member.name,
                    agency=member.agency,
                    role_title=member.role_title,
                    lead_professional=False,
                    joined_on=icpc_on,
                ),
            )
        outcomes: list[tuple[UUID, int]] = []
        for wording, measure in OUTCOMES[story.category][: rng.randint(2, 3)]:
            outcome_id, baseline, target = uuid4(), rng.randint(1, 4), rng.randint(7, 9)
            cases.change_plan(
                plan_id,
                lambda p: p.agree_outcome(
                    by=worker.actor,
                    outcome_id=outcome_id,
                    wording=wording.format(child=given),
                    how_we_will_know=measure.format(child=given),
                    baseline=baseline,
                    target=target,
                ),
            )
            outcomes.append((outcome_id, baseline))
        cases.change_plan(
            plan_id,
            lambda p: p.agree(
                by=worker.actor,
                agreed_on=icpc_on,
                contingency_plan="If the outcomes are not met, a legal planning meeting is held.",
            ),
        )
        if not story.oversight_missing:
            self._oversight(plan_id, manager, icpc_on, KeyDecisionPoint.PLAN_AGREED)
        tasks = self._tasks(plan_id, outcomes, members, worker, icpc_on, given, story)
        self._core_groups(plan_id, core_group_id, outcomes, members, worker, icpc_on, story)
        self._progress_tasks(tasks, core_group_id, icpc_on, story.busy)
        self._visits(plan_id, worker, icpc_on, story.busy)
        if story.letter_of_concern:
            cases.change_plan(
                plan_id,
                lambda p: p.send_letter_of_concern(
                    by=chair.actor,
                    sent_on=min(self.today, icpc_on + timedelta(weeks=10)),
                    concern="Parents have not attended core group meetings or let agencies in.",
                ),
            )
        self._reviews(plan_id, core_group_id, outcomes, chair, manager, icpc_on, story)
        if story.escalation_stage:
            self._escalation(plan_id, members, manager, icpc_on, story)

    def _oversight(
        self, plan_id: UUID, manager: DemoPerson, on: date, point: KeyDecisionPoint
    ) -> None:
        why = {
            KeyDecisionPoint.PLAN_NEEDED: "Threshold met: the harm is significant and ongoing.",
            KeyDecisionPoint.PLAN_AGREED: "Outcomes say what must change for the child.",
            KeyDecisionPoint.PLAN_CAN_END: "Change sustained over six months; step down agreed.",
        }[point]
        self.cases.change_plan(
            plan_id,
            lambda p: p.record_management_oversight(
                by=manager.actor,
                decision_point=point,
                recorded_on=on,
                agreed_and_why=why,
                options_considered="Child in need plan; pre-proceedings.",
                learning="Involve the father from the start.",
            ),
        )

    def _tasks(
        self,
        plan_id: UUID,
        outcomes: list[tuple[UUID, int]],
        members: list[DemoPerson],
        worker: DemoPerson,
        icpc_on: date,
        given: str,
        story: Story,
    ) -> list[tuple[UUID, DemoPerson, date | None]]:
        tasks: list[tuple[UUID, DemoPerson, date | None]] = []
        assignees = members * 2 if story.busy else members
        for index, member in enumerate(assignees):
            task_id = uuid4()
            outcome_id = outcomes[index % len(outcomes)][0]
            overdue = index < story.overdue_tasks
            due_on = (
                self.today - timedelta(days=self.rng.randint(3, 20))
                if overdue
                else icpc_on + timedelta(weeks=self.rng.randint(4, 16))
            )
            self.cases.assign_task(
                task_id=task_id,
                plan_id=plan_id,
                by=worker.actor,
                outcome_id=outcome_id,
                agency=member.agency,
                assignee_id=member.user_id,
                assignee_name=member.name,
                description=TASKS[(index + len(given)) % len(TASKS)].format(child=given),
                due_on=max(due_on, icpc_on),
                assigned_on=icpc_on,
            )
            tasks.append((task_id, member, None if overdue else due_on))
        return tasks

    def _progress_tasks(
        self,
        tasks: list[tuple[UUID, DemoPerson, date | None]],
        core_group_id: UUID,
        icpc_on: date,
        busy: bool,
    ) -> None:
        for task_id, member, due_on in tasks:
            started_on = min(self.today, icpc_on + timedelta(days=3))
            self.cases.change_task(
                task_id, lambda t: t.start(by=member.actor, started_on=started_on)
            )
            noted_on = started_on + timedelta(days=14)
            while busy and noted_on < min(due_on or self.today, self.today):
                self.cases.change_task(
                    task_id,
                    lambda t: t.note_progress(
                        by=member.actor, noted_on=noted_on, note="Seen this fortnight."
                    ),
                )
                noted_on += timedelta(days=14)
            if due_on is None:
                self.cases.change_task(
                    task_id,
                    lambda t: t.note_progress(
                        by=member.actor, noted_on=started_on, note="First contact made; more to do."
                    ),
                )
                continue
            if due_on <= self.today:
                done_on = due_on - timedelta(days=self.rng.randint(-5, 7))
                done_on = min(max(done_on, started_on), self.today)
                self.cases.complete_task(
                    task_id=task_id,
                    core_group_id=core_group_id,
                    by=member.actor,
                    completed_on=done_on,
                    evidence="Done and recorded in our agency's notes.",
                )

    def _core_groups(
        self,
        plan_id: UUID,
        core_group_id: UUID,
        outcomes: list[tuple[UUID, int]],
        members: list[DemoPerson],
        worker: DemoPerson,
        icpc_on: date,
        story: Story,
    ) -> None:
        held_on = working_day_on_or_after(icpc_on + timedelta(days=9))
        scores = dict(outcomes)
        while held_on < self.today:
            for outcome_id in scores:
                step = 0 if story.stalled else self.rng.choice((0, 1, 1, 2))
                scores[outcome_id] = min(10, scores[outcome_id] + step)
            attendance = tuple(
                Attendance(
                    m.user_id,
                    m.name,
                    m.agency,
                    self.rng.choice(
                        (AttendanceStatus.ATTENDED,) * 4 + (AttendanceStatus.SENT_APOLOGIES,)
                    ),
                )
                for m in members
            )
            self.cases.record_core_group_meeting(
                core_group_id=core_group_id,
                meeting_id=uuid4(),
                by=worker.actor,
                held_on=held_on,
                attendance=attendance,
                summary="Reviewed tasks and progress against each outcome.",
                parental_engagement=story.engagement,
                ratings=tuple(
                    OutcomeRating(o, s, "Agreed at the core group from what members saw.")
                    for o, s in scores.items()
                ),
            )
            held_on = working_day_on_or_after(held_on + timedelta(weeks=6))
        self.cases.change_core_group(
            core_group_id,
            lambda g: g.schedule_meeting(by=worker.actor, meeting_id=uuid4(), meeting_on=held_on),
        )

    def _visits(self, plan_id: UUID, worker: DemoPerson, icpc_on: date, busy: bool) -> None:
        visit_on = icpc_on + timedelta(days=5)
        visits = 0
        while visit_on < self.today:
            visits += 1
            if busy and visits % 4 == 0:
                self.cases.change_plan(
                    plan_id,
                    lambda p: p.record_childs_views(
                        by=worker.actor,
                        recorded_on=visit_on,
                        views="Talked about school and home.",
                        how_gathered="Seen alone at home",
                    ),
                )
            seen_alone = self.rng.random() < 0.7
            self.cases.change_plan(
                plan_id,
                lambda p: p.record_visit(
                    by=worker.actor,
                    visited_on=visit_on,
                    seen_alone=seen_alone,
                    note="Home visit.",
                ),
            )
            visit_on += timedelta(days=7 if busy else self.rng.randint(10, 16))

    def _reviews(
        self,
        plan_id: UUID,
        core_group_id: UUID,
        outcomes: list[tuple[UUID, int]],
        chair: DemoPerson,
        manager: DemoPerson,
        icpc_on: date,
        story: Story,
    ) -> None:
        review_on = working_day_on_or_after(icpc_on + timedelta(days=88))
        number = 1
        while review_on < self.today:
            ending = story.ends_at_review == number
            if ending:
                self._oversight(plan_id, manager, review_on, KeyDecisionPoint.PLAN_CAN_END)
            self.cases.hold_review_conference(
                plan_id=plan_id,
                core_group_id=core_group_id,
                by=chair.actor,
                held_on=review_on,
                decision=ReviewDecision.END if ending else ReviewDecision.CONTINUE,
                category=story.category,
                conference=replace(
                    self._decision(story, REVIEW_RATIONALES[ending]),
                    dissent=(
                        (Dissent(PRACTITIONERS[1].name, PRACTITIONERS[1].agency, "Too soon."),)
                        if ending and number == 1
                        else ()
                    ),
                ),
                ratings=tuple(
                    OutcomeRating(o, min(10, b + (0 if story.stalled else 2 + number)), "Review")
                    for o, b in outcomes
                ),
                step_down_to_child_in_need=True,
            )
            if ending:
                return
            review_on = working_day_on_or_after(review_on + timedelta(days=180))
            number += 1

    def _escalation(
        self,
        plan_id: UUID,
        members: list[DemoPerson],
        manager: DemoPerson,
        icpc_on: date,
        story: Story,
    ) -> None:
        assert story.escalation_stage is not None
        raiser, concerning = members[0], members[-1]
        escalation_id = uuid4()
        raised_on = max(icpc_on, self.today - timedelta(days=4 * story.escalation_stage + 3))
        self.cases.raise_escalation(
            escalation_id=escalation_id,
            plan_id=plan_id,
            by=raiser.actor,
            raised_on=raised_on,
            kind=EscalationKind.PROFESSIONAL_DISAGREEMENT,
            concerning_agency=concerning.agency,
            concerning_conference_decision=False,
            subject=self.rng.choice(
                (EscalationSubject.TASK_NOT_DONE, EscalationSubject.INFORMATION_SHARING)
            ),
            description="Agreed task not done and information not shared with the core group.",
        )
        self.cases.change_escalation(
            escalation_id,
            lambda e: e.record_contact(
                by=raiser.actor,
                contacted_on=raised_on,
                contact_name=concerning.name,
                contact_agency=concerning.agency,
                summary="Phoned to discuss; agreed to talk again in two days.",
            ),
        )
        moved_on = raised_on
        for _ in range(story.escalation_stage - 1):
            moved_on = min(self.today, moved_on + timedelta(days=3))
            self.cases.change_escalation(
                escalation_id,
                lambda e: e.move_to_next_stage(
                    by=raiser.actor, moved_on=moved_on, reason="Not resolved at this stage."
                ),
            )
        if story.escalation_resolved:
            self.cases.change_escalation(
                escalation_id,
                lambda e: e.agree_actions(
                    by=manager.actor,
                    agreed_on=moved_on,
                    actions=(AgreedAction("Share records weekly", concerning.agency, self.today),),
                ),
            )
            self.cases.change_escalation(
                escalation_id,
                lambda e: e.resolve(
                    by=manager.actor,
                    resolved_on=self.today,
                    outcome="Agreed weekly information sharing.",
                    learning="Name a deputy for leave periods.",
                ),
            )


RATIONALES = {
    CategoryOfAbuse.NEGLECT: "Persistent neglect: poor home conditions, missed health care.",
    CategoryOfAbuse.EMOTIONAL: "Domestic abuse at home and parental substance misuse.",
    CategoryOfAbuse.PHYSICAL: "Unexplained bruising and harsh physical chastisement.",
    CategoryOfAbuse.SEXUAL: "Disclosure of sexual harm by a family friend.",
    CategoryOfAbuse.MULTIPLE: "Several forms of harm together.",
}
REVIEW_RATIONALES = {
    False: "Progress on some outcomes, but the child remains at continuing risk.",
    True: "The child is no longer at continuing risk; change has been sustained.",
}


def load_demo(cases: CaseRecord, today: date | None = None, seed: int = 2026) -> str:
    """The demo authority: twenty stories, told twice over with different children."""
    teller = Storyteller(cases, random.Random(seed), today or date.today())
    count = 0
    for round_number in range(2):
        for index, story in enumerate(DEMO_STORIES):
            teller.tell(round_number * len(DEMO_STORIES) + index, story)
            count += 1
    events = cases.recorder.max_notification_id() or 0
    return f"Demo data loaded: {count} children, {events} events."


def load_synthetic(
    cases: CaseRecord,
    plans: int,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> str:
    """`plans` synthetic children, each with a realistic history drawn at random."""
    rng = random.Random(seed)
    teller = Storyteller(cases, rng, today or date.today())
    for number in range(plans):
        base = rng.choice(DEMO_STORIES)
        story = replace(base, weeks_since_icpc=rng.randint(4, 80), busy=True)
        if story.ends_at_review is None and rng.random() < 0.3:
            story = replace(story, ends_at_review=rng.randint(1, 3))
        teller.tell(1000 + number, story)
        if progress is not None:
            progress(number + 1)
    return f"Synthetic data loaded: {plans} plans."


DEMO_PASSWORD = "northfield-demo"
"""The demo authority's shared password: for trying the tracker, never for real records."""


def username_of(person: DemoPerson) -> str:
    return ".".join(person.name.lower().replace("dr ", "").split())


def create_demo_users(accounts: Accounts) -> list[tuple[str, str, str]]:
    """One account per demo person (the chair Margaret Quinn sits in the safeguarding unit and
    sees every plan); returns (username, role, agency) for each account created."""
    created = []
    for person in EVERYONE:
        username = username_of(person)
        if accounts.find_user(username) is not None:
            continue
        accounts.add_user(
            username=username,
            name=person.name,
            role=person.role,
            agency=person.agency,
            team=person.team,
            password=DEMO_PASSWORD,
            safeguarding_unit=person is CHAIRS[0],
            user_id=person.user_id,
        )
        created.append((username, person.role.value, person.agency))
    return created
