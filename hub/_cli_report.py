"""``hub report kpi|profiles``: the learning loop's figures for a period, from the store.

For the operator and the JTC's analysts at the console: the same reports as
``/v1/reports`` (:mod:`hub.kpi.reports`), over the database the hub uses
(``HUB_DATABASE_URL``, or ``--url``), as text, CSV or JSON. The console has
the database's own access, so no need-to-know filter applies here.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from hub.errors import HubError
from hub.kpi import (
    MAX_DAYS,
    kpi_csv,
    kpi_report,
    kpi_text,
    load_review_thresholds,
    performance_report,
    profile_json,
    profiles_csv,
    profiles_text,
)
from hub.kpi.records import PeriodRecords
from hub.settings import Settings

__all__ = ["report_app"]

report_app = typer.Typer(help="KPIs and profile performance for a period.", no_args_is_help=True)


class Format(StrEnum):
    TEXT = "text"
    CSV = "csv"
    JSON = "json"


def _date(text: str, hint: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=hint) from None


FromOption = Annotated[str, typer.Option("--from", help="First day (UTC), inclusive: YYYY-MM-DD.")]
ToOption = Annotated[str, typer.Option("--to", help="Last day (UTC), inclusive: YYYY-MM-DD.")]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="Only this agency's.")]
FormatOption = Annotated[Format, typer.Option("--format", help="text, csv or json.")]
UrlOption = Annotated[
    str | None, typer.Option("--url", help="Database URL (default: HUB_DATABASE_URL).")
]


def _records(url: str | None, start: str, end: str) -> PeriodRecords:
    from sqlalchemy.exc import SQLAlchemyError

    from hub.store import Store, database_url, normalise_url

    first, last = _date(start, "--from"), _date(end, "--to")
    if last < first:
        raise typer.BadParameter(f"the period ends before it starts ({first})", param_hint="--to")
    if (last - first).days + 1 > MAX_DAYS:
        raise typer.BadParameter(f"a period is at most {MAX_DAYS} days", param_hint="--to")
    try:
        with Store.open(normalise_url(url) if url else database_url()) as store:
            return store.period_records(first, last)
    except SQLAlchemyError as exc:
        sys.stderr.write(f"ERROR cannot read the store: {exc}\n")
        raise typer.Exit(code=2) from None


@report_app.command("kpi")
def kpi_command(
    start: FromOption,
    end: ToOption,
    office: Annotated[str | None, typer.Option("--office", help="Only this office's.")] = None,
    agency: AgencyOption = None,
    format: FormatOption = Format.TEXT,
    url: UrlOption = None,
) -> None:
    """Declarations, channel mix, time to decision and release, timeouts, joint
    examinations and re-routings of the declarations accepted in the period."""
    figures = kpi_report(_records(url, start, end), office=office, agency=agency)
    if format is Format.JSON:
        sys.stdout.write(json.dumps(figures.to_json(), indent=2) + "\n")
    elif format is Format.CSV:
        sys.stdout.write(kpi_csv(figures))
    else:
        sys.stdout.write(kpi_text(figures))


@report_app.command("profiles")
def profiles_command(
    start: FromOption,
    end: ToOption,
    agency: AgencyOption = None,
    format: FormatOption = Format.TEXT,
    review_only: Annotated[
        bool, typer.Option("--review-only", help="Only the profiles flagged for review.")
    ] = False,
    url: UrlOption = None,
) -> None:
    """Each profile version's (and random selection's) hits, controls, hit rate and value
    recovered, flagged for review against registers/effectiveness.yaml."""
    folder = Settings.from_env().registers_dir
    try:
        thresholds = load_review_thresholds(
            None if folder is None else folder / "effectiveness.yaml"
        )
    except HubError as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        raise typer.Exit(code=2) from None
    rows = performance_report(
        _records(url, start, end), thresholds, agency=agency, review_only=review_only
    )
    if format is Format.JSON:
        sys.stdout.write(json.dumps([profile_json(r) for r in rows], indent=2) + "\n")
    elif format is Format.CSV:
        sys.stdout.write(profiles_csv(rows))
    else:
        sys.stdout.write(profiles_text(rows))
