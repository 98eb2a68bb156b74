"""Builds the web application. Nothing is wired at import time: `create_app()` does it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record, build_projection_engine
from projections.engine import ProjectionWorker
from web.pages import home


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cases = build_case_record(settings)
        engine = build_projection_engine(settings, cases)
        worker = ProjectionWorker(engine) if settings.projections_in_process else None
        app.state.cases, app.state.projections, app.state.worker = cases, engine, worker
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            cases.close()

    app = FastAPI(
        title="Golden Thread",
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )

    @app.get("/health", tags=["operations"])
    def health(request: Request) -> dict[str, str | int]:
        """Liveness, and how far the read side lags the record."""
        engine = request.app.state.projections
        lag = engine.head() - min(engine.positions().values(), default=0)
        worker = request.app.state.worker
        failing = worker is not None and worker.failures > 0
        return {"status": "degraded" if failing else "ok", "projection_lag": lag}

    app.include_router(home.router)
    return app
