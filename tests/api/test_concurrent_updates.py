"""Eight partners updating one task at the same moment over HTTP, each with the version it read:
every request either lands or is told it changed, and nothing is lost or written twice."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.deps import get_today
from api.main import create_app
from domain.agency_task import AgencyTask
from domain.plan import ChildProtectionPlan, OutcomeStatus
from goldenthread.demo import DEMO_PASSWORD, TEAM_MANAGERS, username_of
from goldenthread.wiring import build_case_record
from tests.api.conftest import TODAY, build_world, wait_for_views

pytestmark = pytest.mark.postgres
THREADS = 8
UPDATES_PER_THREAD = 100


@pytest.fixture(scope="module")
def served(postgres_database, tmp_path_factory) -> Iterator[tuple[TestClient, dict, object]]:
    schema = f"http_{os.getpid()}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    settings = build_world(tmp_path_factory.mktemp("pg"), postgres_database, schema)
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as client:
        wait_for_views(client)
        token = client.post(
            "/api/v1/auth/token",
            json={
                "username": username_of(TEAM_MANAGERS[0]),
                "password": DEMO_PASSWORD,
            },
        ).json()["access_token"]
        yield client, {"Authorization": f"Bearer {token}"}, settings


def a_task_on_a_team_plan(client: TestClient, headers: dict, settings) -> UUID:
    cases = build_case_record(settings)
    plans = client.get("/api/v1/plans?status=open", headers=headers).json()["plans"]
    plan = next(
        p
        for p in (cases.load(ChildProtectionPlan, UUID(x["plan_id"])) for x in plans)
        if any(o.status is OutcomeStatus.AGREED for o in p.outcomes.values())
    )
    outcome_id = next(k for k, o in plan.outcomes.items() if o.status is OutcomeStatus.AGREED)
    cases.close()
    created = client.post(
        f"/api/v1/plans/{plan.id}/tasks",
        headers=headers,
        json={
            "outcome_id": outcome_id,
            "agency": "Northfield Health Visiting",
            "assignee_name": "Duty health visitor",
            "description": "Weekly weight check",
            "due_on": TODAY.isoformat(),
            "assigned_on": plan.icpc_on.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    return UUID(created.json()["id"])


def test_eight_threads_updating_one_task_with_if_match_lose_nothing(served):
    client, headers, settings = served
    task_id = a_task_on_a_team_plan(client, headers, settings)
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()

    def partner(number: int) -> None:
        for update in range(UPDATES_PER_THREAD):
            etag = client.get(f"/api/v1/tasks/{task_id}", headers=headers).headers["etag"]
            response = client.post(
                f"/api/v1/tasks/{task_id}/progress",
                headers={**headers, "If-Match": etag},
                json={"noted_on": TODAY.isoformat(), "note": f"Update {number}.{update}"},
            )
            with lock:
                outcomes[response.status_code] += 1

    threads = [threading.Thread(target=partner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    cases = build_case_record(settings)
    stored = [e for e in cases.events.get(task_id) if isinstance(e, AgencyTask.ProgressNoted)]
    cases.close()
    sent = THREADS * UPDATES_PER_THREAD
    successes, conflicts = outcomes[202], outcomes[409] + outcomes[412]
    print(f"concurrent task updates: {sent} sent, {successes} landed, {conflicts} conflicts")
    assert set(outcomes) <= {202, 409, 412}
    assert successes + conflicts == sent
    assert conflicts > 0, "the threads really raced"
    assert len(stored) == successes
    assert len({e.note for e in stored}) == successes
