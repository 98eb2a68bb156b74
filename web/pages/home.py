"""The front page: what the record holds and where the tracker's work is."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    position = request.app.state.cases.recorder.max_notification_id() or 0
    return templates.TemplateResponse(request, "home.html", {"events_recorded": position})
