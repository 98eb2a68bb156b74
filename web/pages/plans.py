"""The plan as a conference chair reviews it: the whole history, the plan as it stood on any
past day, what changed since the last conference, the key decisions with their reasons, outcome
progress and how each agency kept to its tasks; and the chair's three forms (an initial
conference, a review conference, a letter of concern).

Every page loads the live plan through the gate, so a record the user may not see answers 404
exactly as if it did not exist, and every read is logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from api.deps import (
    READ_YOUR_WRITES_TIMEOUT,
    CasesDep,
    EngineDep,
    Gate,
    TodayDep,
)
from api.problems import ApiProblemError, _domain_status
from api.schemas.plans import (
    DissentIn,
    HoldReviewConference,
    RatingIn,
    SendLetterOfConcern,
    StartPlan,
)
from api.security.accounts import Accounts, User
from api.security.policy import Action, Context, Decision, decide
from domain.application import CaseRecord, OutcomeRating, Saved
from domain.child import Child
from domain.errors import ConcurrentChangeError, DomainError, NotFoundError, StaleVersionError
from domain.plan import ChildProtectionPlan, OutcomeStatus
from domain.values import MAX_SCORE, CategoryOfAbuse, ParentalEngagement, Role
from projections.base import Reader, View, reading_together, run_readers
from projections.engine import ProjectionEngine
from projections.key_decisions import DecisionPoint, decisions_for_plan_reader
from projections.outcome_progress import OutcomeProgress, progress_for_plan_reader
from projections.partner_task_completion import completion_by_plan_reader
from projections.plan_history import (
    KINDS,
    Known,
    changes_since_last_conference_reader,
    history_reader,
    plan_version_on,
)
from web.forms import FieldError, posted, validate
from web.pages.shared import (
    Sight,
    changed_since,
    filled,
    form_version,
    not_found,
    visible_plan_ids,
)
from web.render import long_date, page
from web.session import PageGateDep, PageUser, check_csrf

router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    "decisions": "Decisions",
    "outcomes": "Outcomes",
    "ratings": "Ratings",
    "tasks": "Agency tasks",
    "meetings": "Core group",
    "escalations": "Escalations",
    "child": "The child and family",
}
POINT_NAMES = {
    DecisionPoint.PLAN_NEEDED: "Key decision point 1: is a plan needed?",
    DecisionPoint.PLAN_AGREED: "Key decision point 2: the plan agreed",
    DecisionPoint.REVIEW_CONFERENCE: "Review conference",
    DecisionPoint.PLAN_CAN_END: "Key decision point 3: can the plan end?",
}
CATEGORIES = [
    (CategoryOfAbuse.NEGLECT.value, "Neglect"),
    (CategoryOfAbuse.PHYSICAL.value, "Physical abuse"),
    (CategoryOfAbuse.SEXUAL.value, "Sexual abuse"),
    (CategoryOfAbuse.EMOTIONAL.value, "Emotional abuse"),
    (CategoryOfAbuse.MULTIPLE.value, "Multiple (use only where no one category fits)"),
]
ENGAGEMENT = [
    (ParentalEngagement.ENGAGED.value, "Engaged"),
    (ParentalEngagement.PARTIALLY_ENGAGED.value, "Partially engaged"),
    (ParentalEngagement.NOT_ENGAGED.value, "Not engaged"),
]
SAVED = {
    "review-conference": "The review conference is recorded.",
    "letter-of-concern": "The letter of concern is recorded.",
    "initial-conference": "The initial conference is recorded and the plan has started.",
}
CONFERENCE_LABELS = {
    "rationale": "the conference's rationale",
    "options_considered": "the options considered",
    "attending_agencies": "the agencies present",
    "childs_views": "the child's views",
    "parents_views": "the parents' views",
}
REVIEW_LABELS = {
    **CONFERENCE_LABELS,
    "held_on": "the date the conference was held",
    "decision": "what the conference decided",
    "category": "the latest category of abuse",
    "parental_engagement": "the parents' engagement",
    "step_down_to_child_in_need": "whether a child in need plan follows",
}
LETTER_LABELS = {
    "sent_on": "the date the letter was sent",
    "concern": "the concern",
    "review_postponed_to": "the date the review is postponed to",
}
INITIAL_LABELS = {
    **CONFERENCE_LABELS,
    "icpc_on": "the date of the conference",
    "strategy_discussion_on": "the date of the strategy discussion",
    "category": "the category of abuse",
    "lead_social_worker_id": "the lead social worker",
}
DISSENT_LABELS = {
    "by_name": "the name of the person who disagreed",
    "agency": "the agency of the person who disagreed",
    "reason": "why they disagreed",
}
CONFERENCE_ORDER = (
    "rationale",
    "options_considered",
    "attending_agencies",
    "childs_views",
    "parents_views",
    "dissent_by_name",
    "dissent_agency",
    "dissent_reason",
)
REVIEW_ORDER = (
    "form",
    "held_on",
    "decision",
    "step_down_to_child_in_need",
    "category",
    *CONFERENCE_ORDER,
    "parental_engagement",
)
INITIAL_ORDER = (
    "form",
    "icpc_on",
    "strategy_discussion_on",
    "category",
    "lead_social_worker_id",
    *CONFERENCE_ORDER,
)
"""The order the forms ask their questions in: the error summary follows it (the ratings of
the outcomes come last)."""
CHOICES = {
    "decision",
    "step_down_to_child_in_need",
    "category",
    "parental_engagement",
    "lead_social_worker_id",
}
"""Fields answered by choosing, whose errors say "Select …"."""
"""How many of the changes someone else made are named in a "changed since" message."""


# --- shared by the pages ------------------------------------------------------------------------


def parse_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def guarded(request: Request, render: Callable[[], Response]) -> Response:
    """Hidden records answer 404 and changes that are not the user's to make 403, as pages."""
    try:
        return render()
    except NotFoundError:
        return not_found(request)
    except ApiProblemError as problem:
        if problem.status != 403:
            raise
        return page(request, "plans/not_yours.html", status_code=403)


def _views(engine: ProjectionEngine) -> dict[str, View]:
    return {view.model.name: view for view in engine.views}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _known_outcomes(plan: ChildProtectionPlan) -> Callable[[Any], Known]:
    def known(event: Any) -> Known:
        outcome = plan.outcomes.get(str(getattr(event, "outcome_id", "")))
        return Known(outcome=outcome.wording if outcome else None)

    return known


# --- the plans a user may see -------------------------------------------------------------------


PLANS_LISTED = 100


@router.get("/plans", response_class=HTMLResponse)
def plan_list(request: Request, user: PageUser, cases: CasesDep, engine: EngineDep) -> HTMLResponse:
    """The newest plans the user may see (the register narrows candidates by role; each is
    confirmed on the live record)."""
    sight = Sight(user, cases)
    plan_ids = visible_plan_ids(user, cases, _views(engine)["drift"], PLANS_LISTED, sight)
    plans = list(sight.streams.load_many(ChildProtectionPlan, plan_ids).values())
    plans.sort(key=lambda p: (p.ended_on is not None, -p.icpc_on.toordinal(), str(p.id)))
    return page(request, "plans/list.html", {"plans": plans})


# --- the plan page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanAsAt:
    """The plan as it stood on a past day; `plan` is None before its initial conference."""

    on: date
    plan: ChildProtectionPlan | None


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    plan_id: str,
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
    kind: Annotated[list[str] | None, Query()] = None,
    on: str = "",
    saved: str | None = None,
    shown: Annotated[str, Query(alias="history")] = "",
) -> Response:
    found = parse_id(plan_id)
    if found is None:
        return not_found(request)
    choice = [k for k in KINDS if k in (kind or ())]
    whole = shown == "all"
    return guarded(
        request, lambda: _plan_page(request, gate, engine, today, found, choice, on, saved, whole)
    )


def _plan_page(
    request: Request,
    gate: Gate,
    engine: ProjectionEngine,
    today: date,
    plan_id: UUID,
    kinds: list[str],
    on: str,
    saved: str | None,
    whole: bool = False,
) -> HTMLResponse:
    context, child_context = gate.plan_and_child(plan_id)
    plan = context.plan
    assert plan is not None
    views = _views(engine)
    as_of, errors = _as_of(on, today)
    start, end = plan.icpc_on, plan.ended_on or today
    with reading_together(views.values()):  # one pooled connection for the page's reads
        # The sections' queries go to the database together: one round trip, not a dozen.
        timeline, since, decisions, progress, completion = run_readers(
            [
                _timeline(views["plan_history"], plan_id, kinds, whole),
                changes_since_last_conference_reader(views["plan_history"], plan_id),
                decisions_for_plan_reader(views["key_decisions"], plan_id, today),
                progress_for_plan_reader(views["outcome_progress"], plan_id),
                completion_by_plan_reader(views["partner_task_completion"], plan_id),
            ]
        )
        sections = {
            "plan": plan,
            "child": child_context.child,
            "banner": SAVED.get(saved or ""),
            "errors": errors,
            "on": on,
            "kinds": kinds,
            "kind_labels": KIND_LABELS,
            **timeline,
            "conferences": _conferences(plan),
            "as_it_stood": _as_it_stood(gate.cases, views["plan_history"], plan_id, as_of),
            "since": since,
            "decisions": decisions,
            "point_names": POINT_NAMES,
            "category_names": dict(CATEGORIES),
            "engagement_names": dict(ENGAGEMENT),
            "charts": [outcome_chart(p, start, end) for p in progress],
            "completion": completion,
            "may_chair": plan.is_open and _allowed(gate.user, Action.RECORD_CONFERENCE, context),
            "may_run": plan.is_open and _allowed(gate.user, Action.MANAGE_PLAN, context),
            "may_escalate": _allowed(gate.user, Action.RAISE_ESCALATION, context),
            "may_start_plan": _may_start_plan(gate.user, child_context),
        }
    return page(request, "plans/plan.html", sections, 400 if errors else 200)


HISTORY_SHOWN = 50
"""The latest entries of the plan's history shown at first; the whole of it is a link away."""


def _timeline(view: View, plan_id: UUID, kinds: list[str], whole: bool) -> Reader[dict[str, Any]]:
    """The history newest first: the latest `HISTORY_SHOWN` entries (of the kinds chosen), or
    all of them when asked for the whole history."""
    limit = None if whole else HISTORY_SHOWN + 1
    entries = yield from history_reader(view, plan_id, kinds=kinds or None, limit=limit)
    more = limit is not None and len(entries) == limit
    shown = entries[1:] if more else entries
    return {"timeline": list(reversed(shown)), "more_history": more, "whole_history": whole}


def _allowed(user: User, action: Action, context: Context) -> bool:
    return decide(user, action, context) is Decision.ALLOW


def _may_start_plan(user: User, context: Context) -> bool:
    """A repeat plan is recorded from an ended plan's page, once the child has no open plan."""
    child = context.child
    return (
        child is not None
        and child.open_protection_plan is None
        and _allowed(user, Action.START_PLAN, context)
    )


def _as_of(text: str, today: date) -> tuple[date | None, list[FieldError]]:
    if not text.strip():
        return None, []
    try:
        on = date.fromisoformat(text.strip())
    except ValueError:
        return None, [FieldError("on", "Enter the date as a real date, like 2026-11-26")]
    if on > today:
        return None, [FieldError("on", "Enter today's date or a date in the past")]
    return on, []


def _conferences(plan: ChildProtectionPlan) -> list[tuple[str, date]]:
    """The conferences held so far: the quick ways into the plan as it stood."""
    held = [("initial conference", plan.icpc_on)]
    return held + [("review conference", review.held_on) for review in plan.reviews]


def _as_it_stood(cases: CaseRecord, view: View, plan_id: UUID, on: date | None) -> PlanAsAt | None:
    if on is None:
        return None
    version = plan_version_on(view, plan_id, on)
    if version is None:
        return PlanAsAt(on, None)
    return PlanAsAt(on, cases.load(ChildProtectionPlan, plan_id, version=version))


# --- outcome charts -----------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 560, 16, 206
"""The plotting area inside the chart's viewBox; dates run along the bottom."""


@dataclass(frozen=True)
class OutcomeChart:
    """One outcome's ratings over time, drawn against its baseline and target. `marks` is the
    drawing itself (grid, baseline, target, line, points and date labels) as SVG: numbers and
    dates only, built here once rather than piece by piece in the template."""

    progress: OutcomeProgress
    marks: Markup
    description: str
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def _y(score: int) -> float:
    return round(BOTTOM - score * (BOTTOM - TOP) / MAX_SCORE, 1)


GRID = Markup(
    "".join(
        f'<line class="app-chart__axis" x1="{LEFT}" x2="{RIGHT}" y1="{_y(score)}" '
        f'y2="{_y(score)}"></line>'
        f'<text x="{LEFT - 8}" y="{_y(score) + 4}" text-anchor="end">{score}</text>'
        for score in range(0, MAX_SCORE + 1, 2)
    )
)
"""The horizontal lines and scores of the 0-10 scale, the same on every chart."""


def outcome_chart(progress: OutcomeProgress, start: date, end: date) -> OutcomeChart:
    """The chart: x from the plan's start to today (or its end), y 0-10."""
    dates = [r.rated_on for r in progress.ratings]
    first, last = min([start, *dates]), max([end, *dates])
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (day - first).days * (RIGHT - LEFT) / span, 1)

    points = [(x(r.rated_on), _y(r.score)) for r in progress.ratings]
    baseline_y, target_y = _y(progress.baseline), _y(progress.target)
    marks = [
        GRID,
        f'<line class="app-chart__baseline" x1="{LEFT}" x2="{RIGHT}" y1="{baseline_y}" '
        f'y2="{baseline_y}"></line>'
        f'<text x="{RIGHT + 6}" y="{baseline_y + 14}">Baseline {progress.baseline}</text>'
        f'<line class="app-chart__target" x1="{LEFT}" x2="{RIGHT}" y1="{target_y}" '
        f'y2="{target_y}"></line>'
        f'<text x="{RIGHT + 6}" y="{target_y - 4}">Target {progress.target}</text>',
    ]
    if len(points) > 1:
        line = " ".join(f"{px},{py}" for px, py in points)
        marks.append(f'<polyline class="app-chart__line" points="{line}"></polyline>')
    marks += [
        f'<circle class="app-chart__point" cx="{px}" cy="{py}" r="5"></circle>' for px, py in points
    ]
    marks += [
        f'<text x="{LEFT}" y="{BOTTOM + 22}" text-anchor="start">{_short(first)}</text>',
        f'<text x="{RIGHT}" y="{BOTTOM + 22}" text-anchor="end">{_short(last)}</text>',
    ]
    return OutcomeChart(
        progress=progress,
        # Only numbers and dates go into the marks: nothing typed by anyone.
        marks=Markup("".join(marks)),
        description=_chart_description(progress),
    )


def _short(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _chart_description(progress: OutcomeProgress) -> str:
    aims = f"Baseline {progress.baseline} out of 10, target {progress.target}."
    ratings = progress.ratings
    if not ratings:
        return f"{aims} Not rated yet."
    latest, trend = ratings[-1], progress.trend
    count = f"{len(ratings)} rating{'s' if len(ratings) != 1 else ''}"
    return (
        f"{aims} {count} from {long_date(ratings[0].rated_on)} to "
        f"{long_date(latest.rated_on)}; latest {latest.score} out of 10"
        + (f", {trend.value}." if trend else ".")
    )


# --- recording a review conference --------------------------------------------------------------


def _plan_for_form(gate: Gate, plan_id: UUID) -> tuple[ChildProtectionPlan, Child]:
    """The live plan the chair records against, and the child it is for (a logged read)."""
    context = gate.plan(plan_id, Action.RECORD_CONFERENCE)
    assert context.plan is not None
    child = gate.child(context.plan.child_id).child
    assert child is not None
    return context.plan, child


@router.get("/plans/{plan_id}/review-conference", response_class=HTMLResponse)
def review_conference_form(
    plan_id: str,
    request: Request,
    gate: PageGateDep,
    today: TodayDep,
) -> Response:
    found = parse_id(plan_id)
    if found is None:
        return not_found(request)

    def render() -> Response:
        plan, child = _plan_for_form(gate, found)
        values = {
            "held_on": today.isoformat(),
            "category": plan.latest_category.value,
            "step_down_to_child_in_need": "true",
        }
        return _review_page(request, plan, child, values, [])

    return guarded(request, render)


@router.post("/plans/{plan_id}/review-conference", response_class=HTMLResponse)
async def record_review_conference(
    plan_id: str,
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    found = parse_id(plan_id)
    if found is None:
        return not_found(request)
    return await run_in_threadpool(
        guarded, request, lambda: _record_review(request, gate, engine, found, data)
    )


def _record_review(
    request: Request, gate: Gate, engine: ProjectionEngine, plan_id: UUID, data: dict[str, Any]
) -> Response:
    plan, child = _plan_for_form(gate, plan_id)
    body, errors = _review_body(plan, data)
    if body is None:
        return _review_page(request, plan, child, data, errors, 400)
    version = form_version(data)
    try:
        saved = _hold_review(gate, plan, body, version)
    except (StaleVersionError, ConcurrentChangeError):
        message = changed_since(gate.cases, plan_id, version, "plan", _known_outcomes(plan))
        live = gate.cases.load(ChildProtectionPlan, plan_id, copy=False)
        return _review_page(request, live, child, data, [FieldError("form", message)], 409)
    except DomainError as error:
        field, message = _review_problem(error, plan)
        status = _domain_status(error)[0]
        return _review_page(request, plan, child, data, [FieldError(field, message)], status)
    return _saved(engine, saved, f"/plans/{plan_id}?saved=review-conference")


def _review_page(
    request: Request,
    plan: ChildProtectionPlan,
    child: Child,
    values: dict[str, Any],
    errors: list[FieldError],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "plan": plan,
        "child": child,
        "values": values,
        "errors": errors,
        "outcomes": _agreed_outcomes(plan),
        "categories": CATEGORIES,
        "engagement": ENGAGEMENT,
    }
    return page(request, "plans/review_conference.html", context, status_code)


def _agreed_outcomes(plan: ChildProtectionPlan) -> list[tuple[str, Any]]:
    """The outcomes still being worked towards: the ones a conference rates."""
    return [(oid, o) for oid, o in plan.outcomes.items() if o.status is OutcomeStatus.AGREED]


def _review_body(
    plan: ChildProtectionPlan, data: dict[str, Any]
) -> tuple[HoldReviewConference | None, list[FieldError]]:
    conference, errors = _conference_fields(data)
    ratings, rating_errors = _ratings(plan, data)
    fields = {
        **{key: data.get(key, "") for key in ("held_on", "decision", "category")},
        "parental_engagement": data.get("parental_engagement", ""),
        "step_down_to_child_in_need": data.get("step_down_to_child_in_need") or "true",
        **conference,
        "ratings": ratings,
    }
    body, main_errors = validate(HoldReviewConference, filled(fields), REVIEW_LABELS)
    errors = tidy(_at_fields(main_errors) + errors + rating_errors, REVIEW_ORDER)
    return (body if not errors else None), errors


def _conference_fields(data: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """What every conference records and why: free text, the agencies (one a line) and any
    dissent (all three parts, or none)."""
    texts = ("rationale", "options_considered", "childs_views", "parents_views")
    fields: dict[str, Any] = {key: data.get(key, "") for key in texts}
    fields["attending_agencies"] = _lines(str(data.get("attending_agencies", "")))
    parts = {key: str(data.get(f"dissent_{key}", "")) for key in DISSENT_LABELS}
    if not any(value.strip() for value in parts.values()):
        return fields | {"dissent": []}, []
    dissent, errors = validate(DissentIn, filled(parts), DISSENT_LABELS)
    placed = [FieldError(f"dissent_{e.field.split('-')[0]}", e.message) for e in errors]
    return fields | {"dissent": [dissent.model_dump()] if dissent else []}, placed


def _ratings(
    plan: ChildProtectionPlan, data: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """The ratings given at the conference: optional for each outcome, but a score needs its
    evidence and evidence its score."""
    ratings, errors = [], []
    for number, (oid, _outcome) in enumerate(_agreed_outcomes(plan), start=1):
        score = str(data.get(f"score-{oid}", "")).strip()
        evidence = str(data.get(f"evidence-{oid}", "")).strip()
        if not score and not evidence:
            continue
        labels = {
            "score": f"the score for outcome {number}",
            "evidence": f"the evidence for the score of outcome {number}",
        }
        values = {"outcome_id": oid, "score": score, "evidence": evidence}
        rating, problems = validate(RatingIn, filled(values), labels)
        errors += [FieldError(f"{e.field.split('-')[0]}-{oid}", e.message) for e in problems]
        if rating is not None:
            ratings.append(rating.model_dump())
    return ratings, errors


def _at_fields(errors: Iterable[FieldError]) -> list[FieldError]:
    """Errors inside a list (one agency of several) point at the field that holds the list."""
    return [FieldError(e.field.split("-")[0], e.message) for e in errors]


def tidy(errors: list[FieldError], order: tuple[str, ...]) -> list[FieldError]:
    """Errors in the order the form asks its questions, worded for how each is answered."""
    place = {name: number for number, name in enumerate(order)}
    return [
        FieldError(e.field, "Select " + e.message.removeprefix("Enter "))
        if e.field in CHOICES and e.message.startswith("Enter ")
        else e
        for e in sorted(errors, key=lambda e: place.get(e.field, len(place)))
    ]


def _hold_review(
    gate: Gate, plan: ChildProtectionPlan, body: HoldReviewConference, version: int
) -> Saved:
    return gate.cases.hold_review_conference(
        plan_id=plan.id,
        core_group_id=plan.core_group_id,
        by=gate.user.actor,
        held_on=body.held_on,
        decision=body.decision,
        category=body.category,
        conference=body.conference_decision(),
        ratings=[OutcomeRating(r.outcome_id, r.score, r.evidence) for r in body.ratings],
        parental_engagement=body.parental_engagement,
        step_down_to_child_in_need=body.step_down_to_child_in_need,
        expected_version=version,
    )


def _review_problem(error: DomainError, plan: ChildProtectionPlan) -> tuple[str, str]:
    """A rule of the record, in words, at the field it is about."""
    last = plan.last_review_on
    by_rule = {
        "conference-not-on-weekend": ("held_on", "Conferences are not held at weekends"),
        "review-after-plan-start": (
            "held_on",
            f"A review conference falls after the plan started ({long_date(plan.icpc_on)})",
        ),
        "reviews-in-date-order": (
            "held_on",
            f"Enter a date after the last review conference ({long_date(last)})",
        ),
        "plan-ended": ("form", "This plan has ended: no more conferences can be recorded"),
        "required-text": ("rationale", "Enter the conference's rationale"),
    }
    return by_rule.get(error.rule, ("form", error.detail))


def _saved(engine: ProjectionEngine, saved: Saved, to: str) -> RedirectResponse:
    """Read-your-writes: the page redirected to shows the change."""
    engine.wait_for(saved.position, timeout=READ_YOUR_WRITES_TIMEOUT)
    return RedirectResponse(to, status_code=303)


# --- sending a letter of concern ----------------------------------------------------------------


@router.get("/plans/{plan_id}/letter-of-concern", response_class=HTMLResponse)
def letter_of_concern_form(
    plan_id: str,
    request: Request,
    gate: PageGateDep,
    today: TodayDep,
) -> Response:
    found = parse_id(plan_id)
    if found is None:
        return not_found(request)

    def render() -> Response:
        plan, child = _plan_for_form(gate, found)
        return _letter_page(request, plan, child, {"sent_on": today.isoformat()}, [])

    return guarded(request, render)


@router.post("/plans/{plan_id}/letter-of-concern", response_class=HTMLResponse)
async def send_letter_of_concern(
    plan_id: str,
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    found = parse_id(plan_id)
    if found is None:
        return not_found(request)
    return await run_in_threadpool(
        guarded, request, lambda: _send_letter(request, gate, engine, found, data)
    )


def _send_letter(
    request: Request, gate: Gate, engine: ProjectionEngine, plan_id: UUID, data: dict[str, Any]
) -> Response:
    plan, child = _plan_for_form(gate, plan_id)
    body, errors = validate(SendLetterOfConcern, filled(data), LETTER_LABELS)
    if body is None:
        return _letter_page(request, plan, child, data, errors, 400)
    version = form_version(data)
    by = gate.user.actor
    try:
        saved = gate.cases.change_plan(
            plan_id, lambda p: p.send_letter_of_concern(by=by, **body.model_dump()), version
        )
    except (StaleVersionError, ConcurrentChangeError):
        message = changed_since(gate.cases, plan_id, version, "plan", _known_outcomes(plan))
        live = gate.cases.load(ChildProtectionPlan, plan_id, copy=False)
        return _letter_page(request, live, child, data, [FieldError("form", message)], 409)
    except DomainError as error:
        problem = [FieldError(*_letter_problem(error))]
        return _letter_page(request, plan, child, data, problem, _domain_status(error)[0])
    return _saved(engine, saved, f"/plans/{plan_id}?saved=letter-of-concern")


def _letter_page(
    request: Request,
    plan: ChildProtectionPlan,
    child: Child,
    values: dict[str, Any],
    errors: list[FieldError],
    status_code: int = 200,
) -> HTMLResponse:
    context = {"plan": plan, "child": child, "values": values, "errors": errors}
    return page(request, "plans/letter_of_concern.html", context, status_code)


def _letter_problem(error: DomainError) -> tuple[str, str]:
    by_rule = {
        "conference-not-on-weekend": (
            "review_postponed_to",
            "Conferences are not held at weekends: enter a weekday",
        ),
        "review-after-plan-start": (
            "review_postponed_to",
            "Enter a date after the plan started",
        ),
        "plan-ended": ("form", "This plan has ended: no letter of concern can be recorded"),
        "required-text": ("concern", "Enter the concern"),
    }
    return by_rule.get(error.rule, ("form", error.detail))


# --- recording an initial child protection conference -------------------------------------------


@router.get("/children/{child_id}/initial-conference", response_class=HTMLResponse)
def initial_conference_form(
    child_id: str,
    request: Request,
    gate: PageGateDep,
    today: TodayDep,
) -> Response:
    found = parse_id(child_id)
    if found is None:
        return not_found(request)

    def render() -> Response:
        child = _child_for_form(gate, found)
        values = {"icpc_on": today.isoformat()}
        return _initial_page(request, gate.accounts, child, values, [])

    return guarded(request, render)


@router.post("/children/{child_id}/initial-conference", response_class=HTMLResponse)
async def record_initial_conference(
    child_id: str,
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    found = parse_id(child_id)
    if found is None:
        return not_found(request)
    return await run_in_threadpool(
        guarded, request, lambda: _record_initial(request, gate, engine, found, data)
    )


def _child_for_form(gate: Gate, child_id: UUID) -> Child:
    gate.child(child_id, Action.START_PLAN)
    child = gate.child(child_id).child
    assert child is not None
    return child


def _record_initial(
    request: Request, gate: Gate, engine: ProjectionEngine, child_id: UUID, data: dict[str, Any]
) -> Response:
    child = _child_for_form(gate, child_id)
    body, errors = _initial_body(gate.accounts, child_id, data)
    if body is None:
        return _initial_page(request, gate.accounts, child, data, errors, 400)
    plan_id = uuid4()
    try:
        saved = gate.cases.start_plan(
            plan_id=plan_id,
            core_group_id=uuid5(plan_id, "core-group"),
            by=gate.user.actor,
            **body.command(),
        )
    except DomainError as error:
        problem = [FieldError(*_initial_problem(error))]
        status = _domain_status(error)[0]
        return _initial_page(request, gate.accounts, child, data, problem, status)
    return _saved(engine, saved, f"/plans/{plan_id}?saved=initial-conference")


def _initial_body(
    accounts: Accounts, child_id: UUID, data: dict[str, Any]
) -> tuple[StartPlan | None, list[FieldError]]:
    """The lead social worker is chosen from the accounts, so the name and team on the plan are
    the ones the account holds."""
    conference, errors = _conference_fields(data)
    worker = _social_worker(accounts, str(data.get("lead_social_worker_id", "")))
    fields = {
        **{key: data.get(key, "") for key in ("icpc_on", "strategy_discussion_on", "category")},
        "child_id": child_id,
        "lead_social_worker_id": worker.user_id if worker else None,
        "lead_social_worker_name": worker.name if worker else "",
        "team": worker.team if worker else "",
        **conference,
    }
    body, main_errors = validate(StartPlan, filled(fields), INITIAL_LABELS)
    main_errors = [
        e for e in _at_fields(main_errors) if e.field not in ("lead_social_worker_name", "team")
    ]
    if worker is None:
        main_errors = [e for e in main_errors if e.field != "lead_social_worker_id"]
        main_errors.append(FieldError("lead_social_worker_id", "Select the lead social worker"))
    errors = tidy(main_errors + errors, INITIAL_ORDER)
    return (body if not errors else None), errors


def _social_workers(accounts: Accounts) -> list[User]:
    workers = [u for u in accounts.users() if u.role is Role.SOCIAL_WORKER and not u.disabled]
    return sorted(workers, key=lambda u: (u.team, u.name))


def _social_worker(accounts: Accounts, text: str) -> User | None:
    return next((u for u in _social_workers(accounts) if str(u.user_id) == text), None)


def _initial_page(
    request: Request,
    accounts: Accounts,
    child: Child,
    values: dict[str, Any],
    errors: list[FieldError],
    status_code: int = 200,
) -> HTMLResponse:
    workers = [("", "Choose the lead social worker")] + [
        (str(u.user_id), f"{u.name} ({u.team})") for u in _social_workers(accounts)
    ]
    context = {
        "child": child,
        "values": values,
        "errors": errors,
        "categories": CATEGORIES,
        "workers": workers,
    }
    return page(request, "plans/initial_conference.html", context, status_code)


def _initial_problem(error: DomainError) -> tuple[str, str]:
    by_rule = {
        "conference-not-on-weekend": ("icpc_on", "Conferences are not held at weekends"),
        "strategy-discussion-before-icpc": (
            "strategy_discussion_on",
            "The strategy discussion comes before the conference: enter an earlier date",
        ),
        "one-open-plan-per-child": (
            "form",
            "The child already has an open child protection plan",
        ),
        "plans-never-overlap": (
            "icpc_on",
            "The child's plans cannot overlap: enter a date after their last plan ended",
        ),
        "required-text": ("rationale", "Enter the conference's rationale"),
    }
    return by_rule.get(error.rule, ("form", error.detail))
