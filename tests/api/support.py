"""Tokens for the API tests: one signing key per test, principals by role."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hub.access import Principal, Role, SigningKey
from hub.orchestrator import Hub

TRADER = "XI553202734852"  # the declarant of the frozen-chicken declaration (CHICKEN)


class Tokens:
    """Bearer headers for principals, signed with a fresh key made in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.key = SigningKey.load(folder / "token-key.pem", create=True)

    def headers(self, principal: Principal, **extra: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key.issue(principal)}", **extra}

    def trader(self, *parties: str, **extra: str) -> dict[str, str]:
        who = Principal(subject="trader-user", role=Role.TRADER, parties=parties or (TRADER,))
        return self.headers(who, **extra)

    def officer(self, agency: str, subject: str = "officer-1", **extra: str) -> dict[str, str]:
        return self.headers(Principal(subject=subject, role=Role.OFFICER, agency=agency), **extra)

    def jtc(self, subject: str = "analyst-1", **extra: str) -> dict[str, str]:
        return self.headers(Principal(subject=subject, role=Role.JTC), **extra)

    def admin(self, **extra: str) -> dict[str, str]:
        return self.headers(Principal(subject="ops", role=Role.ADMIN), **extra)


def later_slot(hub: Hub, office: str, days: int = 2) -> datetime:
    """The start of a slot of ``office``'s calendar ``days`` or more ahead: somewhere to move
    an examination booked now."""
    offices = hub.orchestrator.context.offices
    assert offices is not None
    calendar = offices.get(office)
    day, _ = calendar.first_slot(hub.orchestrator.clock() + timedelta(days=days))
    return calendar.slot(day, 2).start
