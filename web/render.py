"""Rendering pages: every template gets the signed-in user, the form token and the navigation."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.security.accounts import User
from domain.values import Role

TEMPLATES = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)
# Templates change only with a new release, which restarts the server: no need to look at each
# template file's time again every time a page includes it.
templates.env.auto_reload = False

NAVIGATION: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.AGENCY_PRACTITIONER: (("My tasks", "/my-tasks"), ("My plans", "/plans")),
    Role.SOCIAL_WORKER: (
        ("Plans", "/plans"),
        ("My tasks", "/my-tasks"),
        ("Escalations", "/escalations"),
    ),
    Role.TEAM_MANAGER: (("Plans", "/plans"), ("Escalations", "/escalations"), ("Drift", "/drift")),
    Role.CONFERENCE_CHAIR: (("Plans", "/plans"), ("Escalations", "/escalations")),
    Role.PARTNERSHIP_ANALYST: (),
    Role.ADMINISTRATOR: (("Access log", "/access-log"),),
}


def long_date(value: date | None) -> str:
    """1 December 2026: how dates are written on every page."""
    return "" if value is None else _long_date(value)


@lru_cache(maxsize=8192)
def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def words(value: object) -> str:
    """A stored code as words: "team_manager" (or `Role.TEAM_MANAGER`) is "team manager"."""
    return _words(str(getattr(value, "value", value)))


@lru_cache(maxsize=1024)
def _words(code: str) -> str:
    return code.replace("_", " ")


def static(path: str) -> str:
    """The address of a file under web/static (the same on every page, so not worked out from
    the routes each time)."""
    return f"/static/{path}"


templates.env.globals["static"] = static
templates.env.filters["long_date"] = long_date
templates.env.filters["words"] = words


CSRF_FIELD = Markup('<input type="hidden" name="csrf_token" value="{}">')
"""The synchronizer token's field (`format` escapes the token)."""


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    user: User | None = session.user if session else None
    token = session.csrf_token if session else ""
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            # Every form of the page carries this one field, built once rather than per form.
            "csrf_field": CSRF_FIELD.format(token),
            "navigation": NAVIGATION.get(user.role, ()) if user else (),
            "current_path": request.url.path,
            **(context or {}),
        },
        status_code=status_code,
    )
