"""``hub token issue``: a bearer token for a principal, printed on the last line.

For development, tests and operators: the token is signed with the hub's
key (``HUB_TOKEN_KEY_FILE``, or, embedded, the key beside the SQLite file,
made here if it does not exist yet). Issuing is audited (``token.issued``,
with the token's id, never the token). In production an identity provider
would mint these; the API only verifies them.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from hub.access import Principal, Role, SigningKey, token_key_path
from hub.errors import HubError
from hub.settings import Settings

__all__ = ["token_app"]

token_app = typer.Typer(help="Bearer tokens for the API.", no_args_is_help=True)


@token_app.command("issue")
def issue(
    role: Annotated[Role, typer.Option("--role", help="The principal's role.")],
    party: Annotated[
        list[str] | None,
        typer.Option("--party", help="A trader's party identifier (EORI, TIN); repeatable."),
    ] = None,
    agency: Annotated[str | None, typer.Option("--agency", help="An officer's agency.")] = None,
    office: Annotated[
        list[str] | None, typer.Option("--office", help="An officer's office code; repeatable.")
    ] = None,
    administration: Annotated[
        str | None, typer.Option("--administration", help="A partner administration's code.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Who the token is for (default: the role).")
    ] = None,
    hours: Annotated[float, typer.Option("--hours", min=0.01, help="Validity.")] = 8.0,
) -> None:
    """Print a signed token for the principal described (on the last line)."""
    try:
        settings = Settings.from_env()
        _check_agency(settings, agency)
        principal = Principal(
            subject=subject or role.value,
            role=role,
            parties=tuple(party or ()),
            agency=agency,
            offices=tuple(office or ()),
            administration=administration,
        )
        key = SigningKey.load(token_key_path(settings), create=settings.embedded)
        now = datetime.now(UTC)
        token = key.issue(principal, ttl=timedelta(hours=hours), now=now)
        _audit_issue(settings, principal, token, key, now)
    except (HubError, ValueError) as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        raise typer.Exit(code=2) from None
    sys.stderr.write(f"{principal.actor}, valid {hours:g} h\n")
    sys.stderr.flush()
    sys.stdout.write(f"{token}\n")  # the last line, for scripts: TOKEN=$(hub token issue ...)


def _check_agency(settings: Settings, agency: str | None) -> None:
    from hub.agency import load_agencies

    if agency is not None and agency not in load_agencies(settings.agencies_dir):
        raise HubError(f"no agency {agency!r} in the agencies folder")


def _audit_issue(
    settings: Settings, principal: Principal, token: str, key: SigningKey, now: datetime
) -> None:
    from hub.store import Store

    jti = key.verify(token).token_id
    with Store.open(settings.database_url, migrate=settings.embedded) as store:
        store.audit(
            actor="cli:token-issue",
            action="token.issued",
            subject=None,
            detail={"jti": jti, "for": principal.actor},
            at=now,
        )
