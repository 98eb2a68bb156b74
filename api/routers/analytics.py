"""Outcomes across groups of children: de-identified figures for partnership analysts, team
managers and conference chairs.

No child, plan or person is named: only groups of plans, each with its count of children, and
no number for a group of fewer than five children (or one that would let such a group be worked
out). The same figures come as JSON and as CSV.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from api.deps import GateDep, TodayDep
from api.problems import PROBLEM_RESPONSES, ApiProblemError
from api.routing import ApiRouter
from api.schemas.analytics import CohortFiguresOut, CohortQuery
from api.schemas.common import Day
from api.security.policy import Action
from api.views_dep import LAG_RESPONSE, Views, ViewsDep
from projections.cohort import Breakdown, CohortModel, CohortStatus, cohort_figures

router = ApiRouter(
    prefix="/api/v1/analytics",
    tags=["analytics"],
    responses={**PROBLEM_RESPONSES, **LAG_RESPONSE},
)


def cohort_query(
    today: TodayDep,
    period_start: Annotated[
        Day | None, Query(description="First day of the period (default: 12 months ago).")
    ] = None,
    period_end: Annotated[Day | None, Query(description="Last day (default: today).")] = None,
    status: Annotated[
        CohortStatus, Query(description="`ended` in the period, or `active` at its end.")
    ] = "ended",
    breakdown: Annotated[Breakdown, Query(description="How to group the plans.")] = "category",
) -> CohortQuery:
    default = CohortQuery.default(today)
    query = CohortQuery(
        period_start=period_start or default.period_start,
        period_end=period_end or default.period_end,
        status=status,
        breakdown=breakdown,
    )
    if query.period_problem:
        raise ApiProblemError(422, "Invalid request", query.period_problem, "period-order")
    return query


CohortQueryDep = Annotated[CohortQuery, Depends(cohort_query)]


def _figures(views: Views, query: CohortQuery, today: date) -> CohortFiguresOut:
    found = cohort_figures(
        views[CohortModel.name],
        period_start=query.period_start,
        period_end=query.period_end,
        status=query.status,
        breakdown=query.breakdown,
        today=today,
    )
    return CohortFiguresOut.of(found)


@router.get("/cohort", response_model=CohortFiguresOut)
def read_cohort(
    gate: GateDep, views: ViewsDep, query: CohortQueryDep, today: TodayDep
) -> CohortFiguresOut:
    """Which features of plans go with success: for the plans that ended in the period (or
    were active at its end), the share of outcomes improved by 3 points or more, the share
    achieved, the median time to end, repeat plans within two years, overall and by group."""
    gate.allow(Action.VIEW_AGGREGATES)
    return _figures(views, query, today)


@router.get(
    "/cohort.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def download_cohort(
    gate: GateDep, views: ViewsDep, query: CohortQueryDep, today: TodayDep
) -> Response:
    """The same figures as a CSV file: one row per group and one for the total, with
    `suppressed` wherever a number is withheld."""
    gate.allow(Action.VIEW_AGGREGATES)
    figures = _figures(views, query, today)
    disposition = {"Content-Disposition": f'attachment; filename="{figures.file_name}"'}
    return Response(figures.as_csv(), media_type="text/csv", headers=disposition)
