"""``hub profiles``: check, list, sync, activate, retire, history, show and back-test profiles.

Officers change their agency's rules as files; these commands check them,
bring them into the registry, move them through the life cycle (recording who
and why) and back-test them on past messages or on the declarations the hub
accepted, with the control results the hub holds on them (hit rate, value
recovered), a draft beside the active profile it would replace (``--compare``).
The clock is read here, at the edge, and handed to the registry as ``at``.

The registry is the hub's database (``HUB_DATABASE_URL``, the API's too), so
both edges change one record; ``--registry DIR`` uses a file registry
instead, and ``import-registry DIR`` brings one into the database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml

from hub.agency import Agency, default_agencies_dir, load_agency
from hub.errors import HubError, IngestError, InvalidProfile, RegistryError
from hub.ingest import read
from hub.model import Declaration
from hub.rules.backtest import BacktestResult, ProfileHits, backtest
from hub.rules.comparison import Basis, replaced
from hub.rules.comparison import compare as compare_hits
from hub.rules.lifecycle import rules_hash
from hub.rules.outcomes import Outcome, recorded_outcomes
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.reference import ReferenceData
from hub.rules.registry import FileRegistry, ProfileRegistry
from hub.rules.ruleset import RuleSet
from hub.rules.sync import read_profile_files, sync

if TYPE_CHECKING:
    from hub.store import Store
    from hub.store.profile_registry import DatabaseRegistry

__all__ = ["profiles_app"]

profiles_app = typer.Typer(
    name="profiles",
    help="Risk profiles: check, list, sync, activate, retire, history, show, back-test, import.",
    no_args_is_help=True,
    add_completion=False,
)

Registry = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        help="A file registry folder (default: the hub's database, $HUB_DATABASE_URL).",
    ),
]
Agencies = Annotated[
    Path | None,
    typer.Option("--agencies", help="The agencies folder (default: agencies/ of the hub)."),
]
By = Annotated[str, typer.Option("--by", help="Who makes the change (recorded).")]
_MESSAGE_SUFFIXES = {".xml", ".edi", ".edifact", ".txt"}
_SHOWN = 10  # rows of a per-office or per-commodity count printed as text


@contextmanager
def _registry(path: Path | None) -> Iterator[ProfileRegistry]:
    """The file registry at ``path`` when given, else the hub's database (migrated when
    embedded, as ``hub serve`` would; a server's database is migrated by ``hub db upgrade``)."""
    if path is not None:
        yield FileRegistry(path)
        return
    with _database() as registry:
        yield registry


@contextmanager
def _database() -> Iterator[DatabaseRegistry]:
    from sqlalchemy.exc import SQLAlchemyError

    from hub.settings import Settings
    from hub.store import Store
    from hub.store.profile_registry import DatabaseRegistry

    settings = Settings.from_env()
    try:
        store = Store.open(settings.database_url, migrate=settings.embedded)
    except SQLAlchemyError as exc:
        raise _fail(f"cannot open the database: {exc}") from None
    try:
        yield DatabaseRegistry(store)
    except SQLAlchemyError as exc:
        raise _fail(f"the database refused: {exc}; has `hub db upgrade` run?") from None
    finally:
        store.close()


def _where(registry: ProfileRegistry) -> str:
    return str(registry.root) if isinstance(registry, FileRegistry) else "the database"


def _fail(message: str, code: int = 1) -> typer.Exit:
    sys.stderr.write(message + "\n")
    return typer.Exit(code=code)


def _agencies_root(path: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    if (path / "agency.yaml").is_file():
        return path.parent
    if path.is_dir() and any((d / "agency.yaml").is_file() for d in path.iterdir()):
        return path
    return default_agencies_dir()


def _agencies(root: Path) -> tuple[dict[str, Agency], list[HubError]]:
    """Every agency folder under ``root``; one that does not load is an error, not a crash."""
    loaded: dict[str, Agency] = {}
    errors: list[HubError] = []
    if not root.is_dir():
        return loaded, errors
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and (folder / "agency.yaml").is_file():
            try:
                loaded[folder.name] = load_agency(folder)
            except HubError as exc:
                errors.append(exc)
    return loaded, errors


def _agency_references(root: Path) -> tuple[dict[str, ReferenceData], list[HubError]]:
    """Each agency's reference lists, by agency name."""
    loaded, errors = _agencies(root)
    return {name: agency.references for name, agency in loaded.items()}, errors


def _compiles(references: dict[str, ReferenceData]) -> Callable[[RiskProfile], None]:
    """A profile must compile against its agency's reference lists (names, kinds, CEL)."""

    def check(profile: RiskProfile) -> None:
        lists = references.get(profile.owner)
        if lists is not None:
            RuleSet.compile([profile], lists, statuses=tuple(ProfileStatus))

    return check


def _error(exc: HubError) -> dict[str, object]:
    where = {key: getattr(exc, key) for key in ("file", "line", "field") if hasattr(exc, key)}
    return {"kind": type(exc).__name__, "message": getattr(exc, "message", str(exc)), **where}


@profiles_app.command()
def check(
    paths: Annotated[
        list[Path], typer.Argument(help="Profile files, folders of them, agency folders.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    agencies: Agencies = None,
) -> None:
    """Load each profile file as the hub would: OK, or the file, line and field at fault."""
    failed = 0
    for path in paths:
        references, errors = _agency_references(_agencies_root(path, agencies))
        files = read_profile_files(path, check=_compiles(references))
        problems: list[HubError] = [*errors, *files.refused]
        failed += len(problems)
        for file, profiles in files.accepted:
            if as_json:
                listed = [{"id": p.id, "version": p.version, "status": p.status} for p in profiles]
                print(json.dumps({"file": str(file), "profiles": listed}))
            else:
                names = ", ".join(f"{p.id} v{p.version} ({p.status.value})" for p in profiles)
                print(f"OK    {file}  {names}")
        for problem in problems:
            print(json.dumps({"error": _error(problem)}) if as_json else f"ERROR {problem}")
    if failed:
        raise typer.Exit(code=1)


@profiles_app.command("list")
def list_(
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency's.")] = None,
    status: Annotated[
        list[ProfileStatus] | None, typer.Option("--status", help="Only these statuses.")
    ] = None,
    registry: Registry = None,
) -> None:
    """The profile versions in force, one line each: id, version, status, owner, channel, title."""
    with _registry(registry) as store:
        profiles = store.current(owner=agency, statuses=tuple(status or ProfileStatus))
        where = _where(store)
    if not profiles:
        print(f"no profiles in {where}; bring them in with `hub profiles sync`")
        return
    width = max(len(p.id) for p in profiles)
    for p in profiles:
        print(
            f"{p.id:<{width}}  v{p.version:<3} {p.status.value:<8} {p.owner:<10}"
            f" {p.channel.value:<7} {p.title}"
        )


@profiles_app.command("sync")
def sync_(by: By, agencies: Agencies = None, registry: Registry = None) -> None:
    """Record each changed profile file of the agencies as a new version; refuse broken files.

    A running hub keeps selecting with the file's version until the registry records an
    activation or a retirement of the id; from then on the registry decides (hub.rules.overlay).
    """
    root = agencies or default_agencies_dir()
    references, errors = _agency_references(root)
    with _registry(registry) as store:
        report = sync(store, root, by=by, at=datetime.now(UTC), check=_compiles(references))
    for profile in report.published:
        print(f"recorded {profile.id} v{profile.version} ({profile.status.value})")
    for note in report.notes:
        print(f"note     {note}")
    for problem in [*errors, *report.refused]:
        print(f"REFUSED  {problem}")
    refused = len(errors) + len(report.refused)
    print(f"{len(report.published)} recorded, {len(report.unchanged)} unchanged, {refused} refused")
    if refused:
        raise typer.Exit(code=1)


def _set_status(
    profile_id: str, status: ProfileStatus, by: str, reason: str | None, registry: Path | None
) -> None:
    with _registry(registry) as store:
        try:
            before = store.get(profile_id)
            after = store.set_status(profile_id, status, by=by, at=datetime.now(UTC), reason=reason)
        except RegistryError as exc:
            raise _fail(f"refused: {exc}") from None
    print(
        f"{after.id} v{after.version} is {after.status.value} (was v{before.version}, "
        f"{before.status.value})"
    )


Reason = Annotated[str | None, typer.Option("--reason", help="Why (recorded).")]


@profiles_app.command()
def activate(profile_id: str, by: By, reason: Reason = None, registry: Registry = None) -> None:
    """Make a profile in testing active: refused unless a back-test of its rules is recorded."""
    _set_status(profile_id, ProfileStatus.ACTIVE, by, reason, registry)


@profiles_app.command("test")
def test_(profile_id: str, by: By, reason: Reason = None, registry: Registry = None) -> None:
    """Put a draft (or retired) profile into testing, where back-tests and shadow runs cover it."""
    _set_status(profile_id, ProfileStatus.TESTING, by, reason, registry)


@profiles_app.command()
def retire(
    profile_id: str,
    by: By,
    reason: Annotated[str, typer.Option("--reason", help="Why it is retired (recorded).")],
    registry: Registry = None,
) -> None:
    """Stop a profile selecting goods; its versions stay readable."""
    _set_status(profile_id, ProfileStatus.RETIRED, by, reason, registry)


@profiles_app.command()
def history(profile_id: str, registry: Registry = None) -> None:
    """Every recorded change of a profile: when, who, what, which version."""
    with _registry(registry) as store:
        changes = store.changes(profile_id)
    if not changes:
        raise _fail(f"no changes recorded for {profile_id}")
    for c in changes:
        print(f"{c.at.isoformat()}  {c.by:<12} {c.action.value:<8} v{c.version:<3} {c.detail}")


@profiles_app.command()
def show(
    profile_id: str,
    version: Annotated[int | None, typer.Option("--version", help="Default: the latest.")] = None,
    registry: Registry = None,
) -> None:
    """One recorded version, as a profile file that loads again."""
    with _registry(registry) as store:
        try:
            profile = store.get(profile_id, version)
        except RegistryError as exc:
            raise _fail(str(exc)) from None
        changes = store.changes(profile_id)
    for c in changes:
        if c.version == profile.version and c.action.value != "backtest":
            print(f"# v{c.version}: {c.action.value} by {c.by} at {c.at.isoformat()}: {c.detail}")
    data = profile.model_dump(mode="json", by_alias=True)
    print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), end="")


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
        raise _fail(expected)
    read_back: dict[str, Outcome] = {}
    for key, value in given.items():
        if isinstance(value, bool):
            read_back[key] = Outcome(found=value)
        elif isinstance(value, dict) and isinstance(value.get("found"), bool):
            try:
                recovered = Decimal(str(value.get("value_recovered", 0)))
            except InvalidOperation:
                raise _fail(expected) from None
            read_back[key] = Outcome(found=value["found"], value_recovered=recovered)
        else:
            raise _fail(expected)
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
            raise _fail(f"cannot open the database: {exc}") from None
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
        files = read_profile_files(path, check=_compiles(references))
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
        raise _fail("--compare needs one profile (a recorded id, or a file of one)")
    draft = profiles[0]
    return replaced(draft, registry.versions(draft.id), registry.current(owner=draft.owner))


@profiles_app.command("backtest")
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
        _registry(registry) if needed else nullcontext()
    )
    with opened as store, _hub_store(create=from_store) as hub_store:
        loaded, errors = _agencies(agencies or default_agencies_dir())
        references = {name: agency.references for name, agency in loaded.items()}
        profiles, refused = _profiles(profile_or_dir, store, references, version)
        for problem in [*errors, *refused]:
            sys.stderr.write(f"ERROR {problem}\n")
        if not profiles:
            raise _fail("no profile to back-test")
        active, basis = _replaced(store, profiles) if compare else ([], Basis.SAME_ID)
        if against is not None:
            declarations, skipped = _read_all(against)
            source = str(against)
        elif period is not None and hub_store is not None:
            declarations, skipped = hub_store.declarations_accepted(*period), []
            source = f"the hub's declarations accepted {start} to {end}"
        else:  # --from-store opens the hub's store or fails
            raise _fail("no declarations to back-test on")
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
            raise _fail(f"ERROR {exc}") from None
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


@profiles_app.command("import-registry")
def import_registry(
    directory: Annotated[
        Path,
        typer.Argument(
            help="A file registry folder (e.g. var/registry).", exists=True, file_okay=False
        ),
    ],
    by: By,
) -> None:
    """Copy a file registry into the hub's database: versions, change log and back-tests as
    recorded. Profiles already imported are left alone; another history of one is refused."""
    with _database() as database:
        try:
            report = database.import_from(FileRegistry(directory), by=by, at=datetime.now(UTC))
        except RegistryError as exc:
            raise _fail(f"refused: {exc}") from None
    for profile_id in report.imported:
        print(f"imported {profile_id}")
    for profile_id in report.already:
        print(f"already  {profile_id}")
    print(
        f"{len(report.imported)} profile(s) imported: {report.versions} version(s),"
        f" {report.changes} change(s), {report.backtests} back-test(s);"
        f" {len(report.already)} already in the database"
    )
