"""Rebuilding views with every core: one process per group of views, each following the log.

Views are independent (each has its own tables and tracking position), so a full rebuild can run
as several projection workers at once, exactly as a PostgreSQL deployment runs them. Each process
reads and decodes the log itself and writes only its own views; the calling process rebuilds the
costliest group and reports progress from every view's position. On SQLite every view has its own
file, so the writers never contend.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence

from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine, creating_tables
from projections.base import ReadModel
from projections.engine import Progress
from projections.registry import READ_MODELS, model_named

log = logging.getLogger(__name__)


def partition(models: Sequence[type[ReadModel]], jobs: int) -> list[list[str]]:
    """Greedy split of views into `jobs` groups of similar cost, the costliest group first."""
    groups: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, jobs))]
    for model in sorted(models, key=lambda m: m.relative_cost, reverse=True):
        cost, names = min(groups, key=lambda g: g[0])
        groups.remove((cost, names))
        groups.append((cost + model.relative_cost, [*names, model.name]))
    groups.sort(key=lambda g: g[0], reverse=True)
    return [names for _, names in groups if names]


def _catch_up(settings: Settings, names: list[str], stop: int) -> None:
    with creating_tables(settings):  # processes started together take turns to open the record
        cases = build_case_record(settings)
    try:
        build_projection_engine(settings, cases, names, alone_in_process=True).catch_up(stop=stop)
    finally:
        cases.close()


REBUILD_BATCH_SIZE = 10_000
"""Larger pages than live catch-up: fewer transactions, and nobody waits on a rebuild's commit."""


def rebuild(
    settings: Settings,
    names: Sequence[str] | None = None,
    jobs: int = 1,
    progress: Callable[[Progress], None] | None = None,
) -> int:
    """Drop the named views (all by default) and rebuild them from the log, in `jobs` processes.
    Returns the position they were rebuilt to."""
    settings = settings.model_copy(
        update={"projection_batch_size": max(settings.projection_batch_size, REBUILD_BATCH_SIZE)}
    )
    with creating_tables(settings):
        cases = build_case_record(settings)
    watcher = build_projection_engine(settings, cases, names, alone_in_process=True)
    for view in watcher.views:
        view.drop()
    head = watcher.head()
    models = [model_named(n) for n in names] if names else list(READ_MODELS)
    groups = partition(models, jobs)
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    # The heaviest group is rebuilt here, the others in their own processes meanwhile (their
    # start-up overlaps with this process's work).
    workers = [context.Process(target=_catch_up, args=(settings, g, head)) for g in groups[1:]]
    for worker in workers:
        worker.start()
    own = build_projection_engine(settings, cases, groups[0], alone_in_process=True)

    def report(_: Progress) -> None:
        if progress is not None:
            done = min(watcher.positions().values())
            progress(Progress(done, done, head, time.perf_counter() - started))

    own.catch_up(stop=head, progress=report if workers else progress)
    while any(w.is_alive() for w in workers):
        time.sleep(0.05)
        report(Progress(0, 0, head, 0.0))
    failed = [w.exitcode for w in workers if w.exitcode != 0]
    if failed:
        # Each view resumes from its own position, so finishing here loses nothing and
        # applies nothing twice; the failure is still reported.
        log.warning(
            "%d rebuild process(es) failed (exit codes %s); finishing here", len(failed), failed
        )
        watcher.catch_up(stop=head, progress=progress)
    cases.close()
    return head
