"""Outcomes across groups of children over a large authority: how long the cohort figures take.

The history: 10,000 synthetic plans (demo stories at random, up to three years old, about two in
five ended, some children on a second plan), generated once in memory with a fixed seed and
cached in bench/out/ as a SQLite event store, like `bench.projections`. Each run builds the cohort
view from that log on the backend (SQLite file or a fresh PostgreSQL database) and computes the
figures in-process from the view, as the API does.

Figures, per backend:
- `cohort_view_build_seconds`: projecting the whole log into the cohort view;
- `cohort_analytics_seconds`: the figures over every plan (the plans ended in a period that
  covers the whole history, and the plans active at its end), by agency, the costliest
  breakdown: median of 5;
- `analytics_query_p50_ms` / `analytics_query_p95_ms`: one page's figures (plans ended in the
  last twelve months, by category), repeated 40 times (`make bench` sets the PostgreSQL p95 next
  to the `/health` p95 of `bench.http`, measured in the same run);
- `cin_census_export_seconds`: exporting the 2025-26 Children in Need census from the record.

Usage: python -m bench.analytics sqlite|postgres
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from bench.projections import HISTORY_FORMAT, OUT, copy_events, percentiles
from bench.support import fresh_storage, median_seconds
from domain.application import CaseRecord
from domain.calendar import add_months
from goldenthread.demo import DEMO_STORIES, Storyteller
from goldenthread.returns.cin_census import CensusYear, export_cin_census
from goldenthread.settings import Settings
from projections.cohort import STATUSES, CohortModel, cohort_figures
from projections.engine import ProjectionEngine
from projections.registry import open_view

PLANS = 10_000
SEED = 2026
TODAY = date(2026, 11, 26)
EARLIEST = date(2020, 1, 1)


def history_file() -> Path:
    """The cached history: a SQLite event store of `PLANS` children's plans."""
    path = OUT / f"cohort-history-{PLANS}-{SEED}-v{HISTORY_FORMAT}.sqlite"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        memory = CaseRecord(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.popo",
                "AGGREGATE_CACHE_MAXSIZE": "20000",
                "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
            }
        )
        tell_stories(memory)
        target = CaseRecord(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(partial)}
        )
        copy_events(memory, target)
        target.close()
        partial.rename(path)
    return path


def tell_stories(cases: CaseRecord) -> None:
    """Demo stories at random, without escalations (the cohort view reads none)."""
    rng = random.Random(SEED)
    teller = Storyteller(cases, rng, TODAY)
    for number in range(PLANS):
        story = replace(
            rng.choice(DEMO_STORIES), weeks_since_icpc=rng.randint(4, 150), escalation_stage=None
        )
        if story.ends_at_review is None and rng.random() < 0.4:
            story = replace(story, ends_at_review=rng.randint(1, 3))
        teller.tell(1000 + number, story)


def run(backend: str) -> dict[str, float]:
    source_path = history_file()
    source = CaseRecord(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(source_path)}
    )
    with tempfile.TemporaryDirectory() as tmp, fresh_storage(backend, Path(tmp)) as env:
        view = open_view(_settings(backend, env, Path(tmp)), CohortModel)
        started = time.perf_counter()
        ProjectionEngine(source.recorder, source.mapper, [view]).catch_up()
        build = time.perf_counter() - started
        plans = view.query("SELECT count(*) AS n FROM {plans}")[0]["n"]

        def every_plan() -> Any:
            return [
                cohort_figures(
                    view,
                    period_start=EARLIEST,
                    period_end=TODAY,
                    status=status,
                    breakdown="agency",
                    today=TODAY,
                )
                for status in STATUSES
            ]

        def one_page() -> Any:
            return cohort_figures(
                view,
                period_start=add_months(TODAY, -12),
                period_end=TODAY,
                status="ended",
                breakdown="category",
                today=TODAY,
            )

        whole = median_seconds(every_plan, repeats=5)
        p50, p95 = percentiles(one_page, repeats=40)
    started = time.perf_counter()
    census = export_cin_census(source, CensusYear.parse("2025-26"))
    census_seconds = time.perf_counter() - started
    source.close()
    return {
        "analytics_plans": plans,
        f"{backend}.cohort_view_build_seconds": build,
        f"{backend}.cohort_analytics_seconds": whole,
        f"{backend}.analytics_query_p50_ms": p50,
        f"{backend}.analytics_query_p95_ms": p95,
        f"{backend}.cin_census_export_seconds": census_seconds,
        "cin_census_export_bytes": len(census),
    }


def _settings(backend: str, env: dict[str, str], tmp: Path) -> Settings:
    """Where the view goes: its own SQLite file, or the fresh PostgreSQL database."""
    if backend == "sqlite":
        return Settings(data_dir=tmp / "views", database_url=None)
    return Settings(
        data_dir=tmp,
        database_url=f"postgresql://postgres@127.0.0.1:5432/{env['POSTGRES_DBNAME']}",
    )


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1])))
