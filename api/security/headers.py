"""Security headers on every response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
DOCS_PATHS = ("/api/docs",)


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path.startswith(DOCS_PATHS):
        # The interactive docs page loads its own inline script: allowed there only.
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "script-src 'self'", "script-src 'self' 'unsafe-inline'"
        ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    if not request.url.path.startswith(("/static", "/health")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
