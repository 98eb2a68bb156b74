"""Builds the web application. Nothing is wired at import time: `create_app()` does it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api import problems
from api.routers import (
    analytics,
    auth,
    children,
    core_groups,
    escalations,
    plans,
    tasks,
    views,
)
from api.security.accounts import Accounts
from api.security.headers import SecurityHeaders
from api.security.session_cache import AccountsListener, SessionCache
from goldenthread.database import Database
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine, creating_tables
from projections.engine import ProjectionWorker
from web import errors as page_errors
from web.pages import ROUTERS as PAGE_ROUTERS

WEB = Path(__file__).resolve().parent.parent / "web"
ROUTERS = (
    analytics.router,  # first: no other router's paths may capture /analytics
    # The most used first: a request is matched against each router in turn.
    plans.router,
    core_groups.router,
    tasks.router,
    views.router,  # before escalations: /escalations/summary, not an id
    escalations.router,
    children.router,
    auth.router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with creating_tables(settings):
            cases = build_case_record(settings)
            engine = build_projection_engine(settings, cases)
            database = Database(settings)
            listener = None
            if database.postgres:
                # Sessions are kept in this process while a listener hears every change.
                listener = AccountsListener(database.connect, SessionCache())
                listener.start()
            accounts = Accounts(database, listener.cache if listener else None)
        worker = ProjectionWorker(engine) if settings.projections_in_process else None
        app.state.cases, app.state.projections, app.state.worker = cases, engine, worker
        app.state.accounts, app.state.accounts_listener = accounts, listener
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if listener is not None:
                listener.stop()
            database.close()
            cases.close()

    app = FastAPI(
        title="Golden Thread",
        summary="Multi-agency child protection plans: outcomes, partner tasks, key decisions, "
        "escalations.",
        version="1.0.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.add_middleware(SecurityHeaders)
    problems.install(app)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    templates = Jinja2Templates(directory=WEB / "templates")

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers. Touches no database."""
        return {"status": "ok"}

    @app.get("/health/projections", tags=["operations"])
    def projections_health(request: Request) -> dict[str, str | int]:
        """Readiness of the read side: how many events the slowest view is behind the record,
        and whether the in-process worker is failing."""
        engine = request.app.state.projections
        lag = engine.head() - min(engine.positions().values(), default=0)
        worker = request.app.state.worker
        failing = worker is not None and worker.failures > 0
        return {"status": "degraded" if failing else "ok", "projection_lag": lag}

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "api_docs.html")

    for api_router in ROUTERS:
        app.include_router(api_router)
    page_errors.install(app)
    for page_router in PAGE_ROUTERS:
        app.include_router(page_router)
    return app
