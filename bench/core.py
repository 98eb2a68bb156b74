"""Commands through the case record versus the bare eventsourcing library, on one backend.

The realistic command is what a core group member does most: load a plan, rate an outcome's
progress (validated: plan open, outcome agreed, score 0-10), save. The bare library does
`repository.get` + one event + `save` on an aggregate with one trivial event, with the same
snapshot interval, the same number of streams and the same number of commands per stream, so both
sides pay for whole snapshot cycles.

Usage: python -m bench.core sqlite|postgres  (prints one JSON object of figures)
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.support import fresh_storage, median_seconds, ops_per_second
from domain.application import CaseRecord
from domain.child import ChildDetails, Gender
from domain.plan import ChildProtectionPlan, ConferenceDecision, RatingOccasion
from domain.values import Actor, CategoryOfAbuse, Role

STREAMS = 20
COMMANDS_PER_STREAM = 100  # two whole snapshot cycles of 50
LONG_PLAN_EVENTS = 2_000
WORKER = Actor(uuid4(), "Bench Worker", Role.SOCIAL_WORKER, "Children's Social Care")


class Tally(Aggregate):
    """The bare library's baseline: one stream, one trivial event."""

    def __init__(self) -> None:
        self.count = 0

    @event("Counted")
    def count_one(self) -> None:
        self.count += 1


class BareApplication(Application[UUID]):
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {Tally: 50}  # type: ignore[assignment]


def _plan_with_outcome(cases: CaseRecord) -> tuple[UUID, UUID]:
    child_id, plan_id, outcome_id = uuid4(), uuid4(), uuid4()
    cases.register_child(
        child_id=child_id,
        by=WORKER,
        details=ChildDetails("LA1", "Bench", "Child", Gender.MALE, date(2019, 1, 1)),
    )
    cases.start_plan(
        plan_id=plan_id,
        core_group_id=uuid4(),
        by=WORKER,
        child_id=child_id,
        icpc_on=date(2026, 1, 5),
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=ConferenceDecision("Rationale", "Options", ("Health", "School")),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team="Team 1",
    )
    cases.change_plan(
        plan_id,
        lambda p: p.agree_outcome(
            by=WORKER,
            outcome_id=outcome_id,
            wording="Meals every day",
            how_we_will_know="Health visitor",
            baseline=2,
            target=8,
        ),
    )
    return plan_id, outcome_id


def _rate(cases: CaseRecord, plan_id: UUID, outcome_id: UUID, n: int) -> Any:
    return lambda: cases.change_plan(
        plan_id,
        lambda p: p.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=n % 11,
            evidence="Seen at home visit",
            rated_on=date(2026, 1, 5) + timedelta(days=n % 300),
            occasion=RatingOccasion.VISIT,
        ),
    )


def command_throughput(env: dict[str, str]) -> tuple[float, float]:
    cases = CaseRecord(env=env)
    plans = [_plan_with_outcome(cases) for _ in range(STREAMS)]
    ours = [
        _rate(cases, plan_id, outcome_id, n)
        for n in range(COMMANDS_PER_STREAM)
        for plan_id, outcome_id in plans
    ]
    bare_app = BareApplication(env=env)
    tallies = [Tally() for _ in range(STREAMS)]
    bare_app.save(*tallies)

    def bare(tally_id: UUID) -> Any:
        def run() -> None:
            tally: Tally = bare_app.repository.get(tally_id)
            tally.count_one()
            bare_app.save(tally)

        return run

    theirs = [bare(t.id) for _ in range(COMMANDS_PER_STREAM) for t in tallies]
    # Interleave rounds so drift in the machine's load hits both sides alike.
    ours_rate = ops_per_second(ours[: len(ours) // 2])
    bare_rate = ops_per_second(theirs[: len(theirs) // 2])
    ours_rate = (ours_rate + ops_per_second(ours[len(ours) // 2 :])) / 2
    bare_rate = (bare_rate + ops_per_second(theirs[len(theirs) // 2 :])) / 2
    cases.close()
    bare_app.close()
    return ours_rate, bare_rate


def long_plan_load(env: dict[str, str]) -> tuple[float, float]:
    """Seconds to load a plan of 2,000 events without snapshots, then with them."""
    cases = CaseRecord(env=env)
    plan_id, outcome_id = _plan_with_outcome(cases)
    plan = cases.load(ChildProtectionPlan, plan_id)
    for n in range(LONG_PLAN_EVENTS - plan.version):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=n % 11,
            evidence="Seen",
            rated_on=date(2026, 1, 5),
            occasion=RatingOccasion.VISIT,
        )
        if n % 200 == 199:
            cases.save(plan)
    cases.save(plan)
    assert cases.load(ChildProtectionPlan, plan_id).version == LONG_PLAN_EVENTS
    without = median_seconds(lambda: _replay(cases, plan_id), repeats=5)
    with_snapshot = median_seconds(lambda: cases.repository.get(plan_id), repeats=20)
    cases.close()
    return without, with_snapshot


def _replay(cases: CaseRecord, plan_id: UUID) -> ChildProtectionPlan:
    """Rebuild from every stored event, ignoring the snapshots the case record keeps."""
    aggregate: Any = None
    for domain_event in cases.events.get(plan_id):
        aggregate = domain_event.mutate(aggregate)  # type: ignore[attr-defined]
    assert isinstance(aggregate, ChildProtectionPlan)
    return aggregate


def run(backend: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, fresh_storage(backend, Path(tmp)) as env:
        ours, bare = command_throughput(env)
    with tempfile.TemporaryDirectory() as tmp, fresh_storage(backend, Path(tmp)) as env:
        without, with_snapshot = long_plan_load(env)
    return {
        f"{backend}.command_ops_per_s": ours,
        f"{backend}.bare_command_ops_per_s": bare,
        f"{backend}.command_vs_bare_ratio": ours / bare,
        f"{backend}.load_2000_event_plan_s": without,
        f"{backend}.load_2000_event_plan_with_snapshots_s": with_snapshot,
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
