"""AEO lists in and out under a mutual recognition arrangement.

Out: our own AEO register as a partner receives it, whole (``full``) or what
changed since a day (``delta``). In: a partner's list as the certificates to
record in our register, so that its AEOs earn the benefit here
(:func:`hub.decision.aeo.benefit`). A full list is the partner's whole
register: a certificate of that partner we hold but it no longer lists has
been withdrawn, and is recorded revoked. A delta touches only what it names.

A certificate is known by its issuing administration, operator and type:
an operator holds at most one certificate of each type from one administration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.exchange.messages import AeoList, Header

__all__ = ["certificate_key", "delta_list", "full_list", "imported_certificates"]


def certificate_key(certificate: AeoCertificate) -> tuple[str, str, AeoType]:
    """(issuing administration, operator, type): what one certificate is, whatever its state."""
    return (certificate.issued_by, certificate.operator, certificate.type)


def _named(certificate: AeoCertificate) -> AeoCertificate:
    """An entry names its operator: the register's name, else its identifier."""
    if certificate.name:
        return certificate
    return certificate.model_copy(update={"name": certificate.operator})


def full_list(
    certificates: Sequence[AeoCertificate],
    *,
    administration: str,
    receiver: str,
    message_id: str,
    created_at: datetime,
    as_of: date,
) -> AeoList:
    """Our whole register as of ``as_of``: every certificate ``administration`` issued.

    Partners' certificates we hold are left out (each administration sends
    only its own). Granted, suspended and revoked alike, so the partner's
    copy mirrors ours. An entry needs a name: when the register lacks the
    operator's name, its identifier stands in.
    """
    return AeoList(
        header=Header(
            message_id=message_id, sender=administration, receiver=receiver, created_at=created_at
        ),
        scope="full",
        as_of=as_of,
        entries=tuple(_named(c) for c in certificates if c.issued_by == administration),
    )


def delta_list(
    history: Sequence[tuple[datetime, AeoCertificate]],
    *,
    since: date,
    administration: str,
    receiver: str,
    message_id: str,
    created_at: datetime,
    as_of: date,
) -> AeoList:
    """What changed in our register from ``since`` to ``as_of`` (both days included).

    ``history`` holds each recorded state of a certificate with when it was
    recorded, in any order. The delta lists the latest state (up to
    ``as_of``) of each of ``administration``'s certificates that changed
    from ``since`` on, in the order of those changes.
    """
    latest: dict[tuple[str, str, AeoType], tuple[datetime, AeoCertificate]] = {}
    for at, certificate in history:
        if certificate.issued_by != administration or at.date() > as_of:
            continue
        key = certificate_key(certificate)
        if key not in latest or latest[key][0] <= at:
            latest[key] = (at, certificate)
    changed = sorted((v for v in latest.values() if v[0].date() >= since), key=lambda v: v[0])
    return AeoList(
        header=Header(
            message_id=message_id, sender=administration, receiver=receiver, created_at=created_at
        ),
        scope="delta",
        as_of=as_of,
        since=since,
        entries=tuple(_named(c) for _, c in changed),
    )


def imported_certificates(
    aeo_list: AeoList, held: Sequence[AeoCertificate]
) -> tuple[AeoCertificate, ...]:
    """The certificates to record from a partner's list, replacing those of the same key.

    Every entry (a certificate issued by the sender). For a full list, each
    certificate of the sender that we hold, not revoked, and the list no
    longer names, is recorded revoked as of the list's day (``valid_to`` =
    ``as_of``, or its ``valid_from`` if it had not begun). A delta changes
    only what it names.
    """
    imported = aeo_list.entries
    if aeo_list.scope == "delta":
        return imported
    listed = {certificate_key(e) for e in aeo_list.entries}
    withdrawn = tuple(
        c.model_copy(
            update={"status": AeoStatus.REVOKED, "valid_to": max(aeo_list.as_of, c.valid_from)}
        )
        for c in held
        if c.issued_by == aeo_list.header.sender
        and c.status is not AeoStatus.REVOKED
        and certificate_key(c) not in listed
    )
    return imported + withdrawn
