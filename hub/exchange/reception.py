"""Receiving a partner's message: trusted whole, or refused with the reason and nothing kept.

A message from a partner administration is accepted only when, in order:

1. it is well-formed XML within the hub's limits (no DTD, no entities);
2. its header names a configured partner as sender and us as receiver;
3. it carries one enveloped XML signature, by a certificate configured for
   that sender and valid when the message was created, over exactly the
   content read (:mod:`hub.exchange.signing`: what is read is what was signed);
4. the signed content is valid against ``hub_exchange.xsd`` and the models;
5. its creation time is within the window (not older than ``max_age``, not
   ahead of our clock by more than ``max_skew``);
6. an agreement in force covers its kind from that partner (mutual
   assistance, or the MRA for AEO lists);
7. a feedback names a warning we sent that partner;
8. its id was never received from that partner before (the store's unique
   key, so two copies arriving at once cannot both pass).

Each refusal raises :class:`~hub.errors.ExchangeRefused` and is recorded as
a refusal (never as accepted). An accepted message is stored with what it
causes, in one transaction: pre-arrival data to match, a watch on a named
consignment, a partner's AEO list and the certificates it changes, an alert
to the joint targeting centre. A warning about a profile then becomes a
temporary profile in the registry (status testing, until an analyst
activates it); its id comes from the warning's, so a retry never makes two.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import Connection

from hub.errors import ChangeRefused, ExchangeRefused, HubError, IngestError, ReplayedMessage
from hub.exchange.aeo_lists import imported_certificates
from hub.exchange.messages import (
    AeoList,
    ExchangeMessage,
    Header,
    MessageKind,
    PreArrival,
    RiskFeedback,
    RiskWarning,
    SeizureReport,
)
from hub.exchange.partners import Partner
from hub.exchange.risk import consignment_watch, warning_profile
from hub.exchange.signing import SignatureRefused, verify
from hub.exchange.wire import from_element, header_of, kind_of
from hub.ingest._xml import parse_xml
from hub.rules.registry import ProfileRegistry
from hub.store import Store

__all__ = ["Received", "ReceptionPolicy", "Trusted", "authenticate", "check", "receive"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceptionPolicy:
    """Who we are and how much clock difference we accept."""

    administration: str
    max_age: timedelta = timedelta(days=1)
    max_skew: timedelta = timedelta(minutes=5)
    agency: str = "customs"  # whose temporary profiles and watches partners' warnings make


@dataclass(frozen=True)
class Trusted:
    """A message whose signature, sender, window and agreement all checked out."""

    message: ExchangeMessage
    partner: Partner
    signer: str  # the signing certificate's subject
    fingerprint: str  # its SHA-256


@dataclass(frozen=True)
class Received:
    """An accepted message: its row in the store, and a temporary profile if it made one."""

    row_id: int
    kind: MessageKind
    partner: str
    message_id: str
    profile_id: str | None = None


def check(
    raw: bytes,
    partners: Callable[[str], Partner | None],
    policy: ReceptionPolicy,
    now: datetime,
) -> Trusted:
    """Steps 1-6 of the module docstring, without the store; :class:`ExchangeRefused` if not."""
    root = _parsed(raw)
    header = _claimed_header(root)
    if header.receiver != policy.administration:
        raise ExchangeRefused(
            "wrong-receiver",
            f"addressed to {header.receiver}, this hub is {policy.administration}",
            where="Header/ReceiverID",
        )
    partner = partners(header.sender)
    if partner is None:
        raise ExchangeRefused(
            "unknown-sender",
            f"{header.sender} is not a configured partner administration",
            where="Header/SenderID",
        )
    trusted = authenticate(raw, header, partner)
    message = trusted.message
    signed = message.header
    if signed.created_at < now - policy.max_age:
        raise ExchangeRefused(
            "outside-window",
            f"created {signed.created_at.isoformat()}, older than the "
            f"{_hours(policy.max_age)} this hub accepts",
            where="Header/CreationDateTime",
        )
    if signed.created_at > now + policy.max_skew:
        raise ExchangeRefused(
            "outside-window",
            f"created {signed.created_at.isoformat()}, ahead of this hub's clock "
            f"({now.isoformat()}) by more than {policy.max_skew.total_seconds():g} s",
            where="Header/CreationDateTime",
        )
    refused = partner.allows(message.kind, "receive", now.date())
    if refused is not None:
        raise ExchangeRefused("not-agreed", refused, where=type(message).__name__)
    return trusted


def authenticate(raw: bytes, claimed: Header, partner: Partner) -> Trusted:
    """Steps 3-4 alone: ``raw`` signed by one of ``partner``'s certificates valid when it was
    ``claimed`` to be created, and the signed content a valid message with that header.

    No clock window, no agreement: :func:`check` adds them, and a forensic
    check of a kept file (``hub exchange verify``) needs only this.
    """
    try:
        verified = verify(raw, [c.encode() for c in partner.certificates], at=claimed.created_at)
    except SignatureRefused as exc:
        raise ExchangeRefused(exc.reason, str(exc), where="Signature") from exc
    try:
        message = from_element(verified.document)
    except IngestError as exc:
        raise ExchangeRefused("schema", exc.message, where=exc.where) from exc
    signed = message.header
    if (signed.sender, signed.receiver, signed.message_id) != (
        claimed.sender,
        claimed.receiver,
        claimed.message_id,
    ):  # the signed content is not what the document showed: wrapping
        raise ExchangeRefused("altered", "the signed header differs from the document's header")
    return Trusted(message, partner, verified.subject, verified.fingerprint)


def receive(
    raw: bytes,
    *,
    store: Store,
    policy: ReceptionPolicy,
    now: datetime,
    registry: ProfileRegistry | None = None,
) -> Received:
    """Check, then keep ``raw`` with what it causes, or record the refusal and raise it."""
    try:
        trusted = check(raw, store.partner, policy, now)
        _refers_to_ours(store, trusted.message, trusted.partner.code)
        message = trusted.message
        code = trusted.partner.code
        effects = _effects(store, message, code, policy, now)
        try:
            row_id = store.accept_exchange(
                raw,
                message,
                partner=code,
                received_at=now,
                actor=f"partner:{code}",
                effects=effects,
            )
        except ReplayedMessage as exc:
            raise ExchangeRefused("replayed", str(exc), where="Header/MessageID") from exc
    except ExchangeRefused as refusal:
        _record(store, raw, refusal, now)
        raise
    profile_id = None
    if isinstance(message, RiskWarning) and message.profile is not None and registry is not None:
        profile_id = _temporary_profile(registry, message, policy, now)
    return Received(row_id, message.kind, code, message.header.message_id, profile_id)


def _parsed(raw: bytes) -> etree._Element:
    try:
        return parse_xml(raw).getroot()
    except IngestError as exc:
        raise ExchangeRefused("malformed", exc.message, where=exc.where) from exc


def _claimed_header(root: etree._Element) -> Header:
    """The header as the document shows it, only to find whose certificates to try."""
    try:
        kind_of(root)
        return header_of(root)
    except IngestError as exc:
        raise ExchangeRefused("schema", exc.message, where=exc.where) from exc


def _refers_to_ours(store: Store, message: ExchangeMessage, partner: str) -> None:
    """A feedback answers a warning we sent that partner; so does a seizure report naming one."""
    if not isinstance(message, RiskFeedback | SeizureReport):
        return
    for ref in message.header.refers_to:
        sent = store.exchange_message("out", partner, ref)
        if sent is None or sent.kind != MessageKind.RISK_WARNING.value:
            raise ExchangeRefused(
                "unknown-reference",
                f"{ref} is not a risk warning this hub sent to {partner}",
                where="Header/ReferenceMessageID",
            )


def _effects(
    store: Store, message: ExchangeMessage, partner: str, policy: ReceptionPolicy, now: datetime
) -> Callable[[Connection], None]:
    """What ``message`` causes, written in the transaction that accepts it."""
    subject = f"{partner}/{message.header.message_id}"
    held = store.aeo_certificates(issued_by=partner) if isinstance(message, AeoList) else ()

    def write(conn: Connection) -> None:
        if isinstance(message, PreArrival):
            store.add_pre_arrival(conn, message, partner=partner, received_at=now)
        elif isinstance(message, RiskWarning):
            if message.consignment is not None:
                store.add_watch(conn, consignment_watch(message), at=now)
            store.raise_alert(
                conn,
                kind="risk-warning",
                subject=subject,
                summary=f"{partner} warns ({message.risk_area}): {message.summary}",
                detail={"requested_action": message.requested_action.value},
                at=now,
            )
        elif isinstance(message, SeizureReport):
            store.raise_alert(
                conn,
                kind="seizure-report",
                subject=subject,
                summary=(
                    f"{partner} seized {message.quantity} {message.unit} of "
                    f"{message.description} at {message.office}"
                ),
                detail={"refers_to": list(message.header.refers_to)},
                at=now,
            )
        elif isinstance(message, AeoList):
            store.add_partner_aeo_list(conn, partner, message, now)
            store.record_aeo_in(
                conn,
                imported_certificates(message, held),
                source=f"partner:{subject}",
                actor=f"partner:{partner}",
                at=now,
            )

    return write


def _temporary_profile(
    registry: ProfileRegistry, warning: RiskWarning, policy: ReceptionPolicy, now: datetime
) -> str | None:
    """The warning's profile in the registry, status testing; its id is stable, so once only."""
    profile = warning_profile(warning, agency=policy.agency)
    by = f"partner:{warning.header.sender}"
    try:
        published = registry.publish(profile, by=by, at=now)
    except ChangeRefused:  # already there: a retry after a crash between the two writes
        return profile.id
    except HubError as exc:
        log.error("warning %s kept, its profile not made: %s", warning.header.message_id, exc)
        return None
    return (published or profile).id


def _record(store: Store, raw: bytes, refusal: ExchangeRefused, now: datetime) -> None:
    """Keep the refusal (who claimed to send what, and why not) for the audit trail."""
    header: Header | None = None
    kind: str | None = None
    try:
        root = parse_xml(raw).getroot()
        kind = kind_of(root).value
        header = header_of(root)
    except (IngestError, ValueError):
        pass
    store.record_refusal(
        partner=header.sender if header else None,
        message_id=header.message_id if header else None,
        kind=kind,
        reason=refusal.reason,
        detail=str(refusal),
        sha256=hashlib.sha256(raw).hexdigest(),
        at=now,
    )


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"
