"""A partner administration for the exchange's edge tests: its key pair, agreements, messages.

:func:`partner_keys` makes a development key pair for an administration
(:func:`hub.exchange.keys.keygen`), :func:`partner_of` the :class:`Partner`
the hub configures with its certificate and agreements, and :func:`signed`
a message as that partner sends it: the XML of ``hub_exchange.xsd`` with its
enveloped signature. The message builders make one of each kind from
``RS`` (Serbia) to ``GB`` (the hub of ``registers/aeo.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.exchange.keys import SigningIdentity, keygen
from hub.exchange.messages import (
    AeoList,
    ControlOutcome,
    ExchangeMessage,
    Header,
    MessageKind,
    PreArrival,
    PreArrivalItem,
    RiskFeedback,
    RiskWarning,
    SeizureReport,
    SuspectConsignment,
    WarnedProfile,
)
from hub.exchange.partners import MutualAssistance, MutualRecognition, Partner
from hub.exchange.signing import sign
from hub.exchange.wire import to_element
from hub.model.finding import RequestedChannel

OURS = "GB"  # the administration of registers/aeo.yaml: the embedded hub's
PARTNER = "RS"
EVERY_ASSISTED_KIND = (
    MessageKind.PRE_ARRIVAL,
    MessageKind.RISK_WARNING,
    MessageKind.RISK_FEEDBACK,
    MessageKind.SEIZURE_REPORT,
)


@dataclass(frozen=True)
class PartnerKeys:
    """An administration's signing identity, as the partner holds it and the hub trusts it."""

    code: str
    identity: SigningIdentity

    @property
    def certificate(self) -> str:
        return self.identity.certificate_pem.decode()


def partner_keys(
    code: str, folder: Path, *, valid_from: datetime | None = None, days: int = 365
) -> PartnerKeys:
    """A fresh EC P-256 key pair for ``code``, its certificate valid ``days`` from ``valid_from``
    (default: a day ago)."""
    start = valid_from or datetime.now(UTC) - timedelta(days=1)
    key, cert = keygen(code, folder / f"{code}-{start:%Y%m%d%H%M%S}-{days}", now=start, days=days)
    return PartnerKeys(code, SigningIdentity.load(key, cert))


def partner_of(
    keys: PartnerKeys,
    *,
    receives: Sequence[MessageKind] = EVERY_ASSISTED_KIND,
    sends: Sequence[MessageKind] = EVERY_ASSISTED_KIND,
    assistance_from: date = date(2020, 1, 1),
    assisted: bool = True,
    mra: bool = True,
    endpoint: str | None = None,
) -> Partner:
    """The partner as the hub configures it: ``keys``' certificate, an assistance agreement
    in force from ``assistance_from`` covering ``receives`` and ``sends``, and an MRA."""
    return Partner(
        code=keys.code,
        name=f"{keys.code} customs administration",
        certificates=(keys.certificate,),
        endpoint=endpoint,
        assistance=(
            MutualAssistance(
                valid_from=assistance_from, receives=tuple(receives), sends=tuple(sends)
            )
            if assisted
            else None
        ),
        mra=MutualRecognition(valid_from=date(2020, 1, 1)) if mra else None,
    )


def signed(message: ExchangeMessage | etree._Element, keys: PartnerKeys) -> bytes:
    """``message`` as ``keys``' administration sends it: its XML, signed."""
    element = message if isinstance(message, etree._Element) else to_element(message)
    return sign(element, keys.identity)


# ------------------------------------------------------------------ messages


def header(
    message_id: str,
    created_at: datetime,
    *,
    sender: str = PARTNER,
    receiver: str = OURS,
    refers_to: Sequence[str] = (),
) -> Header:
    return Header(
        message_id=message_id,
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        refers_to=tuple(refers_to),
    )


def pre_arrival(head: Header, **changes: Any) -> PreArrival:
    """A lorry leaving Serbia with 19,800 kg of tomatoes, two hours before ``head``'s creation."""
    data: dict[str, Any] = {
        "header": head,
        "declaration_reference": "24RS0000000000777",
        "procedure": "export",
        "means_id": "34 ABC 123",
        "means_type": "30",
        "departure_office": "RS015001",
        "departed_at": head.created_at - timedelta(hours=2),
        "consignor_id": "TR7770098765",
        "consignor_name": "Antalya Sera Tarim Ltd Sti",
        "consignee_id": "BG204455661",
        "consignee_name": "Sofia Fresh Market EOOD",
        "gross_mass": Decimal("19800"),
        "items": (
            PreArrivalItem(
                sequence=1, commodity_code="070200", origin="TR", gross_mass=Decimal("19800")
            ),
        ),
    }
    data.update(changes)
    return PreArrival(**data)


def consignment_warning(
    head: Header,
    *,
    channel: RequestedChannel = RequestedChannel.RED,
    **identifiers: str,
) -> RiskWarning:
    """A warning about one consignment, named by ``identifiers`` (default: a container)."""
    return RiskWarning(
        header=head,
        risk_area="drugs",
        summary="Cocaine suspected in a reefer container",
        requested_action=channel,
        consignment=SuspectConsignment(**(identifiers or {"container": "MSCU1234565"})),
    )


def profile_warning(head: Header) -> RiskWarning:
    """A warning about a risk profile: undervalued cigarettes from the UAE."""
    return RiskWarning(
        header=head,
        risk_area="revenue",
        summary="Undervalued cigarettes routed via Dubai",
        requested_action=RequestedChannel.ORANGE,
        profile=WarnedProfile(
            title="Undervalued cigarettes",
            hs_prefixes=("2402",),
            origins=("AE",),
            indicators=("invoice price under 40 % of the market price",),
        ),
    )


def feedback(head: Header) -> RiskFeedback:
    """What the partner did on the warning ``head.refers_to`` names."""
    return RiskFeedback(header=head, outcome=ControlOutcome.SEIZURE, controls=2, hits=1)


def seizure(head: Header) -> SeizureReport:
    return SeizureReport(
        header=head,
        seized_at=head.created_at - timedelta(hours=3),
        office="RS015001",
        commodity_code="240220",
        description="cigarettes, undeclared",
        quantity=Decimal("120000"),
        unit="NAR",
        value=Decimal("36000"),
        currency="EUR",
    )


def aeo_entry(operator: str, name: str, aeo_type: AeoType = AeoType.AEOF) -> AeoCertificate:
    return AeoCertificate(
        operator=operator,
        name=name,
        type=aeo_type,
        status=AeoStatus.GRANTED,
        valid_from=date(2022, 1, 1),
        issued_by=PARTNER,
        reference=f"RS {aeo_type.value} {operator[-4:]}",
    )


def full_aeo_list(head: Header, *entries: AeoCertificate) -> AeoList:
    return AeoList(header=head, scope="full", as_of=head.created_at.date(), entries=entries)
