"""Builds the web application. Nothing is wired at import time: `create_app()` does it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from web.pages import home


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.cases = build_case_record(settings)
        try:
            yield
        finally:
            app.state.cases.close()

    app = FastAPI(
        title="Golden Thread",
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(home.router)
    return app
