"""Bad input gets a clear problem and loses nothing; nothing about a child is echoed back."""

from __future__ import annotations

import re
from uuid import uuid4

from tests.api.conftest import Tracker

CANARY = "Zebedee-Canary-Quixotic"


def a_plan_of(tracker: Tracker, who: str) -> dict:
    plans = tracker.client.get("/api/v1/plans", headers=tracker.as_(who)).json()["plans"]
    return plans[0]


def test_a_request_without_a_session_is_401_with_a_problem_body(tracker: Tracker):
    response = tracker.client.get("/api/v1/plans")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["rule"] == "signed-in"


def test_an_invalid_field_is_named_with_its_rule_and_the_value_is_never_echoed(tracker: Tracker):
    plan = a_plan_of(tracker, "social_worker")
    etag = tracker.client.get(
        f"/api/v1/plans/{plan['plan_id']}", headers=tracker.as_("social_worker")
    ).headers["etag"]

    response = tracker.client.post(
        f"/api/v1/plans/{plan['plan_id']}/outcomes",
        headers={**tracker.as_("social_worker"), "If-Match": etag},
        json={"wording": CANARY, "how_we_will_know": CANARY, "baseline": 11, "target": "ten"},
    )

    body = response.json()
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {p["name"] for p in body["invalid-params"]} == {"body.baseline", "body.target"}
    assert CANARY not in response.text
    assert "ten" not in response.text


def test_an_unknown_field_is_refused_rather_than_dropped(tracker: Tracker):
    plan = a_plan_of(tracker, "social_worker")
    etag = tracker.client.get(
        f"/api/v1/plans/{plan['plan_id']}", headers=tracker.as_("social_worker")
    ).headers["etag"]

    response = tracker.client.post(
        f"/api/v1/plans/{plan['plan_id']}/visits",
        headers={**tracker.as_("social_worker"), "If-Match": etag},
        json={"visited_on": "2026-11-20", "seen_alone": True, "childs_name": CANARY},
    )

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["body.childs_name"]
    assert CANARY not in response.text


def test_a_broken_rule_of_practice_is_named_and_nothing_is_saved(tracker: Tracker):
    plan = a_plan_of(tracker, "social_worker")
    before = tracker.client.get(
        f"/api/v1/plans/{plan['plan_id']}", headers=tracker.as_("social_worker")
    )

    response = tracker.client.post(
        f"/api/v1/plans/{plan['plan_id']}/visits",
        headers={**tracker.as_("social_worker"), "If-Match": before.headers["etag"]},
        json={"visited_on": "2001-01-01", "seen_alone": True, "note": CANARY},
    )

    after = tracker.client.get(
        f"/api/v1/plans/{plan['plan_id']}", headers=tracker.as_("social_worker")
    )
    assert response.status_code == 422
    assert response.json()["rule"] == "not-before-plan-start"
    assert CANARY not in response.text
    assert after.headers["etag"] == before.headers["etag"]


def test_a_change_without_if_match_is_428_and_with_a_stale_one_412(tracker: Tracker):
    plan = a_plan_of(tracker, "social_worker")
    url = f"/api/v1/plans/{plan['plan_id']}/visits"
    visit = {"visited_on": "2026-11-20", "seen_alone": False, "note": ""}

    missing = tracker.client.post(url, headers=tracker.as_("social_worker"), json=visit)
    stale = tracker.client.post(
        url, headers={**tracker.as_("social_worker"), "If-Match": '"1"'}, json=visit
    )

    assert missing.status_code == 428
    assert missing.json()["rule"] == "if-match-required"
    assert stale.status_code == 412
    assert stale.json()["rule"] == "stale-version"


def test_a_plan_the_user_may_not_see_answers_exactly_as_one_that_does_not_exist(
    tracker: Tracker,
):
    plan = a_plan_of(tracker, "unit_chair")
    hidden = tracker.client.get(f"/api/v1/plans/{plan['plan_id']}", headers=tracker.as_("analyst"))
    missing_id = uuid4()
    missing = tracker.client.get(f"/api/v1/plans/{missing_id}", headers=tracker.as_("analyst"))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["title"] == missing.json()["title"]
    assert hidden.json()["rule"] == missing.json()["rule"]


def test_every_response_carries_the_security_headers(tracker: Tracker):
    for response in (
        tracker.client.get("/health"),
        tracker.client.get("/api/v1/plans"),
        tracker.client.get("/"),
    ):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_api_docs_load_no_script_from_anywhere_else(tracker: Tracker):
    page = tracker.client.get("/api/docs")

    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert page.status_code == 200
    assert sources
    assert all(s.startswith(("/", "http://testserver/")) for s in sources)
    assert "<script>" not in page.text
    for source in sources:
        assert tracker.client.get(source).status_code == 200
