"""The front page: each person's work, as counts that lead somewhere."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import CasesDep, EngineDep, TodayDep
from domain.values import Role
from projections.drift import drift_of_open_plans
from projections.escalations import open_escalation_count
from projections.partner_task_completion import open_task_count
from web.pages.shared import visible_plan_ids
from web.render import page
from web.session import PageUser

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, user: PageUser, cases: CasesDep, engine: EngineDep, today: TodayDep
) -> HTMLResponse:
    views = {v.model.name: v for v in engine.views}
    counts: dict[str, Any] = {}
    if user.role in (
        Role.SOCIAL_WORKER,
        Role.TEAM_MANAGER,
        Role.CONFERENCE_CHAIR,
        Role.AGENCY_PRACTITIONER,
    ):
        # Each count is of the plans the person may see, and is counted among those plans
        # only: the authority's other plans are never read.
        plan_ids = visible_plan_ids(user, cases, views["drift"])
        counts["plans"] = len(plan_ids)
        tasks = open_task_count(
            views["partner_task_completion"],
            assignee_id=user.user_id,
            agency=user.agency,
            plan_ids=plan_ids,
            today=today,
        )
        counts["my_tasks"] = tasks.open
        counts["my_overdue"] = tasks.overdue
        if user.role is not Role.AGENCY_PRACTITIONER:
            counts["escalations"] = open_escalation_count(views["escalations"], plan_ids)
            counts["drifting"] = sum(
                1 for d in drift_of_open_plans(views["drift"], plan_ids, today) if d.flags
            )
    return page(request, "home/home.html", {"counts": counts, "today": today})
