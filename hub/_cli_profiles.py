"""``hub profiles``: check, list, sync, activate, retire, history, show and back-test profiles.

Officers change their agency's rules as files; these commands check them,
bring them into the registry, move them through the life cycle (recording who
and why) and back-test them on past messages. The clock is read here, at the
edge, and handed to the registry as ``at``.

The registry is the hub's database (``HUB_DATABASE_URL``, the API's too), so
both edges change one record; ``--registry DIR`` uses a file registry
instead, and ``import-registry DIR`` brings one into the database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml

from hub.agency import Agency, default_agencies_dir, load_agency
from hub.errors import HubError, IngestError, InvalidProfile, RegistryError
from hub.ingest import read
from hub.model import Declaration
from hub.rules.backtest import BacktestResult, backtest
from hub.rules.lifecycle import rules_hash
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.reference import ReferenceData
from hub.rules.registry import FileRegistry, ProfileRegistry
from hub.rules.ruleset import RuleSet
from hub.rules.sync import read_profile_files, sync

if TYPE_CHECKING:
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


def _outcomes(path: Path | None, declarations: Sequence[Declaration]) -> dict[str, bool]:
    """Control results from a JSON object: declaration id or functional reference -> found."""
    if path is None:
        return {}
    given = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(given, dict) or not all(isinstance(v, bool) for v in given.values()):
        raise _fail(f"{path}: expected a JSON object of reference -> true/false")
    found: dict[str, bool] = {}
    for d in declarations:
        for key in (d.id, d.functional_reference):
            if key is not None and key in given:
                found[d.id] = given[key]
    return found


def _report(result: BacktestResult, source: Path, skipped: int) -> None:
    lines = result.lines(top=_SHOWN)
    unreadable = f" ({skipped} unreadable message(s) skipped)" if skipped else ""
    print(f"Back-test on {lines[0]} from {source}{unreadable}")
    print("\n".join(lines[1:]))


def _record(
    store: ProfileRegistry, result: BacktestResult, by: str, at: datetime
) -> tuple[list[str], list[str]]:
    recorded: list[str] = []
    failed: list[str] = []
    for h in result.profiles:
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
    source: str, registry: ProfileRegistry | None, references: dict[str, ReferenceData]
) -> tuple[list[RiskProfile], list[HubError]]:
    path = Path(source)
    if path.exists() or registry is None:
        files = read_profile_files(path, check=_compiles(references))
        return files.profiles, list(files.refused)
    try:
        return [registry.get(source)], []
    except RegistryError as exc:
        return [], [exc]


@profiles_app.command("backtest")
def backtest_(
    profile_or_dir: Annotated[
        str, typer.Argument(help="A profile file, a folder of them, or a recorded profile id.")
    ],
    against: Annotated[
        Path,
        typer.Option("--against", help="Messages (a folder, searched recursively).", exists=True),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    record: Annotated[
        bool, typer.Option("--record", help="Record it as evidence for activation.")
    ] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who records it (with --record).")] = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes",
            help="JSON: declaration id or reference -> did its control find something.",
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
    """What profiles would have selected in past messages: hits, shares, offices, commodities."""
    if record and not by:
        raise typer.BadParameter("--record needs --by", param_hint="--by")
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
    needed = record or registry is not None or not Path(profile_or_dir).exists()
    opened: AbstractContextManager[ProfileRegistry | None] = (
        _registry(registry) if needed else nullcontext()
    )
    with opened as store:
        loaded, errors = _agencies(agencies or default_agencies_dir())
        references = {name: agency.references for name, agency in loaded.items()}
        profiles, refused = _profiles(profile_or_dir, store, references)
        for problem in [*errors, *refused]:
            sys.stderr.write(f"ERROR {problem}\n")
        if not profiles:
            raise _fail("no profile to back-test")
        declarations, skipped = _read_all(against)
        lists = ReferenceData([lst for refs in references.values() for lst in refs.values()])
        try:
            result = backtest(
                profiles,
                declarations,
                lists,
                at=moment,
                outcomes=_outcomes(outcomes, declarations),
                agencies={name: agency.spec for name, agency in loaded.items()},
            )
        except (InvalidProfile, ValueError) as exc:
            raise _fail(f"ERROR {exc}") from None
        recorded, failed = (
            _record(store, result, by, datetime.now(UTC))
            if record and by and store is not None
            else ([], [])
        )
    if as_json:
        print(
            json.dumps(
                {
                    "result": result.model_dump(mode="json"),
                    "skipped": skipped,
                    "recorded": recorded,
                    "not_recorded": failed,
                }
            )
        )
    else:
        _report(result, against, len(skipped))
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
