"""De-identified figures across groups of children: what was asked, and what the cohort shows.

Every group (cell) says how many children and plans it holds and its figures, unless it is
suppressed: then it carries no number at all, only `suppressed: true`. The rules that decide it
are in `projections.cohort.suppress`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Day
from domain.calendar import add_months
from projections.cohort import (
    MIN_CHILDREN,
    Breakdown,
    CohortCell,
    CohortFigures,
    CohortStatus,
    Measure,
)

SUPPRESSED = "suppressed"
"""What the CSV says in place of a withheld number."""


class CohortQuery(BaseModel):
    """Which plans (ended in the period, or active at its end) and how to group them."""

    period_start: Day = Field(description="The first day of the period.")
    period_end: Day = Field(description="The last day of the period.")
    status: CohortStatus = Field(
        default="ended",
        description="`ended`: plans that ended in the period; `active`: open at its end.",
    )
    breakdown: Breakdown = Field(default="category", description="How to group the plans.")

    @classmethod
    def default(cls, today: date) -> CohortQuery:
        """The plans that ended in the last twelve months, by initial category."""
        return cls(period_start=add_months(today, -12), period_end=today)

    @property
    def period_problem(self) -> str | None:
        if self.period_start > self.period_end:
            return "The end of the period must be the same as or after its start"
        return None


class CohortMeasureOut(BaseModel):
    key: str
    label: str
    unit: Literal["share", "days"] = Field(description="`share`: 0 to 1; `days`: a count.")

    @classmethod
    def of(cls, measure: Measure) -> CohortMeasureOut:
        return cls(key=measure.key, label=measure.label, unit=measure.unit)


class CohortCellOut(BaseModel):
    """One group of plans (or all of them)."""

    key: str
    label: str
    suppressed: bool = Field(
        description="No number is shown: fewer than 5 children, or showing it would let a "
        "suppressed group be worked out."
    )
    counts_suppressed: bool = Field(
        description="The counts are withheld (true whenever `suppressed` is); the total's "
        "figures may still be shown."
    )
    children: int | None
    plans: int | None
    outcomes: int | None
    figures: dict[str, float | None] = Field(
        description="By measure key: null when suppressed or when there is nothing to measure."
    )

    @classmethod
    def of(cls, cell: CohortCell) -> CohortCellOut:
        return cls(
            key=cell.key,
            label=cell.label,
            suppressed=cell.suppressed,
            counts_suppressed=cell.counts_suppressed,
            children=cell.children,
            plans=cell.plans,
            outcomes=cell.outcomes,
            figures={k: None if v is None else round(v, 4) for k, v in cell.figures.items()},
        )

    def csv_row(self, measures: list[CohortMeasureOut]) -> list[str]:
        counts = [self.children, self.plans, self.outcomes]
        return [
            self.key,
            self.label,
            *(_csv(v, self.counts_suppressed) for v in counts),
            *(_csv(self.figures.get(m.key), self.suppressed) for m in measures),
        ]


def _csv(value: float | None, suppressed: bool) -> str:
    if suppressed:
        return SUPPRESSED
    return "" if value is None else str(value)


class CohortFiguresOut(BaseModel):
    """Outcome figures for a cohort of plans, overall and by group, small numbers suppressed."""

    period_start: date
    period_end: date
    status: CohortStatus
    breakdown: Breakdown
    breakdown_label: str
    as_at: date = Field(description="Active plans: the day they were open on.")
    minimum_children: int = Field(description="No figure is shown for fewer children.")
    measures: list[CohortMeasureOut]
    groups: list[CohortCellOut]
    total: CohortCellOut

    @classmethod
    def of(cls, figures: CohortFigures) -> CohortFiguresOut:
        return cls(
            period_start=figures.period_start,
            period_end=figures.period_end,
            status=figures.status,
            breakdown=figures.breakdown,
            breakdown_label=figures.breakdown_label,
            as_at=figures.as_at,
            minimum_children=MIN_CHILDREN,
            measures=[CohortMeasureOut.of(m) for m in figures.measures],
            groups=[CohortCellOut.of(c) for c in figures.cells],
            total=CohortCellOut.of(figures.total),
        )

    @property
    def csv_header(self) -> list[str]:
        return ["key", "group", "children", "plans", "outcomes", *(m.key for m in self.measures)]

    def as_csv(self) -> str:
        """The groups then the total, one row each; a withheld number reads `suppressed`."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.csv_header)
        for cell in [*self.groups, self.total]:
            writer.writerow(cell.csv_row(self.measures))
        return out.getvalue()

    @property
    def file_name(self) -> str:
        return (
            f"cohort-{self.status}-{self.breakdown}-"
            f"{self.period_start.isoformat()}-to-{self.period_end.isoformat()}.csv"
        )
