"""A form made against a version someone else has since changed is not lost: the page answers
409, says what changed, keeps what was typed and offers the current version to save again."""

from __future__ import annotations

import re

from tests.api.conftest import Tracker


def signed_in_pages(tracker: Tracker, username: str):  # type: ignore[no-untyped-def]
    client = tracker.client
    form = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "username": username,
            "password": "northfield-demo",
            "next": "/",
        },
    )
    return client


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_a_stale_outcome_form_is_kept_and_says_what_changed(tracker: Tracker):
    client = signed_in_pages(tracker, "amara.okafor")
    plan = client.get("/api/v1/plans", headers=tracker.as_("social_worker")).json()["plans"][0]
    url = f"/plans/{plan['plan_id']}/outcomes/new"
    form = client.get(url).text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    etag = client.get(
        f"/api/v1/plans/{plan['plan_id']}", headers=tracker.as_("social_worker")
    ).headers["etag"]
    client.post(
        f"/api/v1/plans/{plan['plan_id']}/visits",
        headers={**tracker.as_("social_worker"), "If-Match": etag},
        json={"visited_on": "2026-11-25", "seen_alone": True, "note": ""},
    )

    response = client.post(
        url,
        data={
            "csrf_token": form_token(form),
            "version": version,
            "wording": "Ella walks to school with an adult",
            "how_we_will_know": "School says so",
            "baseline": "3",
            "target": "8",
        },
    )

    assert response.status_code == 409
    assert "Someone else changed this plan since you opened it" in response.text
    assert "Ella walks to school with an adult" in response.text
    current = re.search(r'name="version" value="(\d+)"', response.text).group(1)  # type: ignore[union-attr]
    assert int(current) > int(version)


def test_a_stale_escalation_form_is_kept_and_says_what_changed(tracker: Tracker):
    client = signed_in_pages(tracker, "helen.marsh")
    listing = client.get("/escalations").text
    path = re.search(r'href="(/escalations/[0-9a-f-]{36})"', listing).group(1)  # type: ignore[union-attr]
    page = client.get(path).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    fields = {
        "contacted_on": "2026-11-25",
        "contact_name": "Duty manager",
        "contact_agency": "Northfield Police",
        "summary": "Spoke on the phone.",
    }
    first = client.post(
        f"{path}/contact",
        data={"csrf_token": form_token(page), "version": version, **fields},
        follow_redirects=False,
    )
    assert first.status_code == 303

    second = client.post(
        f"{path}/contact",
        data={
            "csrf_token": form_token(page),
            "version": version,
            **fields,
            "summary": "A second call, typed here.",
        },
    )

    assert second.status_code == 409
    assert "Someone else changed this escalation since you opened it" in second.text
    assert "A second call, typed here." in second.text
