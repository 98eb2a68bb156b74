"""Escalation: a professional disagreement worked up the partnership's stages to resolution."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import ClassVar
from uuid import uuid4

import pytest
from eventsourcing.application import Application

from domain.errors import (
    ActionDueBeforeAgreementError,
    BlankFieldError,
    DomainError,
    EscalationClosedError,
    EscalationConcernError,
    EscalationDateError,
    LastStageError,
    NoActionsAgreedError,
)
from domain.escalation import (
    AgreedAction,
    Escalation,
    EscalationKind,
    EscalationStatus,
    EscalationSubject,
)
from domain.escalation_policy import LINCOLNSHIRE, LONDON, EscalationPolicy, policy_from_mapping
from domain.transcodings import register_all
from tests.builders import A_MONDAY, a_chair, a_practitioner, an_actor

HEALTH_VISITOR = a_practitioner("Health Visiting")
MANAGER = a_practitioner("Health Visiting")
CHAIR = a_chair()
# Easter 2026: Good Friday 3 April and Easter Monday 6 April are bank holidays in England.
MAUNDY_THURSDAY_2026 = date(2026, 4, 2)


def an_escalation(
    policy: EscalationPolicy = LONDON,
    raised_on: date = A_MONDAY,
    concerning_agency: str | None = "Children's Social Care",
    concerning_conference_decision: bool = False,
    kind: EscalationKind = EscalationKind.PROFESSIONAL_DISAGREEMENT,
    description: str = "Home conditions have not improved; no visit for six weeks.",
) -> Escalation:
    return Escalation.raise_disagreement(
        escalation_id=uuid4(),
        by=HEALTH_VISITOR,
        plan_id=uuid4(),
        raised_on=raised_on,
        kind=kind,
        concerning_agency=concerning_agency,
        concerning_conference_decision=concerning_conference_decision,
        subject=EscalationSubject.DRIFT,
        description=description,
        policy=policy,
    )


def move(escalation: Escalation, moved_on: date) -> None:
    escalation.move_to_next_stage(
        by=MANAGER, moved_on=moved_on, reason="No reply from the allocated social worker."
    )


def resolve(escalation: Escalation, resolved_on: date) -> None:
    escalation.resolve(
        by=MANAGER,
        resolved_on=resolved_on,
        outcome="Visit booked and core group brought forward.",
        learning="Agree a named deputy when the social worker is on leave.",
    )


def withdraw(escalation: Escalation, withdrawn_on: date) -> None:
    escalation.withdraw(
        by=HEALTH_VISITOR, withdrawn_on=withdrawn_on, reason="Visit took place the same day."
    )


def an_action(due_on: date, description: str = "Visit the family at home") -> AgreedAction:
    return AgreedAction(
        description=description, owner_agency="Children's Social Care", due_on=due_on
    )


class EscalationRecord(Application):
    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": ":memory:",
    }

    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        register_all(transcoder)


# --- raising -----------------------------------------------------------------------------------


def test_raising_an_escalation_opens_stage_one_on_the_day_it_was_raised() -> None:
    escalation = an_escalation(raised_on=A_MONDAY)

    raised = escalation.pending_events[0]

    assert isinstance(raised, Escalation.Raised)
    assert raised.by == HEALTH_VISITOR
    assert escalation.raised_by == HEALTH_VISITOR
    assert escalation.is_open
    assert escalation.status is EscalationStatus.OPEN
    assert escalation.stage == 1
    assert escalation.stage_name == "Practitioner to practitioner"
    assert escalation.stage_due_on == date(2026, 3, 9)
    assert raised.stage_due_on == date(2026, 3, 9)


def test_an_escalation_concerns_an_agency_or_a_conference_decision() -> None:
    with pytest.raises(EscalationConcernError):
        an_escalation(concerning_agency=None, concerning_conference_decision=False)


def test_a_blank_agency_does_not_count_as_concerning_an_agency() -> None:
    with pytest.raises(EscalationConcernError):
        an_escalation(concerning_agency="   ", concerning_conference_decision=False)


def test_an_escalation_may_concern_a_conference_decision_alone() -> None:
    escalation = an_escalation(concerning_agency=None, concerning_conference_decision=True)

    assert escalation.concerning_agency is None
    assert escalation.concerning_conference_decision


def test_an_escalation_may_concern_both_an_agency_and_a_conference_decision() -> None:
    escalation = an_escalation(concerning_agency="Police", concerning_conference_decision=True)

    assert escalation.concerning_agency == "Police"
    assert escalation.concerning_conference_decision


def test_an_escalation_needs_a_description_of_the_disagreement() -> None:
    with pytest.raises(BlankFieldError):
        an_escalation(description="  ")


def test_a_chairs_practice_alert_runs_the_same_track() -> None:
    alert = Escalation.raise_disagreement(
        escalation_id=uuid4(),
        by=CHAIR,
        plan_id=uuid4(),
        raised_on=A_MONDAY,
        kind=EscalationKind.PRACTICE_ALERT,
        concerning_agency="Children's Social Care",
        concerning_conference_decision=False,
        subject=EscalationSubject.PLAN_IMPLEMENTATION,
        description="Core group has not met since the conference.",
        policy=LONDON,
    )

    move(alert, A_MONDAY + timedelta(days=7))

    assert alert.kind is EscalationKind.PRACTICE_ALERT
    assert alert.stage == 2


# --- stages and their clocks -------------------------------------------------------------------


def test_stage_due_dates_come_from_the_policy_in_working_days() -> None:
    escalation = an_escalation(policy=LINCOLNSHIRE, raised_on=date(2026, 3, 5))
    first_due = escalation.stage_due_on

    move(escalation, date(2026, 3, 9))
    second_due = escalation.stage_due_on
    move(escalation, date(2026, 3, 13))
    third_due = escalation.stage_due_on

    assert first_due == date(2026, 3, 9)
    assert second_due == date(2026, 3, 16)
    assert third_due == date(2026, 3, 17)
    assert escalation.stage_name == "Senior managers"


def test_a_stage_clock_skips_bank_holidays_and_weekends() -> None:
    escalation = an_escalation(policy=LONDON, raised_on=MAUNDY_THURSDAY_2026)

    due = escalation.stage_due_on

    assert due == date(2026, 4, 13)


def test_the_stage_clock_is_recorded_in_the_move_itself() -> None:
    escalation = an_escalation(policy=LONDON, raised_on=A_MONDAY)

    move(escalation, date(2026, 3, 10))

    moved = escalation.pending_events[-1]
    assert isinstance(moved, Escalation.MovedToNextStage)
    assert moved.stage == 2
    assert moved.stage_due_on == date(2026, 3, 17)


def test_the_last_stage_runs_as_convened_with_no_due_date() -> None:
    escalation = an_escalation(policy=LONDON)

    for _ in range(3):
        move(escalation, A_MONDAY + timedelta(days=1))

    assert escalation.stage == 4
    assert escalation.stage_due_on is None


def test_an_escalation_cannot_move_past_the_last_stage() -> None:
    escalation = an_escalation(policy=LONDON)
    for _ in range(3):
        move(escalation, A_MONDAY)

    with pytest.raises(LastStageError):
        move(escalation, A_MONDAY + timedelta(days=1))

    assert escalation.stage == 4


def test_a_move_to_the_next_stage_cannot_predate_the_start_of_the_current_one() -> None:
    escalation = an_escalation()
    move(escalation, A_MONDAY + timedelta(days=5))

    with pytest.raises(EscalationDateError):
        move(escalation, A_MONDAY + timedelta(days=4))


def test_a_move_to_the_next_stage_says_why_it_was_not_resolved() -> None:
    escalation = an_escalation()

    with pytest.raises(BlankFieldError):
        escalation.move_to_next_stage(by=MANAGER, moved_on=A_MONDAY, reason=" ")


def test_a_stage_is_overdue_only_after_its_due_date() -> None:
    escalation = an_escalation(policy=LONDON, raised_on=A_MONDAY)
    due = date(2026, 3, 9)

    on_the_due_date = escalation.is_stage_overdue(due)
    the_day_after = escalation.is_stage_overdue(due + timedelta(days=1))

    assert escalation.stage_due_on == due
    assert not escalation.is_stage_overdue(A_MONDAY)
    assert not on_the_due_date
    assert the_day_after


def test_a_stage_that_runs_as_convened_is_never_overdue() -> None:
    escalation = an_escalation(policy=LONDON)
    for _ in range(3):
        move(escalation, A_MONDAY)

    overdue = escalation.is_stage_overdue(A_MONDAY + timedelta(days=365))

    assert not overdue


def test_a_closed_escalation_is_never_overdue() -> None:
    escalation = an_escalation(policy=LONDON)
    resolve(escalation, A_MONDAY + timedelta(days=1))

    overdue = escalation.is_stage_overdue(A_MONDAY + timedelta(days=60))

    assert not overdue


def test_changing_configuration_does_not_change_a_raised_escalations_clock() -> None:
    configured = {
        "key": "exampleshire",
        "name": "Exampleshire Partnership",
        "stages": [
            {"name": "Practitioners", "who": "The practitioners", "working_days": 5},
            {"name": "Managers", "who": "Line managers", "working_days": 5},
        ],
    }
    escalation = an_escalation(policy=policy_from_mapping(configured), raised_on=A_MONDAY)
    configured["stages"] = [
        {"name": "Practitioners", "who": "The practitioners", "working_days": 1},
        {"name": "Managers", "who": "Line managers", "working_days": 1},
    ]
    reconfigured = policy_from_mapping(configured)
    app = EscalationRecord()
    app.save(escalation)

    stored = app.repository.get(escalation.id)
    first_stage_due = stored.stage_due_on
    move(stored, date(2026, 3, 3))

    assert reconfigured.stage_due_on(1, A_MONDAY) == date(2026, 3, 3)
    assert first_stage_due == date(2026, 3, 9)
    assert stored.policy == escalation.policy
    assert stored.stage_due_on == date(2026, 3, 10)


# --- contacts and agreed actions ---------------------------------------------------------------


def test_each_contact_with_the_other_side_is_recorded() -> None:
    escalation = an_escalation()

    escalation.record_contact(
        by=HEALTH_VISITOR,
        contacted_on=A_MONDAY,
        contact_name="Duty social worker",
        contact_agency="Children's Social Care",
        summary="Asked for a joint visit this week.",
    )

    contact = escalation.pending_events[-1]
    assert isinstance(contact, Escalation.ContactRecorded)
    assert contact.contact_agency == "Children's Social Care"
    assert escalation.contacts_recorded == 1


def test_a_contact_says_who_was_contacted_and_what_was_discussed() -> None:
    escalation = an_escalation()

    with pytest.raises(BlankFieldError):
        escalation.record_contact(
            by=HEALTH_VISITOR,
            contacted_on=A_MONDAY,
            contact_name="Duty social worker",
            contact_agency="Children's Social Care",
            summary="",
        )


def test_agreed_actions_are_kept_with_the_agency_that_owns_them() -> None:
    escalation = an_escalation()

    escalation.agree_actions(
        by=HEALTH_VISITOR,
        agreed_on=A_MONDAY,
        actions=(an_action(A_MONDAY + timedelta(days=2)), an_action(A_MONDAY, "Share the notes")),
    )

    assert [a.description for a in escalation.agreed_actions] == [
        "Visit the family at home",
        "Share the notes",
    ]
    assert {a.owner_agency for a in escalation.agreed_actions} == {"Children's Social Care"}


def test_an_agreement_names_at_least_one_action() -> None:
    escalation = an_escalation()

    with pytest.raises(NoActionsAgreedError):
        escalation.agree_actions(by=HEALTH_VISITOR, agreed_on=A_MONDAY, actions=())


def test_an_action_cannot_be_due_before_it_was_agreed() -> None:
    escalation = an_escalation()

    with pytest.raises(ActionDueBeforeAgreementError):
        escalation.agree_actions(
            by=HEALTH_VISITOR,
            agreed_on=A_MONDAY + timedelta(days=1),
            actions=(an_action(A_MONDAY),),
        )


def test_an_agreed_action_says_what_and_which_agency_owns_it() -> None:
    escalation = an_escalation()

    with pytest.raises(BlankFieldError):
        escalation.agree_actions(
            by=HEALTH_VISITOR,
            agreed_on=A_MONDAY,
            actions=(AgreedAction(description="Visit", owner_agency=" ", due_on=A_MONDAY),),
        )


# --- resolution and withdrawal -----------------------------------------------------------------


def test_resolving_closes_the_escalation_on_the_day_with_its_outcome_and_learning() -> None:
    escalation = an_escalation()

    resolve(escalation, A_MONDAY + timedelta(days=3))

    resolved = escalation.pending_events[-1]
    assert isinstance(resolved, Escalation.Resolved)
    assert resolved.learning.startswith("Agree a named deputy")
    assert escalation.status is EscalationStatus.RESOLVED
    assert not escalation.is_open
    assert escalation.closed_on == A_MONDAY + timedelta(days=3)


@pytest.mark.parametrize(("outcome", "learning"), [("", "Learnt"), ("Agreed", " ")])
def test_a_resolution_records_both_the_outcome_and_the_learning(outcome, learning) -> None:
    escalation = an_escalation()

    with pytest.raises(BlankFieldError):
        escalation.resolve(by=MANAGER, resolved_on=A_MONDAY, outcome=outcome, learning=learning)


def test_an_escalation_cannot_be_resolved_twice() -> None:
    escalation = an_escalation()
    resolve(escalation, A_MONDAY)

    with pytest.raises(EscalationClosedError):
        resolve(escalation, A_MONDAY + timedelta(days=1))


def test_an_escalation_cannot_be_resolved_after_it_was_withdrawn() -> None:
    escalation = an_escalation()
    withdraw(escalation, A_MONDAY)

    with pytest.raises(EscalationClosedError):
        resolve(escalation, A_MONDAY + timedelta(days=1))


def test_an_escalation_cannot_be_withdrawn_after_it_was_resolved() -> None:
    escalation = an_escalation()
    resolve(escalation, A_MONDAY)

    with pytest.raises(EscalationClosedError):
        withdraw(escalation, A_MONDAY + timedelta(days=1))


def test_a_withdrawal_gives_its_reason() -> None:
    escalation = an_escalation()

    with pytest.raises(BlankFieldError):
        escalation.withdraw(by=HEALTH_VISITOR, withdrawn_on=A_MONDAY, reason="")


LATER = A_MONDAY + timedelta(days=2)
COMMANDS: dict[str, Callable[[Escalation, date], None]] = {
    "record a contact": lambda e, on: e.record_contact(
        by=HEALTH_VISITOR,
        contacted_on=on,
        contact_name="Duty social worker",
        contact_agency="Children's Social Care",
        summary="Followed up by phone.",
    ),
    "agree actions": lambda e, on: e.agree_actions(
        by=HEALTH_VISITOR, agreed_on=on, actions=(an_action(on + timedelta(days=5)),)
    ),
    "move to the next stage": move,
    "resolve": resolve,
    "withdraw": withdraw,
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize("close", [resolve, withdraw], ids=["resolved", "withdrawn"])
def test_nothing_changes_once_an_escalation_is_resolved_or_withdrawn(command, close) -> None:
    escalation = an_escalation()
    close(escalation, A_MONDAY)
    version = escalation.version

    with pytest.raises(EscalationClosedError):
        command(escalation, LATER)

    assert escalation.version == version


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_nothing_is_dated_before_the_escalation_was_raised(command) -> None:
    escalation = an_escalation(raised_on=LATER)

    with pytest.raises(EscalationDateError):
        command(escalation, LATER - timedelta(days=1))

    assert escalation.version == 1


def test_resolution_cannot_predate_the_start_of_the_current_stage() -> None:
    escalation = an_escalation()
    move(escalation, LATER)

    with pytest.raises(EscalationDateError):
        resolve(escalation, LATER - timedelta(days=1))


def test_a_late_contact_may_be_dated_within_an_earlier_stage() -> None:
    escalation = an_escalation()
    move(escalation, LATER)

    COMMANDS["record a contact"](escalation, A_MONDAY)

    assert escalation.contacts_recorded == 1


# --- time open ---------------------------------------------------------------------------------


def test_days_open_runs_to_today_while_the_escalation_is_open() -> None:
    escalation = an_escalation(raised_on=A_MONDAY)

    days = escalation.days_open(A_MONDAY + timedelta(days=10))

    assert days == 10


def test_days_open_stops_at_resolution_so_it_measures_time_to_resolution() -> None:
    escalation = an_escalation(raised_on=A_MONDAY)
    resolve(escalation, A_MONDAY + timedelta(days=4))

    days = escalation.days_open(A_MONDAY + timedelta(days=30))

    assert days == 4


# --- safe to log -------------------------------------------------------------------------------


def test_error_messages_name_no_people_and_quote_no_free_text() -> None:
    named = an_actor()
    escalation = an_escalation()
    resolve(escalation, A_MONDAY)
    refusals: list[DomainError] = []

    for attempt in (
        lambda: escalation.resolve(
            by=named, resolved_on=LATER, outcome="Secret outcome", learning="Secret learning"
        ),
        lambda: an_escalation().agree_actions(
            by=named,
            agreed_on=LATER,
            actions=(an_action(A_MONDAY, "Secret action"),),
        ),
        lambda: an_escalation(concerning_agency=None, description="Secret description"),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        refusals.append(refused.value)

    assert len(refusals) == 3
    for refusal in refusals:
        assert named.name not in str(refusal)
        assert "Secret" not in str(refusal)
