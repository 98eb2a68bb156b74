from datetime import date
from uuid import uuid4

from domain.plan import (
    ChildProtectionPlan,
    ConferenceDecision,
    KeyDecisionPoint,
    PlanEndReason,
    ReviewDecision,
)
from domain.values import CategoryOfAbuse, Dissent, Role
from projections.key_decisions import (
    NO_OPTIONS,
    NO_OVERSIGHT,
    NO_RATIONALE,
    NOT_AGREED_IN_TIME,
    DecisionPoint,
    KeyDecisionsModel,
    decisions_for_plan,
    plans_with_gaps,
)
from tests.builders import A_MONDAY, a_chair, a_conference_decision, an_actor
from tests.views import events_of, project

CHAIR = a_chair()
WORKER = an_actor()
MANAGER = an_actor(Role.TEAM_MANAGER)
SOON = date(2026, 3, 6)
FIRST_REVIEW = date(2026, 5, 26)


def a_plan(icpc_on=A_MONDAY, decision=None, team="Team 1"):
    return ChildProtectionPlan.start(
        plan_id=uuid4(),
        by=CHAIR,
        child_id=uuid4(),
        icpc_on=icpc_on,
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=decision or a_conference_decision(),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team=team,
    )


def agree(plan, on=date(2026, 3, 10), contingency="Legal planning meeting if home conditions slip"):
    plan.agree_outcome(
        by=WORKER,
        outcome_id=uuid4(),
        wording="Ella has regular meals",
        how_we_will_know="Health visitor sees food",
        baseline=2,
        target=8,
    )
    plan.agree(by=WORKER, agreed_on=on, contingency_plan=contingency)


def oversee(plan, point, on=date(2026, 3, 9), options="Child in need plan; wait a month"):
    plan.record_management_oversight(
        by=MANAGER,
        decision_point=point,
        recorded_on=on,
        agreed_and_why="Agreed: neglect is chronic and the plan names outcomes",
        options_considered=options,
        learning="Ask school earlier",
    )


def review(plan, on=FIRST_REVIEW, decision=ReviewDecision.CONTINUE, conference=None):
    plan.hold_review_conference(
        by=CHAIR,
        held_on=on,
        decision=decision,
        category=CategoryOfAbuse.NEGLECT,
        conference=conference or a_conference_decision(),
    )


def by_point(decisions):
    return {d.point: d for d in decisions}


def test_the_initial_conference_records_who_decided_a_plan_was_needed_why_and_who_was_there():
    decision = ConferenceDecision(
        rationale="Chronic neglect",
        options_considered="Child in need plan",
        attending_agencies=("Health Visiting", "School"),
        dissent=(Dissent("A Teacher", "School", "Support is enough"),),
    )
    plan = a_plan(decision=decision)

    view = project(KeyDecisionsModel, events_of(plan))

    needed = by_point(decisions_for_plan(view, plan.id, SOON))[DecisionPoint.PLAN_NEEDED]
    assert not needed.pending
    assert needed.decided_on == A_MONDAY
    assert (needed.decided_by.name, needed.decided_by.role, needed.decided_by.agency) == (
        CHAIR.name,
        "conference_chair",
        "Safeguarding Unit",
    )
    assert needed.rationale == "Chronic neglect"
    assert needed.options_considered == "Child in need plan"
    assert needed.present == ("Health Visiting", "School")
    assert [(d.by_name, d.agency, d.reason) for d in needed.dissent] == [
        ("A Teacher", "School", "Support is enough")
    ]
    assert needed.category == "NEG"


def test_decision_points_still_to_come_are_shown_as_pending_not_as_gaps():
    plan = a_plan()
    oversee(plan, KeyDecisionPoint.PLAN_NEEDED)

    view = project(KeyDecisionsModel, events_of(plan))

    decisions = decisions_for_plan(view, plan.id, SOON)
    assert [(d.point, d.pending) for d in decisions] == [
        (DecisionPoint.PLAN_NEEDED, False),
        (DecisionPoint.PLAN_AGREED, True),
        (DecisionPoint.PLAN_CAN_END, True),
    ]
    assert all(d.gaps == () for d in decisions)


def test_a_plan_not_agreed_within_10_working_days_is_flagged_counting_bank_holidays():
    plan = a_plan(icpc_on=date(2026, 3, 23))  # the ten working days run over Easter

    view = project(KeyDecisionsModel, events_of(plan))

    on_the_last_day = by_point(decisions_for_plan(view, plan.id, date(2026, 4, 8)))
    the_day_after = by_point(decisions_for_plan(view, plan.id, date(2026, 4, 9)))
    assert on_the_last_day[DecisionPoint.PLAN_AGREED].gaps == ()
    assert the_day_after[DecisionPoint.PLAN_AGREED].gaps == (NOT_AGREED_IN_TIME,)


def test_agreeing_the_plan_records_its_contingency_plan_as_the_rationale():
    plan = a_plan()
    agree(plan, on=date(2026, 3, 10), contingency="Legal planning meeting if meals are missed")

    view = project(KeyDecisionsModel, events_of(plan))

    agreed = by_point(decisions_for_plan(view, plan.id, SOON))[DecisionPoint.PLAN_AGREED]
    assert agreed.decided_on == date(2026, 3, 10)
    assert agreed.decided_by.name == WORKER.name
    assert agreed.rationale == "Legal planning meeting if meals are missed"


def test_oversight_recorded_before_the_decision_is_matched_to_its_decision_point():
    plan = a_plan()
    oversee(plan, KeyDecisionPoint.PLAN_AGREED, on=date(2026, 3, 9))
    agree(plan, on=date(2026, 3, 10))

    view = project(KeyDecisionsModel, events_of(plan))

    agreed = by_point(decisions_for_plan(view, plan.id, SOON))[DecisionPoint.PLAN_AGREED]
    [oversight] = agreed.oversight
    assert oversight.recorded_on == date(2026, 3, 9)
    assert oversight.by.role == "team_manager"
    assert oversight.agreed_and_why.startswith("Agreed")
    assert oversight.options_considered == "Child in need plan; wait a month"
    assert oversight.learning == "Ask school earlier"
    assert agreed.gaps == ()


def test_agreeing_the_plan_without_oversight_lacks_both_oversight_and_options_considered():
    plan = a_plan()
    agree(plan)

    view = project(KeyDecisionsModel, events_of(plan))

    agreed = by_point(decisions_for_plan(view, plan.id, SOON))[DecisionPoint.PLAN_AGREED]
    assert agreed.gaps == (NO_OVERSIGHT, NO_OPTIONS)


def test_an_initial_conference_without_options_or_oversight_is_flagged_for_both():
    plan = a_plan(
        decision=ConferenceDecision(
            rationale="Chronic neglect", options_considered="", attending_agencies=("School",)
        )
    )

    view = project(KeyDecisionsModel, events_of(plan))

    needed = by_point(decisions_for_plan(view, plan.id, SOON))[DecisionPoint.PLAN_NEEDED]
    assert needed.gaps == (NO_OVERSIGHT, NO_OPTIONS)


def test_an_agreement_recorded_with_an_empty_contingency_plan_counts_as_no_rationale():
    plan = a_plan()
    agree(plan)
    # A record made before a contingency plan was required, replayed as stored.
    plan._agreed(by=WORKER, agreed_on=date(2026, 3, 11), contingency_plan="")

    view = project(KeyDecisionsModel, events_of(plan))

    agreements = [
        d for d in decisions_for_plan(view, plan.id, SOON) if d.point is DecisionPoint.PLAN_AGREED
    ]
    assert [NO_RATIONALE in d.gaps for d in agreements] == [False, True]


def test_a_continuing_review_needs_no_oversight_but_is_flagged_without_options():
    plan = a_plan()
    review(
        plan,
        conference=ConferenceDecision(
            rationale="Some progress", options_considered="", attending_agencies=("Police",)
        ),
    )

    view = project(KeyDecisionsModel, events_of(plan))

    reviewed = by_point(decisions_for_plan(view, plan.id, SOON))[DecisionPoint.REVIEW_CONFERENCE]
    assert reviewed.decision == "continue"
    assert reviewed.present == ("Police",)
    assert reviewed.oversight == ()
    assert reviewed.gaps == (NO_OPTIONS,)


def test_a_plan_ended_at_a_review_carries_the_reviews_rationale_dissent_and_later_oversight():
    plan = a_plan()
    ending = ConferenceDecision(
        rationale="Meals regular for six months",
        options_considered="Continue for three months",
        attending_agencies=("Health Visiting",),
        dissent=(Dissent("A Nurse", "Health Visiting", "Too soon"),),
    )
    review(plan, on=FIRST_REVIEW, decision=ReviewDecision.END, conference=ending)
    plan.end(
        by=CHAIR,
        ended_on=FIRST_REVIEW,
        reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK,
        dissent=ending.dissent,
    )
    oversee(plan, KeyDecisionPoint.PLAN_CAN_END, on=date(2026, 6, 1))

    view = project(KeyDecisionsModel, events_of(plan))

    decisions = by_point(decisions_for_plan(view, plan.id, date(2026, 6, 2)))
    can_end = decisions[DecisionPoint.PLAN_CAN_END]
    assert not can_end.pending
    assert can_end.decided_on == FIRST_REVIEW
    assert can_end.decision == "end"
    assert can_end.end_reason == "no_longer_at_continuing_risk"
    assert can_end.rationale == "Meals regular for six months"
    assert can_end.options_considered == "Continue for three months"
    assert can_end.present == ("Health Visiting",)
    assert [d.by_name for d in can_end.dissent] == ["A Nurse"]
    assert [o.recorded_on for o in can_end.oversight] == [date(2026, 6, 1)]
    assert can_end.gaps == ()
    ending_review = decisions[DecisionPoint.REVIEW_CONFERENCE]
    assert ending_review.decision == "end"
    assert [o.recorded_on for o in ending_review.oversight] == [date(2026, 6, 1)]


def test_an_administrative_ending_gives_its_reason_and_needs_no_options():
    plan = a_plan()
    plan.end(by=WORKER, ended_on=date(2026, 4, 1), reason=PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY)

    view = project(KeyDecisionsModel, events_of(plan))

    can_end = by_point(decisions_for_plan(view, plan.id, date(2026, 4, 2)))[
        DecisionPoint.PLAN_CAN_END
    ]
    assert can_end.rationale == (
        "Ended administratively: the child moved to another local authority."
    )
    assert can_end.gaps == (NO_OVERSIGHT,)


def test_decisions_come_in_date_order_with_pending_points_last():
    plan = a_plan()
    review(plan, on=FIRST_REVIEW)
    agree(plan, on=date(2026, 3, 10))
    review(plan, on=date(2026, 11, 24))

    view = project(KeyDecisionsModel, events_of(plan))

    decisions = decisions_for_plan(view, plan.id, date(2026, 11, 25))
    assert [(d.point, d.decided_on) for d in decisions] == [
        (DecisionPoint.PLAN_NEEDED, A_MONDAY),
        (DecisionPoint.PLAN_AGREED, date(2026, 3, 10)),
        (DecisionPoint.REVIEW_CONFERENCE, FIRST_REVIEW),
        (DecisionPoint.REVIEW_CONFERENCE, date(2026, 11, 24)),
        (DecisionPoint.PLAN_CAN_END, None),
    ]


def test_a_plan_the_view_does_not_know_has_no_decisions():
    view = project(KeyDecisionsModel, [])

    assert decisions_for_plan(view, uuid4(), SOON) == []


def test_plans_with_gaps_counts_each_kind_and_leaves_out_plans_with_a_full_record():
    complete, patchy, late = a_plan(), a_plan(), a_plan()
    oversee(complete, KeyDecisionPoint.PLAN_NEEDED)
    oversee(complete, KeyDecisionPoint.PLAN_AGREED)
    agree(complete)
    agree(patchy)

    view = project(KeyDecisionsModel, events_of(complete, patchy, late))

    gaps = plans_with_gaps(view, date(2026, 3, 20))
    assert [g.plan_id for g in gaps] == [patchy.id, late.id]
    assert gaps[0].by_kind == {
        NO_RATIONALE: 0,
        NO_OVERSIGHT: 2,
        NO_OPTIONS: 1,
        NOT_AGREED_IN_TIME: 0,
    }
    assert (gaps[1].no_oversight, gaps[1].not_agreed_in_time, gaps[1].total) == (1, 1, 2)
    assert (gaps[1].team, gaps[1].lead_worker_name) == ("Team 1", WORKER.name)


def test_plans_with_gaps_for_a_team_follows_a_plan_reallocated_to_another_team():
    moved, stayed = a_plan(team="Team 1"), a_plan(team="Team 1")
    new_worker = an_actor()
    moved.allocate_lead_social_worker(
        by=MANAGER,
        social_worker_id=new_worker.user_id,
        social_worker_name="New Worker",
        team="Team 2",
    )

    view = project(KeyDecisionsModel, events_of(moved, stayed))

    team_two = plans_with_gaps(view, SOON, team="Team 2")
    assert [(g.plan_id, g.lead_worker_id, g.lead_worker_name) for g in team_two] == [
        (moved.id, new_worker.user_id, "New Worker")
    ]
    assert [g.plan_id for g in plans_with_gaps(view, SOON, team="Team 1")] == [stayed.id]
