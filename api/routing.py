"""Routers of the JSON API that turn away, at once, any path outside their prefix.

The framework matches a request against every route of every included router in turn, each match
costing a few microseconds of bookkeeping; a page request would be compared with each of the
API's sixty-odd routes before reaching the pages. Every route of an `ApiRouter` lies under its
prefix, so a path outside it can match none of them, and is refused with one string comparison.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class ApiRouter(APIRouter):
    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.prefix and not _route_path(scope).startswith(self.prefix):
            return Match.NONE, {}
        return super().matches(scope)


def _route_path(scope: Scope) -> str:
    """The path the routes see: without the app's root path, exactly as Starlette strips it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path
