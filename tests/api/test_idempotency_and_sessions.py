"""Creating calls are safe to repeat; sessions are server-side and end when they should."""

from __future__ import annotations

import threading
from uuid import UUID

from api.security.accounts import Accounts
from domain.child import Child
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan
from goldenthread.database import Database
from goldenthread.demo import DEMO_PASSWORD, username_of
from goldenthread.wiring import build_case_record
from tests.api.conftest import PEOPLE, Tracker

CHILD = {
    "la_child_id": "NF-IDEM-1",
    "given_name": "Robin",
    "family_name": "Example",
    "gender": "2",
    "date_of_birth": "2019-05-04",
}


def stored_registrations(tracker: Tracker, child_id: UUID) -> int:
    cases = build_case_record(tracker.settings)
    try:
        return sum(isinstance(e, Child.Registered) for e in cases.events.get(child_id))
    finally:
        cases.close()


def test_fifty_replays_of_one_idempotency_key_create_one_child(tracker: Tracker):
    headers = {**tracker.as_("social_worker"), "Idempotency-Key": "register-robin-1"}

    responses = [
        tracker.client.post("/api/v1/children", headers=headers, json=CHILD) for _ in range(50)
    ]

    first = responses[0]
    assert first.status_code == 201
    assert all(r.status_code == 201 for r in responses)
    assert {r.json()["id"] for r in responses} == {first.json()["id"]}
    assert {r.headers["location"] for r in responses} == {first.headers["location"]}
    assert stored_registrations(tracker, UUID(first.json()["id"])) == 1


def test_replays_racing_each_other_still_create_one_child(tracker: Tracker):
    headers = {**tracker.as_("social_worker"), "Idempotency-Key": "register-robin-race"}
    body = {**CHILD, "la_child_id": "NF-IDEM-2"}
    results: list = []

    def send() -> None:
        results.append(tracker.client.post("/api/v1/children", headers=headers, json=body))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ids = {r.json()["id"] for r in results if r.status_code == 201}
    assert len(ids) == 1
    assert all(r.status_code in (201, 409) for r in results)
    assert stored_registrations(tracker, UUID(ids.pop())) == 1


def test_the_same_key_with_another_body_is_refused(tracker: Tracker):
    headers = {**tracker.as_("social_worker"), "Idempotency-Key": "register-robin-3"}
    tracker.client.post("/api/v1/children", headers=headers, json={**CHILD, "la_child_id": "A"})

    response = tracker.client.post(
        "/api/v1/children", headers=headers, json={**CHILD, "la_child_id": "B"}
    )

    assert response.status_code == 422
    assert response.json()["rule"] == "idempotency-key-reused"


def test_signing_out_ends_the_session_on_the_next_request(tracker: Tracker):
    person = PEOPLE["chair"]
    token = tracker.client.post(
        "/api/v1/auth/token", json={"username": username_of(person), "password": DEMO_PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    assert tracker.client.get("/api/v1/me", headers=headers).status_code == 200
    assert tracker.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert tracker.client.get("/api/v1/me", headers=headers).status_code == 401


def test_sign_in_is_throttled_per_account_and_per_address(tracker: Tracker):
    wrong = {"username": "tom.reilly", "password": "not-the-password"}

    statuses = [tracker.client.post("/api/v1/auth/token", json=wrong).status_code for _ in range(7)]
    right = tracker.client.post(
        "/api/v1/auth/token", json={"username": "tom.reilly", "password": DEMO_PASSWORD}
    )

    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
    assert right.status_code == 429, "even the right password waits out the lock"
    assert int(right.headers["retry-after"]) > 0


def test_a_partner_removed_from_the_core_group_loses_sight_of_the_plan_on_the_next_request(
    tracker: Tracker,
):
    practitioner = PEOPLE["school"]
    plans = tracker.client.get("/api/v1/plans", headers=tracker.as_("school")).json()["plans"]
    plan_id = UUID(plans[0]["plan_id"])
    assert (
        tracker.client.get(f"/api/v1/plans/{plan_id}", headers=tracker.as_("school")).status_code
        == 200
    )
    cases = build_case_record(tracker.settings)
    plan = cases.load(ChildProtectionPlan, plan_id)
    cases.change_core_group(
        plan.core_group_id,
        lambda g: g.remove_member(
            by=PEOPLE["social_worker"].actor,
            member_id=practitioner.user_id,
            left_on=plan.icpc_on,
            reason="Moved school",
        ),
    )
    cases.close()

    response = tracker.client.get(f"/api/v1/plans/{plan_id}", headers=tracker.as_("school"))

    assert response.status_code == 404
    cases = build_case_record(tracker.settings)
    assert not cases.load(CoreGroup, plan.core_group_id).is_member(practitioner.user_id)
    cases.close()


def test_a_disabled_account_loses_access_on_the_next_request(tracker: Tracker):
    person = PEOPLE["analyst"]
    token = tracker.client.post(
        "/api/v1/auth/token", json={"username": username_of(person), "password": DEMO_PASSWORD}
    ).json()["access_token"]
    database = Database(tracker.settings)
    Accounts(database).disable(username_of(person))
    database.close()

    response = tracker.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
