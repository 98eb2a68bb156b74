"""Rebuilding every view from a large authority's history, against the bare library's read rate.

The history: 1,300 synthetic plans with realistic histories (over 200,000 events) plus one long
plan of about 2,000 events, generated once with a fixed seed and cached in bench/out/.

Figures, per backend, all measured in the same process run:
- `raw_read_events_per_s`: the library reading the notification log and decoding every event
  (`select_notifications` + `mapper.to_domain_event`): the least any projection must do;
- `raw_select_notifications_per_s`: the same without decoding (for reference);
- `read_side_read_events_per_s`: the read side's own reading and decoding of the log
  (`projections.reading` + `projections.decoding`), for reference: what every rebuild pays;
- `rebuild_events_per_s`: a full rebuild of all eight views, batched, exactly-once, in two
  processes (`rebuild_single_process_events_per_s`: in one);
- `library_runner_events_per_s`: the library's one-transaction-per-event way (its
  `ProjectionRunner` on PostgreSQL; on SQLite, which cannot subscribe, the same per-event
  `process_event` in a pull loop), driving the plan history view, over the first 5,000 events;
- p50/p95 of the plan-history query for the 2,000-event plan and of partner task completion by
  agency over all plans.

Usage: python -m bench.projections sqlite|postgres
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InfrastructureFactory, StoredEvent, Tracking
from eventsourcing.projection import ProjectionRunner
from eventsourcing.utils import Environment

from bench.support import fresh_storage
from domain.application import CaseRecord
from domain.child import Child
from domain.plan import ChildProtectionPlan, RatingOccasion
from goldenthread.demo import (
    DEMO_STORIES,
    SOCIAL_WORKERS,
    Storyteller,
    load_synthetic,
)
from goldenthread.rebuild import rebuild
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine
from projections.base import UPSTREAM, library_projection, view_classes
from projections.decoding import EventDecoder
from projections.partner_task_completion import completion_by_agency
from projections.plan_history import PlanHistoryModel, history
from projections.reading import LogReader

PLANS = 1_350
SEED = 2026
HISTORY_FORMAT = 2
"""Bump when the stored events change shape, so a cached history is never read as the new one."""
TODAY = date(2026, 11, 26)
LONG_PLAN_EVENTS = 2_000
RUNNER_EVENTS = 5_000
OUT = Path(__file__).parent / "out"


def history_file() -> tuple[Path, UUID]:
    """The cached history (a SQLite event store) and the id of its long plan."""
    path = OUT / f"history-{PLANS}-{SEED}-v{HISTORY_FORMAT}.sqlite"
    meta = path.with_suffix(".json")
    if not path.exists() or not meta.exists():
        OUT.mkdir(exist_ok=True)
        for stale in (path, meta):
            stale.unlink(missing_ok=True)
        memory = CaseRecord(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.popo",
                "AGGREGATE_CACHE_MAXSIZE": "20000",
                "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
            }
        )
        load_synthetic(memory, plans=PLANS, seed=SEED, today=TODAY)
        long_plan = _long_plan(memory)
        target = CaseRecord(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        )
        copy_events(memory, target)
        target.close()
        meta.write_text(json.dumps({"long_plan": str(long_plan)}))
    return path, UUID(json.loads(meta.read_text())["long_plan"])


def _long_plan(cases: CaseRecord) -> UUID:
    teller = Storyteller(cases, random.Random(SEED), TODAY)
    child_id = teller.tell(999_999, DEMO_STORIES[7])
    child = cases.load(Child, child_id)
    plan_id: UUID = child.protection_plans[-1].plan_id
    plan = cases.load(ChildProtectionPlan, plan_id)
    outcome_id = UUID(next(iter(plan.outcomes)))
    worker = SOCIAL_WORKERS[0].actor
    while plan.version < LONG_PLAN_EVENTS:
        plan.rate_outcome_progress(
            by=worker,
            outcome_id=outcome_id,
            score=plan.version % 11,
            evidence="Seen at home visit.",
            rated_on=plan.icpc_on,
            occasion=RatingOccasion.VISIT,
        )
    cases.save(plan)
    return plan_id


def copy_events(source: CaseRecord, target: CaseRecord, page: int = 5_000) -> None:
    """Copy the stored events, in log order, into another store."""
    start = 0
    while True:
        notes = source.recorder.select_notifications(
            start=start, limit=page, inclusive_of_start=False
        )
        if not notes:
            return
        target.recorder.insert_events(
            [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in notes]
        )
        start = notes[-1].id


def read_rates(cases: CaseRecord) -> tuple[float, float]:
    """(decoded events/s, undecoded notifications/s) reading the whole log in pages."""

    def read(decode: bool) -> float:
        started, start, count = time.perf_counter(), 0, 0
        while True:
            notes = cases.recorder.select_notifications(
                start=start, limit=2_000, inclusive_of_start=False
            )
            if not notes:
                break
            if decode:
                for note in notes:
                    cases.mapper.to_domain_event(note)
            count += len(notes)
            start = notes[-1].id
        return count / (time.perf_counter() - started)

    read(decode=True)  # warm caches (topics, pages)
    return read(decode=True), read(decode=False)


def read_side_rate(cases: CaseRecord) -> float:
    """Events/s of the read side's own log reading and decoding, over the whole log."""
    reader, decoder = LogReader(cases.recorder), EventDecoder(cases.mapper)
    started, after, count = time.perf_counter(), 0, 0
    while rows := reader.page(after, 2_000):
        for _, originator_id, version, topic, state in rows:
            decoder.decode_parts(topic, state, originator_id, version)
        count += len(rows)
        after = rows[-1][0]
    return count / (time.perf_counter() - started)


def library_baseline(backend: str, env: dict[str, str], cases: CaseRecord) -> float:
    """Events/s of the library's one-transaction-per-event processing of the plan history."""
    model = PlanHistoryModel
    sqlite_class, postgres_class = view_classes(model)
    notes = cases.recorder.select_notifications(
        start=0, limit=RUNNER_EVENTS, inclusive_of_start=False
    )
    target = notes[-1].id
    if backend == "postgres":
        view_env = {**env, "PLAN_HISTORY_POSTGRES_SCHEMA": "library_runner"}
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:5432/{env['POSTGRES_DBNAME']}", autocommit=True
        ) as conn:
            conn.execute("CREATE SCHEMA library_runner")
        started = time.perf_counter()
        runner = ProjectionRunner(
            application_class=CaseRecord,
            projection_class=library_projection(model),
            view_class=postgres_class,
            env=view_env,
        )
        while (runner.view.max_tracking_id(UPSTREAM) or 0) < target:
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        runner.stop()
        return RUNNER_EVENTS / elapsed
    with tempfile.TemporaryDirectory() as tmp:
        view: Any = InfrastructureFactory.construct(
            Environment(
                model.name,
                {
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(Path(tmp) / "v.sqlite"),
                },
            )
        ).tracking_recorder(sqlite_class)
        projection = library_projection(model)(view)
        topics = set(model.topics)
        started = time.perf_counter()
        for note in notes:
            if note.topic in topics:
                projection.process_event(
                    cases.mapper.to_domain_event(note), Tracking(UPSTREAM, note.id)
                )
        return RUNNER_EVENTS / (time.perf_counter() - started)


def percentiles(operation: Any, repeats: int = 60) -> tuple[float, float]:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        operation()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def run(backend: str) -> dict[str, float]:
    source_path, long_plan = history_file()
    with tempfile.TemporaryDirectory() as tmp, fresh_storage(backend, Path(tmp)) as env:
        settings = _settings(backend, env, Path(tmp))
        if backend == "sqlite":
            shutil.copy(source_path, settings.data_dir / "cases.sqlite")
            cases = build_case_record(settings)
        else:
            cases = build_case_record(settings)
            source = CaseRecord(
                env={
                    "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "SQLITE_DBNAME": str(source_path),
                }
            )
            copy_events(source, cases)
            source.close()
        head = cases.recorder.max_notification_id() or 0
        decoded, undecoded = read_rates(cases)
        read_side = read_side_rate(cases)
        single = _timed(lambda: rebuild(settings, jobs=1), head)
        parallel = _timed(lambda: rebuild(settings, jobs=2), head)
        runner = library_baseline(backend, env, cases)
        views = {v.model.name: v for v in build_projection_engine(settings, cases).views}
        history_p50, history_p95 = percentiles(lambda: history(views["plan_history"], long_plan))
        completion_p50, completion_p95 = percentiles(
            lambda: completion_by_agency(views["partner_task_completion"])
        )
        cases.close()
    return {
        "history_events": head,
        "history_plans": PLANS + 1,
        f"{backend}.raw_read_events_per_s": decoded,
        f"{backend}.raw_select_notifications_per_s": undecoded,
        f"{backend}.read_side_read_events_per_s": read_side,
        f"{backend}.rebuild_events_per_s": parallel,
        f"{backend}.rebuild_vs_raw_read_ratio": parallel / decoded,
        f"{backend}.rebuild_single_process_events_per_s": single,
        f"{backend}.rebuild_single_process_vs_raw_read_ratio": single / decoded,
        f"{backend}.library_runner_events_per_s": runner,
        f"{backend}.rebuild_vs_library_runner_ratio": parallel / runner,
        f"{backend}.plan_history_2000_events_p50_ms": history_p50,
        f"{backend}.plan_history_2000_events_p95_ms": history_p95,
        f"{backend}.partner_completion_all_plans_p50_ms": completion_p50,
        f"{backend}.partner_completion_all_plans_p95_ms": completion_p95,
    }


def _timed(operation: Any, events: int) -> float:
    started = time.perf_counter()
    operation()
    return events / (time.perf_counter() - started)


def _settings(backend: str, env: dict[str, str], tmp: Path) -> Settings:
    if backend == "sqlite":
        (tmp / "record").mkdir()
        return Settings(data_dir=tmp / "record", database_url=None)
    return Settings(
        data_dir=tmp,
        database_url=f"postgresql://postgres@127.0.0.1:5432/{env['POSTGRES_DBNAME']}",
    )


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
