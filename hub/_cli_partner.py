"""``hub partner``: the partner administrations, their certificates and agreements.

An operator sets up the exchange from the command line: ``partner keygen``
makes a development signing pair, ``partner add`` records a partner with the
certificates it gave us out of band and the agreements in force (audited),
``partner list`` shows them as one compares them with a partner on the
phone. What then travels to them is ``hub exchange`` (:mod:`hub._cli_exchange`).
The clock and the user are read here, at the edge.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from pydantic import ValidationError

from hub._cli_store import cli_actor, cli_store, fail
from hub.decision.aeo import AeoType
from hub.errors import ExchangeKeyError
from hub.exchange.keys import CertificateInfo, certificate_info, keygen
from hub.exchange.messages import MessageKind
from hub.exchange.partners import MutualAssistance, MutualRecognition, Partner

__all__ = ["partner_app"]

partner_app = typer.Typer(
    name="partner",
    help="Partner administrations: signing keys, certificates, agreements.",
    no_args_is_help=True,
    add_completion=False,
)

# Kinds a mutual assistance agreement covers (AEO lists travel under an MRA).
ASSISTANCE_KINDS = tuple(k.value for k in MessageKind if not k.needs_mra)


class Algorithm(StrEnum):
    EC = "ec"
    RSA = "rsa"


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
        fail(str(exc))
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
        fail(str(exc))
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with cli_store() as (store, _):
        existed = store.partner(partner.code) is not None
        changed = store.record_partner(partner, actor=cli_actor(), at=now)
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
    with cli_store() as (store, _):
        partners = store.partners()
    if as_json:
        print(json.dumps([_partner_record(p, today) for p in partners], ensure_ascii=False))
        return
    if not partners:
        print("no partner administration is configured (hub partner add)")
    for partner in partners:
        for line in _partner_lines(partner, today):
            print(line)
