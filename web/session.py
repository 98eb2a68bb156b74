"""Browser sessions and CSRF protection for the pages.

The session is the same server-side, revocable session the API uses, carried in an HttpOnly,
SameSite=Lax cookie. Every form carries the session's synchronizer token, and every POST must
come from this site (Origin, or Sec-Fetch-Site where the browser sends it). The sign-in form,
which has no session yet, uses a double-submit token in a short-lived cookie.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from api.deps import SESSION_COOKIE, AccountsDep, Gate, address_of
from api.security.accounts import Accounts, Session, User

SIGN_IN_COOKIE = "gt_sign_in"


class SignInRequired(Exception):  # noqa: N818 - a redirect, not an error
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class CsrfRefused(Exception):  # noqa: N818 - answered as a 403 page
    pass


def session_of(request: Request, accounts: Accounts) -> Session | None:
    """The live session of the cookie, if any (one indexed query, or none where the process
    keeps sessions: `api.security.session_cache`)."""
    token = request.cookies.get(SESSION_COOKIE)
    return accounts.session(token) if token else None


def page_user_of(request: Request, accounts: Accounts) -> User:
    """The signed-in user, or a redirect to the sign-in page that comes back here."""
    session = session_of(request, accounts)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(f"/sign-in?next={quote(target)}")
    request.state.session = session
    return session.user


async def browser_session(request: Request, accounts: AccountsDep) -> Session | None:
    """`session_of` as a dependency: a coroutine, so its lookup (at most one indexed query)
    runs inline, cheaper than a hop to a worker thread and back."""
    return session_of(request, accounts)


SessionDep = Annotated[Session | None, Depends(browser_session)]


async def signed_in(request: Request, accounts: AccountsDep) -> User:
    """`page_user_of` as a dependency."""
    return page_user_of(request, accounts)


PageUser = Annotated[User, Depends(signed_in)]


async def page_gate(request: Request) -> Gate:
    """The Gate for a page, as the API's `open_gate` is for a request: the signed-in user's
    access to the live record, with every read logged. Read from the request and the app's
    state directly, like `open_gate`."""
    state = request.app.state
    user = page_user_of(request, state.accounts)
    return Gate(user, state.cases, state.accounts, address_of(request))


PageGateDep = Annotated[Gate, Depends(page_gate)]


def same_origin(request: Request) -> bool:
    """A POST must come from a page of this site: by the browser's Sec-Fetch-Site where it sends
    one, else by Origin; a client that sends neither still needs the token."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.url.netloc


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post without this session's token or from another site."""
    session: Session | None = getattr(request.state, "session", None)
    expected = session.csrf_token if session else request.cookies.get(SIGN_IN_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise CsrfRefused
    if not same_origin(request):
        raise CsrfRefused


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def safe_next(url: str | None) -> str:
    """Only ever redirect within this site after signing in."""
    if not url or not url.startswith("/") or url.startswith("//"):
        return "/"
    return url
