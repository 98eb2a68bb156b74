"""Random openings and closings of plans never give a child two open plans, overlapping plans,
or a child protection plan alongside a child in need plan."""

import itertools
from contextlib import suppress
from datetime import timedelta
from uuid import uuid4

from eventsourcing.application import Application
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.child import Child
from domain.errors import DomainError
from domain.transcodings import register_all
from tests.builders import A_MONDAY, an_actor, child_details

WORKER = an_actor()
offsets = st.integers(min_value=0, max_value=1500)


class MemoryCaseRecord(Application):
    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        register_all(transcoder)


class ChildRules(RuleBasedStateMachine):
    @initialize()
    def register(self):
        self.child = Child.register(child_id=uuid4(), by=WORKER, details=child_details())
        self.events = list(self.child.pending_events)

    def _do(self, command):
        before = len(self.child.pending_events)
        with suppress(DomainError):
            command()
        self.events.extend(self.child.pending_events[before:])

    @rule(offset=offsets)
    def open_plan(self, offset):
        self._do(
            lambda: self.child.open_protection_plan_on(
                by=WORKER, plan_id=uuid4(), start_on=A_MONDAY + timedelta(days=offset)
            )
        )

    @rule(offset=offsets, step_down=st.booleans())
    def close_plan(self, offset, step_down):
        current = self.child.open_protection_plan
        plan_id = current.plan_id if current else uuid4()
        self._do(
            lambda: self.child.close_protection_plan(
                by=WORKER,
                plan_id=plan_id,
                end_on=A_MONDAY + timedelta(days=offset),
                step_down=step_down,
            )
        )

    @rule(offset=offsets)
    def start_child_in_need_plan(self, offset):
        self._do(
            lambda: self.child.start_child_in_need_plan(
                by=WORKER, start_on=A_MONDAY + timedelta(days=offset)
            )
        )

    @rule(offset=offsets)
    def end_child_in_need_plan(self, offset):
        self._do(
            lambda: self.child.end_child_in_need_plan(
                by=WORKER, end_on=A_MONDAY + timedelta(days=offset)
            )
        )

    @invariant()
    def at_most_one_open_plan_and_plans_never_overlap(self):
        periods = self.child.protection_plans
        assert sum(p.end_on is None for p in periods) <= 1
        assert all(p.end_on is not None for p in periods[:-1])
        for earlier, later in itertools.pairwise(periods):
            assert earlier.end_on is not None
            assert earlier.start_on < earlier.end_on < later.start_on

    @invariant()
    def protection_and_child_in_need_plans_never_both_open(self):
        assert not (self.child.open_protection_plan and self.child.open_child_in_need_plan)

    @invariant()
    def replaying_the_events_rebuilds_the_same_child(self):
        copy = None
        for domain_event in self.events:
            copy = domain_event.mutate(copy)
        assert _state(copy) == _state(self.child)

    def teardown(self):
        app = MemoryCaseRecord(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
        )
        app.save(self.child)
        assert _state(app.repository.get(self.child.id)) == _state(self.child)


def _state(child):
    return {k: v for k, v in child.__dict__.items() if k != "_pending_events"}


TestChildRules = ChildRules.TestCase
TestChildRules.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
