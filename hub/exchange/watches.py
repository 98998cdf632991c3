"""Partners' watches: a consignment a partner's warning names, met again on a declaration.

A partner's warning about one consignment (``hub.exchange.risk``) becomes a
:class:`Watch`, kept until its ``valid_to``; a declaration that carries one of
its identifiers (means of transport, container, transport document,
declaration reference, party) gets a ``watch`` finding asking for the control
the partner requested. Kept apart from pre-arrival matching because it
answers another question: not "does the declaration agree with what was
sent?" but "is this the consignment someone warned us about?".

Identifiers are compared once normalised, on the same
:class:`~hub.exchange.matching.MovementKeys` pre-arrival matching uses, so a
plate written ``AB-123 CD`` by the partner hits ``AB123CD`` declared.

Pure functions: the store finds the watches and keeps the findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.exchange.matching import MovementKeys, movement_keys, normalise_identifier
from hub.model.declaration import Declaration
from hub.model.finding import Finding, FindingSource, RequestedChannel

__all__ = ["Watch", "watch_findings"]


@dataclass(frozen=True, slots=True)
class Watch:
    """A partner's warning about one consignment, as the hub keeps it until ``valid_to``.

    The identifiers are those of the warning's suspect consignment; any one
    of them found on a declaration is a hit. ``channel`` is the control the
    partner asked for, ``confidential`` whether only the JTC may read it.
    """

    partner: str
    warning_message_id: str
    channel: RequestedChannel
    risk_area: str
    summary: str
    means_id: str | None = None
    container: str | None = None
    transport_document: str | None = None
    declaration_reference: str | None = None
    party_id: str | None = None
    expected_arrival: date | None = None
    valid_to: date | None = None
    confidential: bool = False

    def active_on(self, day: date) -> bool:
        return self.valid_to is None or day <= self.valid_to


def _hits(watch: Watch, keys: MovementKeys) -> list[str]:
    checks = (
        ("means of transport", watch.means_id, keys.means),
        ("container", watch.container, keys.containers),
        ("transport document", watch.transport_document, keys.references),
        ("declaration reference", watch.declaration_reference, keys.references),
        ("party", watch.party_id, keys.parties),
    )
    return [
        f"{what} {value!r} named in {watch.partner}'s warning {watch.warning_message_id}"
        for what, value, declared in checks
        if value and normalise_identifier(value) in declared
    ]


def watch_findings(
    declaration: Declaration,
    watches: Sequence[Watch],
    *,
    agency: str = "customs",
    on: date | None = None,
    keys: MovementKeys | None = None,
) -> tuple[Finding, ...]:
    """A ``watch`` finding for each watch one of whose identifiers the declaration carries.

    The finding asks for the channel the partner requested, in its risk
    area, confidential if the warning was; its indicators name what matched.
    With ``on``, watches expired before that day are skipped; ``keys`` are the
    declaration's :func:`~hub.exchange.matching.movement_keys`, when the caller has them.
    """
    if not watches:
        return ()
    keys = movement_keys(declaration) if keys is None else keys
    out: list[Finding] = []
    for watch in watches:
        if on is not None and not watch.active_on(on):
            continue
        matched = _hits(watch, keys)
        if not matched:
            continue
        out.append(
            Finding(
                agency=agency,
                source=FindingSource.WATCH,
                title=(
                    f"Consignment watched at the request of {watch.partner} "
                    f"(warning {watch.warning_message_id})"
                ),
                risk_area=watch.risk_area,
                indicators=tuple(matched),
                channel=watch.channel,
                instructions=(
                    f"{watch.summary} Send {watch.partner} feedback on warning "
                    f"{watch.warning_message_id}."
                ),
                confidential=watch.confidential,
            )
        )
    return tuple(out)
