"""Every operation of the published OpenAPI document, fuzzed by Schemathesis as a signed-in team
manager and as a signed-in partner: no server error, and every answer is one the document
declares (status code, content type, body, headers).

To reach the rules of the record rather than stop at "not found" or "stale", path ids are mostly
real ones of the demo authority (plans the user sees and plans they do not, with their outcomes,
members, meetings, tasks, escalations and children), a change usually carries the record's
current ETag, days fall in the range the document describes, and `min_position` is one the log
has reached. Runs are derandomized, so CI sees the same requests every time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from api.main import create_app
from api.schemas.common import EARLIEST_DAY, LATEST_DAY
from domain.child import Child
from domain.core_group import CoreGroup
from domain.escalation import Escalation
from domain.plan import ChildProtectionPlan
from goldenthread.demo import DEMO_PASSWORD, username_of
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record
from tests.api.conftest import PEOPLE, TODAY, Tracker

# Building the app reads no data, and the document is the same for every authority.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(data_dir=Path("unused"), database_url=None)).openapi()
)
# The days the document describes (1900 to 2199): its first and last, and any between, most of
# them around today's work.
schemathesis.openapi.format(
    "date",
    st.one_of(
        st.dates(TODAY - timedelta(days=400), TODAY + timedelta(days=200)),
        st.sampled_from((EARLIEST_DAY, LATEST_DAY)),
        st.dates(EARLIEST_DAY, LATEST_DAY),
    ).map(str),
)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZED = ("team_manager", "practitioner")
SIGN_OUTS_PER_USER = 40
"""Fresh sessions for `POST /auth/logout`, signed in before sign-in itself is fuzzed (failed
sign-ins from one address end in throttling)."""
ANSWERS: Counter[str] = Counter()


@dataclass(repr=False)
class World:
    """What the fuzzing draws on: for each plan, the ids of its records by path parameter name;
    the plans each fuzzed user may see; the URL that answers each changeable record's ETag; the
    log's head; and spare sessions to sign out."""

    plans: dict[str, dict[str, list[str]]]
    seen_by: dict[str, list[str]]
    etag_url: dict[str, str]
    head: int
    sign_outs: dict[str, list[str]]


def records_by_plan(tracker: Tracker) -> tuple[dict[str, dict[str, list[str]]], int]:
    cases = build_case_record(tracker.settings)
    try:
        started = cases.recorder.select_notifications(
            start=1,
            limit=1_000_000,
            topics=[get_topic(ChildProtectionPlan.Started), get_topic(Escalation.Raised)],
        )
        plans: dict[str, dict[str, list[str]]] = {}
        stable: dict[str, tuple[str, date]] = {}  # the demo's ids are new each build
        escalations: list[Escalation] = []
        for notification in started:
            if notification.topic == get_topic(Escalation.Raised):
                escalations.append(cases.load(Escalation, notification.originator_id))
                continue
            plan = cases.load(ChildProtectionPlan, notification.originator_id)
            core_group = cases.load(CoreGroup, plan.core_group_id)
            child = cases.load(Child, plan.child_id)
            stable[str(plan.id)] = (child.la_child_id, plan.icpc_on)
            plans[str(plan.id)] = {
                "plan_id": [str(plan.id)],
                "child_id": [str(plan.child_id)],
                "outcome_id": list(plan.outcomes),
                "member_id": list(core_group.members),
                "meeting_id": list(core_group.meetings),
                "task_id": list(plan.task_ids),
                "escalation_id": [],
            }
        for escalation in escalations:
            plans[str(escalation.plan_id)]["escalation_id"].append(str(escalation.id))
        in_order = {plan_id: plans[plan_id] for plan_id in sorted(plans, key=stable.__getitem__)}
        return in_order, cases.recorder.max_notification_id() or 0
    finally:
        cases.close()


@pytest.fixture(scope="module")
def world(tracker: Tracker) -> Iterator[World]:
    plans, head = records_by_plan(tracker)
    etag_url: dict[str, str] = {}
    for records in plans.values():
        etag_url |= {p: f"/api/v1/plans/{p}" for p in records["plan_id"]}
        etag_url |= {t: f"/api/v1/tasks/{t}" for t in records["task_id"]}
        etag_url |= {e: f"/api/v1/escalations/{e}" for e in records["escalation_id"]}
    seen_by = {who: _listed(tracker, who, plans) for who in FUZZED}
    sign_outs = {who: [_sign_in(tracker, who) for _ in range(SIGN_OUTS_PER_USER)] for who in FUZZED}
    yield World(plans, seen_by, etag_url, head, sign_outs)
    print(f"\nschemathesis: {ANSWERS.total()} requests; answers: {dict(sorted(ANSWERS.items()))}")


def _listed(tracker: Tracker, who: str, plans: dict[str, Any]) -> list[str]:
    """The plans the user may see, as the API lists them, in the world's stable order."""
    listed = tracker.client.get("/api/v1/plans?limit=100", headers=tracker.as_(who)).json()
    seen = {line["plan_id"] for line in listed["plans"]}
    assert seen, f"{who} sees plans"
    return [plan_id for plan_id in plans if plan_id in seen]


def _sign_in(tracker: Tracker, who: str) -> str:
    response = tracker.client.post(
        "/api/v1/auth/token",
        json={"username": username_of(PEOPLE[who]), "password": DEMO_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def send(tracker: Tracker, world: World, who: str, case: Any, data: st.DataObject) -> None:
    """Aim the case at real records (mostly of one plan the user sees), sign it in as `who`,
    send it to the served tracker and check the answer against the document."""
    _aim(world, who, case, data)
    if "min_position" in (case.query or {}):
        # A position no change returned is never reached: the read would wait, then answer 503.
        case.query["min_position"] = data.draw(st.integers(0, world.head), label="min_position")
    headers = _signed_in(tracker, world, who, case.path)
    etag = _current_etag(tracker, world, case)
    if etag is not None and data.draw(st.integers(0, 3), label="3 keeps the generated ETag") < 3:
        headers["If-Match"] = etag
    request = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    response = tracker.client.request(
        request["method"],
        request["url"],
        params=request.get("params"),
        headers={k: v.encode("latin-1") for k, v in request["headers"].items()},
        json=request.get("json"),
        content=request.get("data"),
    )
    ANSWERS[f"{response.status_code}"] += 1
    case.validate_response(response, checks=CHECKS)


def _aim(world: World, who: str, case: Any, data: st.DataObject) -> None:
    """Most path ids become the records of one plan, most often a plan the user sees; a draw of
    3 keeps what was generated (an id of nothing, or another plan's record)."""
    parameters = case.path_parameters or {}
    if not parameters:
        return
    choice = data.draw(st.integers(0, 3), label="3: any plan, else one the user sees")
    pool = world.seen_by[who] if choice < 3 else list(world.plans)
    plan = world.plans[data.draw(st.sampled_from(pool), label="plan")]
    for name in parameters:
        own = plan.get(name)
        if own and data.draw(st.integers(0, 3), label=f"{name}: 3 keeps the generated one") < 3:
            parameters[name] = data.draw(st.sampled_from(own), label=name)


def _signed_in(tracker: Tracker, world: World, who: str, path: str) -> dict[str, str]:
    if path == "/api/v1/auth/token":
        return {}
    if path == "/api/v1/auth/logout":
        spare = world.sign_outs[who]
        return {"Authorization": f"Bearer {spare.pop() if spare else _sign_in(tracker, who)}"}
    return tracker.as_(who)


def _current_etag(tracker: Tracker, world: World, case: Any) -> str | None:
    """For a change that needs If-Match: the ETag of the record it is about, as the
    safeguarding unit's chair (who sees every plan) reads it now."""
    if "if-match" not in {header.name for header in case.operation.headers}:
        return None
    parameters = case.path_parameters
    target = next(
        (parameters[n] for n in ("task_id", "escalation_id", "plan_id") if n in parameters), ""
    )
    url = world.etag_url.get(str(target))
    if url is None:
        return None
    if "/core-group/" in case.path:
        url += "/core-group"
    return tracker.client.get(url, headers=tracker.as_("unit_chair")).headers.get("etag")


@SCHEMA.given(data=st.data())
@SCHEMA.parametrize()
@FUZZ
def test_every_operation_answers_a_team_manager_as_documented(
    case: Any, data: st.DataObject, tracker: Tracker, world: World
):
    send(tracker, world, "team_manager", case, data)


@SCHEMA.given(data=st.data())
@SCHEMA.parametrize()
@FUZZ
def test_every_operation_answers_a_partner_as_documented(
    case: Any, data: st.DataObject, tracker: Tracker, world: World
):
    send(tracker, world, "practitioner", case, data)
