"""What several pages need: which plans the user may see, decided on the live streams."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar
from uuid import UUID

from api.security.accounts import User
from api.security.policy import Action, Context, Decision, decide
from domain.application import CaseRecord
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan
from domain.values import Role
from projections.base import View
from projections.drift import plan_register

CANDIDATES = 500


class HasPlan(Protocol):
    @property
    def plan_id(self) -> UUID: ...


class Sight:
    """Which plans one person may see, decided on the live plan and core group, each plan at
    most once per request."""

    def __init__(self, user: User, cases: CaseRecord) -> None:
        self.user, self.cases = user, cases
        self._seen: dict[UUID, bool] = {}

    def sees(self, plan_id: UUID) -> bool:
        if plan_id not in self._seen:
            plan = self.cases.load(ChildProtectionPlan, plan_id, copy=False)
            group = self.cases.load(CoreGroup, plan.core_group_id, copy=False)
            decision = decide(self.user, Action.VIEW_PLAN, Context(plan=plan, core_group=group))
            self._seen[plan_id] = decision is Decision.ALLOW
        return self._seen[plan_id]


def visible_plan_ids(
    user: User, cases: CaseRecord, drift: View, limit: int = CANDIDATES
) -> set[UUID]:
    """The plans this person may see (newest first, up to `limit` candidates): candidates from
    the plan register, narrowed by role, each confirmed by the policy on the live plan and core
    group."""
    if user.role in (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR):
        return set()
    hint = {
        Role.SOCIAL_WORKER: {"lead_worker_id": user.user_id},
        Role.AGENCY_PRACTITIONER: {"member_id": user.user_id},
        Role.TEAM_MANAGER: {"team": user.team},
    }.get(user.role, {})
    visible = set()
    for line in plan_register(drift, limit=limit, **hint):  # type: ignore[arg-type]
        plan = cases.load(ChildProtectionPlan, line.plan_id, copy=False)
        group = cases.load(CoreGroup, plan.core_group_id, copy=False)
        context = Context(plan=plan, core_group=group)
        if decide(user, Action.VIEW_PLAN, context) is Decision.ALLOW:
            visible.add(plan.id)
    return visible


ROWS_SHOWN = 50
"""Lists show the most urgent rows first; each row's plan is checked on the live record, so the
check is bounded by what is shown, not by the size of the authority."""

R = TypeVar("R", bound=HasPlan)


def first_visible(rows: Iterable[R], sight: Sight, limit: int = ROWS_SHOWN) -> list[R]:
    """The first `limit` rows about plans the person may see, in the order given."""
    shown: list[R] = []
    for row in rows:
        if sight.sees(row.plan_id):
            shown.append(row)
            if len(shown) == limit:
                break
    return shown
