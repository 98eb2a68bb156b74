"""A served tracker on the demo authority, with a signed-in client per person.

The world is built once per module on SQLite (PostgreSQL runs the same tests where marked) and
is shared read-mostly: tests that change the record use plans of their own or fresh ids.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient

from api.deps import get_today
from api.main import create_app
from api.security.accounts import Accounts
from goldenthread.database import Database
from goldenthread.demo import (
    ADMINISTRATOR,
    ANALYST,
    CHAIRS,
    DEMO_PASSWORD,
    PRACTITIONERS,
    SOCIAL_WORKERS,
    TEAM_MANAGERS,
    DemoPerson,
    create_demo_users,
    load_demo,
    username_of,
)
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

TODAY = date(2026, 11, 26)

PEOPLE: dict[str, DemoPerson] = {
    "social_worker": SOCIAL_WORKERS[0],
    "team_manager": TEAM_MANAGERS[0],
    "chair": CHAIRS[1],
    "unit_chair": CHAIRS[0],
    "practitioner": PRACTITIONERS[0],
    "school": PRACTITIONERS[1],
    "analyst": ANALYST,
    "administrator": ADMINISTRATOR,
}


@dataclass
class Tracker:
    client: TestClient
    settings: Settings
    tokens: dict[str, str]
    reads: Counter[tuple[str, str]] = field(default_factory=Counter)

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


RECORD_READ = re.compile(
    r"^/api/v1/(?:plans|children|tasks|escalations)/([0-9a-f-]{36})(?:/[a-z-]+)?$"
)


def _tally_reads(tracker: Tracker) -> Callable[[httpx.Response], None]:
    """Count every successful read of a child's record, by token and record id."""

    def hook(response: httpx.Response) -> None:
        request = response.request
        match = RECORD_READ.match(request.url.path)
        token = request.headers.get("authorization", "")[7:]
        if request.method == "GET" and response.status_code == 200 and match and token:
            tracker.reads[(token, match.group(1))] += 1

    return hook


def assert_every_read_was_logged(tracker: Tracker) -> None:
    """The access log holds an entry for every read the tests made, by whom it was made."""
    database = Database(tracker.settings)
    accounts = Accounts(database)
    users = {token: accounts.session(token) for token, _ in tracker.reads}
    for (token, record_id), count in tracker.reads.items():
        session = users[token]
        if session is None:  # signed out or disabled during the tests
            continue
        logged = accounts.access_log(
            record_id=UUID(record_id), user_id=session.user.user_id, limit=100_000
        )
        assert len(logged) >= count, f"{count} reads of {record_id}, {len(logged)} logged"
    database.close()


def build_world(
    data_dir: Path, database_url: str | None = None, schema: str | None = None
) -> Settings:
    settings = Settings(data_dir=data_dir, database_url=database_url, database_schema=schema)
    cases = build_case_record(settings)
    load_demo(cases, today=TODAY, seed=2026)
    cases.close()
    database = Database(settings)
    create_demo_users(Accounts(database))
    database.close()
    return settings


def wait_for_views(client: TestClient, timeout: float = 30.0) -> None:
    """Lists read the plan register, a projection: start the tests once it has caught up."""
    deadline = time.monotonic() + timeout
    while client.get("/health/projections").json()["projection_lag"]:
        assert time.monotonic() < deadline, "the views did not catch up"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def tracker(tmp_path_factory) -> Iterator[Tracker]:
    settings = build_world(tmp_path_factory.mktemp("tracker"))
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as client:
        wait_for_views(client)
        tokens = {}
        for who, person in PEOPLE.items():
            response = client.post(
                "/api/v1/auth/token",
                json={"username": username_of(person), "password": DEMO_PASSWORD},
            )
            assert response.status_code == 200, response.text
            tokens[who] = response.json()["access_token"]
        tracker = Tracker(client, settings, tokens)
        client.event_hooks["response"].append(_tally_reads(tracker))
        yield tracker
    assert tracker.reads, "the tests read records"
    assert_every_read_was_logged(tracker)
