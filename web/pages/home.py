"""The front page: each person's work, as counts that lead somewhere."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import CasesDep, EngineDep, TodayDep
from domain.values import Role
from projections.drift import drift_list
from projections.escalations import open_escalations
from projections.partner_task_completion import tasks_for
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
        plan_ids = visible_plan_ids(user, cases, views["drift"])
        counts["plans"] = len(plan_ids)
        tasks = [
            t
            for t in tasks_for(
                views["partner_task_completion"],
                assignee_id=user.user_id,
                agency=user.agency,
                today=today,
                plan_ids=list(plan_ids),
            )
            if t.is_open
        ]
        counts["my_tasks"] = len(tasks)
        counts["my_overdue"] = sum(t.is_overdue(today) for t in tasks)
        if user.role is not Role.AGENCY_PRACTITIONER:
            team = user.team if user.role is Role.TEAM_MANAGER else None
            counts["escalations"] = sum(
                1
                for e in open_escalations(views["escalations"], today, team=team)
                if e.plan_id in plan_ids
            )
            counts["drifting"] = sum(
                1 for d in drift_list(views["drift"], today, team=team) if d.plan_id in plan_ids
            )
    return page(request, "home/home.html", {"counts": counts, "today": today})
