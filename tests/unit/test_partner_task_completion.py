from datetime import date, timedelta
from uuid import UUID, uuid4

from domain.agency_task import AgencyTask
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan
from domain.values import Actor, CategoryOfAbuse
from projections.partner_task_completion import (
    PartnerTaskCompletionModel,
    completion_by_agency,
    completion_by_assignee,
    completion_by_plan,
    overdue_now,
    plan_team,
    tasks_for,
    tasks_for_plan,
)
from tests.builders import A_MONDAY, a_chair, a_conference_decision, a_practitioner, an_actor
from tests.views import events_of, project

WORKER = an_actor()
MANAGER = an_actor()
HEALTH_VISITOR = a_practitioner("Health Visiting")
OTHER_HEALTH_VISITOR = a_practitioner("Health Visiting")
TEACHER = a_practitioner("School")

DUE_ON = date(2026, 3, 30)
BEFORE_DUE = date(2026, 3, 20)
AFTER_DUE = date(2026, 4, 3)


def a_plan(team: str = "Team 1") -> ChildProtectionPlan:
    return ChildProtectionPlan.start(
        plan_id=uuid4(),
        by=a_chair(),
        child_id=uuid4(),
        icpc_on=A_MONDAY,
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team=team,
    )


def a_task(
    plan: ChildProtectionPlan,
    who: Actor = HEALTH_VISITOR,
    due_on: date = DUE_ON,
    assigned_on: date = A_MONDAY,
    assignee_id: UUID | None = None,
    assignee_name: str | None = None,
) -> AgencyTask:
    return AgencyTask.assign(
        task_id=uuid4(),
        by=WORKER,
        plan_id=plan.id,
        outcome_id=uuid4(),
        agency=who.agency,
        assignee_id=assignee_id or who.user_id,
        assignee_name=assignee_name or who.name,
        description="Weigh the baby fortnightly and share the growth chart.",
        due_on=due_on,
        assigned_on=assigned_on,
    )


def an_unnamed_task(plan: ChildProtectionPlan, agency: str, name: str) -> AgencyTask:
    return AgencyTask.assign(
        task_id=uuid4(),
        by=WORKER,
        plan_id=plan.id,
        outcome_id=uuid4(),
        agency=agency,
        assignee_id=None,
        assignee_name=name,
        description="Share attendance figures with the core group.",
        due_on=DUE_ON,
        assigned_on=A_MONDAY,
    )


def core_group_of(plan: ChildProtectionPlan) -> CoreGroup:
    group = CoreGroup.form(core_group_id=uuid4(), by=WORKER, plan_id=plan.id, formed_on=A_MONDAY)
    for person in (HEALTH_VISITOR, OTHER_HEALTH_VISITOR, TEACHER, WORKER):
        group.add_member(
            by=WORKER,
            member_id=person.user_id,
            name=person.name,
            agency=person.agency,
            role_title="Practitioner",
            lead_professional=False,
            joined_on=A_MONDAY,
        )
    return group


def complete(task: AgencyTask, plan: ChildProtectionPlan, on: date) -> None:
    task.complete(
        by=HEALTH_VISITOR, completed_on=on, evidence="Chart shared.", core_group=core_group_of(plan)
    )


def cancel(task: AgencyTask, on: date = BEFORE_DUE) -> None:
    task.cancel(by=WORKER, cancelled_on=on, reason="No longer needed.")


def block(task: AgencyTask, on: date = BEFORE_DUE) -> None:
    task.block(by=HEALTH_VISITOR, blocked_on=on, reason="Family not answering the door.")


# --- the task record ----------------------------------------------------------------------------


def test_an_assigned_task_shows_who_it_is_for_what_it_is_and_when_it_is_due():
    plan = a_plan()
    task = a_task(plan)

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    [row] = tasks_for_plan(view, plan.id)
    assert row.task_id == task.id
    assert row.outcome_id == task.outcome_id
    assert (row.agency, row.assignee_id) == ("Health Visiting", HEALTH_VISITOR.user_id)
    assert row.assignee_name == HEALTH_VISITOR.name
    assert row.description == "Weigh the baby fortnightly and share the growth chart."
    assert (row.assigned_on, row.due_on) == (A_MONDAY, DUE_ON)
    assert row.status == "assigned"
    assert row.is_open
    assert row.last_activity_on == A_MONDAY
    assert (row.started_on, row.completed_on, row.completed_on_time) == (None, None, None)


def test_starting_blocking_and_unblocking_move_the_task_through_its_states():
    plan = a_plan()
    task = a_task(plan)
    task.start(by=HEALTH_VISITOR, started_on=date(2026, 3, 4))
    block(task, on=date(2026, 3, 9))
    view = project(PartnerTaskCompletionModel, events_of(plan, task))
    [blocked] = tasks_for_plan(view, plan.id)

    task.unblock(by=HEALTH_VISITOR, unblocked_on=date(2026, 3, 11), note="Family back home.")
    project(PartnerTaskCompletionModel, events_of(task), view)

    [unblocked] = tasks_for_plan(view, plan.id)
    assert blocked.status == "blocked"
    assert blocked.blocked_reason == "Family not answering the door."
    assert blocked.blocked_on == date(2026, 3, 9)
    assert unblocked.status == "in_progress"
    assert unblocked.started_on == date(2026, 3, 4)
    assert (unblocked.blocked_on, unblocked.blocked_reason) == (None, None)
    assert unblocked.last_activity_on == date(2026, 3, 11)


def test_a_task_unblocked_before_work_started_goes_back_to_assigned():
    plan = a_plan()
    task = a_task(plan)
    block(task)
    task.unblock(by=HEALTH_VISITOR, unblocked_on=BEFORE_DUE, note="Cleared.")

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    assert tasks_for_plan(view, plan.id)[0].status == "assigned"


def test_a_task_completed_by_its_due_date_is_on_time_and_one_completed_after_it_is_late():
    plan = a_plan()
    on_the_day, late = a_task(plan), a_task(plan)
    complete(on_the_day, plan, DUE_ON)
    complete(late, plan, AFTER_DUE)

    view = project(PartnerTaskCompletionModel, events_of(plan, on_the_day, late))

    by_id = {t.task_id: t for t in tasks_for_plan(view, plan.id)}
    assert by_id[on_the_day.id].status == "completed"
    assert by_id[on_the_day.id].completed_on == DUE_ON
    assert by_id[on_the_day.id].completed_on_time is True
    assert by_id[late.id].completed_on_time is False
    assert by_id[late.id].last_activity_on == AFTER_DUE


def test_a_due_date_moved_before_completion_is_the_one_completion_is_judged_against():
    plan = a_plan()
    task = a_task(plan)
    task.change_due_date(by=WORKER, due_on=date(2026, 4, 10), reason="Clinic closed at Easter.")
    complete(task, plan, AFTER_DUE)

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    [row] = tasks_for_plan(view, plan.id)
    assert row.due_on == date(2026, 4, 10)
    assert row.completed_on_time is True


def test_a_cancelled_task_is_closed_with_its_date():
    plan = a_plan()
    task = a_task(plan)
    block(task)
    cancel(task, on=date(2026, 3, 23))

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    [row] = tasks_for_plan(view, plan.id)
    assert row.status == "cancelled"
    assert row.cancelled_on == date(2026, 3, 23)
    assert row.blocked_reason is None
    assert not row.is_open


def test_reassigning_a_task_moves_it_to_the_new_agency_and_person():
    plan = a_plan()
    task = a_task(plan)
    task.reassign(
        by=WORKER,
        agency="School",
        assignee_id=TEACHER.user_id,
        assignee_name=TEACHER.name,
        reason="The school nurse now sees the child weekly.",
    )

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    [row] = tasks_for_plan(view, plan.id)
    assert (row.agency, row.assignee_id, row.assignee_name) == (
        "School",
        TEACHER.user_id,
        TEACHER.name,
    )
    assert [f.agency for f in completion_by_agency(view)] == ["School"]


def test_a_progress_note_is_activity_and_a_late_note_for_an_earlier_day_does_not_move_it_back():
    plan = a_plan()
    task = a_task(plan)
    task.note_progress(by=HEALTH_VISITOR, noted_on=date(2026, 3, 16), note="Weighed; on track.")
    task.note_progress(by=HEALTH_VISITOR, noted_on=date(2026, 3, 9), note="Late entry.")

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    assert tasks_for_plan(view, plan.id)[0].last_activity_on == date(2026, 3, 16)


def test_a_due_date_change_or_a_reassignment_is_activity_on_the_day_it_was_recorded():
    plan = a_plan()
    moved, reassigned = a_task(plan), a_task(plan)
    moved.change_due_date(by=WORKER, due_on=date(2026, 4, 10), reason="Clinic closed.")
    reassigned.reassign(
        by=WORKER,
        agency="Health Visiting",
        assignee_id=OTHER_HEALTH_VISITOR.user_id,
        assignee_name=OTHER_HEALTH_VISITOR.name,
        reason="Caseload moved.",
    )
    events = events_of(plan, moved, reassigned)

    view = project(PartnerTaskCompletionModel, events)

    recorded_on = max(A_MONDAY, events[-1].timestamp.date())
    assert {t.last_activity_on for t in tasks_for_plan(view, plan.id)} == {recorded_on}


# --- completion figures -------------------------------------------------------------------------


def test_completion_by_agency_counts_what_was_asked_done_on_time_stuck_and_dropped():
    plan = a_plan()
    early, late, stuck, dropped, waiting = (a_task(plan) for _ in range(5))
    complete(early, plan, date(2026, 3, 12))
    complete(late, plan, AFTER_DUE)
    block(stuck)
    cancel(dropped)
    school = a_task(plan, TEACHER)

    view = project(
        PartnerTaskCompletionModel, events_of(plan, early, late, stuck, dropped, waiting, school)
    )

    health, school_figures = completion_by_agency(view)
    assert (health.key, health.label, health.agency) == ("Health Visiting",) * 3
    assert (health.assigned, health.open, health.blocked, health.cancelled) == (5, 2, 1, 1)
    assert (health.completed, health.completed_on_time) == (2, 1)
    assert health.completion_rate == 2 / 4
    assert health.on_time_rate == 1 / 2
    assert health.median_days_to_complete == (10 + 32) / 2
    assert (school_figures.agency, school_figures.assigned, school_figures.open) == ("School", 1, 1)


def test_rates_and_the_median_are_none_when_there_is_nothing_to_measure():
    plan = a_plan()
    dropped = a_task(plan)
    cancel(dropped)

    view = project(PartnerTaskCompletionModel, events_of(plan, dropped))

    [figures] = completion_by_agency(view)
    assert figures.completion_rate is None
    assert figures.on_time_rate is None
    assert figures.median_days_to_complete is None


def test_a_team_sees_only_the_tasks_of_its_own_plans():
    ours, theirs = a_plan("Team 1"), a_plan("Team 2")
    our_task, their_task, their_other = a_task(ours), a_task(theirs), a_task(theirs, TEACHER)

    view = project(
        PartnerTaskCompletionModel, events_of(ours, theirs, our_task, their_task, their_other)
    )

    [health] = completion_by_agency(view, team="Team 1")
    assert health.assigned == 1
    assert [f.agency for f in completion_by_agency(view, team="Team 2")] == [
        "Health Visiting",
        "School",
    ]
    assert sum(f.assigned for f in completion_by_agency(view)) == 3


def test_a_plan_allocated_to_another_team_takes_its_tasks_with_it():
    plan = a_plan("Team 1")
    task = a_task(plan)
    plan.allocate_lead_social_worker(
        by=MANAGER, social_worker_id=MANAGER.user_id, social_worker_name="New worker", team="Team 2"
    )

    view = project(PartnerTaskCompletionModel, events_of(plan, task))

    assert completion_by_agency(view, team="Team 1") == []
    assert completion_by_agency(view, team="Team 2")[0].assigned == 1
    team = plan_team(view, plan.id)
    assert team is not None
    assert (team.team, team.lead_social_worker_id, team.lead_social_worker_name) == (
        "Team 2",
        MANAGER.user_id,
        "New worker",
    )


def test_a_plan_never_seen_has_no_team():
    view = project(PartnerTaskCompletionModel, [])

    assert plan_team(view, uuid4()) is None


def test_completion_by_plan_gives_each_agency_within_that_plan_only():
    plan, other = a_plan(), a_plan()
    health, school, elsewhere = a_task(plan), a_task(plan, TEACHER), a_task(other)
    complete(health, plan, BEFORE_DUE)

    view = project(PartnerTaskCompletionModel, events_of(plan, other, health, school, elsewhere))

    figures = completion_by_plan(view, plan.id)
    assert [(f.agency, f.assigned, f.completed) for f in figures] == [
        ("Health Visiting", 1, 1),
        ("School", 1, 0),
    ]
    assert figures[0].median_days_to_complete == (BEFORE_DUE - A_MONDAY).days


def test_completion_by_assignee_gives_each_person_and_can_be_narrowed_to_one_agency():
    plan = a_plan()
    mine, colleagues, teachers = (
        a_task(plan),
        a_task(plan, OTHER_HEALTH_VISITOR),
        a_task(plan, TEACHER),
    )
    complete(mine, plan, BEFORE_DUE)

    view = project(PartnerTaskCompletionModel, events_of(plan, mine, colleagues, teachers))

    everyone = completion_by_assignee(view)
    health_only = completion_by_assignee(view, agency="Health Visiting")
    assert len(everyone) == 3
    assert {f.key for f in health_only} == {
        f"Health Visiting/{HEALTH_VISITOR.user_id}",
        f"Health Visiting/{OTHER_HEALTH_VISITOR.user_id}",
    }
    [my_figures] = [f for f in health_only if f.key.endswith(str(HEALTH_VISITOR.user_id))]
    assert (my_figures.label, my_figures.assigned, my_figures.completed) == (
        HEALTH_VISITOR.name,
        1,
        1,
    )
    assert my_figures.median_days_to_complete == (BEFORE_DUE - A_MONDAY).days


def test_tasks_given_to_someone_without_an_account_are_grouped_by_the_name_on_them():
    plan = a_plan()
    first, second = (an_unnamed_task(plan, "School", "Designated teacher") for _ in range(2))
    other = an_unnamed_task(plan, "School", "Head teacher")

    view = project(PartnerTaskCompletionModel, events_of(plan, first, second, other))

    figures = completion_by_assignee(view, agency="School")
    assert [(f.key, f.label, f.assigned) for f in figures] == [
        ("School/Designated teacher", "Designated teacher", 2),
        ("School/Head teacher", "Head teacher", 1),
    ]


# --- overdue and "my tasks" ---------------------------------------------------------------------


def test_a_task_is_overdue_from_the_day_after_its_due_date_and_never_once_closed():
    plan = a_plan()
    task, done = a_task(plan), a_task(plan)
    complete(done, plan, BEFORE_DUE)

    view = project(PartnerTaskCompletionModel, events_of(plan, task, done))

    by_id = {t.task_id: t for t in tasks_for_plan(view, plan.id)}
    assert not by_id[task.id].is_overdue(DUE_ON)
    assert by_id[task.id].is_overdue(DUE_ON + timedelta(days=1))
    assert not by_id[done.id].is_overdue(AFTER_DUE)


def test_overdue_now_lists_open_tasks_past_their_due_date_longest_overdue_first():
    plan = a_plan()
    later = a_task(plan, due_on=date(2026, 3, 25))
    earliest = a_task(plan, due_on=date(2026, 3, 16))
    stuck = a_task(plan, due_on=date(2026, 3, 20))
    block(stuck, on=date(2026, 3, 10))
    due_today = a_task(plan, due_on=date(2026, 3, 27))
    done_late = a_task(plan, due_on=date(2026, 3, 16))
    complete(done_late, plan, AFTER_DUE)
    dropped = a_task(plan, due_on=date(2026, 3, 16))
    cancel(dropped, on=date(2026, 3, 10))

    view = project(
        PartnerTaskCompletionModel,
        events_of(plan, later, earliest, stuck, due_today, done_late, dropped),
    )

    overdue = overdue_now(view, date(2026, 3, 27))
    assert [t.task_id for t in overdue] == [earliest.id, stuck.id, later.id]
    assert overdue_now(view, date(2026, 3, 16)) == []


def test_overdue_now_can_be_narrowed_to_a_plan_an_agency_or_a_person():
    plan, other = a_plan(), a_plan()
    mine, colleagues = a_task(plan), a_task(plan, OTHER_HEALTH_VISITOR)
    teachers, elsewhere = a_task(plan, TEACHER), a_task(other)

    view = project(
        PartnerTaskCompletionModel, events_of(plan, other, mine, colleagues, teachers, elsewhere)
    )

    today = AFTER_DUE
    assert len(overdue_now(view, today)) == 4
    assert {t.task_id for t in overdue_now(view, today, plan_id=plan.id)} == {
        mine.id,
        colleagues.id,
        teachers.id,
    }
    assert [t.task_id for t in overdue_now(view, today, agency="School")] == [teachers.id]
    assert {t.task_id for t in overdue_now(view, today, assignee_id=HEALTH_VISITOR.user_id)} == {
        mine.id,
        elsewhere.id,
    }
    assert [
        t.task_id
        for t in overdue_now(view, today, plan_id=plan.id, assignee_id=HEALTH_VISITOR.user_id)
    ] == [mine.id]


def test_my_tasks_are_those_for_me_or_my_agency_open_and_overdue_first_then_by_due_date():
    plan = a_plan()
    done = a_task(plan, due_on=date(2026, 3, 9))
    complete(done, plan, date(2026, 3, 6))
    not_yet_due = a_task(plan, due_on=date(2026, 4, 20))
    overdue = a_task(plan, due_on=date(2026, 3, 23))
    colleagues_soon = a_task(plan, OTHER_HEALTH_VISITOR, due_on=date(2026, 4, 6))
    mine_in_another_agency = a_task(plan, TEACHER, assignee_id=HEALTH_VISITOR.user_id)
    someone_elses = a_task(plan, TEACHER)

    view = project(
        PartnerTaskCompletionModel,
        events_of(
            plan, done, not_yet_due, overdue, colleagues_soon, mine_in_another_agency, someone_elses
        ),
    )

    mine = tasks_for(
        view, assignee_id=HEALTH_VISITOR.user_id, agency="Health Visiting", today=AFTER_DUE
    )
    assert [t.task_id for t in mine] == [
        overdue.id,
        mine_in_another_agency.id,
        colleagues_soon.id,
        not_yet_due.id,
        done.id,
    ]


def test_my_tasks_can_be_kept_to_the_plans_whose_core_group_i_sit_in():
    mine, not_mine = a_plan(), a_plan()
    visible, hidden = a_task(mine), a_task(not_mine)

    view = project(PartnerTaskCompletionModel, events_of(mine, not_mine, visible, hidden))

    tasks = tasks_for(
        view,
        assignee_id=HEALTH_VISITOR.user_id,
        agency="Health Visiting",
        today=A_MONDAY,
        plan_ids=[mine.id],
    )
    assert [t.task_id for t in tasks] == [visible.id]


def test_a_plans_tasks_list_open_ones_first_then_by_due_date():
    plan = a_plan()
    done = a_task(plan, due_on=date(2026, 3, 9))
    complete(done, plan, date(2026, 3, 6))
    later, sooner = a_task(plan, due_on=date(2026, 4, 20)), a_task(plan, due_on=date(2026, 3, 23))

    view = project(PartnerTaskCompletionModel, events_of(plan, done, later, sooner))

    assert [t.task_id for t in tasks_for_plan(view, plan.id)] == [sooner.id, later.id, done.id]
