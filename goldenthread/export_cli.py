"""`goldenthread export …`: the statutory returns, written to files.

Both files hold personal data about children: they are created readable by their owner only,
and nothing about any child is printed, only how many were written.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from goldenthread.returns.annex_a import annex_a_csv, annex_a_rows
from goldenthread.returns.cin_census import DEMO_LA_CODE, CensusYear, census_children, census_xml
from goldenthread.settings import Settings
from goldenthread.wiring import build_case_record

app = typer.Typer(
    help="Statutory returns: the CIN census and Ofsted's Annex A.", no_args_is_help=True
)


def _write_private(path: Path, content: bytes) -> None:
    """Create (or replace) the file readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


@app.command("cin-census")
def cin_census(
    year: Annotated[str, typer.Option(help="Census year, 1 April to 31 March, e.g. 2025-26.")],
    out: Annotated[Path, typer.Option(help="Where to write the XML.", dir_okay=False)],
    la_code: Annotated[
        str, typer.Option(help="The authority's three-digit DfE code (the demo's is made up).")
    ] = DEMO_LA_CODE,
) -> None:
    """The DfE Children in Need census (child protection) for a census year, as XML.

    Check it with the DfE's rules before loading it into COLLECT: see docs/returns.md.
    """
    try:
        census_year = CensusYear.parse(year)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--year") from None
    cases = build_case_record(Settings())
    try:
        children = census_children(cases, census_year)
    finally:
        cases.close()
    try:
        xml = census_xml(children, census_year, la_code=la_code, generated_at=datetime.now())
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--la-code") from None
    _write_private(out, xml)
    typer.echo(f"CIN census {census_year.label}: {len(children)} children written to {out}")


@app.command("annex-a")
def annex_a(
    out: Annotated[Path, typer.Option(help="Where to write the CSV.", dir_okay=False)],
    on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The list's date (default today)."),
    ] = None,
    ended_within_months: Annotated[
        int,
        typer.Option(
            min=0, max=24, help="Also list children whose plan ended this many months before."
        ),
    ] = 0,
) -> None:
    """Ofsted's Annex A list of children subject to a child protection plan."""
    day = on.date() if on is not None else date.today()
    cases = build_case_record(Settings())
    try:
        rows = annex_a_rows(cases, day, ended_within_months=ended_within_months)
    finally:
        cases.close()
    _write_private(out, annex_a_csv(rows).encode("utf-8"))
    typer.echo(f"Annex A on {day.isoformat()}: {len(rows)} children written to {out}")
