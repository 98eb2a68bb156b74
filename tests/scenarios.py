"""Whole stories told through the application service, shared by integration tests.

`a_whole_plan_history` runs every command the case record offers at least once, so a round trip of
its events is a round trip of every event type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from domain.agency_task import AgencyTask
from domain.application import CaseRecord, OutcomeRating, PlanEnding
from domain.core_group import Attendance, AttendanceStatus, CoreGroup
from domain.escalation import AgreedAction, Escalation, EscalationKind, EscalationSubject
from domain.plan import (
    ChildProtectionPlan,
    ConferenceDecision,
    KeyDecisionPoint,
    PlanEndReason,
    RatingOccasion,
    ReviewDecision,
)
from domain.values import Actor, CategoryOfAbuse, Dissent, ParentalEngagement, Role
from tests.builders import a_chair, a_conference_decision, a_practitioner, an_actor, child_details

CANARY_NAME = "Zebedee-Canary-Quixotic"


def a_started_plan(cases: CaseRecord, worker: Actor | None = None) -> tuple[UUID, UUID, UUID]:
    """A newly registered child's plan, started at an initial conference with `worker` as the
    lead social worker: (child id, plan id, core group id)."""
    worker = worker or an_actor()
    child_id, plan_id, group_id = uuid4(), uuid4(), uuid4()
    cases.register_child(child_id=child_id, by=worker, details=child_details())
    cases.start_plan(
        plan_id=plan_id,
        core_group_id=group_id,
        by=a_chair(),
        child_id=child_id,
        icpc_on=date(2026, 3, 2),
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=worker.user_id,
        lead_social_worker_name=worker.name,
        team="Team",
    )
    return child_id, plan_id, group_id


@dataclass(frozen=True)
class Story:
    child_id: UUID
    plan_id: UUID
    core_group_id: UUID
    task_ids: tuple[UUID, ...]
    escalation_ids: tuple[UUID, ...]
    second_plan_id: UUID


def a_whole_plan_history(cases: CaseRecord) -> Story:
    chair, worker = a_chair(), an_actor()
    manager = an_actor(Role.TEAM_MANAGER)
    health = a_practitioner("Health Visiting")
    school = a_practitioner("Riverside Primary School")
    child_id, plan_id, core_group_id = uuid4(), uuid4(), uuid4()
    details = child_details(la_child_id=f"LA{uuid4().hex[:8]}")
    details = type(details)(**{**details.__dict__, "given_name": CANARY_NAME})

    cases.register_child(child_id=child_id, by=worker, details=details)
    cases.start_plan(
        plan_id=plan_id,
        core_group_id=core_group_id,
        by=chair,
        child_id=child_id,
        icpc_on=date(2025, 3, 3),
        strategy_discussion_on=date(2025, 2, 14),
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=worker.user_id,
        lead_social_worker_name=worker.name,
        team="Assessment Team 1",
    )
    outcome_id, dropped_id, done_id = uuid4(), uuid4(), uuid4()
    for oid, wording in ((outcome_id, "Ella is fed"), (dropped_id, "Old"), (done_id, "School")):
        cases.change_plan(
            plan_id,
            lambda p, oid=oid, wording=wording: p.agree_outcome(
                by=worker,
                outcome_id=oid,
                wording=wording,
                how_we_will_know="The health visitor sees it",
                baseline=2,
                target=8,
            ),
        )
    cases.change_plan(
        plan_id,
        lambda p: p.revise_outcome(
            by=worker,
            outcome_id=outcome_id,
            wording="Ella has regular meals",
            how_we_will_know="Weight on the centile line",
            target=9,
            reason="Clearer measure",
        ),
    )
    cases.change_plan(
        plan_id, lambda p: p.withdraw_outcome(by=worker, outcome_id=dropped_id, reason="Merged")
    )
    cases.change_plan(
        plan_id,
        lambda p: p.agree(by=worker, agreed_on=date(2025, 3, 3), contingency_plan="Legal meeting"),
    )
    for point in KeyDecisionPoint:
        cases.change_plan(
            plan_id,
            lambda p, point=point: p.record_management_oversight(
                by=manager,
                decision_point=point,
                recorded_on=date(2025, 3, 4),
                agreed_and_why="Risk is chronic neglect",
                options_considered="Child in need plan",
                learning="Engage father early",
            ),
        )
    cases.change_plan(
        plan_id,
        lambda p: p.allocate_lead_social_worker(
            by=manager, social_worker_id=uuid4(), social_worker_name="New Worker", team="Team 2"
        ),
    )
    cases.change_plan(
        plan_id,
        lambda p: p.record_visit(
            by=worker, visited_on=date(2025, 3, 10), seen_alone=True, note="Room tidy"
        ),
    )
    cases.change_plan(
        plan_id,
        lambda p: p.record_childs_views(
            by=worker, recorded_on=date(2025, 3, 10), views="Likes school", how_gathered="Drawing"
        ),
    )
    cases.change_plan(
        plan_id,
        lambda p: p.send_letter_of_concern(
            by=chair,
            sent_on=date(2025, 4, 1),
            concern="Parents missed two core groups",
            review_postponed_to=date(2025, 6, 9),
        ),
    )
    cases.change_plan(
        plan_id,
        lambda p: p.rate_outcome_progress(
            by=worker,
            outcome_id=done_id,
            score=6,
            evidence="Attending",
            rated_on=date(2025, 3, 12),
            occasion=RatingOccasion.VISIT,
        ),
    )
    cases.change_plan(
        plan_id,
        lambda p: p.record_outcome_achieved(
            by=worker, outcome_id=done_id, achieved_on=date(2025, 5, 1), evidence="Full attendance"
        ),
    )

    for member in (health, school):
        cases.change_core_group(
            core_group_id,
            lambda g, m=member: g.add_member(
                by=worker,
                member_id=m.user_id,
                name=m.name,
                agency=m.agency,
                role_title="Practitioner",
                lead_professional=False,
                joined_on=date(2025, 3, 3),
            ),
        )
    leaver = a_practitioner("Police")
    cases.change_core_group(
        core_group_id,
        lambda g: g.add_member(
            by=worker,
            member_id=leaver.user_id,
            name=leaver.name,
            agency=leaver.agency,
            role_title="PPU officer",
            lead_professional=False,
            joined_on=date(2025, 3, 3),
        ),
    )
    cases.change_core_group(
        core_group_id,
        lambda g: g.remove_member(
            by=worker, member_id=leaver.user_id, left_on=date(2025, 3, 20), reason="Case closed"
        ),
    )
    meeting_id, cancelled_id = uuid4(), uuid4()
    cases.change_core_group(
        core_group_id,
        lambda g: g.schedule_meeting(
            by=worker, meeting_id=meeting_id, meeting_on=date(2025, 3, 14)
        ),
    )
    cases.change_core_group(
        core_group_id,
        lambda g: g.schedule_meeting(
            by=worker, meeting_id=cancelled_id, meeting_on=date(2025, 4, 25)
        ),
    )
    cases.change_core_group(
        core_group_id,
        lambda g: g.cancel_meeting(
            by=worker, meeting_id=cancelled_id, cancelled_on=date(2025, 4, 20), reason="Clash"
        ),
    )
    cases.record_core_group_meeting(
        core_group_id=core_group_id,
        meeting_id=meeting_id,
        by=worker,
        held_on=date(2025, 3, 14),
        attendance=(
            Attendance(health.user_id, health.name, health.agency, AttendanceStatus.ATTENDED),
            Attendance(school.user_id, school.name, school.agency, AttendanceStatus.SENT_APOLOGIES),
        ),
        summary="Progress on meals",
        parental_engagement=ParentalEngagement.PARTIALLY_ENGAGED,
        ratings=(OutcomeRating(outcome_id, 4, "Meals most days"),),
    )

    task_ids = tuple(uuid4() for _ in range(3))
    for task_id, member in zip(task_ids, (health, school, health), strict=True):
        cases.assign_task(
            task_id=task_id,
            plan_id=plan_id,
            by=worker,
            outcome_id=outcome_id,
            agency=member.agency,
            assignee_id=member.user_id,
            assignee_name=member.name,
            description="Weigh Ella fortnightly",
            due_on=date(2025, 4, 30),
            assigned_on=date(2025, 3, 3),
        )
    done, moved, dropped = task_ids
    cases.change_task(done, lambda t: t.start(by=health, started_on=date(2025, 3, 5)))
    cases.change_task(
        done, lambda t: t.note_progress(by=health, noted_on=date(2025, 3, 19), note="Weight up")
    )
    cases.change_task(
        done, lambda t: t.block(by=health, blocked_on=date(2025, 3, 26), reason="No access")
    )
    cases.change_task(
        done, lambda t: t.unblock(by=health, unblocked_on=date(2025, 3, 28), note="Seen at clinic")
    )
    cases.complete_task(
        task_id=done,
        core_group_id=core_group_id,
        by=health,
        completed_on=date(2025, 4, 9),
        evidence="Six weighings recorded",
    )
    cases.change_task(
        moved, lambda t: t.change_due_date(by=school, due_on=date(2025, 5, 30), reason="Holiday")
    )
    cases.change_task(
        moved,
        lambda t: t.reassign(
            by=worker,
            agency="Family Support",
            assignee_id=None,
            assignee_name="Family support worker",
            reason="School cannot do home visits",
        ),
    )
    cases.change_task(
        dropped,
        lambda t: t.cancel(by=worker, cancelled_on=date(2025, 4, 1), reason="Duplicate task"),
    )

    resolved_id, withdrawn_id = uuid4(), uuid4()
    for escalation_id in (resolved_id, withdrawn_id):
        cases.raise_escalation(
            escalation_id=escalation_id,
            plan_id=plan_id,
            by=school,
            raised_on=date(2025, 4, 2),
            kind=EscalationKind.PROFESSIONAL_DISAGREEMENT,
            concerning_agency="Health Visiting",
            concerning_conference_decision=False,
            subject=EscalationSubject.TASK_NOT_DONE,
            description="Weighing not happening",
        )
    cases.change_escalation(
        resolved_id,
        lambda e: e.record_contact(
            by=school,
            contacted_on=date(2025, 4, 3),
            contact_name="HV lead",
            contact_agency="Health Visiting",
            summary="Phoned",
        ),
    )
    cases.change_escalation(
        resolved_id,
        lambda e: e.agree_actions(
            by=school,
            agreed_on=date(2025, 4, 3),
            actions=(AgreedAction("Weigh on Friday", "Health Visiting", date(2025, 4, 4)),),
        ),
    )
    cases.change_escalation(
        resolved_id,
        lambda e: e.move_to_next_stage(by=school, moved_on=date(2025, 4, 10), reason="No change"),
    )
    cases.change_escalation(
        resolved_id,
        lambda e: e.resolve(
            by=manager,
            resolved_on=date(2025, 4, 14),
            outcome="Weighing resumed",
            learning="Agree cover for leave",
        ),
    )
    cases.change_escalation(
        withdrawn_id,
        lambda e: e.withdraw(by=school, withdrawn_on=date(2025, 4, 3), reason="Raised twice"),
    )

    cases.hold_review_conference(
        plan_id=plan_id,
        core_group_id=core_group_id,
        by=chair,
        held_on=date(2025, 6, 9),
        decision=ReviewDecision.CONTINUE,
        category=CategoryOfAbuse.NEGLECT,
        conference=a_conference_decision(),
        ratings=(OutcomeRating(outcome_id, 6, "Meals every day"),),
    )
    cases.hold_review_conference(
        plan_id=plan_id,
        core_group_id=core_group_id,
        by=chair,
        held_on=date(2025, 12, 1),
        decision=ReviewDecision.END,
        category=CategoryOfAbuse.NEGLECT,
        conference=ConferenceDecision(
            rationale="Sustained change",
            options_considered="Continue",
            attending_agencies=("Health Visiting",),
            dissent=(Dissent("School DSL", "Riverside Primary School", "Too soon"),),
        ),
        step_down_to_child_in_need=True,
    )
    cases.change_child(
        child_id, lambda c: c.end_child_in_need_plan(by=worker, end_on=date(2026, 1, 5))
    )

    second_plan_id, second_group_id = uuid4(), uuid4()
    cases.start_plan(
        plan_id=second_plan_id,
        core_group_id=second_group_id,
        by=chair,
        child_id=child_id,
        icpc_on=date(2026, 2, 2),
        strategy_discussion_on=None,
        category=CategoryOfAbuse.EMOTIONAL,
        decision=a_conference_decision(),
        lead_social_worker_id=worker.user_id,
        lead_social_worker_name=worker.name,
        team="Assessment Team 1",
    )
    cases.end_plan(
        plan_id=second_plan_id,
        core_group_id=second_group_id,
        by=worker,
        ending=PlanEnding(
            ended_on=date(2026, 3, 2),
            reason=PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY,
            step_down_to_child_in_need=False,
        ),
    )
    cases.change_child(
        child_id, lambda c: c.start_child_in_need_plan(by=worker, start_on=date(2026, 3, 9))
    )
    return Story(
        child_id=child_id,
        plan_id=plan_id,
        core_group_id=core_group_id,
        task_ids=task_ids,
        escalation_ids=(resolved_id, withdrawn_id),
        second_plan_id=second_plan_id,
    )


STREAM_CLASSES = (ChildProtectionPlan, CoreGroup, AgencyTask, Escalation)
