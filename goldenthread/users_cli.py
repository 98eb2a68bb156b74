"""`goldenthread users …`: accounts, for administrators."""

from __future__ import annotations

from typing import Annotated

import typer

from api.security.accounts import Accounts, UserExistsError
from domain.values import Role
from goldenthread.database import Database
from goldenthread.settings import Settings

app = typer.Typer(help="User accounts.", no_args_is_help=True)


def _accounts() -> Accounts:
    return Accounts(Database(Settings()))


def _password() -> str:
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        raise typer.BadParameter("Use at least 12 characters.")
    return password


@app.command()
def add(
    username: str,
    role: Annotated[Role, typer.Option(help="What they do in the process.")],
    name: str = typer.Option(..., help="The person's name, as shown on every record."),
    agency: str = typer.Option(..., help="Their agency."),
    team: str = typer.Option("", help="Their team (social workers and managers)."),
    safeguarding_unit: bool = typer.Option(False, help="A chair who may see every plan."),
) -> None:
    """Add a user; asks for the password."""
    try:
        user = _accounts().add_user(
            username=username,
            name=name,
            role=role,
            agency=agency,
            team=team,
            password=_password(),
            safeguarding_unit=safeguarding_unit,
        )
    except UserExistsError:
        raise typer.BadParameter(f"{username} already exists.") from None
    typer.echo(f"Added {user.username} ({user.role.value}, {user.agency}).")


@app.command()
def disable(username: str) -> None:
    """Disable a user; their sessions end at once."""
    if not _accounts().disable(username):
        raise typer.BadParameter(f"No user {username}.")
    typer.echo(f"Disabled {username}.")


@app.command("reset-password")
def reset_password(username: str) -> None:
    """Set a new password; asks for it. Existing sessions end."""
    if not _accounts().reset_password(username, _password()):
        raise typer.BadParameter(f"No user {username}.")
    typer.echo(f"Password reset for {username}.")


@app.command("list")
def list_users() -> None:
    for user in _accounts().users():
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.username:<24} {user.role.value:<22} {user.agency:<36} {state}")
