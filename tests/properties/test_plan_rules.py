"""Random sequences of practitioners' commands never break the rules of a child protection plan,
and the stored events always rebuild the plan exactly."""

from contextlib import suppress
from datetime import timedelta
from uuid import uuid4

from eventsourcing.application import Application
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from domain.calendar import is_weekend
from domain.errors import DomainError
from domain.plan import (
    ChildProtectionPlan,
    KeyDecisionPoint,
    OutcomeStatus,
    PlanEndReason,
    RatingOccasion,
    ReviewDecision,
)
from domain.transcodings import register_all
from domain.values import CategoryOfAbuse, ParentalEngagement
from tests.builders import A_MONDAY, a_chair, a_conference_decision, an_actor

WORKER = an_actor()
CHAIR = a_chair()

offsets = st.integers(min_value=-10, max_value=400)
scores = st.integers(min_value=-2, max_value=12)
texts = st.text(min_size=0, max_size=20)


class MemoryCaseRecord(Application):
    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        register_all(transcoder)


class PlanRules(RuleBasedStateMachine):
    outcomes = Bundle("outcomes")

    @initialize()
    def start(self):
        self.plan = ChildProtectionPlan.start(
            plan_id=uuid4(),
            by=CHAIR,
            child_id=uuid4(),
            icpc_on=A_MONDAY,
            strategy_discussion_on=None,
            category=CategoryOfAbuse.NEGLECT,
            decision=a_conference_decision(),
            lead_social_worker_id=WORKER.user_id,
            lead_social_worker_name=WORKER.name,
            team="Team",
        )
        self.events = list(self.plan.pending_events)
        self.version_at_end: int | None = None

    def _do(self, command):
        before = len(self.plan.pending_events)
        with suppress(DomainError):
            command()
        self.events.extend(self.plan.pending_events[before:])

    @rule(target=outcomes, baseline=scores, target_score=scores, wording=texts)
    def agree_outcome(self, baseline, target_score, wording):
        outcome_id = uuid4()
        self._do(
            lambda: self.plan.agree_outcome(
                by=WORKER,
                outcome_id=outcome_id,
                wording=wording,
                how_we_will_know="Health visitor confirms",
                baseline=baseline,
                target=target_score,
            )
        )
        return outcome_id

    @rule(outcome_id=outcomes, score=scores, offset=offsets)
    def rate(self, outcome_id, score, offset):
        self._do(
            lambda: self.plan.rate_outcome_progress(
                by=WORKER,
                outcome_id=outcome_id,
                score=score,
                evidence="Seen at visit",
                rated_on=A_MONDAY + timedelta(days=offset),
                occasion=RatingOccasion.VISIT,
            )
        )

    @rule(outcome_id=outcomes, offset=offsets)
    def achieve(self, outcome_id, offset):
        self._do(
            lambda: self.plan.record_outcome_achieved(
                by=WORKER,
                outcome_id=outcome_id,
                achieved_on=A_MONDAY + timedelta(days=offset),
                evidence="Agreed at core group",
            )
        )

    @rule(outcome_id=outcomes, reason=texts)
    def withdraw(self, outcome_id, reason):
        self._do(
            lambda: self.plan.withdraw_outcome(by=WORKER, outcome_id=outcome_id, reason=reason)
        )

    @rule(offset=offsets, end=st.booleans(), category=st.sampled_from(CategoryOfAbuse))
    def review(self, offset, end, category):
        held_on = A_MONDAY + timedelta(days=offset)
        decision = ReviewDecision.END if end else ReviewDecision.CONTINUE

        def command():
            self.plan.hold_review_conference(
                by=CHAIR,
                held_on=held_on,
                decision=decision,
                category=category,
                conference=a_conference_decision(),
            )
            if end:
                self.plan.end(
                    by=CHAIR,
                    ended_on=held_on,
                    reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK,
                    child_in_need_plan_starts_on=held_on,
                )

        self._do(command)

    @rule(offset=offsets, reason=st.sampled_from(PlanEndReason))
    def end(self, offset, reason):
        self._do(
            lambda: self.plan.end(
                by=WORKER, ended_on=A_MONDAY + timedelta(days=offset), reason=reason
            )
        )

    @rule(offset=offsets, engagement=st.sampled_from(ParentalEngagement))
    def engagement(self, offset, engagement):
        self._do(
            lambda: self.plan.record_parental_engagement(
                by=WORKER,
                recorded_on=A_MONDAY + timedelta(days=offset),
                engagement=engagement,
                occasion=RatingOccasion.VISIT,
            )
        )

    @rule(offset=offsets, postpone=st.integers(min_value=-5, max_value=200))
    def letter_of_concern(self, offset, postpone):
        self._do(
            lambda: self.plan.send_letter_of_concern(
                by=CHAIR,
                sent_on=A_MONDAY + timedelta(days=offset),
                concern="Parents not attending",
                review_postponed_to=A_MONDAY + timedelta(days=postpone),
            )
        )

    @rule(outcome_id=outcomes)
    def set_task(self, outcome_id):
        self._do(
            lambda: self.plan.set_agency_task(
                by=WORKER, task_id=uuid4(), outcome_id=outcome_id, agency="School"
            )
        )

    @rule(point=st.sampled_from(KeyDecisionPoint), why=texts)
    def oversight(self, point, why):
        self._do(
            lambda: self.plan.record_management_oversight(
                by=an_actor(),
                decision_point=point,
                recorded_on=A_MONDAY,
                agreed_and_why=why,
                options_considered="Other options",
            )
        )

    @invariant()
    def scores_stay_between_0_and_10(self):
        for outcome in self.plan.outcomes.values():
            assert 0 <= outcome.baseline <= 10
            assert 0 <= outcome.target <= 10
            assert outcome.latest_score is None or 0 <= outcome.latest_score <= 10

    @invariant()
    def reviews_fall_after_the_start_in_order_and_never_at_weekends(self):
        held = [r.held_on for r in self.plan.reviews]
        assert all(d > self.plan.icpc_on and not is_weekend(d) for d in held)
        assert held == sorted(set(held))

    @invariant()
    def an_ended_plan_ended_after_it_started_and_takes_nothing_new(self):
        if self.plan.ended_on is None:
            return
        assert self.plan.ended_on > self.plan.icpc_on
        if self.version_at_end is None:
            self.version_at_end = self.plan.version
        changes_since_end = self.events[self.version_at_end :]
        assert all(
            isinstance(e, ChildProtectionPlan.ManagementOversightRecorded)
            for e in changes_since_end
        )

    @invariant()
    def a_plan_ended_for_no_continuing_risk_ended_at_a_review_that_decided_so(self):
        if self.plan.end_reason is PlanEndReason.NO_LONGER_AT_CONTINUING_RISK:
            last = self.plan.reviews[-1]
            assert last.held_on == self.plan.ended_on
            assert last.decision is ReviewDecision.END

    @invariant()
    def tasks_are_set_only_under_outcomes_agreed_at_the_time(self):
        state = None
        for domain_event in self.events:
            if isinstance(domain_event, ChildProtectionPlan.AgencyTaskSet):
                outcome = state.outcomes[str(domain_event.outcome_id)]
                assert outcome.status is OutcomeStatus.AGREED
            state = domain_event.mutate(state)

    @invariant()
    def replaying_the_events_rebuilds_the_same_plan(self):
        copy = None
        for domain_event in self.events:
            copy = domain_event.mutate(copy)
        assert copy is not None
        assert _state(copy) == _state(self.plan)

    def teardown(self):
        app = MemoryCaseRecord(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
        )
        app.save(self.plan)
        assert _state(app.repository.get(self.plan.id)) == _state(self.plan)


def _state(plan):
    return {k: v for k, v in plan.__dict__.items() if k != "_pending_events"}


TestPlanRules = PlanRules.TestCase
TestPlanRules.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
