"""Every error as an RFC 9457 problem (`application/problem+json`).

One table maps domain errors to statuses. Bodies name the rule and, for invalid input, the
field; they never echo what was submitted, because it may be about a child.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import (
    ConcurrentChangeError,
    DomainError,
    DuplicateRecordError,
    InvalidRecordError,
    NotFoundError,
    StaleVersionError,
    StateConflictError,
)

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://goldenthread.example/problems/"


class InvalidParam(BaseModel):
    name: str = Field(description="The field, as a dotted path (e.g. `body.outcomes.0.score`).")
    reason: str = Field(description="The rule it broke, in words; never the submitted value.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    rule: str | None = Field(default=None, description="The name of the rule that was broken.")
    invalid_params: list[InvalidParam] | None = Field(
        default=None, serialization_alias="invalid-params"
    )


class ApiProblemError(Exception):
    """An error raised by the API layer itself (authentication, preconditions, idempotency)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        rule: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.rule = status, title, detail, rule
        self.headers = headers or {}


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    rule: str | None = None,
    invalid: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + (rule or _slug(title)),
        title=title,
        status=status,
        detail=detail,
        rule=rule,
        invalid_params=invalid,
    )
    return JSONResponse(
        body.model_dump(by_alias=True, exclude_none=True),
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


def _slug(title: str) -> str:
    return "-".join(title.lower().replace("'", "").split())


def _domain_status(error: DomainError) -> tuple[int, str]:
    if isinstance(error, NotFoundError):
        return 404, "Not found"
    if isinstance(error, StaleVersionError):
        return 412, "Changed since you opened it"
    if isinstance(error, ConcurrentChangeError):
        return 409, "Changed since you opened it"
    if isinstance(error, DuplicateRecordError):
        return 409, "Already exists"
    if isinstance(error, InvalidRecordError):
        return 422, "Breaks a rule of the record"
    if isinstance(error, StateConflictError):
        return 409, "Not possible as the record stands"
    return 422, "Breaks a rule of the record"


def install(app: FastAPI) -> None:
    """Route every error through the problem format."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        status, title = _domain_status(error)
        return problem_response(status, title, error.detail, error.rule)

    @app.exception_handler(ApiProblemError)
    async def api_problem(request: Request, error: ApiProblemError) -> JSONResponse:
        return problem_response(
            error.status, error.title, error.detail, error.rule, headers=error.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        invalid = [
            InvalidParam(name=".".join(str(p) for p in e.get("loc", ())), reason=_reason(e))
            for e in error.errors()
        ]
        return problem_response(
            422,
            "Invalid request",
            "Some fields are missing or not in the expected form.",
            rule="request-schema",
            invalid=invalid,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, "Error")
        return problem_response(error.status_code, title, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # The type and route only: an exception's message can carry record contents.
        log.error("unexpected %s on %s %s", type(error).__name__, request.method, request.url.path)
        return problem_response(500, "Something went wrong", "The change was not saved.")


def _reason(error: dict[str, Any]) -> str:
    """Pydantic's message for the rule, without the input it quotes for some errors."""
    kind = str(error.get("type", "invalid"))
    message = str(error.get("msg", kind))
    if kind in {"literal_error", "enum"}:
        return message.split(",")[0] if "," in message else message
    return message


def problem_doc(description: str) -> dict[str, Any]:
    """An error answer as the OpenAPI document declares it: the `Problem` body under
    `application/problem+json`, the type it is served as (the model also registers the schema)."""
    return {
        "model": Problem,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "description": description,
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: problem_doc(description)
    for status, description in {
        400: "The body could not be read (not UTF-8 encoded JSON)",
        401: "Not signed in",
        403: "Not yours to do",
        404: "No such record (or not one you may see)",
        409: "Not possible as the record stands, or changed at the same moment",
        412: "Changed since you opened it (stale If-Match)",
        422: "Invalid request, or breaks a rule of the record",
        428: "If-Match required",
        429: "Too many attempts",
    }.items()
}
