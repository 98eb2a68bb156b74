"""A team manager's lists (open escalations, plans drifting) count the whole team, by stage for
escalations, even where the list itself stops at the most urgent rows."""

from __future__ import annotations

import re

import pytest

from goldenthread.demo import TEAM_MANAGERS, username_of
from tests.api.conftest import Tracker
from tests.api.test_page_conflicts import signed_in_pages


def _stage_counts(html: str) -> list[int]:
    table = html.split("Open escalations by stage", 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'cell--numeric">(\d+)</td>\s*<td', table)]


def test_the_stage_counts_take_in_the_whole_team_when_the_list_shows_only_the_most_urgent(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in_pages(tracker, username_of(TEAM_MANAGERS[0]))
    team = client.get("/api/v1/escalations", headers=tracker.as_("team_manager")).json()
    total = len(team["escalations"])
    assert total > 2, "the demo team needs several open escalations"

    whole = client.get("/escalations").text
    assert f"{total} open escalations</caption>" in whole
    assert sum(_stage_counts(whole)) == total

    monkeypatch.setattr("web.pages.escalations.ROWS_SHOWN", 2)
    shortened = client.get("/escalations").text
    assert f"The 2 most urgent of {total} open escalations" in shortened
    assert sum(_stage_counts(shortened)) == total
    shown = re.findall(r'href="/escalations/([0-9a-f-]{36})"', shortened)
    # The most urgent, in the order the API lists them.
    assert shown == [e["escalation_id"] for e in team["escalations"][:2]]
    first = client.get(f"/api/v1/escalations/{shown[0]}", headers=tracker.as_("team_manager"))
    assert first.json()["status"] == "open"


def test_the_drift_list_says_how_many_of_the_team_s_plans_drift_when_it_shows_only_the_most(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in_pages(tracker, username_of(TEAM_MANAGERS[0]))
    team = client.get("/api/v1/drift", headers=tracker.as_("team_manager")).json()
    total = len(team["plans"])
    assert total > 2, "the demo team needs several plans drifting"
    assert f"{total} plans drifting</caption>" in client.get("/drift").text

    monkeypatch.setattr("web.pages.escalations.ROWS_SHOWN", 2)
    assert f"The 2 plans drifting most, of {total} drifting" in client.get("/drift").text
