"""``hub audit verify``: walk the audit trail and name the first broken record.

Exit 0 with the count and the last hash (note them down: a trail cut short at
its end is only visible against an earlier count), 1 naming the first record
whose link or content does not check out.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hub.audit import verify

__all__ = ["audit_app"]

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def verify_command(
    url: Annotated[
        str | None,
        typer.Option("--url", help="Database URL (default: HUB_DATABASE_URL)."),
    ] = None,
) -> None:
    """Check the hash chain of every audit record, first to last."""
    from sqlalchemy.exc import SQLAlchemyError

    from hub.store import Store, database_url, normalise_url

    target = normalise_url(url) if url else database_url()
    try:
        with Store.open(target) as store:
            result = verify(store.audit_trail())
    except SQLAlchemyError as exc:
        sys.stderr.write(f"ERROR cannot read the audit trail: {exc}\n")
        raise typer.Exit(code=2) from None
    if not result.intact:
        sys.stdout.write(
            f"BROKEN at record {result.broken_at}: {result.reason}"
            f" ({result.checked} records before it check out)\n"
        )
        raise typer.Exit(code=1)
    sys.stdout.write(f"intact: {result.checked} records, last hash {result.last_hash}\n")
