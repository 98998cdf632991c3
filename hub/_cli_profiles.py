"""``hub profiles``: check, list, sync, activate, retire, history, show and back-test profiles.

Officers change their agency's rules as files; these commands check them,
bring them into the registry, move them through the life cycle (recording who
and why) and bring a file registry into the database (``import-registry DIR``).
The clock is read here, at the edge, and handed to the registry as ``at``.

The back-test is a concept of its own and lives in ``_cli_backtest``; it is
registered on ``profiles_app`` below, in plain sight and in the place the help
lists it, rather than by a side effect of importing that module. The helpers
both modules need (opening the registry, reading the agencies, failing) live
in ``_cli_registry``, which imports neither, so there is no import cycle.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import yaml

from hub._cli_backtest import backtest_
from hub._cli_registry import (
    Agencies,
    Registry,
    compiles,
    fail,
    open_database,
    open_registry,
    read_agencies,
)
from hub.agency import default_agencies_dir
from hub.errors import HubError, RegistryError
from hub.rules.profile import ProfileStatus
from hub.rules.reference import ReferenceData
from hub.rules.registry import FileRegistry, ProfileRegistry
from hub.rules.sync import read_profile_files, sync

__all__ = ["profiles_app"]

profiles_app = typer.Typer(
    name="profiles",
    help="Risk profiles: check, list, sync, activate, retire, history, show, back-test, import.",
    no_args_is_help=True,
    add_completion=False,
)

By = Annotated[str, typer.Option("--by", help="Who makes the change (recorded).")]


def _where(registry: ProfileRegistry) -> str:
    return str(registry.root) if isinstance(registry, FileRegistry) else "the database"


def _agencies_root(path: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    if (path / "agency.yaml").is_file():
        return path.parent
    if path.is_dir() and any((d / "agency.yaml").is_file() for d in path.iterdir()):
        return path
    return default_agencies_dir()


def _agency_references(root: Path) -> tuple[dict[str, ReferenceData], list[HubError]]:
    """Each agency's reference lists, by agency name."""
    loaded, errors = read_agencies(root)
    return {name: agency.references for name, agency in loaded.items()}, errors


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
        files = read_profile_files(path, check=compiles(references))
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
    with open_registry(registry) as store:
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
    with open_registry(registry) as store:
        report = sync(store, root, by=by, at=datetime.now(UTC), check=compiles(references))
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
    with open_registry(registry) as store:
        try:
            before = store.get(profile_id)
            after = store.set_status(profile_id, status, by=by, at=datetime.now(UTC), reason=reason)
        except RegistryError as exc:
            raise fail(f"refused: {exc}") from None
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
    with open_registry(registry) as store:
        changes = store.changes(profile_id)
    if not changes:
        raise fail(f"no changes recorded for {profile_id}")
    for c in changes:
        print(f"{c.at.isoformat()}  {c.by:<12} {c.action.value:<8} v{c.version:<3} {c.detail}")


@profiles_app.command()
def show(
    profile_id: str,
    version: Annotated[int | None, typer.Option("--version", help="Default: the latest.")] = None,
    registry: Registry = None,
) -> None:
    """One recorded version, as a profile file that loads again."""
    with open_registry(registry) as store:
        try:
            profile = store.get(profile_id, version)
        except RegistryError as exc:
            raise fail(str(exc)) from None
        changes = store.changes(profile_id)
    for c in changes:
        if c.version == profile.version and c.action.value != "backtest":
            print(f"# v{c.version}: {c.action.value} by {c.by} at {c.at.isoformat()}: {c.detail}")
    data = profile.model_dump(mode="json", by_alias=True)
    print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), end="")


# Registered here, between show and import-registry, where the help lists it.
profiles_app.command("backtest")(backtest_)


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
    with open_database() as database:
        try:
            report = database.import_from(FileRegistry(directory), by=by, at=datetime.now(UTC))
        except RegistryError as exc:
            raise fail(f"refused: {exc}") from None
    for profile_id in report.imported:
        print(f"imported {profile_id}")
    for profile_id in report.already:
        print(f"already  {profile_id}")
    print(
        f"{len(report.imported)} profile(s) imported: {report.versions} version(s),"
        f" {report.changes} change(s), {report.backtests} back-test(s);"
        f" {len(report.already)} already in the database"
    )
