"""``hub profiles backtest``: what profiles would have selected in past declarations.

A back-test reads its declarations from message folders (``--against``) or
from those the hub accepted in a period (``--from-store --from --to``), takes
control outcomes from a file (``--outcomes``) over those the hub holds,
reports hits, shares, offices, commodities, hit rate and value recovered,
sets a draft beside the active profile it would replace (``--compare``) and
may record itself in the registry as evidence for activation (``--record``).
That is a concept of its own, so it lives apart from the life-cycle commands.

:func:`backtest_` is a plain function: ``_cli_profiles`` registers it on
``profiles_app`` in plain sight, in the place its help lists it. This module
takes the registry, agency and failure helpers from ``_cli_registry``, which
imports neither command module, so there is no import cycle. The clock is read
here, at the edge.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub._cli_registry import Agencies, Registry, compiles, fail, open_registry, read_agencies
from hub.agency import default_agencies_dir
from hub.errors import HubError, IngestError, InvalidProfile, RegistryError
from hub.ingest import read
from hub.model import Declaration
from hub.rules.backtest import BacktestResult, ProfileHits, backtest
from hub.rules.comparison import Basis, replaced
from hub.rules.comparison import compare as compare_hits
from hub.rules.lifecycle import rules_hash
from hub.rules.outcomes import Outcome, recorded_outcomes
from hub.rules.profile import RiskProfile
from hub.rules.reference import ReferenceData
from hub.rules.registry import ProfileRegistry
from hub.rules.sync import read_profile_files

if TYPE_CHECKING:
    from hub.store import Store

__all__ = ["backtest_"]

_MESSAGE_SUFFIXES = {".xml", ".edi", ".edifact", ".txt"}
_SHOWN = 10  # rows of a per-office or per-commodity count printed as text


def _messages(directory: Path) -> Iterator[Path]:
    if directory.is_file():
        yield directory
        return
    yield from sorted(
        p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in _MESSAGE_SUFFIXES
    )


def _read_all(directory: Path) -> tuple[list[Declaration], list[dict[str, str]]]:
    declarations: list[Declaration] = []
    skipped: list[dict[str, str]] = []
    for path in _messages(directory):
        try:
            declarations.append(read(path.read_bytes()))
        except (IngestError, OSError) as exc:
            skipped.append({"file": str(path), "error": str(exc)})
    return declarations, skipped


def _outcomes(path: Path | None, declarations: Sequence[Declaration]) -> dict[str, Outcome]:
    """Control outcomes from a JSON object: declaration id or functional reference -> found
    (true/false), or -> {"found": ..., "value_recovered": ...}."""
    if path is None:
        return {}
    given = json.loads(path.read_text(encoding="utf-8"))
    expected = f"{path}: expected a JSON object of reference -> true/false or {{found, value}}"
    if not isinstance(given, dict):
        raise fail(expected)
    read_back: dict[str, Outcome] = {}
    for key, value in given.items():
        if isinstance(value, bool):
            read_back[key] = Outcome(found=value)
        elif isinstance(value, dict) and isinstance(value.get("found"), bool):
            try:
                recovered = Decimal(str(value.get("value_recovered", 0)))
            except InvalidOperation:
                raise fail(expected) from None
            read_back[key] = Outcome(found=value["found"], value_recovered=recovered)
        else:
            raise fail(expected)
    found: dict[str, Outcome] = {}
    for d in declarations:
        for key in (d.id, d.functional_reference):
            if key is not None and key in read_back:
                found[d.id] = read_back[key]
    return found


@contextmanager
def _hub_store(create: bool) -> Iterator[Store | None]:
    """The hub's store, for its declarations and control results; ``None`` when it does not
    exist yet and ``create`` is false (back-testing files must not create a database)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from hub.settings import Settings
    from hub.store import Store

    settings = Settings.from_env()
    url = make_url(settings.database_url)
    missing = not url.database or url.database == ":memory:" or not Path(url.database).exists()
    if not create and url.get_backend_name() == "sqlite" and missing:
        yield None
        return
    try:
        store = Store.open(settings.database_url, migrate=create and settings.embedded)
    except SQLAlchemyError as exc:
        if create:
            raise fail(f"cannot open the database: {exc}") from None
        sys.stderr.write(f"note: control results not read, the database is unreachable: {exc}\n")
        yield None
        return
    try:
        yield store
    finally:
        store.close()


def _recorded(
    store: Store | None, declarations: Sequence[Declaration], owners: Sequence[str]
) -> dict[str, dict[str, Outcome]]:
    """Each owner's outcomes from the controls recorded in the hub on these declarations."""
    from sqlalchemy.exc import SQLAlchemyError

    if store is None:
        return {}
    try:
        return recorded_outcomes(store, [d.id for d in declarations], owners)
    except SQLAlchemyError as exc:
        sys.stderr.write(f"note: control results not read: {exc}\n")
        return {}


def _period(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """``--from``/``--to`` (days, both included) as the moments ``[start, end)`` in UTC."""
    days: list[date] = []
    for value, hint in ((start, "--from"), (end, "--to")):
        if value is None:
            raise typer.BadParameter("--from-store needs --from and --to", param_hint=hint)
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            raise typer.BadParameter(
                f"{value!r} is not a day (YYYY-MM-DD)", param_hint=hint
            ) from None
    first, last = days
    if last < first:
        raise typer.BadParameter("--to is before --from", param_hint="--to")
    begin = datetime.combine(first, time(), tzinfo=UTC)
    return begin, datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)


def _report(result: BacktestResult, source: str, skipped: int) -> None:
    lines = result.lines(top=_SHOWN)
    unreadable = f" ({skipped} unreadable message(s) skipped)" if skipped else ""
    print(f"Back-test on {lines[0]} from {source}{unreadable}")
    print("\n".join(lines[1:]))
    print(f"control outcomes known for {result.outcomes_known} declaration(s)")


def _record(
    store: ProfileRegistry,
    result: BacktestResult,
    by: str,
    at: datetime,
    hits: Sequence[ProfileHits] | None = None,
) -> tuple[list[str], list[str]]:
    recorded: list[str] = []
    failed: list[str] = []
    for h in result.profiles if hits is None else hits:
        match = next(
            (p for p in reversed(store.versions(h.profile_id)) if rules_hash(p) == h.rules_hash),
            None,
        )
        if match is None:
            failed.append(f"{h.profile_id}: these rules are not in the registry; sync them first")
            continue
        try:
            store.record_backtest(h.profile_id, match.version, result, by=by, at=at)
        except RegistryError as exc:
            failed.append(str(exc))
            continue
        recorded.append(f"{h.profile_id} v{match.version}")
    return recorded, failed


def _profiles(
    source: str,
    registry: ProfileRegistry | None,
    references: dict[str, ReferenceData],
    version: int | None,
) -> tuple[list[RiskProfile], list[HubError]]:
    path = Path(source)
    if path.exists() or registry is None:
        files = read_profile_files(path, check=compiles(references))
        return files.profiles, list(files.refused)
    try:
        return [registry.get(source, version)], []
    except RegistryError as exc:
        return [], [exc]


def _replaced(
    registry: ProfileRegistry | None, profiles: Sequence[RiskProfile]
) -> tuple[list[RiskProfile], Basis]:
    """For --compare: the active profiles the one draft would replace."""
    if registry is None or len(profiles) != 1:
        raise fail("--compare needs one profile (a recorded id, or a file of one)")
    draft = profiles[0]
    return replaced(draft, registry.versions(draft.id), registry.current(owner=draft.owner))


def backtest_(
    profile_or_dir: Annotated[
        str, typer.Argument(help="A profile file, a folder of them, or a recorded profile id.")
    ],
    against: Annotated[
        Path | None,
        typer.Option("--against", help="Messages (a folder, searched recursively).", exists=True),
    ] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store", help="Back-test over the declarations the hub accepted (--from, --to)."
        ),
    ] = False,
    start: Annotated[
        str | None, typer.Option("--from", help="With --from-store: first day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="With --from-store: last day, included.")
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare", help="Set the draft beside the active profile(s) it would replace."
        ),
    ] = False,
    version: Annotated[
        int | None, typer.Option("--version", help="Of a recorded id (default: the latest).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    record: Annotated[
        bool, typer.Option("--record", help="Record it as evidence for activation.")
    ] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who records it (with --record).")] = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes",
            help="JSON: declaration id or reference -> did its control find something"
            " (overrides the hub's recorded control results for those declarations).",
            exists=True,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="Judge validity windows at this ISO 8601 moment (default: ignore them)."
        ),
    ] = None,
    agencies: Agencies = None,
    registry: Registry = None,
) -> None:
    """What profiles would have selected in past declarations: hits, shares, offices,
    commodities; hit rate and value recovered where the hub holds control results."""
    if record and not by:
        raise typer.BadParameter("--record needs --by", param_hint="--by")
    if (against is None) == (not from_store):
        raise typer.BadParameter("give --against DIR or --from-store", param_hint="--against")
    period = _period(start, end) if from_store else None
    moment = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise typer.BadParameter(
                f"{at!r} is not an ISO 8601 moment", param_hint="--at"
            ) from None
        if moment.tzinfo is None:
            raise typer.BadParameter(
                "give the offset, e.g. 2026-01-05T00:00:00Z", param_hint="--at"
            )
    # Files back-tested without --record need no registry: do not create a database for them.
    needed = record or compare or registry is not None or not Path(profile_or_dir).exists()
    opened: AbstractContextManager[ProfileRegistry | None] = (
        open_registry(registry) if needed else nullcontext()
    )
    with opened as store, _hub_store(create=from_store) as hub_store:
        loaded, errors = read_agencies(agencies or default_agencies_dir())
        references = {name: agency.references for name, agency in loaded.items()}
        profiles, refused = _profiles(profile_or_dir, store, references, version)
        for problem in [*errors, *refused]:
            sys.stderr.write(f"ERROR {problem}\n")
        if not profiles:
            raise fail("no profile to back-test")
        active, basis = _replaced(store, profiles) if compare else ([], Basis.SAME_ID)
        if against is not None:
            declarations, skipped = _read_all(against)
            source = str(against)
        elif period is not None and hub_store is not None:
            declarations, skipped = hub_store.declarations_accepted(*period), []
            source = f"the hub's declarations accepted {start} to {end}"
        else:  # --from-store opens the hub's store or fails
            raise fail("no declarations to back-test on")
        owners = [p.owner for p in [*profiles, *active]]
        given = _outcomes(outcomes, declarations)
        known = {
            owner: {**found, **given}
            for owner, found in _recorded(hub_store, declarations, owners).items()
        }
        lists = ReferenceData([lst for refs in references.values() for lst in refs.values()])
        try:
            result = backtest(
                [*profiles, *active],
                declarations,
                lists,
                at=moment,
                outcomes=given,
                owner_outcomes=known,
                agencies={name: agency.spec for name, agency in loaded.items()},
            )
        except (InvalidProfile, ValueError) as exc:
            raise fail(f"ERROR {exc}") from None
        comparison = (
            compare_hits(
                result.profiles[0],
                result.profiles[1:],
                basis,
                known.get(profiles[0].owner, given),
            )
            if compare
            else None
        )
        tested = result.profiles[:1] if compare else result.profiles
        recorded, failed = (
            _record(store, result, by, datetime.now(UTC), tested)
            if record and by and store is not None
            else ([], [])
        )
    if as_json:
        print(
            json.dumps(
                {
                    "result": result.model_dump(mode="json"),
                    "comparison": comparison.model_dump(mode="json") if comparison else None,
                    "skipped": skipped,
                    "recorded": recorded,
                    "not_recorded": failed,
                }
            )
        )
    else:
        _report(result, source, len(skipped))
        if comparison is not None:
            print()
            print("\n".join(comparison.lines()))
        for line in recorded:
            print(f"recorded back-test of {line} by {by}")
    for line in failed:
        sys.stderr.write(f"NOT RECORDED {line}\n")
    if errors or refused or failed:
        raise typer.Exit(code=1)
