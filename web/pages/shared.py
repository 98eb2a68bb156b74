"""What several pages need: which plans the user may see, decided on the live streams."""

from __future__ import annotations

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


def visible_plan_ids(user: User, cases: CaseRecord, drift: View) -> set[UUID]:
    """The plans this person may see: candidates from the plan register, narrowed by role, each
    confirmed by the policy on the live plan and core group."""
    if user.role in (Role.PARTNERSHIP_ANALYST, Role.ADMINISTRATOR):
        return set()
    hint = {
        Role.SOCIAL_WORKER: {"lead_worker_id": user.user_id},
        Role.AGENCY_PRACTITIONER: {"member_id": user.user_id},
        Role.TEAM_MANAGER: {"team": user.team},
    }.get(user.role, {})
    visible = set()
    for line in plan_register(drift, limit=CANDIDATES, **hint):  # type: ignore[arg-type]
        plan = cases.load(ChildProtectionPlan, line.plan_id, copy=False)
        group = cases.load(CoreGroup, plan.core_group_id, copy=False)
        context = Context(plan=plan, core_group=group)
        if decide(user, Action.VIEW_PLAN, context) is Decision.ALLOW:
            visible.add(plan.id)
    return visible
