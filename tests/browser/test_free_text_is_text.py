"""Markup typed into any free-text field of the record is shown as text on every page that shows
it, and never runs: recorded through the service layer into every free-text field a plan, its
core group, a task and an escalation hold, then read on each page in Chromium."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from domain.application import OutcomeRating
from domain.core_group import Attendance, AttendanceStatus
from domain.escalation import AgreedAction, EscalationKind, EscalationSubject
from domain.plan import ChildProtectionPlan, OutcomeStatus
from goldenthread.demo import PRACTITIONERS, TEAM_MANAGERS
from goldenthread.wiring import build_case_record
from tests.browser.conftest import sign_in

MARKUP = '<img id="injected" src=x onerror="window.injected=1"><script>window.injected=1</script>'
TODAY = date(2026, 11, 26)


def marked_up_records(settings) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Every free-text field of one plan's records filled with markup; the plan and escalation."""
    cases = build_case_record(settings)
    manager, health = TEAM_MANAGERS[0].actor, PRACTITIONERS[0]
    plan = next(
        p
        for p in (
            cases.load(ChildProtectionPlan, n.originator_id)
            for n in cases.recorder.select_notifications(start=1, limit=20_000)
            if n.topic.endswith("ChildProtectionPlan.Started")
        )
        if p.is_open
        and p.team == TEAM_MANAGERS[0].team
        and cases.load(type(p), p.id)
        and _has_member(cases, p, health.user_id)
    )
    outcome_id = uuid4()
    cases.change_plan(
        plan.id,
        lambda p: p.agree_outcome(
            by=manager,
            outcome_id=outcome_id,
            wording=MARKUP,
            how_we_will_know=MARKUP,
            baseline=2,
            target=8,
        ),
    )
    cases.change_plan(
        plan.id,
        lambda p: p.record_childs_views(
            by=manager, recorded_on=TODAY, views=MARKUP, how_gathered=MARKUP
        ),
    )
    cases.change_plan(
        plan.id,
        lambda p: p.record_visit(by=manager, visited_on=TODAY, seen_alone=True, note=MARKUP),
    )
    task_id, escalation_id = uuid4(), uuid4()
    cases.assign_task(
        task_id=task_id,
        plan_id=plan.id,
        by=manager,
        outcome_id=outcome_id,
        agency=health.agency,
        assignee_id=health.user_id,
        assignee_name=health.name,
        description=MARKUP,
        due_on=TODAY + timedelta(days=7),
        assigned_on=TODAY,
    )
    cases.change_task(
        task_id, lambda t: t.note_progress(by=health.actor, noted_on=TODAY, note=MARKUP)
    )
    cases.record_core_group_meeting(
        core_group_id=plan.core_group_id,
        meeting_id=uuid4(),
        by=manager,
        held_on=TODAY,
        attendance=(
            Attendance(health.user_id, health.name, health.agency, AttendanceStatus.ATTENDED),
        ),
        summary=MARKUP,
        parental_engagement=plan.latest_engagement or _engaged(),
        ratings=(OutcomeRating(outcome_id, 5, MARKUP),),
    )
    cases.raise_escalation(
        escalation_id=escalation_id,
        plan_id=plan.id,
        by=health.actor,
        raised_on=TODAY,
        kind=EscalationKind.PROFESSIONAL_DISAGREEMENT,
        concerning_agency=MARKUP,
        concerning_conference_decision=False,
        subject=EscalationSubject.OTHER,
        description=MARKUP,
    )
    cases.change_escalation(
        escalation_id,
        lambda e: e.record_contact(
            by=manager,
            contacted_on=TODAY,
            contact_name=MARKUP,
            contact_agency=MARKUP,
            summary=MARKUP,
        ),
    )
    cases.change_escalation(
        escalation_id,
        lambda e: e.agree_actions(
            by=manager, agreed_on=TODAY, actions=(AgreedAction(MARKUP, MARKUP, TODAY),)
        ),
    )
    assert cases.load(ChildProtectionPlan, plan.id).outcome(outcome_id).status is (
        OutcomeStatus.AGREED
    )
    cases.close()
    return f"/plans/{plan.id}", f"/escalations/{escalation_id}"


def _has_member(cases, plan, user_id) -> bool:  # type: ignore[no-untyped-def]
    from domain.core_group import CoreGroup

    return cases.load(CoreGroup, plan.core_group_id).is_member(user_id)


def _engaged():  # type: ignore[no-untyped-def]
    from domain.values import ParentalEngagement

    return ParentalEngagement.ENGAGED


def test_markup_in_every_free_text_field_is_shown_as_text_and_never_runs(browser, server):
    plan_path, escalation_path = marked_up_records(server.settings)
    everything = "kind=outcomes&kind=ratings&kind=tasks&kind=meetings&kind=escalations&kind=child"
    # (who, page, whether the page shows the free text itself)
    pages = [
        ("helen.marsh", plan_path, True),
        ("helen.marsh", f"{plan_path}?{everything}", True),
        ("helen.marsh", f"{plan_path}/core-group", False),
        ("helen.marsh", escalation_path, True),
        ("helen.marsh", "/escalations", True),
        ("laura.bennett", "/my-tasks", True),
    ]
    context = browser.new_context()
    for username, path, shows_text in pages:
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        sign_in(page, server, username)

        page.goto(f"{server.url}{path}")

        assert page.locator("#injected").count() == 0, path
        assert page.evaluate("window.injected === undefined"), path
        assert not dialogs, path
        if shows_text:
            assert "<script>window.injected=1</script>" in (
                page.locator("main").text_content() or ""
            ), path
        page.close()
    context.close()
