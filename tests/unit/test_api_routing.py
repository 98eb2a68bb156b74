"""An API router answers every path under its prefix and only those, with or without a root
path in front of the app."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.routing import ApiRouter, _route_path


def _app() -> FastAPI:
    things = ApiRouter(prefix="/api/v1/things")

    @things.get("/{thing_id}")
    def thing(thing_id: int) -> dict[str, int]:
        return {"thing": thing_id}

    app = FastAPI()
    app.include_router(things)

    @app.get("/things/{thing_id}")
    def page(thing_id: int) -> dict[str, str]:
        return {"page": str(thing_id)}

    return app


def test_a_path_under_the_prefix_reaches_its_route_and_one_outside_reaches_the_others() -> None:
    client = TestClient(_app())
    assert client.get("/api/v1/things/5").json() == {"thing": 5}
    assert client.get("/things/5").json() == {"page": "5"}
    assert client.get("/api/v1/other/5").status_code == 404


@pytest.mark.parametrize(
    ("path", "root_path", "route_path"),
    [
        ("/api/v1/things/5", "", "/api/v1/things/5"),
        ("/tracker/api/v1/things/5", "/tracker", "/api/v1/things/5"),
        ("/tracker", "/tracker", ""),
        # A root path that is not a whole first segment of the path is not stripped.
        ("/api/v1/things/5", "/ap", "/api/v1/things/5"),
        ("/api/v1/things/5", "/", "/api/v1/things/5"),
    ],
)
def test_the_prefix_is_compared_with_the_path_as_starlette_routes_it(
    path: str, root_path: str, route_path: str
) -> None:
    assert _route_path({"path": path, "root_path": root_path}) == route_path
