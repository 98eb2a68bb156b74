"""Signing in and out with bearer tokens (server-side, revocable sessions)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request

from api.deps import AccountsDep, AddressDep, GateDep, UserDep
from api.problems import PROBLEM_RESPONSES, ApiProblemError
from api.routing import ApiRouter
from api.schemas.auth import AccessRecordOut, Me, SignIn, Token
from api.security.accounts import ThrottledError
from api.security.policy import Action

router = ApiRouter(prefix="/api/v1", tags=["sign-in"], responses=PROBLEM_RESPONSES)


@router.post("/auth/token", response_model=Token)
def sign_in(body: SignIn, accounts: AccountsDep, address: AddressDep) -> Token:
    """A bearer token for an API client. Throttled per account and per address."""
    try:
        session = accounts.sign_in(body.username, body.password, address, kind="api")
    except ThrottledError as throttled:
        raise ApiProblemError(
            429,
            "Too many attempts",
            "Too many failed sign-ins; wait.",
            "sign-in-throttled",
            headers={"Retry-After": str(throttled.retry_after)},
        ) from None
    if session is None:
        raise ApiProblemError(
            401,
            "Not signed in",
            "Wrong username or password.",
            "credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=session.token, expires_at=session.expires_at)


@router.post("/auth/logout", status_code=204)
def sign_out(request: Request, user: UserDep, accounts: AccountsDep) -> None:
    """End this session now (the token stops working on the next request)."""
    accounts.end_session(request.state.session.token)


@router.get("/me", response_model=Me)
def me(user: UserDep) -> Me:
    return Me(
        user_id=user.user_id,
        username=user.username,
        name=user.name,
        role=user.role,
        agency=user.agency,
        team=user.team,
        safeguarding_unit=user.safeguarding_unit,
    )


@router.get("/access-log", response_model=list[AccessRecordOut], tags=["administration"])
def access_log(
    gate: GateDep,
    accounts: AccountsDep,
    record_id: UUID | None = None,
    child_id: UUID | None = None,
    user_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AccessRecordOut]:
    """Who has looked at this child's record (or this record, or what this user looked at)."""
    gate.allow(Action.VIEW_ACCESS_LOG)
    records = accounts.access_log(
        record_id=record_id, child_id=child_id, user_id=user_id, limit=limit
    )
    return [AccessRecordOut(**r.__dict__) for r in records]
