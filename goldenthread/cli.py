"""The `goldenthread` command: serve the tracker, load demo data."""

from __future__ import annotations

import typer
import uvicorn

from api.security.accounts import Accounts
from goldenthread import export_cli, projections_cli, users_cli
from goldenthread.database import Database
from goldenthread.demo import (
    DEMO_PASSWORD,
    EVERYONE,
    create_demo_users,
    load_demo,
    load_synthetic,
    username_of,
)
from goldenthread.serving import WorkerOptions, serve_workers
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

app = typer.Typer(help="Golden Thread: multi-agency child protection plans.", no_args_is_help=True)
app.add_typer(projections_cli.app, name="projections")
app.add_typer(users_cli.app, name="users")
app.add_typer(export_cli.app, name="export")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Web worker processes (PostgreSQL only for more than 1)."),
    access_log: bool = typer.Option(
        False, help="Log every request line (a reverse proxy usually does this)."
    ),
) -> None:
    """Serve the tracker."""
    settings = Settings()
    if workers > 1 and not settings.uses_postgres:
        raise typer.BadParameter("Several workers need PostgreSQL (GOLDENTHREAD_DATABASE_URL).")
    typer.echo(f"Golden Thread at http://{host}:{port}/ (API docs at /api/docs)")
    typer.echo("Sign in with a demo account (goldenthread demo-data lists them), e.g.")
    typer.echo(f"  amara.okafor / {DEMO_PASSWORD}  (social worker)")
    if workers > 1:
        # Not uvicorn's `--workers`: each worker listens on a socket of its own (serving.py).
        serve_workers(WorkerOptions("api.main:create_app", host, port, access_log), workers)
        return
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, access_log=access_log)


@app.command("demo-data")
def demo_data(
    scale: int = typer.Option(0, help="Also generate this many synthetic plans (for benchmarks)."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the record has data."),
    seed: int = typer.Option(2026, help="Random seed for synthetic plans."),
) -> None:
    """Load a believable local authority's plans, and an account for each of its people."""
    settings = Settings()
    cases = build_case_record(settings)
    database = Database(settings)
    try:
        if if_empty and (cases.recorder.max_notification_id() or 0) > 0:
            typer.echo("The record already holds data; demo data not loaded again.")
        else:
            typer.echo(load_demo(cases))
            if scale:
                typer.echo(load_synthetic(cases, plans=scale, seed=seed))
        create_demo_users(Accounts(database))
        _print_demo_accounts()
    finally:
        database.close()
        cases.close()


def _print_demo_accounts() -> None:
    typer.echo("\nDemo accounts (password for all: " + DEMO_PASSWORD + "):")
    for person in EVERYONE:
        role = person.role.value.replace("_", " ")
        typer.echo(f"  {username_of(person):<20} {role:<22} {person.agency}")


if __name__ == "__main__":
    app()
