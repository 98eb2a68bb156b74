"""Read-your-writes for the read models.

A change answers with its `position` in the log; the views catch up with the log a moment later.
A read that passes that position as `min_position` waits (briefly) until every view has taken
the change in, so the person who just recorded a visit sees it in the plan's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Query

from api.deps import READ_YOUR_WRITES_TIMEOUT, EngineDep
from api.problems import ApiProblemError, problem_doc
from projections.base import View

Views = Mapping[str, View]
"""The views by read model name (`OutcomeProgressModel.name` and so on)."""

LAG_RESPONSE: dict[int | str, dict[str, Any]] = {
    503: problem_doc("Still catching up with `min_position`: retry after `Retry-After` seconds")
}


def caught_up_views(
    engine: EngineDep,
    min_position: Annotated[
        int | None,
        Query(ge=0, description="The `position` a change returned: wait until it is reflected."),
    ] = None,
) -> Views:
    if min_position is not None and min_position > engine.head():
        raise ApiProblemError(
            422,
            "No such position",
            "min_position is beyond the last change recorded.",
            "position-not-recorded",
        )
    if min_position is not None and not engine.wait_for(
        min_position, timeout=READ_YOUR_WRITES_TIMEOUT
    ):
        raise ApiProblemError(
            503,
            "Still catching up",
            "The figures do not include that change yet; try again in a moment.",
            "projection-lag",
            headers={"Retry-After": "1"},
        )
    return {view.model.name: view for view in engine.views}


ViewsDep = Annotated[Views, Depends(caught_up_views)]
