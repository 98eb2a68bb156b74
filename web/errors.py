"""How the pages answer when someone must sign in, may not see or do something, or a form did
not come from our own page. API paths keep their RFC 9457 problems; pages get pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.problems import ApiProblemError
from domain.errors import DomainError, NotFoundError
from web.render import page
from web.session import CsrfRefused, SignInRequired


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/openapi.json", "/health"))


def install(app: FastAPI) -> None:
    json_handlers: dict[object, Callable[[Request, Exception], Awaitable[Response]]] = dict(
        app.exception_handlers
    )

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        return RedirectResponse(error.next_url, status_code=303)

    @app.exception_handler(CsrfRefused)
    async def refused(request: Request, error: CsrfRefused) -> Response:
        return page(request, "errors/form_refused.html", status_code=403)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, error: NotFoundError) -> Response:
        if _is_api(request):
            return await json_handlers[DomainError](request, error)
        return page(request, "errors/not_found.html", status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_api(request) or error.status_code != 404:
            return await json_handlers[StarletteHTTPException](request, error)
        return page(request, "errors/not_found.html", status_code=404)

    @app.exception_handler(ApiProblemError)
    async def not_yours(request: Request, error: ApiProblemError) -> Response:
        if _is_api(request) or error.status not in (403, 404):
            return await json_handlers[ApiProblemError](request, error)
        template = "errors/not_yours.html" if error.status == 403 else "errors/not_found.html"
        return page(request, template, status_code=error.status)
