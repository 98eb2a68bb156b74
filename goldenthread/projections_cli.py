"""`goldenthread projections …`: run, watch, rebuild and verify the read side."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
from types import FrameType
from uuid import uuid4

import psycopg
import typer

from goldenthread.rebuild import rebuild as rebuild_views
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine, creating_tables
from projections.base import View
from projections.engine import Progress, ProjectionEngine, ProjectionWorker
from projections.registry import READ_MODELS

app = typer.Typer(help="The read side: views built from the events.", no_args_is_help=True)

NamesArg = typer.Argument(None, help="Projection names (default: all).", show_default=False)


def _check_names(names: list[str] | None) -> list[str] | None:
    known = {m.name for m in READ_MODELS}
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise typer.BadParameter(f"unknown projection(s) {unknown}; known: {sorted(known)}")
    return names or None


@app.command()
def status() -> None:
    """Position and lag of each view."""
    settings = Settings()
    cases = build_case_record(settings)
    engine = build_projection_engine(settings, cases)
    head = engine.head()
    typer.echo(f"{'projection':<26}{'position':>12}{'lag':>10}")
    for name, position in engine.positions().items():
        typer.echo(f"{name:<26}{position:>12}{head - position:>10}")
    typer.echo(f"{'(head of the log)':<26}{head:>12}")


@app.command()
def run(
    names: list[str] | None = NamesArg,
    poll: float = typer.Option(
        0.05,
        help="Seconds between catch-ups, busy or idle: a worker in its own process is not told "
        "of new events, so it looks this often (under a steady flow of commands, each batch "
        "then carries this long's events).",
    ),
    exit_on_error: bool = typer.Option(
        False, help="Exit (for a supervisor to restart) instead of retrying after a failure."
    ),
) -> None:
    """Keep views up to date until stopped. Several may run, for different projections; a
    stopped or crashed one resumes from its own tracking position."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings()
    with creating_tables(settings):
        cases = build_case_record(settings)
        engine = build_projection_engine(
            settings, cases, _check_names(names), alone_in_process=True
        )
    # Busy or idle alike: a batch costs mostly per batch, so under load a batch every `poll`
    # seconds keeps the worker's share of the machine small, and its lag is what it is idle.
    worker = ProjectionWorker(engine, poll_interval=poll, busy_interval=poll)

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    typer.echo("Projection worker running: " + ", ".join(worker.engine.positions()))
    worker.run(exit_on_error=exit_on_error)


class ProgressPrinter:
    """A one-line progress bar on stderr: events done, events per second, time left."""

    def __call__(self, progress: Progress) -> None:
        total = max(progress.head, 1)
        done = min(progress.position, total)
        width = 30
        filled = int(width * done / total)
        rate = progress.events_per_second
        left = (total - done) / rate if rate else 0.0
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:>9}/{total} "
            f"{rate:>9,.0f} events/s  {left:>5.1f}s left"
        )
        sys.stderr.flush()


@app.command()
def rebuild(
    names: list[str] | None = NamesArg,
    jobs: int = typer.Option(
        os.cpu_count() or 1, help="Processes to rebuild in (views are split between them)."
    ),
) -> None:
    """Drop the views' tables and tracking, and rebuild them from position 0."""
    settings = Settings()
    chosen = _check_names(names)
    head = rebuild_views(settings, chosen, jobs=jobs, progress=ProgressPrinter())
    sys.stderr.write("\n")
    rebuilt = ", ".join(chosen or [m.name for m in READ_MODELS])
    typer.echo(f"Rebuilt {rebuilt} up to position {head}.")


@app.command()
def verify(names: list[str] | None = NamesArg) -> None:
    """Rebuild into a scratch space, compare with the live views, print any difference; exit 1
    if there is one."""
    settings = Settings()
    cases = build_case_record(settings)
    names = _check_names(names)
    live = build_projection_engine(settings, cases, names)
    head = live.head()
    live.catch_up(stop=head)
    scratch_id = uuid4().hex[:8]
    _create_scratch(settings, scratch_id)
    try:
        scratch = build_projection_engine(
            settings, cases, names, scratch=scratch_id, alone_in_process=True
        )
        scratch.catch_up(stop=head)
        differences = _differences(live, scratch)
    finally:
        _drop_scratch(settings, scratch_id)
    for line in differences:
        typer.echo(line)
    if differences:
        typer.echo(f"Views differ from a fresh rebuild at position {head}.")
        raise typer.Exit(1)
    typer.echo(f"All {len(live.views)} views equal a fresh rebuild at position {head}.")


def _differences(live: ProjectionEngine, scratch: ProjectionEngine) -> list[str]:
    lines: list[str] = []
    for live_view, scratch_view in zip(live.views, scratch.views, strict=True):
        lines.extend(_view_differences(live_view, scratch_view))
    return lines


def _view_differences(live: View, scratch: View) -> list[str]:
    lines = []
    live_rows, fresh_rows = live.all_rows(), scratch.all_rows()
    for table, rows in live_rows.items():
        fresh = fresh_rows[table]
        if rows == fresh:
            continue
        extra = [r for r in rows if r not in fresh]
        missing = [r for r in fresh if r not in rows]
        lines.append(
            f"{live.model.name}.{table}: {len(extra)} row(s) only in the live view, "
            f"{len(missing)} only in the rebuild"
        )
        lines.extend(f"  live only: {_keys(live, table, r)}" for r in extra[:5])
        lines.extend(f"  rebuild only: {_keys(live, table, r)}" for r in missing[:5])
    return lines


def _keys(view: View, table_name: str, row: dict[str, object]) -> str:
    """A differing row is named by its key only: rows can hold practitioners' free text."""
    table = next(t for t in view.model.tables if t.name == table_name)
    return ", ".join(f"{k}={row[k]}" for k in table.key)


def _create_scratch(settings: Settings, scratch_id: str) -> None:
    if settings.uses_postgres:
        assert settings.database_url is not None
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "scratch_{scratch_id}"')


def _drop_scratch(settings: Settings, scratch_id: str) -> None:
    if settings.uses_postgres:
        assert settings.database_url is not None
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "scratch_{scratch_id}" CASCADE')
        return
    for path in settings.data_dir.glob(f"scratch_{scratch_id}_*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
