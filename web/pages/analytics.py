"""Outcomes across groups of children: the page where a partnership analyst, a team manager or a
conference chair sees which features of plans go with success.

A plain GET form chooses the period, which plans (ended in it, or active at its end) and how to
group them; the figures come from the cohort read model, each measure drawn as a bar chart with
the same figures in a table beneath. Groups too small to show say so in words, never with a
number. The CSV link asks the API for the same figures (the session cookie signs the browser in
there too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import EngineDep, TodayDep
from api.schemas.analytics import CohortQuery
from api.security.policy import Action, Decision, decide
from projections.cohort import (
    BREAKDOWN_SPECS,
    BREAKDOWNS,
    MIN_CHILDREN,
    CohortCell,
    CohortFigures,
    CohortModel,
    Measure,
    cohort_figures,
)
from web.forms import FieldError, validate
from web.render import page
from web.session import PageUser

router = APIRouter(include_in_schema=False)

FEWER_THAN = f"Fewer than {MIN_CHILDREN} children"
WITHHELD = "Withheld"
NOTHING = "Nothing to measure"
LABELS = {
    "period_start": "the first day of the period",
    "period_end": "the last day of the period",
    "status": "which plans to include",
    "breakdown": "how to group the plans",
}
STATUS_OPTIONS = (
    ("ended", "Plans that ended in the period"),
    ("active", "Plans active at the end of the period"),
)
BREAKDOWN_OPTIONS = tuple((key, BREAKDOWN_SPECS[key].label) for key in BREAKDOWNS)

# Chart geometry (SVG user units): each group is a label line with its bar beneath.
CHART_WIDTH = 640
BAR_AREA = 440
ROW_HEIGHT = 46
BAR_HEIGHT = 18
BAR_COLOUR = "#1d70b8"
TOTAL_COLOUR = "#505a5f"


@dataclass(frozen=True)
class Bar:
    label: str
    label_y: int
    bar_y: int
    width: float | None
    text: str
    text_x: float
    colour: str


@dataclass(frozen=True)
class BarChart:
    """One measure across the groups and the whole cohort, drawn by hand as SVG."""

    chart_id: str
    title: str
    description: str
    width: int
    height: int
    bar_height: int
    bars: tuple[Bar, ...]


@router.get("/analytics", response_class=HTMLResponse)
def analytics(request: Request, user: PageUser, engine: EngineDep, today: TodayDep) -> HTMLResponse:
    if decide(user, Action.VIEW_AGGREGATES) is not Decision.ALLOW:
        return page(request, "analytics/not_yours.html", status_code=403)
    form = _form_values(dict(request.query_params), today)
    query, errors = _validated(form)
    if query is None:
        context = {"form": form, "errors": errors, **_options()}
        return page(request, "analytics/cohort.html", context, status_code=400)
    views = {view.model.name: view for view in engine.views}
    figures = cohort_figures(
        views[CohortModel.name],
        period_start=query.period_start,
        period_end=query.period_end,
        status=query.status,
        breakdown=query.breakdown,
        today=today,
    )
    return page(request, "analytics/cohort.html", _shown(form, figures, query))


def _form_values(params: dict[str, str], today: date) -> dict[str, str]:
    """What the form shows: the last twelve months of ended plans by category to begin with,
    then whatever was asked for (a field left empty stays empty, so it is asked for again)."""
    default = CohortQuery.default(today)
    values = {
        "period_start": default.period_start.isoformat(),
        "period_end": default.period_end.isoformat(),
        "status": default.status,
        "breakdown": default.breakdown,
    }
    values.update({k: v.strip() for k, v in params.items() if k in values})
    return values


def _validated(form: dict[str, str]) -> tuple[CohortQuery | None, list[FieldError]]:
    query, errors = validate(CohortQuery, {k: v for k, v in form.items() if v}, LABELS)
    if query is not None and query.period_problem:
        return None, [FieldError("period_end", query.period_problem)]
    return query, errors


def _options() -> dict[str, Any]:
    return {
        "status_options": STATUS_OPTIONS,
        "breakdown_options": BREAKDOWN_OPTIONS,
        "min_children": MIN_CHILDREN,
        "fewer_than": FEWER_THAN,
    }


def _shown(form: dict[str, str], figures: CohortFigures, query: CohortQuery) -> dict[str, Any]:
    return {
        "form": form,
        "errors": [],
        **_options(),
        "figures": figures,
        "charts": [_chart(figures, measure) for measure in figures.measures],
        "rows": [_row(cell, figures.measures) for cell in figures.cells],
        "total_row": _row(figures.total, figures.measures),
        "any_suppressed": any(c.suppressed for c in figures.cells) or figures.total.suppressed,
        "csv_href": "/api/v1/analytics/cohort.csv?" + urlencode(query.model_dump(mode="json")),
    }


def _row(cell: CohortCell, measures: tuple[Measure, ...]) -> dict[str, Any]:
    """A table row: every number as text, or words where no number may be shown."""
    counts = [cell.children, cell.plans, cell.outcomes]
    withheld = FEWER_THAN if cell.suppressed else WITHHELD
    return {
        "label": cell.label,
        "suppressed": cell.suppressed,
        "counts": [withheld if cell.counts_suppressed else str(n) for n in counts],
        "figures": [
            FEWER_THAN if cell.suppressed else _value(cell.figure(m.key), m) for m in measures
        ],
    }


def _value(value: float | None, measure: Measure, *, with_unit: bool = False) -> str:
    if value is None:
        return NOTHING
    if measure.unit == "share":
        return f"{value:.0%}"
    days = f"{value:g}"
    return f"{days} days" if with_unit else days


def _chart(figures: CohortFigures, measure: Measure) -> BarChart:
    cells = [*figures.cells, figures.total]
    values = [c.figure(measure.key) for c in cells if not c.suppressed]
    top = 1.0 if measure.unit == "share" else max([v for v in values if v] or [1.0])
    bars = tuple(_bar(index, cell, measure, top) for index, cell in enumerate(cells))
    title = f"{measure.label}, by {figures.breakdown_label.lower()}"
    return BarChart(
        chart_id=f"chart-{measure.key}",
        title=title,
        description="; ".join(f"{bar.label}: {bar.text}" for bar in bars) + ".",
        width=CHART_WIDTH,
        height=ROW_HEIGHT * len(bars) + 8,
        bar_height=BAR_HEIGHT,
        bars=bars,
    )


def _bar(index: int, cell: CohortCell, measure: Measure, top: float) -> Bar:
    label_y = ROW_HEIGHT * index + 16
    value = cell.figure(measure.key)
    width = None if cell.suppressed or value is None else BAR_AREA * value / top
    text = FEWER_THAN if cell.suppressed else _value(value, measure, with_unit=True)
    return Bar(
        label=cell.label,
        label_y=label_y,
        bar_y=label_y + 6,
        width=width,
        text=text,
        text_x=(width or 0) + 8,
        colour=TOTAL_COLOUR if cell.key == "all" else BAR_COLOUR,
    )
