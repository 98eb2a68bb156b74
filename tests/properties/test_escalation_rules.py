"""Random sequences of practitioners' commands never break the rules of an escalation, and the
stored events always rebuild it exactly, in memory and through a real event store."""

from contextlib import suppress
from datetime import date, timedelta
from typing import ClassVar

from eventsourcing.application import Application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.errors import DomainError
from domain.escalation import (
    AgreedAction,
    Escalation,
    EscalationKind,
    EscalationStatus,
    EscalationSubject,
)
from domain.escalation_policy import PRESETS, EscalationPolicy, EscalationStage
from domain.transcodings import register_all
from tests.builders import a_chair, a_practitioner, an_actor

HEALTH_VISITOR = a_practitioner("Health Visiting")
MANAGER = an_actor(agency="Health Visiting")
CHAIR = a_chair()

offsets = st.integers(min_value=-5, max_value=60)
texts = st.sampled_from(["", "  ", "No reply to two emails", "Agreed at a joint visit"])
agencies = st.sampled_from(["Children's Social Care", "School", "Police", " "])
people = st.sampled_from([HEALTH_VISITOR, MANAGER, CHAIR])


@st.composite
def configured_policies(draw: st.DrawFn) -> EscalationPolicy:
    clocks = draw(
        st.lists(st.none() | st.integers(min_value=1, max_value=10), min_size=1, max_size=5)
    )
    return EscalationPolicy(
        key="exampleshire",
        name="Exampleshire Partnership",
        stages=tuple(
            EscalationStage(number=n, name=f"Stage {n}", who="Named in the policy", working_days=d)
            for n, d in enumerate(clocks, start=1)
        ),
    )


policies = st.sampled_from(list(PRESETS.values())) | configured_policies()


class EscalationRecord(Application):
    env: ClassVar[dict[str, str]] = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": ":memory:",
    }

    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        register_all(transcoder)


class EscalationRules(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.app = EscalationRecord()
        self.escalation: Escalation | None = None
        self.events = []
        self.highest_stage_seen = 1
        self.version_when_closed: int | None = None
        self.status_when_closed: EscalationStatus | None = None

    @initialize(
        escalation_id=st.uuids(),
        raised_on=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
        kind=st.sampled_from(EscalationKind),
        subject=st.sampled_from(EscalationSubject),
        concerning_agency=st.none() | agencies,
        concerning_conference_decision=st.booleans(),
        policy=policies,
    )
    def raise_disagreement(
        self,
        escalation_id,
        raised_on,
        kind,
        subject,
        concerning_agency,
        concerning_conference_decision,
        policy,
    ):
        self.escalation = Escalation.raise_disagreement(
            escalation_id=escalation_id,
            by=CHAIR if kind is EscalationKind.PRACTICE_ALERT else HEALTH_VISITOR,
            plan_id=escalation_id,
            raised_on=raised_on,
            kind=kind,
            concerning_agency=concerning_agency,
            concerning_conference_decision=concerning_conference_decision
            or not (concerning_agency or "").strip(),
            subject=subject,
            description="Home conditions have not improved.",
            policy=policy,
        )
        self._keep_and_save()

    def _on(self, offset: int) -> date:
        assert self.escalation is not None
        return self.escalation.raised_on + timedelta(days=offset)

    def _do(self, command):
        with suppress(DomainError):
            command()
        self._keep_and_save()

    def _keep_and_save(self):
        assert self.escalation is not None
        self.events.extend(list(self.escalation.pending_events))
        self.app.save(self.escalation)
        if not self.escalation.is_open and self.version_when_closed is None:
            self.version_when_closed = self.escalation.version
            self.status_when_closed = self.escalation.status

    # --- commands --------------------------------------------------------------------------------

    @rule(by=people, offset=offsets, agency=agencies, summary=texts)
    def record_contact(self, by, offset, agency, summary):
        self._do(
            lambda: self.escalation.record_contact(
                by=by,
                contacted_on=self._on(offset),
                contact_name="Duty worker",
                contact_agency=agency,
                summary=summary,
            )
        )

    @rule(
        by=people,
        offset=offsets,
        due=st.lists(st.integers(min_value=-3, max_value=20), max_size=3),
        description=texts,
    )
    def agree_actions(self, by, offset, due, description):
        agreed_on = self._on(offset)
        actions = tuple(
            AgreedAction(
                description=description,
                owner_agency="Children's Social Care",
                due_on=agreed_on + timedelta(days=days),
            )
            for days in due
        )
        self._do(lambda: self.escalation.agree_actions(by=by, agreed_on=agreed_on, actions=actions))

    @rule(by=people, offset=offsets, reason=texts)
    def move_to_next_stage(self, by, offset, reason):
        self._do(
            lambda: self.escalation.move_to_next_stage(
                by=by, moved_on=self._on(offset), reason=reason
            )
        )

    @rule(by=people, offset=offsets, outcome=texts, learning=texts)
    def resolve(self, by, offset, outcome, learning):
        self._do(
            lambda: self.escalation.resolve(
                by=by, resolved_on=self._on(offset), outcome=outcome, learning=learning
            )
        )

    @rule(by=people, offset=offsets, reason=texts)
    def withdraw(self, by, offset, reason):
        self._do(
            lambda: self.escalation.withdraw(by=by, withdrawn_on=self._on(offset), reason=reason)
        )

    # --- rules of practice -----------------------------------------------------------------------

    @invariant()
    def the_stage_never_exceeds_the_policys_last(self):
        if self.escalation is None:
            return
        assert 1 <= self.escalation.stage <= self.escalation.policy.last_stage

    @invariant()
    def the_stage_never_goes_down(self):
        if self.escalation is None:
            return
        assert self.escalation.stage >= self.highest_stage_seen
        self.highest_stage_seen = self.escalation.stage

    @invariant()
    def a_stage_is_due_after_it_started_by_the_policys_clock(self):
        if self.escalation is None:
            return
        escalation = self.escalation
        expected = escalation.policy.stage_due_on(escalation.stage, escalation.stage_started_on)
        assert escalation.stage_due_on == expected
        assert escalation.stage_started_on >= escalation.raised_on
        assert (
            escalation.stage_due_on is None or escalation.stage_due_on > escalation.stage_started_on
        )

    @invariant()
    def nothing_changes_once_resolved_or_withdrawn(self):
        if self.escalation is None or self.version_when_closed is None:
            return
        assert self.escalation.version == self.version_when_closed
        assert self.escalation.status is self.status_when_closed
        assert self.escalation.closed_on is not None
        assert self.escalation.closed_on >= self.escalation.raised_on
        assert not self.escalation.is_stage_overdue(self.escalation.closed_on + timedelta(days=999))

    @invariant()
    def every_agreed_action_is_due_on_or_after_the_escalation_was_raised(self):
        if self.escalation is None:
            return
        assert all(a.due_on >= self.escalation.raised_on for a in self.escalation.agreed_actions)
        assert all(a.description.strip() for a in self.escalation.agreed_actions)

    @invariant()
    def replaying_the_events_rebuilds_the_same_escalation(self):
        if self.escalation is None:
            return
        copy = None
        for domain_event in self.events:
            copy = domain_event.mutate(copy)
        assert copy is not None
        assert _state(copy) == _state(self.escalation)
        assert len(self.events) == self.escalation.version

    @invariant()
    def the_event_store_gives_back_the_same_escalation(self):
        if self.escalation is None:
            return
        assert self.app.repository.get(self.escalation.id) == self.escalation


def _state(escalation):
    return {k: v for k, v in escalation.__dict__.items() if k != "_pending_events"}


TestEscalationRules = EscalationRules.TestCase
TestEscalationRules.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
