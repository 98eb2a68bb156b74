from datetime import date, timedelta
from typing import ClassVar
from uuid import uuid4

from eventsourcing.application import Application

from domain.escalation import AgreedAction, Escalation, EscalationKind, EscalationSubject
from domain.escalation_policy import LINCOLNSHIRE, LONDON, EscalationPolicy
from domain.plan import ChildProtectionPlan
from domain.transcodings import register_all
from domain.values import Actor, CategoryOfAbuse
from projections.escalations import (
    EscalationsModel,
    by_agency_pair,
    by_subject,
    each_open_escalation,
    escalations_for_plan,
    open_by_stage,
    open_escalations,
    resolution_times,
    stages_of,
)
from tests.builders import A_MONDAY, a_chair, a_conference_decision, a_practitioner, an_actor
from tests.views import events_of, project

WORKER = an_actor()
HEALTH_VISITOR = a_practitioner("Health Visiting")
TEACHER = a_practitioner("School")
CHAIR = a_chair()

# London's clocks from A_MONDAY (2 March 2026): stage 1 is due on 9 March; a move on 10 March
# makes stage 2 due on 17 March.
STAGE_ONE_DUE = date(2026, 3, 9)


def a_plan(team: str = "Team 1") -> ChildProtectionPlan:
    return ChildProtectionPlan.start(
        plan_id=uuid4(),
        by=CHAIR,
        child_id=uuid4(),
        icpc_on=A_MONDAY,
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team=team,
    )


def raise_one(
    plan: ChildProtectionPlan,
    by: Actor = HEALTH_VISITOR,
    raised_on: date = A_MONDAY,
    concerning_agency: str | None = "Children's Social Care",
    concerning_conference_decision: bool = False,
    subject: EscalationSubject = EscalationSubject.DRIFT,
    kind: EscalationKind = EscalationKind.PROFESSIONAL_DISAGREEMENT,
    policy: EscalationPolicy = LONDON,
) -> Escalation:
    return Escalation.raise_disagreement(
        escalation_id=uuid4(),
        by=by,
        plan_id=plan.id,
        raised_on=raised_on,
        kind=kind,
        concerning_agency=concerning_agency,
        concerning_conference_decision=concerning_conference_decision,
        subject=subject,
        description="No visit for six weeks.",
        policy=policy,
    )


def move(escalation: Escalation, on: date) -> None:
    escalation.move_to_next_stage(by=HEALTH_VISITOR, moved_on=on, reason="No reply.")


def resolve(escalation: Escalation, on: date) -> None:
    escalation.resolve(
        by=HEALTH_VISITOR,
        resolved_on=on,
        outcome="Visits booked weekly.",
        learning="Agree visit dates at the core group.",
    )


def withdraw(escalation: Escalation, on: date) -> None:
    escalation.withdraw(by=HEALTH_VISITOR, withdrawn_on=on, reason="Raised in error.")


class CaseRecord(Application):
    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": ":memory:",
    }

    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        register_all(transcoder)


# --- one escalation -----------------------------------------------------------------------------


def test_a_raised_escalation_is_open_at_stage_one_with_who_raised_it_and_about_what():
    plan = a_plan()
    escalation = raise_one(plan, concerning_agency="Police", concerning_conference_decision=True)

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = open_escalations(view, A_MONDAY)
    assert (row.escalation_id, row.plan_id, row.team) == (escalation.id, plan.id, "Team 1")
    assert (row.kind, row.subject) == ("professional_disagreement", "drift")
    assert row.raised_on == A_MONDAY
    assert (row.raised_by_name, row.raised_by_role, row.raised_by_agency) == (
        HEALTH_VISITOR.name,
        "agency_practitioner",
        "Health Visiting",
    )
    assert (row.concerning_agency, row.concerning_conference_decision) == ("Police", True)
    assert (row.policy_key, row.last_stage) == ("london", 4)
    assert (row.stage, row.stage_name) == (1, "Practitioner to practitioner")
    assert (row.stage_started_on, row.stage_due_on) == (A_MONDAY, STAGE_ONE_DUE)
    assert (row.status, row.closed_on, row.contacts, row.actions_agreed) == ("open", None, 0, 0)
    assert row.is_open
    assert not row.at_last_stage


def test_a_stage_is_overdue_only_after_its_due_date_and_time_open_runs_to_today():
    plan = a_plan()
    escalation = raise_one(plan)

    view = project(EscalationsModel, events_of(plan, escalation))

    [on_the_day] = open_escalations(view, STAGE_ONE_DUE)
    [day_after] = open_escalations(view, STAGE_ONE_DUE + timedelta(days=1))
    assert not on_the_day.is_stage_overdue
    assert day_after.is_stage_overdue
    assert (on_the_day.days_open, day_after.days_open) == (7, 8)


def test_contacts_and_agreed_actions_are_counted():
    plan = a_plan()
    escalation = raise_one(plan)
    for day in (3, 4):
        escalation.record_contact(
            by=HEALTH_VISITOR,
            contacted_on=date(2026, 3, day),
            contact_name="Allocated social worker",
            contact_agency="Children's Social Care",
            summary="Discussed the missed visits.",
        )
    escalation.agree_actions(
        by=HEALTH_VISITOR,
        agreed_on=date(2026, 3, 4),
        actions=(
            AgreedAction("Visit weekly", "Children's Social Care", date(2026, 3, 11)),
            AgreedAction("Share weights", "Health Visiting", date(2026, 3, 11)),
        ),
    )

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = open_escalations(view, A_MONDAY)
    assert (row.contacts, row.actions_agreed) == (2, 2)


def test_moving_to_the_next_stage_starts_its_clock_and_ends_the_last_one():
    plan = a_plan()
    escalation = raise_one(plan)
    move(escalation, date(2026, 3, 10))

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = open_escalations(view, date(2026, 3, 10))
    assert (row.stage, row.stage_name) == (2, "Line manager to line manager")
    assert (row.stage_started_on, row.stage_due_on) == (date(2026, 3, 10), date(2026, 3, 17))
    assert [
        (s.stage, s.started_on, s.due_on, s.ended_on) for s in stages_of(view, row.escalation_id)
    ] == [
        (1, A_MONDAY, STAGE_ONE_DUE, date(2026, 3, 10)),
        (2, date(2026, 3, 10), date(2026, 3, 17), None),
    ]


def test_a_stage_that_runs_as_convened_is_never_overdue():
    plan = a_plan()
    escalation = raise_one(plan)
    for day in (10, 18, 26):
        move(escalation, date(2026, 3, day))

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = open_escalations(view, date(2027, 1, 1))
    assert (row.stage, row.stage_name, row.stage_due_on) == (4, "Safeguarding partnership", None)
    assert not row.is_stage_overdue
    assert row.at_last_stage


def test_stage_names_are_those_of_the_policy_the_escalation_was_raised_under():
    plan = a_plan()
    escalation = raise_one(plan, policy=LINCOLNSHIRE)
    move(escalation, date(2026, 3, 4))

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = open_escalations(view, A_MONDAY)
    assert (row.policy_key, row.stage_name) == ("lincolnshire", "Line managers")
    assert stages_of(view, escalation.id)[0].stage_name == (
        "Practitioner to practitioner: action plan agreed"
    )


def test_a_resolved_escalation_keeps_its_outcome_and_learning_and_stops_the_clocks():
    plan = a_plan()
    escalation = raise_one(plan)
    move(escalation, date(2026, 3, 10))
    resolve(escalation, date(2026, 3, 20))

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = escalations_for_plan(view, plan.id, date(2026, 6, 1))
    assert (row.status, row.closed_on) == ("resolved", date(2026, 3, 20))
    assert row.outcome == "Visits booked weekly."
    assert row.learning == "Agree visit dates at the core group."
    assert row.days_open == 18
    assert not row.is_stage_overdue
    assert stages_of(view, escalation.id)[-1].ended_on == date(2026, 3, 20)
    assert open_escalations(view, date(2026, 6, 1)) == []


def test_a_withdrawn_escalation_is_closed_with_its_reason():
    plan = a_plan()
    escalation = raise_one(plan)
    withdraw(escalation, date(2026, 3, 5))

    view = project(EscalationsModel, events_of(plan, escalation))

    [row] = escalations_for_plan(view, plan.id, date(2026, 6, 1))
    assert (row.status, row.closed_on, row.withdrawal_reason) == (
        "withdrawn",
        date(2026, 3, 5),
        "Raised in error.",
    )
    assert (row.outcome, row.learning) == (None, None)
    assert stages_of(view, escalation.id)[0].ended_on == date(2026, 3, 5)


# --- lists for a team manager -------------------------------------------------------------------


def test_open_escalations_list_overdue_stages_first_then_the_stage_due_soonest():
    plan = a_plan()
    convened = raise_one(plan)
    for day in (10, 18, 26):
        move(convened, date(2026, 3, day))
    due_later = raise_one(plan, raised_on=date(2026, 3, 16))
    overdue = raise_one(plan)
    due_sooner = raise_one(plan, raised_on=date(2026, 3, 12))

    view = project(EscalationsModel, events_of(plan, convened, due_later, overdue, due_sooner))

    rows = open_escalations(view, date(2026, 3, 16))
    assert [r.escalation_id for r in rows] == [overdue.id, due_sooner.id, due_later.id, convened.id]
    assert [r.is_stage_overdue for r in rows] == [True, False, False, False]


def test_the_open_list_read_a_page_at_a_time_keeps_its_order_across_pages():
    plan = a_plan()
    convened = raise_one(plan)
    for day in (10, 18, 26):
        move(convened, date(2026, 3, day))
    escalations = [raise_one(plan, raised_on=date(2026, 3, day)) for day in (2, 2, 5, 12, 16)]
    view = project(EscalationsModel, events_of(plan, convened, *escalations))
    today = date(2026, 3, 16)

    whole = [r.escalation_id for r in open_escalations(view, today)]
    assert whole[-1] == convened.id  # no clock: last
    assert [r.escalation_id for r in each_open_escalation(view, today, page=2)] == whole
    assert [r.escalation_id for r in open_escalations(view, today, limit=2, offset=4)] == whole[4:]


def test_a_team_sees_only_the_escalations_about_its_own_plans():
    ours, theirs = a_plan("Team 1"), a_plan("Team 2")
    our_escalation, their_escalation = raise_one(ours), raise_one(theirs)

    view = project(EscalationsModel, events_of(ours, theirs, our_escalation, their_escalation))

    assert [r.escalation_id for r in open_escalations(view, A_MONDAY, team="Team 1")] == [
        our_escalation.id
    ]
    assert len(open_escalations(view, A_MONDAY)) == 2


def test_a_plan_allocated_to_another_team_takes_its_escalations_with_it():
    plan = a_plan("Team 1")
    before = raise_one(plan)
    plan.allocate_lead_social_worker(
        by=WORKER, social_worker_id=uuid4(), social_worker_name="New worker", team="Team 2"
    )
    view = project(EscalationsModel, events_of(plan, before))

    after = raise_one(plan, raised_on=date(2026, 3, 9))
    project(EscalationsModel, events_of(after), view)

    assert open_escalations(view, A_MONDAY, team="Team 1") == []
    assert {r.escalation_id for r in open_escalations(view, A_MONDAY, team="Team 2")} == {
        before.id,
        after.id,
    }


def test_an_escalation_seen_before_its_plan_takes_the_team_once_the_plan_arrives():
    plan = a_plan("Team 3")
    escalation = raise_one(plan)
    plan_events, escalation_events = events_of(plan), events_of(escalation)

    view = project(EscalationsModel, escalation_events)
    [teamless] = open_escalations(view, A_MONDAY)
    project(EscalationsModel, plan_events, view)

    assert teamless.team is None
    assert open_escalations(view, A_MONDAY)[0].team == "Team 3"


def test_open_by_stage_counts_open_escalations_and_overdue_ones_at_each_stage():
    ours, theirs = a_plan("Team 1"), a_plan("Team 2")
    overdue_one, fresh_one = raise_one(ours), raise_one(ours, raised_on=date(2026, 3, 16))
    at_two = raise_one(ours)
    move(at_two, date(2026, 3, 10))
    closed = raise_one(ours)
    resolve(closed, date(2026, 3, 3))
    lincolnshire = raise_one(ours, policy=LINCOLNSHIRE)
    elsewhere = raise_one(theirs)

    view = project(
        EscalationsModel,
        events_of(ours, theirs, overdue_one, fresh_one, at_two, closed, lincolnshire, elsewhere),
    )

    counts = open_by_stage(view, date(2026, 3, 16), team="Team 1")
    assert [(c.stage, c.stage_name, c.open, c.overdue) for c in counts] == [
        (1, "Practitioner to practitioner", 2, 1),
        (1, "Practitioner to practitioner: action plan agreed", 1, 1),
        (2, "Line manager to line manager", 1, 0),
    ]
    assert sum(c.open for c in open_by_stage(view, date(2026, 3, 16))) == 5


def test_resolution_times_give_the_median_and_longest_time_to_resolve_and_per_stage():
    ours, theirs = a_plan("Team 1"), a_plan("Team 2")
    quick = raise_one(ours)
    resolve(quick, date(2026, 3, 6))
    slow = raise_one(ours)
    move(slow, date(2026, 3, 10))
    resolve(slow, date(2026, 3, 20))
    dropped = raise_one(ours)
    withdraw(dropped, date(2026, 3, 30))
    still_open = raise_one(ours)
    elsewhere = raise_one(theirs)
    resolve(elsewhere, date(2026, 5, 1))

    view = project(
        EscalationsModel, events_of(ours, theirs, quick, slow, dropped, still_open, elsewhere)
    )

    figures = resolution_times(view, team="Team 1")
    assert (figures.resolved, figures.withdrawn) == (2, 1)
    assert figures.median_days_to_resolve == (4 + 18) / 2
    assert figures.max_days_to_resolve == 18
    assert [(s.stage, s.ended, s.median_days) for s in figures.stages] == [
        (1, 3, 8.0),
        (2, 1, 10.0),
    ]
    assert resolution_times(view).max_days_to_resolve == 60


def test_resolution_times_are_none_before_anything_is_resolved():
    plan = a_plan()
    escalation = raise_one(plan)

    view = project(EscalationsModel, events_of(plan, escalation))

    figures = resolution_times(view)
    assert (figures.resolved, figures.withdrawn, figures.stages) == (0, 0, ())
    assert (figures.median_days_to_resolve, figures.max_days_to_resolve) == (None, None)


def test_by_agency_pair_counts_who_disagrees_with_whom_and_names_conference_decisions():
    ours, theirs = a_plan("Team 1"), a_plan("Team 2")
    first, second = raise_one(ours), raise_one(ours)
    resolve(first, date(2026, 3, 4))
    school = raise_one(ours, by=TEACHER, concerning_agency="Police")
    about_decision = raise_one(
        ours, by=CHAIR, concerning_agency=None, concerning_conference_decision=True
    )
    withdraw(about_decision, date(2026, 3, 3))
    elsewhere = raise_one(theirs)

    view = project(
        EscalationsModel, events_of(ours, theirs, first, second, school, about_decision, elsewhere)
    )

    pairs = by_agency_pair(view, team="Team 1")
    assert [
        (p.raised_by_agency, p.concerning, p.open, p.resolved, p.withdrawn, p.total) for p in pairs
    ] == [
        ("Health Visiting", "Children's Social Care", 1, 1, 0, 2),
        ("Safeguarding Unit", "conference decision", 0, 0, 1, 1),
        ("School", "Police", 1, 0, 0, 1),
    ]
    assert by_agency_pair(view)[0].total == 3


def test_by_subject_counts_the_themes_most_frequent_first():
    ours, theirs = a_plan("Team 1"), a_plan("Team 2")
    drift = raise_one(ours)
    resolve(drift, date(2026, 3, 4))
    more_drift = raise_one(ours)
    sharing = raise_one(ours, subject=EscalationSubject.INFORMATION_SHARING)
    elsewhere = raise_one(theirs, subject=EscalationSubject.THRESHOLD)

    view = project(EscalationsModel, events_of(ours, theirs, drift, more_drift, sharing, elsewhere))

    subjects = by_subject(view, team="Team 1")
    assert [(s.subject, s.open, s.resolved, s.withdrawn, s.total) for s in subjects] == [
        ("drift", 1, 1, 0, 2),
        ("information_sharing", 1, 0, 0, 1),
    ]
    assert {s.subject for s in by_subject(view)} == {"drift", "information_sharing", "threshold"}


def test_escalations_for_a_plan_list_its_own_open_and_closed_in_the_order_raised():
    plan, other = a_plan(), a_plan()
    later = raise_one(plan, raised_on=date(2026, 3, 9), kind=EscalationKind.PRACTICE_ALERT)
    earlier = raise_one(plan)
    resolve(earlier, date(2026, 3, 6))
    elsewhere = raise_one(other)

    view = project(EscalationsModel, events_of(plan, other, later, earlier, elsewhere))

    rows = escalations_for_plan(view, plan.id, date(2026, 3, 20))
    assert [(r.escalation_id, r.status) for r in rows] == [
        (earlier.id, "resolved"),
        (later.id, "open"),
    ]
    assert rows[1].kind == "practice_alert"
    assert rows[1].is_stage_overdue
    assert rows[1].days_open == 11


def test_events_read_back_from_the_store_project_the_same_as_new_ones():
    plan = a_plan()
    escalation = raise_one(plan)
    escalation.agree_actions(
        by=HEALTH_VISITOR,
        agreed_on=date(2026, 3, 3),
        actions=(AgreedAction("Visit weekly", "Children's Social Care", date(2026, 3, 11)),),
    )
    move(escalation, date(2026, 3, 10))
    app = CaseRecord()
    app.save(plan, escalation)

    stored = [
        app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=10)
    ]
    view = project(EscalationsModel, stored)

    [row] = open_escalations(view, date(2026, 3, 10))
    assert (row.team, row.stage, row.stage_name, row.actions_agreed) == (
        "Team 1",
        2,
        "Line manager to line manager",
        1,
    )
