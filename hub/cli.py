"""The ``hub`` command line.

``hub check`` reads messages exactly as the hub would on submission and says,
per file, what it understood or precisely what is wrong, without storing
anything. The other commands: ``assess``, ``serve``, ``worker``, ``demo``,
``profiles``, ``db``, ``token issue``, ``audit verify``, ``partner``, ``exchange``,
``rating`` and ``report``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub._cli_audit import audit_app
from hub._cli_db import db_app
from hub._cli_demo import demo
from hub._cli_exchange import exchange_app
from hub._cli_partner import partner_app
from hub._cli_profiles import profiles_app
from hub._cli_rating import rating_app
from hub._cli_report import report_app
from hub._cli_serve import serve, worker
from hub._cli_token import token_app
from hub.agency import load_agencies
from hub.assess import Assessor
from hub.decision import Decision
from hub.errors import HubError, IncompleteDeclaration, IngestError
from hub.ingest import Reading, read_with_warnings
from hub.ingest.schemas import SchemaSet, load_schema_set
from hub.orchestrator.submission import decision_context
from hub.settings import Settings

app = typer.Typer(
    name="hub",
    help="Multi-agency single-window hub for border administrations.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(profiles_app, name="profiles")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(partner_app, name="partner")
app.add_typer(exchange_app, name="exchange")
app.add_typer(report_app, name="report")
app.add_typer(rating_app, name="rating")
app.command()(serve)
app.command()(worker)
app.command()(demo)

_MESSAGE_SUFFIXES = {".xml", ".edi", ".edifact", ".txt"}


@app.callback()
def _main() -> None:
    """Multi-agency single-window hub for border administrations."""


def _files(paths: list[Path]) -> Iterator[Path]:
    """Files as given; directories expand to the messages inside them, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _MESSAGE_SUFFIXES
            )
        else:
            yield path


def _summary(reading: Reading) -> str:
    d = reading.declaration
    codes = ", ".join(i.commodity_code or "?" for i in d.goods_items[:5])
    if len(d.goods_items) > 5:
        codes += ", ..."
    origins = ", ".join(sorted({i.origin_country for i in d.goods_items if i.origin_country}))
    parts = [
        d.source_format.value,
        d.type_code or "?",
        d.kind.value if d.kind else "kind ?",
        d.function.value if d.function else "function ?",
        f"ref {d.functional_reference or '?'}",
        f"{len(d.goods_items)} item(s)" + (f" [{codes}]" if codes else ""),
    ]
    if origins:
        parts.append(f"origin {origins}")
    return " | ".join(parts)


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Messages or directories of messages.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line and file.")
    ] = False,
    schemas: Annotated[
        Path | None,
        typer.Option(
            "--schemas",
            help="An administration's XSDs (a file, or a directory of entry schemas).",
            exists=True,
        ),
    ] = None,
) -> None:
    """Read each message as the hub would and report the declaration or the error."""
    schema_set: SchemaSet | None = load_schema_set(str(schemas.resolve())) if schemas else None
    failed = 0
    out = sys.stdout
    for path in _files(files):
        try:
            reading = read_with_warnings(path.read_bytes(), schemas=schema_set)
        except IngestError as exc:
            failed += 1
            if as_json:
                out.write(json.dumps({"file": str(path), "error": exc.to_dict(), "warnings": []}))
                out.write("\n")
            else:
                out.write(f"ERROR {path}\n      {exc}\n")
            continue
        except OSError as exc:
            failed += 1
            error = {"kind": "OSError", "message": exc.strerror or str(exc), "where": str(path)}
            if as_json:
                out.write(json.dumps({"file": str(path), "error": error, "warnings": []}) + "\n")
            else:
                out.write(f"ERROR {path}\n      {error['message']}\n")
            continue
        if as_json:
            record = {
                "file": str(path),
                "declaration": reading.declaration.model_dump(mode="json", exclude_defaults=True),
                "warnings": list(reading.warnings),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(f"OK    {path}\n      {_summary(reading)}\n")
            for warning in reading.warnings:
                out.write(f"      warning: {warning}\n")
    if failed:
        raise typer.Exit(code=1)


@app.command()
def assess(
    files: Annotated[list[Path], typer.Argument(help="Messages or directories of messages.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line and file.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Assess as at this ISO 8601 moment with offset (default: now)."),
    ] = None,
    agencies_dir: Annotated[
        Path | None,
        typer.Option("--agencies", help="The agencies folder (default: agencies/ of the hub)."),
    ] = None,
) -> None:
    """Route each message to its agencies; print reasons, findings and the decision.

    The decision uses the registers in registers/ (or HUB_REGISTERS_DIR: AEO,
    MRA, offices, random rates) with nothing booked yet; random selection runs
    only when the environment gives its secret seed in HUB_RANDOM_SEED.
    """
    try:
        moment = datetime.now(UTC) if at is None else datetime.fromisoformat(at)
    except ValueError:
        raise typer.BadParameter(f"{at!r} is not an ISO 8601 moment", param_hint="--at") from None
    if moment.tzinfo is None:
        raise typer.BadParameter("give the offset, e.g. 2026-11-26T12:00:00Z", param_hint="--at")
    try:
        agencies = load_agencies(agencies_dir)
        assessor = Assessor(agencies)
        # The registers and seed exactly as the serving hub reads them.
        context = decision_context(Settings.from_env(), agencies)
    except HubError as exc:
        sys.stderr.write(f"ERROR agencies: {exc}\n")
        raise typer.Exit(code=2) from None
    for agency in agencies.values():
        for refused in agency.rejected:
            sys.stderr.write(f"warning: {agency.name}: profile refused: {refused}\n")
        for warning in agency.warnings:
            sys.stderr.write(f"warning: {agency.name}: {warning}\n")
    failed = 0
    out = sys.stdout
    for path in _files(files):
        error: dict[str, object] | None = None
        missing: tuple[str, ...] = ()
        try:
            reading = read_with_warnings(path.read_bytes())
            result = assessor.assess(reading.declaration, at=moment)
            decision = result.decide(context, now=moment)
        except IngestError as exc:
            error = {**exc.to_dict()}
        except IncompleteDeclaration as exc:
            missing = exc.missing
            error = {"kind": "IncompleteDeclaration", "message": str(exc), "missing": missing}
        except OSError as exc:
            error = {"kind": "OSError", "message": exc.strerror or str(exc), "where": str(path)}
        if error is not None:
            failed += 1
            if as_json:
                out.write(
                    json.dumps({"file": str(path), "error": error}, ensure_ascii=False) + "\n"
                )
            elif missing:
                out.write(f"REFUSED {path}\n")
                out.writelines(f"      incomplete: {m}\n" for m in missing)
            else:
                out.write(f"ERROR {path}\n      {error['message']}\n")
            continue
        if as_json:
            record = {"file": str(path), **result.to_dict(decision)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(f"OK    {path}\n      {_summary(reading)}\n")
            out.writelines(f"      {line}\n" for line in result.lines())
            if decision is not None:
                out.write(f"      decision: {_decision_line(decision)}\n")
    if failed:
        raise typer.Exit(code=1)


def _decision_line(decision: Decision) -> str:
    words = [decision.channel.value, "released" if decision.released else "not released"]
    if decision.post_clearance_audit:
        words.append("post-clearance audit")
    if decision.pending:
        words.append("pending " + ", ".join(decision.pending))
    exam = decision.examination
    if exam is not None:
        kind = "joint examination" if exam.joint else "examination"
        words.append(
            f"{kind} ({', '.join(exam.agencies)}) {exam.lane.value} at {exam.place}, "
            f"{exam.slot.start.isoformat()}"
        )
    words.extend(f"queued {q.lane.value} #{q.position}" for q in decision.queued)
    return "; ".join(words)
