"""For administrators: who has looked at which child's record, from the access log."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import CasesDep
from api.security.policy import Action
from domain.child import Child
from web.render import page
from web.session import PageGateDep

router = APIRouter(include_in_schema=False)


@router.get("/access-log", response_class=HTMLResponse)
def access_log(
    request: Request,
    gate: PageGateDep,
    child: str = "",
) -> HTMLResponse:
    """Search by the authority's child id (as on the child's record); the identity itself is not
    shown here, only who opened what and when."""
    gate.allow(Action.VIEW_ACCESS_LOG)
    la_child_id = child.strip()
    child_id = _child_with(gate.cases, la_child_id) if la_child_id else None
    records = gate.accounts.access_log(child_id=child_id, limit=500) if child_id else []
    return page(
        request,
        "access_log/access_log.html",
        {"child": la_child_id, "found": child_id is not None, "records": records},
    )


def _child_with(cases: CasesDep, la_child_id: str) -> UUID | None:
    """The child with this local authority id: child records are read from the record itself
    (views hold no identity)."""
    for notification in cases.recorder.select_notifications(
        start=1, limit=1_000_000, topics=["domain.child:Child.Registered"]
    ):
        child = cases.load(Child, UUID(str(notification.originator_id)), copy=False)
        if child.la_child_id == la_child_id:
            return child.id
    return None
