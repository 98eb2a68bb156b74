"""Outcomes across groups of children over the API: de-identified figures for analysts, managers
and chairs only, the same as JSON and as CSV, and never a number for fewer than five children."""

from __future__ import annotations

import csv
import io

import pytest

from tests.api.conftest import TODAY, Tracker

COHORT = "/api/v1/analytics/cohort"
CSV = "/api/v1/analytics/cohort.csv"
WHOLE_DEMO = {"period_start": "2020-01-01", "period_end": TODAY.isoformat()}


def test_an_analyst_sees_figures_by_group_with_small_groups_suppressed(tracker: Tracker):
    response = tracker.client.get(
        COHORT,
        params={**WHOLE_DEMO, "status": "active", "breakdown": "category"},
        headers=tracker.as_("analyst"),
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["breakdown"], body["minimum_children"]) == (
        "active",
        "category",
        5,
    )
    assert body["total"]["children"] >= 5
    assert {g["suppressed"] for g in body["groups"]} == {True, False}
    for group in body["groups"]:
        if group["suppressed"]:
            assert group["children"] is None
            assert set(group["figures"].values()) == {None}
        else:
            assert group["children"] >= 5
    shown = sum(g["children"] for g in body["groups"] if not g["suppressed"])
    assert body["total"]["children"] - shown >= 5


def test_the_csv_holds_the_same_rows_as_the_json(tracker: Tracker):
    query = {**WHOLE_DEMO, "status": "active", "breakdown": "category"}

    figures = tracker.client.get(COHORT, params=query, headers=tracker.as_("analyst")).json()
    response = tracker.client.get(CSV, params=query, headers=tracker.as_("analyst"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    measures = [m["key"] for m in figures["measures"]]
    assert header == ["key", "group", "children", "plans", "outcomes", *measures]

    def as_written(value: object, withheld: bool) -> str:
        return "suppressed" if withheld else "" if value is None else str(value)

    expected = [
        [
            cell["key"],
            cell["label"],
            *(as_written(cell[c], cell["counts_suppressed"]) for c in header[2:5]),
            *(as_written(cell["figures"][m], cell["suppressed"]) for m in measures),
        ]
        for cell in [*figures["groups"], figures["total"]]
    ]
    assert rows == expected
    assert any("suppressed" in row for row in rows)


@pytest.mark.parametrize("who", ["team_manager", "chair", "unit_chair"])
def test_managers_and_chairs_see_the_figures_too(tracker: Tracker, who: str):
    response = tracker.client.get(COHORT, params={"breakdown": "team"}, headers=tracker.as_(who))

    assert response.status_code == 200
    assert response.json()["breakdown"] == "team"


@pytest.mark.parametrize("who", ["social_worker", "practitioner", "administrator"])
@pytest.mark.parametrize("path", [COHORT, CSV])
def test_other_roles_are_refused_the_figures(tracker: Tracker, who: str, path: str):
    response = tracker.client.get(path, headers=tracker.as_(who))

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_a_social_worker_who_may_read_their_plan_may_still_not_see_the_figures(tracker: Tracker):
    plans = tracker.client.get("/api/v1/plans", headers=tracker.as_("social_worker")).json()
    plan_id = plans["plans"][0]["plan_id"]

    own_plan = tracker.client.get(f"/api/v1/plans/{plan_id}", headers=tracker.as_("social_worker"))
    figures = tracker.client.get(COHORT, headers=tracker.as_("social_worker"))

    assert own_plan.status_code == 200
    assert figures.status_code == 403


def test_figures_need_a_signed_in_user(tracker: Tracker):
    assert tracker.client.get(COHORT).status_code == 401
    assert tracker.client.get(CSV).status_code == 401


def test_a_period_that_ends_before_it_starts_is_refused(tracker: Tracker):
    response = tracker.client.get(
        COHORT,
        params={"period_start": "2026-06-01", "period_end": "2026-05-01"},
        headers=tracker.as_("analyst"),
    )

    assert response.status_code == 422
    assert response.json()["rule"] == "period-order"


def test_an_unknown_breakdown_is_refused(tracker: Tracker):
    response = tracker.client.get(
        COHORT, params={"breakdown": "child_name"}, headers=tracker.as_("analyst")
    )

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["query.breakdown"]


def test_the_default_is_plans_ended_in_the_last_twelve_months_by_category(tracker: Tracker):
    body = tracker.client.get(COHORT, headers=tracker.as_("analyst")).json()

    assert (body["period_start"], body["period_end"]) == ("2025-11-26", TODAY.isoformat())
    assert (body["status"], body["breakdown"]) == ("ended", "category")
    assert "repeat_within_two_years" in [m["key"] for m in body["measures"]]
