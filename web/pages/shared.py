"""What several pages need: which plans the user may see, decided on the live streams."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol, TypeVar
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import Gate
from api.problems import _domain_status
from api.security.accounts import User
from api.security.policy import Action, Context, Decision, decide
from api.streams import Streams
from domain.application import CaseRecord
from domain.child import Child
from domain.core_group import CoreGroup
from domain.errors import DomainError, StaleVersionError
from domain.plan import ChildProtectionPlan
from domain.values import Role
from projections.base import View
from projections.drift import plan_register
from projections.plan_history import Known, sentence
from web.forms import FieldError, validate
from web.render import page

CANDIDATES = 500


class HasPlan(Protocol):
    @property
    def plan_id(self) -> UUID: ...


class Sight:
    """Which plans one person may see, decided on the live plan and core group, each plan at
    most once per request. Plans asked about together are read together (`check`)."""

    def __init__(self, user: User, cases: CaseRecord, streams: Streams | None = None) -> None:
        self.user, self.cases = user, cases
        self.streams = streams or Streams(cases)
        self._seen: dict[UUID, bool] = {}

    def sees(self, plan_id: UUID) -> bool:
        if plan_id not in self._seen:
            self.check([plan_id])
        return self._seen[plan_id]

    def check(self, plan_ids: Iterable[UUID]) -> None:
        """Decide every plan of `plan_ids` not decided yet: their plans, then their core groups,
        are each read from the store in one go. A plan that is not there is not seen."""
        unseen = [plan_id for plan_id in dict.fromkeys(plan_ids) if plan_id not in self._seen]
        if not unseen:
            return
        # With their core groups and children, so the names shown later cost nothing.
        self.streams.prefetch_plans(unseen)
        plans = self.streams.load_many(ChildProtectionPlan, unseen)
        groups = self.streams.load_many(CoreGroup, [p.core_group_id for p in plans.values()])
        for plan_id in unseen:
            plan = plans.get(plan_id)
            group = groups.get(plan.core_group_id) if plan is not None else None
            self._seen[plan_id] = (
                plan is not None
                and group is not None
                and decide(self.user, Action.VIEW_PLAN, Context(plan=plan, core_group=group))
                is Decision.ALLOW
            )


def register_candidates(user: User, drift: View, limit: int = CANDIDATES) -> list[UUID]:
    """The plans this person might see (newest first, up to `limit`): the plan register
    narrowed by role. Candidates only: each is for the policy to decide on the live record."""
    if user.role in (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR):
        return []
    hint = {
        Role.SOCIAL_WORKER: {"lead_worker_id": user.user_id},
        Role.AGENCY_PRACTITIONER: {"member_id": user.user_id},
        Role.TEAM_MANAGER: {"team": user.team},
    }.get(user.role, {})
    return [line.plan_id for line in plan_register(drift, limit=limit, **hint)]  # type: ignore[arg-type]


def visible_plan_ids(
    user: User,
    cases: CaseRecord,
    drift: View,
    limit: int = CANDIDATES,
    sight: Sight | None = None,
) -> set[UUID]:
    """The plans this person may see (newest first, up to `limit` candidates): candidates from
    the plan register, narrowed by role, each confirmed by the policy on the live plan and core
    group."""
    candidates = register_candidates(user, drift, limit)
    sight = sight or Sight(user, cases)
    sight.check(candidates)
    return {plan_id for plan_id in candidates if sight.sees(plan_id)}


ROWS_SHOWN = 50
"""Lists show the most urgent rows first; each row's plan is checked on the live record, so the
check is bounded by what is shown, not by the size of the authority."""

R = TypeVar("R", bound=HasPlan)


def first_visible(rows: Iterable[R], sight: Sight, limit: int = ROWS_SHOWN) -> list[R]:
    """The first `limit` rows about plans the person may see, in the order given. Rows are
    checked as many at a time as are still wanted, so a list whose rows are all visible reads
    its plans in one go."""
    shown: list[R] = []
    pending = iter(rows)
    while len(shown) < limit:
        batch = list(islice(pending, limit - len(shown)))
        if not batch:
            break
        sight.check(row.plan_id for row in batch)
        shown.extend(row for row in batch if sight.sees(row.plan_id))
    return shown


# --- forms shared by the page groups --------------------------------------------------------

ROLE_NAMES = {
    Role.SOCIAL_WORKER.value: "Social worker",
    Role.TEAM_MANAGER.value: "Team manager",
    Role.CONFERENCE_CHAIR.value: "Conference chair",
    Role.AGENCY_PRACTITIONER.value: "Agency practitioner",
    Role.PARTNERSHIP_ANALYST.value: "Partnership analyst",
    Role.ADMINISTRATOR.value: "Administrator",
}

CHANGES_SHOWN = 3

M = TypeVar("M", bound=BaseModel)


def not_found(request: Request) -> HTMLResponse:
    """Hidden and missing records look the same."""
    return page(request, "errors/not_found.html", status_code=404)


def form_version(data: dict[str, Any]) -> int:
    """The version the form was opened at; a missing one never matches a stored record."""
    text = str(data.get("version", "")).strip()
    return int(text) if text.isdigit() else -1


def changed_since(
    cases: CaseRecord,
    record_id: UUID,
    version: int,
    noun: str,
    known: Callable[[Any], Known] = lambda _event: Known(),
) -> str:
    """'Someone else changed this plan since you opened it: …', naming what they did."""
    said = [sentence(event, known(event)) for event in cases.events.get(record_id, gt=version)]
    shown = " ".join(said[-CHANGES_SHOWN:])
    more = len(said) - CHANGES_SHOWN
    also = f" (and {more} earlier change{'s' if more > 1 else ''})" if more > 0 else ""
    what = f": {shown}{also}" if said else "."
    return (
        f"Someone else changed this {noun} since you opened it{what} Nothing of yours was "
        "saved: check what you entered against the record as it is now, then save again."
    )


def filled(data: dict[str, Any]) -> dict[str, Any]:
    """The fields given: a blank one counts as missing, so its error says "Enter …"."""
    return {key: value for key, value in data.items() if not _blank(value)}


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


@dataclass(frozen=True)
class FormError(FieldError):
    """An error in one of several forms on a page: the field's id carries the form's prefix."""

    prefix: str = ""

    @property
    def href(self) -> str:
        return f"#{self.prefix}{self.field}"


def prefixed(errors: Iterable[FieldError], prefix: str) -> list[FieldError]:
    return [FormError(e.field, e.message, prefix) for e in errors]


def check_form(
    model: type[M], data: dict[str, Any], labels: dict[str, str], choices: Iterable[str] = ()
) -> tuple[M | None, list[FieldError]]:
    """`validate`, with a blank field reported as missing ("Enter ..." or, for a choice,
    "Select ...") rather than as malformed; optional fields left blank take their defaults."""
    filled = {key: value for key, value in data.items() if value != ""}
    body, errors = validate(model, filled, labels)
    chosen = set(choices)
    return body, [
        FieldError(e.field, "Select" + e.message.removeprefix("Enter"))
        if e.field in chosen and e.message.startswith("Enter ")
        else e
        for e in errors
    ]


def role_name(role: str | Role) -> str:
    value = role.value if isinstance(role, Role) else role
    return ROLE_NAMES.get(value, value.replace("_", " ").capitalize())


def views_of(engine: Any) -> dict[str, View]:
    return {v.model.name: v for v in engine.views}


def plan_names(cases: CaseRecord | Streams, plan_ids: Iterable[UUID]) -> dict[UUID, str]:
    """How a plan is named in links: "Plan for" the child's name. Only for plans the person may
    see, which the caller has already decided. The plans, then the children, are read in one
    go (plans this request has read already are not read again)."""
    streams = Streams(cases) if isinstance(cases, CaseRecord) else cases
    wanted = list(plan_ids)
    found = streams.load_many(ChildProtectionPlan, wanted)
    plans = {
        plan_id: found.get(plan_id) or streams.load(ChildProtectionPlan, plan_id)
        for plan_id in wanted
    }
    children = streams.load_many(Child, [plan.child_id for plan in plans.values()])
    names = {}
    for plan_id, plan in plans.items():
        child = children.get(plan.child_id) or streams.load(Child, plan.child_id)
        names[plan_id] = f"Plan for {child.given_name} {child.family_name}"
    return names


def open_plan(gate: Gate, plan_id: UUID, action: Action) -> Context:
    """A plan for a page that shows it and offers `action`: the read is logged, then the
    action checked (a plan the person may not see is not found; one they may see but not
    change this way is refused)."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    return gate.plan(plan_id, action)


def domain_error_status(error: DomainError) -> int:
    """As the API answers it, except that a stale form is a conflict to resolve (409)."""
    if isinstance(error, StaleVersionError):
        return 409
    return _domain_status(error)[0]


def version_of(data: dict[str, Any]) -> int | None:
    text = str(data.get("version", ""))
    return int(text) if text.isdigit() else None


def conflict_message(
    what: str, cases: CaseRecord, record_id: UUID, version: int, known: Known | None = None
) -> str:
    """Why a form was not saved: what others recorded since it was opened. The page then shows
    the record as it is now, with what was typed kept, so saving again is a deliberate act."""
    return changed_since(cases, record_id, version, what, lambda _event: known or Known())
