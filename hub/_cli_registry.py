"""The profile registry and the agencies at the command line, for ``hub profiles``.

``hub profiles`` (``_cli_profiles``) and its back-test (``_cli_backtest``) both
open the registry, read the agency folders, compile profiles against their
agency's reference lists and fail in the same words; that lives here, once.
This module imports neither command module, so ``_cli_backtest`` takes its
helpers from here and ``_cli_profiles`` can import and register its back-test
command without an import cycle.

The registry is the hub's database (``HUB_DATABASE_URL``, the API's too), so
both edges change one record; ``--registry DIR`` uses a file registry
instead. Unlike ``_cli_store.fail``, :func:`fail` returns the exit for the
caller to raise, with code 1: the command ran and refused.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.agency import Agency, load_agency
from hub.errors import HubError
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.reference import ReferenceData
from hub.rules.registry import FileRegistry, ProfileRegistry
from hub.rules.ruleset import RuleSet

if TYPE_CHECKING:
    from hub.store.profile_registry import DatabaseRegistry

__all__ = [
    "Agencies",
    "Registry",
    "compiles",
    "fail",
    "open_database",
    "open_registry",
    "read_agencies",
]

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


@contextmanager
def open_registry(path: Path | None) -> Iterator[ProfileRegistry]:
    """The file registry at ``path`` when given, else the hub's database (migrated when
    embedded, as ``hub serve`` would; a server's database is migrated by ``hub db upgrade``)."""
    if path is not None:
        yield FileRegistry(path)
        return
    with open_database() as registry:
        yield registry


@contextmanager
def open_database() -> Iterator[DatabaseRegistry]:
    """The registry in the hub's database; database failures become a refusal in words."""
    from sqlalchemy.exc import SQLAlchemyError

    from hub.settings import Settings
    from hub.store import Store
    from hub.store.profile_registry import DatabaseRegistry

    settings = Settings.from_env()
    try:
        store = Store.open(settings.database_url, migrate=settings.embedded)
    except SQLAlchemyError as exc:
        raise fail(f"cannot open the database: {exc}") from None
    try:
        yield DatabaseRegistry(store)
    except SQLAlchemyError as exc:
        raise fail(f"the database refused: {exc}; has `hub db upgrade` run?") from None
    finally:
        store.close()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say ``message`` on stderr; return the exit (``code``) for the caller to raise."""
    sys.stderr.write(message + "\n")
    return typer.Exit(code=code)


def read_agencies(root: Path) -> tuple[dict[str, Agency], list[HubError]]:
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


def compiles(references: dict[str, ReferenceData]) -> Callable[[RiskProfile], None]:
    """A profile must compile against its agency's reference lists (names, kinds, CEL)."""

    def check(profile: RiskProfile) -> None:
        lists = references.get(profile.owner)
        if lists is not None:
            RuleSet.compile([profile], lists, statuses=tuple(ProfileStatus))

    return check
