"""``hub partner`` and ``hub exchange``: the partner administrations and what travels to them.

An operator sets up the exchange from the command line: ``partner keygen``
makes a development signing pair, ``partner add`` records a partner with the
certificates it gave us out of band and the agreements in force (audited),
``partner list`` shows them as one compares them with a partner on the
phone. ``exchange send`` signs and delivers a message written as XML at
once (the serving hub retries what could not be delivered), ``exchange
verify`` is the forensic check of a kept file (who signed it, is the
signature intact, did an agreement cover it), and ``exchange messages`` and
``exchange alerts`` read what the exchange left in the store. The clock and
the user are read here, at the edge.
"""

from __future__ import annotations

import getpass
import json
import sys
from base64 import b64decode
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit

import typer
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from hub.decision.aeo import AeoType, load_aeo_register
from hub.errors import ExchangeKeyError, ExchangeRefused, HubError, IngestError
from hub.exchange.keys import CertificateInfo, certificate_info, keygen
from hub.exchange.liaison import Liaison, open_liaison
from hub.exchange.messages import Header, MessageKind
from hub.exchange.partners import MutualAssistance, MutualRecognition, Partner
from hub.exchange.reception import authenticate
from hub.exchange.wire import SIGNATURE_NAMESPACE, header_of, kind_of
from hub.ingest._xml import parse_xml
from hub.settings import Settings
from hub.store import Store

__all__ = ["exchange_app", "partner_app"]

partner_app = typer.Typer(
    name="partner",
    help="Partner administrations: signing keys, certificates, agreements.",
    no_args_is_help=True,
    add_completion=False,
)
exchange_app = typer.Typer(
    name="exchange",
    help="Messages with partner administrations: send, verify, list; JTC alerts.",
    no_args_is_help=True,
    add_completion=False,
)

# Kinds a mutual assistance agreement covers (AEO lists travel under an MRA).
ASSISTANCE_KINDS = tuple(k.value for k in MessageKind if not k.needs_mra)
_KEY_INFO = f"{{{SIGNATURE_NAMESPACE}}}"


class Algorithm(StrEnum):
    EC = "ec"
    RSA = "rsa"


class Way(StrEnum):
    IN = "in"
    OUT = "out"


def _fail(message: str, code: int = 2) -> NoReturn:
    sys.stderr.write(f"ERROR {message}\n")
    raise typer.Exit(code=code)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in some containers
        return "cli:unknown"


@contextmanager
def _store() -> Iterator[tuple[Store, Settings]]:
    """The hub's store (migrated when embedded, as ``hub serve`` would) and its settings."""
    try:
        settings = Settings.from_env()
        store = Store.open(settings.database_url, migrate=settings.embedded)
    except (HubError, SQLAlchemyError) as exc:
        _fail(f"cannot open the database: {exc}")
    try:
        yield store, settings
    except SQLAlchemyError as exc:
        _fail(f"the database refused: {exc}; has `hub db upgrade` run?")
    finally:
        store.close()


# ---------------------------------------------------------------- hub partner


@partner_app.command("keygen")
def keygen_(
    administration: Annotated[
        str, typer.Option("--administration", help="This administration's ISO country code.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the two files in.")] = Path(
        "."
    ),
    algorithm: Annotated[Algorithm, typer.Option("--algorithm", help="EC P-256 or RSA 3072.")] = (
        Algorithm.EC
    ),
    days: Annotated[int, typer.Option("--days", help="How long the certificate is valid.")] = 365,
) -> None:
    """Make a development signing key and its self-signed certificate (never overwrites)."""
    try:
        key_file, cert_file = keygen(
            administration, out, algorithm="rsa" if algorithm is Algorithm.RSA else "ec", days=days
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    except ExchangeKeyError as exc:
        _fail(str(exc))
    info = certificate_info(cert_file.read_bytes())
    print(f"key          {key_file}  (mode 0600: never commit it, never send it to anyone)")
    print(f"certificate  {cert_file}  (give this one to partners)")
    print(f"fingerprint  sha256 {info.fingerprint}")
    print(f"valid        {info.not_before.date()} to {info.not_after.date()}")
    print("sign with it: HUB_EXCHANGE_KEY_FILE and HUB_EXCHANGE_CERT_FILE")


def _kinds(values: Sequence[str] | None, option: str) -> tuple[MessageKind, ...]:
    kinds: list[MessageKind] = []
    for value in values or ():
        if value not in ASSISTANCE_KINDS:
            raise typer.BadParameter(
                f"{value!r} is not a kind an assistance agreement covers; "
                f"one of: {', '.join(ASSISTANCE_KINDS)}",
                param_hint=option,
            )
        kinds.append(MessageKind(value))
    return tuple(kinds)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _until(start: date, value: str | None, option: str) -> date | None:
    end = _day(value, option)
    if end is not None and end < start:
        raise typer.BadParameter(
            f"{end} is before the agreement starts ({start})", param_hint=option
        )
    return end


def _certificate(path: Path) -> str:
    """The PEM certificate in ``path``, or :class:`ExchangeKeyError` naming the file."""
    try:
        pem = path.read_bytes()
        certificate_info(pem)
        return pem.decode("ascii")
    except ExchangeKeyError as exc:
        raise ExchangeKeyError(exc.message, file=str(path)) from None
    except UnicodeDecodeError:
        raise ExchangeKeyError("not a PEM X.509 certificate", file=str(path)) from None
    except OSError as exc:
        raise ExchangeKeyError(f"cannot be read: {exc.strerror}", file=str(path)) from None


Dates = Annotated[str | None, typer.Option(help="YYYY-MM-DD.")]


@partner_app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="The partner's ISO country code, e.g. XK.")],
    name: Annotated[str, typer.Option("--name", help="The partner administration's name.")],
    cert: Annotated[
        list[Path],
        typer.Option("--cert", help="A PEM certificate it signs with; repeatable.", exists=True),
    ],
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Its /v1/exchange URL.")
    ] = None,
    amqp: Annotated[str | None, typer.Option("--amqp", help="Its AMQP URL (with --queue).")] = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Its AMQP queue.")] = None,
    tls_ca: Annotated[
        Path | None,
        typer.Option("--tls-ca", help="CA bundle for its endpoint's TLS.", exists=True),
    ] = None,
    sends: Annotated[
        list[str] | None, typer.Option("--sends", help="A kind we may send it; repeatable.")
    ] = None,
    receives: Annotated[
        list[str] | None, typer.Option("--receives", help="A kind it may send us; repeatable.")
    ] = None,
    assistance_from: Dates = None,
    assistance_to: Dates = None,
    mra_from: Dates = None,
    mra_to: Dates = None,
    recognises: Annotated[
        list[AeoType] | None,
        typer.Option("--recognises", help="AEO types the MRA recognises (default AEOS, AEOF)."),
    ] = None,
) -> None:
    """Record a partner, its certificates and agreements (audited); the same code replaces it."""
    now = datetime.now(UTC)
    sent, received = _kinds(sends, "--sends"), _kinds(receives, "--receives")
    if (assistance_from or assistance_to) and not (sent or received):
        raise typer.BadParameter(
            "an assistance agreement names the kinds it covers", param_hint="--sends/--receives"
        )
    if (mra_to or recognises) and not mra_from:
        raise typer.BadParameter("an MRA starts on a day", param_hint="--mra-from")
    if bool(amqp) != bool(queue):
        raise typer.BadParameter("AMQP delivery needs both", param_hint="--amqp/--queue")
    assistance = None
    if sent or received:
        begins = _day(assistance_from, "--assistance-from") or now.date()
        assistance = MutualAssistance(
            valid_from=begins,
            valid_to=_until(begins, assistance_to, "--assistance-to"),
            sends=sent,
            receives=received,
        )
    mra = None
    start = _day(mra_from, "--mra-from")
    if start is not None:
        mra = MutualRecognition(
            valid_from=start,
            valid_to=_until(start, mra_to, "--mra-to"),
            recognises=tuple(recognises) if recognises else (AeoType.AEOS, AeoType.AEOF),
        )
    try:
        certificates = tuple(_certificate(path) for path in cert)
        partner = Partner(
            code=code,
            name=name,
            certificates=certificates,
            endpoint=endpoint,
            amqp=amqp,
            queue=queue,
            tls_ca=str(tls_ca) if tls_ca else None,
            assistance=assistance,
            mra=mra,
        )
    except ExchangeKeyError as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with _store() as (store, _):
        existed = store.partner(partner.code) is not None
        changed = store.record_partner(partner, actor=_actor(), at=now)
    said = "updated" if existed else "added"
    print(f"{said} {partner.code} ({partner.name})" if changed else f"{partner.code} unchanged")
    for path, pem in zip(cert, certificates, strict=True):
        info = certificate_info(pem)
        if info.not_after < now:
            sys.stderr.write(f"warning: {path} expired on {info.not_after.date()}\n")


def _masked(url: str) -> str:
    """A URL without its password, for listings."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _certificates(partner: Partner) -> list[CertificateInfo | str]:
    shown: list[CertificateInfo | str] = []
    for pem in partner.certificates:
        try:
            shown.append(certificate_info(pem))
        except ExchangeKeyError as exc:
            shown.append(f"unreadable: {exc}")
    return shown


def _partner_record(partner: Partner, today: date) -> dict[str, Any]:
    record = partner.model_dump(mode="json", exclude={"certificates"})
    if partner.amqp:
        record["amqp"] = _masked(partner.amqp)
    record["certificates"] = [
        info
        if isinstance(info, str)
        else {
            "subject": info.subject,
            "issuer": info.issuer,
            "not_before": info.not_before.isoformat(),
            "not_after": info.not_after.isoformat(),
            "fingerprint": info.fingerprint,
        }
        for info in _certificates(partner)
    ]
    for name in ("assistance", "mra"):
        agreement = getattr(partner, name)
        if agreement is not None:
            record[name]["in_force"] = agreement.in_force(today)
    return record


def _partner_lines(partner: Partner, today: date) -> Iterator[str]:
    yield f"{partner.code}  {partner.name}"
    if partner.endpoint:
        yield f"    endpoint     {partner.endpoint}"
    if partner.amqp:
        yield f"    amqp         {_masked(partner.amqp)} queue {partner.queue}"
    if not partner.endpoint and not partner.amqp:
        yield "    no endpoint or queue: nothing can be delivered to it"
    for info in _certificates(partner):
        if isinstance(info, str):
            yield f"    certificate  {info}"
            continue
        yield f"    certificate  {info.subject}"
        yield f"                 valid {info.not_before.date()} to {info.not_after.date()}"
        yield f"                 sha256 {info.fingerprint}"
    assistance, mra = partner.assistance, partner.mra
    if assistance is not None:
        state = "in force" if assistance.in_force(today) else "NOT in force today"
        yield f"    assistance   {_span(assistance.valid_from, assistance.valid_to)} ({state})"
        yield f"                 we send: {_listed(assistance.sends)}"
        yield f"                 they send: {_listed(assistance.receives)}"
    if mra is not None:
        state = "in force" if mra.in_force(today) else "NOT in force today"
        yield f"    MRA          {_span(mra.valid_from, mra.valid_to)} ({state})"
        yield f"                 AEO lists both ways; recognises {_listed(mra.recognises)}"
    if assistance is None and mra is None:
        yield "    no agreement: nothing may be exchanged"


def _span(start: date, end: date | None) -> str:
    return f"from {start} to {end}" if end else f"from {start}, open-ended"


def _listed(values: Sequence[StrEnum]) -> str:
    return ", ".join(v.value for v in values) or "nothing"


@partner_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
) -> None:
    """Each partner: how it is reached, its certificates, the agreements and what they cover."""
    today = datetime.now(UTC).date()
    with _store() as (store, _):
        partners = store.partners()
    if as_json:
        print(json.dumps([_partner_record(p, today) for p in partners], ensure_ascii=False))
        return
    if not partners:
        print("no partner administration is configured (hub partner add)")
    for partner in partners:
        for line in _partner_lines(partner, today):
            print(line)


# ---------------------------------------------------------------- hub exchange


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
    with _store() as (store, settings):
        try:
            liaison = open_liaison(store, settings)
            row_id, message_id = liaison.send_xml(raw, actor=_actor(), subject=subject)
        except ExchangeRefused as exc:
            _fail(f"{exc.reason}: {exc}")
        except HubError as exc:
            _fail(str(exc))
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
        _fail(f"{file}: {exc}", code=1)
    signer = _carried_signer(root)
    signature: str | None = None  # None: verified; else the refusal
    agreement: str | None = None  # None: allowed; else why not
    with _store() as (store, settings):
        try:
            us = _administration(settings)
        except HubError as exc:
            _fail(str(exc))
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
    with _store() as (store, _):
        kept = store.exchange_messages(
            partner=partner, direction=direction.value if direction else None, limit=limit
        )
        attempts = {m.row_id: store.deliveries(m.row_id) for m in kept if m.direction == "out"}
    if not kept and not as_json:
        print("no message")
    for m in kept:
        tried = attempts.get(m.row_id, [])
        if as_json:
            record = {
                "row_id": m.row_id,
                "direction": m.direction,
                "partner": m.partner,
                "message_id": m.message_id,
                "kind": m.kind,
                "refers_to": list(m.refers_to),
                "created_at": m.created_at.isoformat(),
                "recorded_at": m.recorded_at.isoformat(),
                "status": m.status,
                "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None,
                "subject": m.subject,
                "sha256": m.sha256,
                "deliveries": [
                    {
                        "attempt": d.attempt,
                        "outcome": d.outcome,
                        "detail": d.detail,
                        "attempted_at": d.attempted_at.isoformat(),
                    }
                    for d in tried
                ],
            }
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
    with _store() as (store, _):
        raised = store.alerts(open_only=not every)
    if not raised and not as_json:
        print("no open alert" if not every else "no alert")
    for alert in raised:
        if as_json:
            record = {
                "id": alert.id,
                "kind": alert.kind,
                "subject": alert.subject,
                "summary": alert.summary,
                "detail": alert.detail,
                "raised_at": alert.raised_at.isoformat(),
                "acknowledged_at": alert.acknowledged_at.isoformat()
                if alert.acknowledged_at
                else None,
                "acknowledged_by": alert.acknowledged_by,
            }
            print(json.dumps(record, ensure_ascii=False, default=str))
            continue
        state = f"acknowledged by {alert.acknowledged_by}" if alert.acknowledged_at else "open"
        print(f"#{alert.id} {alert.raised_at.isoformat()} {alert.kind} {alert.subject} ({state})")
        print(f"    {alert.summary}")
