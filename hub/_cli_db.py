"""``hub db``: the store's schema, applied by the same migrations the embedded mode runs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

__all__ = ["db_app"]

db_app = typer.Typer(help="The hub's database.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Database URL (default: HUB_DATABASE_URL, else sqlite:///hub.db)."
        ),
    ] = None,
    revision: Annotated[str, typer.Option("--revision", help="Target revision.")] = "head",
) -> None:
    """Apply pending migrations; run once before starting API and workers."""
    # Imported here so commands that never touch the database do not load SQLAlchemy.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from hub.store import database_url, normalise_url, upgrade

    target = normalise_url(url) if url else database_url()
    shown = make_url(target).render_as_string(hide_password=True)
    try:
        upgrade(target, revision)
    except SQLAlchemyError as exc:
        sys.stderr.write(f"ERROR {shown}: {exc}\n")
        raise typer.Exit(code=1) from None
    sys.stdout.write(f"{shown}: at revision {revision}\n")
