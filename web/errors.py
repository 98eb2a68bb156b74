"""How the pages answer when someone must sign in, or a form did not come from our own page."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from web.render import page
from web.session import CsrfRefused, SignInRequired


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        return RedirectResponse(error.next_url, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def refused(request: Request, error: CsrfRefused) -> Response:
        return page(request, "errors/form_refused.html", status_code=403)
