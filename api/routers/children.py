"""Children: identity, held in the child's own stream, seen only on a need-to-know basis."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response

from api.deps import CasesDep, GateDep, etag
from api.idempotency import IdempotencyDep
from api.problems import PROBLEM_RESPONSES
from api.routing import ApiRouter
from api.schemas.common import Created
from api.schemas.plans import ChildOut, RegisterChild
from api.security.policy import Action
from domain.child import ChildDetails

router = ApiRouter(prefix="/api/v1/children", tags=["children"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=Created)
def register_child(
    body: RegisterChild, gate: GateDep, cases: CasesDep, once: IdempotencyDep
) -> Response:
    gate.allow(Action.REGISTER_CHILD)
    details = ChildDetails(**body.model_dump())
    return once.create(
        "child",
        "/api/v1/children/{id}",
        body,
        lambda child_id: cases.register_child(
            child_id=child_id, by=gate.user.actor, details=details
        ),
    )


@router.get("/{child_id}", response_model=ChildOut)
def read_child(child_id: UUID, gate: GateDep, response: Response) -> ChildOut:
    child = gate.child(child_id).child
    assert child is not None
    response.headers["ETag"] = etag(child.version)
    return ChildOut.of(child)
