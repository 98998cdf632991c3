"""``hub exchange``: the messages with partner administrations, and the JTC's alerts.

``exchange send`` signs and delivers a message written as XML at once (the
serving hub retries what could not be delivered), ``exchange verify`` is the
forensic check of a kept file (who signed it, is the signature intact, did
an agreement cover it), and ``exchange messages`` and ``exchange alerts``
read what the exchange left in the store. The partners themselves are
``hub partner`` (:mod:`hub._cli_partner`). The clock and the user are read
here, at the edge.
"""

from __future__ import annotations

import json
import sys
from base64 import b64decode
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from hub._cli_store import cli_actor, cli_store, fail
from hub.decision.aeo import load_aeo_register
from hub.errors import ExchangeKeyError, ExchangeRefused, HubError, IngestError
from hub.exchange.journal import alert_record, message_record
from hub.exchange.keys import CertificateInfo, certificate_info
from hub.exchange.liaison import Liaison, open_liaison
from hub.exchange.messages import Header, MessageKind
from hub.exchange.reception import authenticate
from hub.exchange.wire import SIGNATURE_NAMESPACE, header_of, kind_of
from hub.ingest._xml import parse_xml
from hub.settings import Settings

__all__ = ["exchange_app"]

exchange_app = typer.Typer(
    name="exchange",
    help="Messages with partner administrations: send, verify, list; JTC alerts.",
    no_args_is_help=True,
    add_completion=False,
)

_KEY_INFO = f"{{{SIGNATURE_NAMESPACE}}}"


class Way(StrEnum):
    IN = "in"
    OUT = "out"


@exchange_app.command("send")
def send(
    file: Annotated[
        Path,
        typer.Argument(help="An unsigned message (hub_exchange.xsd).", exists=True, dir_okay=False),
    ],
    subject: Annotated[
        str | None,
        typer.Option("--subject", help="What it came from (a profile or declaration id)."),
    ] = None,
) -> None:
    """Sign a message as written and deliver it now; exit 0 when delivered or queued for retry."""
    raw = file.read_bytes()
    with cli_store() as (store, settings):
        try:
            liaison = open_liaison(store, settings)
            row_id, message_id = liaison.send_xml(raw, actor=cli_actor(), subject=subject)
        except ExchangeRefused as exc:
            fail(f"{exc.reason}: {exc}")
        except HubError as exc:
            fail(str(exc))
        sent = store.outbound(row_id)
        partner = sent.partner if sent else "?"
        print(f"signed {message_id} for {partner} as {liaison.administration} (row {row_id})")
        if sent is not None:
            _warn_stale(sent.created_at, liaison, settings)
        attempt = liaison.deliver(row_id, 0)
        if attempt is None:  # the same message was sent before: nothing more to do
            status = sent.status if sent else "unknown"
            print(f"already {status}")
            raise typer.Exit(code=0 if status != "failed" else 1)
    if attempt.outcome == "delivered":
        print(f"delivered to {partner}: {attempt.detail}")
    elif attempt.outcome == "retrying":
        print(f"queued: the serving hub will retry: {attempt.detail}")
    else:
        print(f"failed: {attempt.detail}")
        raise typer.Exit(code=1)


def _warn_stale(created: datetime, liaison: Liaison, settings: Settings) -> None:
    """Say so when the partner will likely refuse the file's creation time."""
    identity = liaison.identity
    valid_from = identity.certificate.not_valid_before_utc if identity else None
    if valid_from is not None and created < valid_from:
        sys.stderr.write(
            f"warning: created {created.isoformat()}, before this hub's certificate is valid "
            f"({valid_from.isoformat()}): the partner will refuse it\n"
        )
    elif created < liaison.clock() - timedelta(seconds=settings.exchange_max_age_s):
        sys.stderr.write(
            f"warning: created {created.isoformat()}: a partner with this hub's window "
            "would refuse it as too old\n"
        )


def _administration(settings: Settings) -> str:
    """This hub's administration, as :func:`~hub.exchange.liaison.open_liaison` names it."""
    if settings.administration:
        return settings.administration
    register = settings.registers_dir / "aeo.yaml" if settings.registers_dir else None
    return load_aeo_register(register).administration


def _carried_signer(root: etree._Element) -> CertificateInfo | None:
    """The certificate the file's signature carries (not yet trusted), if it can be read."""
    path = f"{_KEY_INFO}Signature/{_KEY_INFO}KeyInfo/{_KEY_INFO}X509Data/{_KEY_INFO}X509Certificate"
    element = root.find(path)
    if element is None or not (element.text or "").strip():
        return None
    try:
        certificate = x509.load_der_x509_certificate(b64decode(element.text or ""))
        return certificate_info(certificate.public_bytes(Encoding.PEM))
    except (ValueError, ExchangeKeyError):
        return None


@exchange_app.command("verify")
def verify(
    file: Annotated[
        Path, typer.Argument(help="A signed partner message.", exists=True, dir_okay=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Who signed a message, whether the signature holds and an agreement covers it; stores nothing.

    The signature is checked against the sender's configured certificates as
    valid when the message was created (no clock window: a forensic check of
    a kept file), the agreement as in force today. Exit 0 only when both hold.
    """
    raw = file.read_bytes()
    today = datetime.now(UTC).date()
    try:
        root = parse_xml(raw).getroot()
        kind = kind_of(root)
        header = header_of(root)
    except IngestError as exc:
        fail(f"{file}: {exc}", code=1)
    signer = _carried_signer(root)
    signature: str | None = None  # None: verified; else the refusal
    agreement: str | None = None  # None: allowed; else why not
    with cli_store() as (store, settings):
        try:
            us = _administration(settings)
        except HubError as exc:
            fail(str(exc))
        partner = store.partner(header.sender)
    if partner is None:
        signature = f"unknown-sender: {header.sender} is not a configured partner administration"
        agreement = f"none: {header.sender} is not a configured partner administration"
    else:
        try:
            trusted = authenticate(raw, header, partner)
        except ExchangeRefused as exc:
            signature = f"{exc.reason}: {exc}"
        else:
            kind = trusted.message.kind
        if header.receiver != us:
            agreement = f"addressed to {header.receiver}, this hub is {us}"
        else:
            agreement = partner.allows(kind, "receive", today)
    ok = signature is None and agreement is None
    _report_verify(file, kind, header, signer, signature, agreement, as_json)
    if not ok:
        raise typer.Exit(code=1)


def _report_verify(
    file: Path,
    kind: MessageKind,
    header: Header,
    signer: CertificateInfo | None,
    signature: str | None,
    agreement: str | None,
    as_json: bool,
) -> None:
    if as_json:
        record = {
            "file": str(file),
            "kind": kind.value,
            "message_id": header.message_id,
            "sender": header.sender,
            "receiver": header.receiver,
            "created_at": header.created_at.isoformat(),
            "signed_by": None
            if signer is None
            else {"subject": signer.subject, "fingerprint": signer.fingerprint},
            "signature": signature or "verified",
            "agreement": agreement or "allowed",
            "ok": signature is None and agreement is None,
        }
        print(json.dumps(record, ensure_ascii=False))
        return
    print(f"file: {file}")
    print(
        f"message: {kind.value} {header.message_id} from {header.sender} to {header.receiver}, "
        f"created {header.created_at.isoformat()}"
    )
    if signer is None:
        print("signed by: no certificate the hub can read in the signature")
    else:
        print(f"signed by: {signer.subject}, sha256 {signer.fingerprint}")
    if signature is None:
        print(f"signature: verified against the certificates configured for {header.sender}")
    else:
        print(f"signature: REFUSED {signature}")
    print(f"agreement: {agreement or 'allowed'}")


@exchange_app.command("messages")
def messages(
    partner: Annotated[str | None, typer.Option("--partner", help="Only this partner.")] = None,
    direction: Annotated[
        Way | None, typer.Option("--direction", help="in: received; out: sent.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The latest messages received and sent, newest first, with each delivery attempt."""
    with cli_store() as (store, _):
        kept = store.exchange_messages(
            partner=partner, direction=direction.value if direction else None, limit=limit
        )
        attempts = {m.row_id: store.deliveries(m.row_id) for m in kept if m.direction == "out"}
    if not kept and not as_json:
        print("no message")
    for m in kept:
        tried = attempts.get(m.row_id, [])
        if as_json:
            record = message_record(m, tried)
            print(json.dumps(record, ensure_ascii=False))
            continue
        way = "from" if m.direction == "in" else "to  "
        about = f"  ({m.subject})" if m.subject else ""
        print(
            f"{m.direction:<3} {way} {m.partner}  {m.kind:<14} {m.message_id}  {m.status}  "
            f"{m.recorded_at.isoformat()}{about}"
        )
        for d in tried:
            when = d.attempted_at.isoformat()
            print(f"        attempt {d.attempt} {when} {d.outcome}: {d.detail}")


@exchange_app.command("alerts")
def alerts(
    every: Annotated[
        bool, typer.Option("--all", help="Acknowledged ones too (default: open only).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The joint targeting centre's alerts from the exchange, newest first."""
    with cli_store() as (store, _):
        raised = store.alerts(open_only=not every)
    if not raised and not as_json:
        print("no open alert" if not every else "no alert")
    for alert in raised:
        if as_json:
            record = alert_record(alert)
            print(json.dumps(record, ensure_ascii=False, default=str))
            continue
        state = f"acknowledged by {alert.acknowledged_by}" if alert.acknowledged_at else "open"
        print(f"#{alert.id} {alert.raised_at.isoformat()} {alert.kind} {alert.subject} ({state})")
        print(f"    {alert.summary}")
