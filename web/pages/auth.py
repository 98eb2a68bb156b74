"""Signing in and out of the pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE, AccountsDep, AddressDep
from api.security.accounts import SESSION_LIFETIME, ThrottledError
from web.forms import FieldError, posted
from web.render import page
from web.session import (
    SIGN_IN_COOKIE,
    SessionDep,
    check_csrf,
    new_sign_in_token,
    safe_next,
)

router = APIRouter(include_in_schema=False)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> Response:
    token = new_sign_in_token()
    response = page(request, "auth/sign_in.html", {"next": safe_next(next), "form_token": token})
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="strict", max_age=1800)
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, accounts: AccountsDep, address: AddressDep) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    username, password = str(data.get("username", "")).strip(), str(data.get("password", ""))
    errors = [
        FieldError(name, f"Enter your {name}")
        for name, value in (("username", username), ("password", password))
        if not value
    ]
    session = None
    if not errors:
        try:
            session = accounts.sign_in(username, password, address, kind="browser")
        except ThrottledError:
            errors = [FieldError("username", "Too many failed attempts: wait 15 minutes")]
        else:
            if session is None:
                errors = [FieldError("username", "Enter a correct username and password")]
    if session is None:
        token = data.get("csrf_token", "")
        return page(
            request,
            "auth/sign_in.html",
            {
                "errors": errors,
                "username": username,
                "next": safe_next(data.get("next")),
                "form_token": token,
            },
            400,
        )
    response = RedirectResponse(safe_next(data.get("next")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        samesite="lax",
        max_age=int(SESSION_LIFETIME.total_seconds()),
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(SIGN_IN_COOKIE)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: SessionDep, accounts: AccountsDep) -> Response:
    data = await posted(request)
    if session is not None:
        request.state.session = session
        check_csrf(request, data.get("csrf_token"))
        accounts.end_session(session.token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
