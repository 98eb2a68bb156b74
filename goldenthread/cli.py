"""The `goldenthread` command: serve the tracker, load demo data."""

from __future__ import annotations

import typer
import uvicorn

from goldenthread import projections_cli
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

app = typer.Typer(help="Golden Thread: multi-agency child protection plans.", no_args_is_help=True)
app.add_typer(projections_cli.app, name="projections")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Web worker processes (PostgreSQL only for more than 1)."),
) -> None:
    """Serve the tracker."""
    settings = Settings()
    if workers > 1 and not settings.uses_postgres:
        raise typer.BadParameter("Several workers need PostgreSQL (GOLDENTHREAD_DATABASE_URL).")
    typer.echo(f"Golden Thread at http://{host}:{port}/ (API docs at /api/docs)")
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers)


@app.command("demo-data")
def demo_data(
    scale: int = typer.Option(0, help="Also generate this many synthetic plans (for benchmarks)."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the record has data."),
    seed: int = typer.Option(2026, help="Random seed for synthetic plans."),
) -> None:
    """Load a believable local authority's plans into the record."""
    from goldenthread.demo import load_demo, load_synthetic

    cases = build_case_record(Settings())
    try:
        if if_empty and (cases.recorder.max_notification_id() or 0) > 0:
            typer.echo("The record already holds data; demo data not loaded again.")
            return
        summary = load_demo(cases)
        typer.echo(summary)
        if scale:
            typer.echo(load_synthetic(cases, plans=scale, seed=seed))
    finally:
        cases.close()


if __name__ == "__main__":
    app()
