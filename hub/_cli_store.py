"""The store and the user at the command line, for ``hub partner`` and ``hub exchange``.

Both groups write the hub's store from an operator's shell: it is opened as
``hub serve`` would open it (migrated when embedded), database failures are
said in words with the exit code 2 of a usage error, and the login name is
the actor the audit trail records. The user is read here, at the edge.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import HubError
from hub.settings import Settings
from hub.store import Store

__all__ = ["cli_actor", "cli_store", "fail"]


def fail(message: str, code: int = 2) -> NoReturn:
    """Say ``message`` on stderr and exit with ``code`` (2: the command could not run)."""
    sys.stderr.write(f"ERROR {message}\n")
    raise typer.Exit(code=code)


def cli_actor() -> str:
    """The audit trail's actor for this shell's user: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in some containers
        return "cli:unknown"


@contextmanager
def cli_store() -> Iterator[tuple[Store, Settings]]:
    """The hub's store (migrated when embedded, as ``hub serve`` would) and its settings."""
    try:
        settings = Settings.from_env()
        store = Store.open(settings.database_url, migrate=settings.embedded)
    except (HubError, SQLAlchemyError) as exc:
        fail(f"cannot open the database: {exc}")
    try:
        yield store, settings
    except SQLAlchemyError as exc:
        fail(f"the database refused: {exc}; has `hub db upgrade` run?")
    finally:
        store.close()
