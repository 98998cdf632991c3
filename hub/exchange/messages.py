"""The messages administrations exchange: pre-arrival data, risk information, AEO status.

Each message is one of five kinds, with a common header (id, sender,
receiver, creation time, the ids of the messages it answers). The models are
the hub's canonical form; :mod:`hub.exchange.wire` writes and reads them as
the XML of ``message_schemas/exchange/hub_exchange.xsd`` (WCO Data Model names
where they exist) and :mod:`hub.exchange.signing` signs that XML.

- **Pre-arrival data** (SEED): what a neighbour sends when goods leave it
  under export or transit, so the import declaration can be matched.
- **Risk information** (EU RIF, WCO CENcomm): a *warning* (a profile's
  indicators or a suspect consignment, with the action asked for), a
  *feedback* (what was done and found) and a *seizure report*; feedback and
  seizure refer to the warning by message id.
- **AEO status** under a mutual recognition arrangement: the full list or a
  delta (granted, suspended, revoked), each entry an
  :class:`~hub.decision.aeo.AeoCertificate` with its operator's name.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.decision.aeo import AeoCertificate
from hub.model.finding import RequestedChannel

__all__ = [
    "AeoList",
    "ControlOutcome",
    "ExchangeMessage",
    "Header",
    "MessageKind",
    "PreArrival",
    "PreArrivalItem",
    "RiskFeedback",
    "RiskWarning",
    "SeizureReport",
    "SuspectConsignment",
    "WarnedProfile",
]

ADMINISTRATION = r"^[A-Z]{2}$"  # an administration is named by its ISO 3166 country code
MESSAGE_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,69}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageKind(StrEnum):
    """What a message is; the agreement with a partner names the kinds it covers."""

    PRE_ARRIVAL = "pre-arrival"
    RISK_WARNING = "risk-warning"
    RISK_FEEDBACK = "risk-feedback"
    SEIZURE_REPORT = "seizure-report"
    AEO_LIST = "aeo-list"

    @property
    def needs_mra(self) -> bool:
        """AEO data travels under a mutual recognition arrangement, the rest under
        mutual administrative assistance."""
        return self is MessageKind.AEO_LIST


class Header(_Frozen):
    """Who sent what to whom, when, and which earlier messages it answers."""

    message_id: str = Field(pattern=MESSAGE_ID)
    sender: str = Field(pattern=ADMINISTRATION)
    receiver: str = Field(pattern=ADMINISTRATION)
    created_at: datetime  # timezone-aware; the receiver checks it against its window
    refers_to: tuple[str, ...] = ()  # message ids: a feedback names its warning

    @model_validator(mode="after")
    def _sound(self) -> Header:
        if self.created_at.tzinfo is None:
            raise ValueError("created_at must carry a time zone")
        if self.sender == self.receiver:
            raise ValueError("sender and receiver are the same administration")
        return self


class PreArrivalItem(_Frozen):
    sequence: int = Field(ge=1)
    commodity_code: str = Field(pattern=r"^[0-9]{4,10}$")
    description: str | None = None
    origin: str | None = Field(default=None, pattern=ADMINISTRATION)
    gross_mass: Decimal | None = Field(default=None, ge=0)  # kilograms


class PreArrival(_Frozen):
    """The core data of goods leaving a neighbour under export or transit (SEED)."""

    kind: Literal[MessageKind.PRE_ARRIVAL] = MessageKind.PRE_ARRIVAL
    header: Header
    declaration_reference: str  # the partner's own declaration (MRN / LRN)
    procedure: Literal["export", "transit"]
    means_id: str  # vehicle registration, IMO number, flight
    means_type: str | None = None  # WCO code, e.g. '30' vehicle registration, '10' IMO
    departure_office: str
    departed_at: datetime
    destination_office: str | None = None
    consignor_id: str | None = None
    consignor_name: str
    consignee_id: str | None = None
    consignee_name: str
    gross_mass: Decimal = Field(ge=0)  # kilograms, the whole consignment
    containers: tuple[str, ...] = ()
    items: tuple[PreArrivalItem, ...] = Field(min_length=1)


class WarnedProfile(_Frozen):
    """A partner's risk profile, as indicators the receiver can turn into its own rule."""

    title: str
    risk_area: str | None = None
    hs_prefixes: tuple[str, ...] = ()  # e.g. '2402' cigarettes
    origins: tuple[str, ...] = ()  # ISO country codes
    routes: tuple[str, ...] = ()  # dispatch countries
    parties: tuple[str, ...] = ()  # operator identifiers or names
    indicators: tuple[str, ...] = ()  # the rest, in words
    valid_to: date | None = None


class SuspectConsignment(_Frozen):
    """One consignment a partner asks to be watched; any identifier given is matched."""

    means_id: str | None = None
    container: str | None = None
    transport_document: str | None = None
    declaration_reference: str | None = None
    party_id: str | None = None
    expected_arrival: date | None = None

    @model_validator(mode="after")
    def _named(self) -> SuspectConsignment:
        if not any(
            (
                self.means_id,
                self.container,
                self.transport_document,
                self.declaration_reference,
                self.party_id,
            )
        ):
            raise ValueError("a suspect consignment needs at least one identifier")
        return self


class RiskWarning(_Frozen):
    """Warn a partner: a profile to apply, or a consignment to control, and the action asked."""

    kind: Literal[MessageKind.RISK_WARNING] = MessageKind.RISK_WARNING
    header: Header
    risk_area: str  # e.g. 'revenue', 'drugs', 'ipr', 'security'
    summary: str
    requested_action: RequestedChannel  # the control asked for (yellow, orange, red, blue)
    profile: WarnedProfile | None = None
    consignment: SuspectConsignment | None = None
    valid_to: date | None = None
    confidential: bool = False  # the receiver shows it to its JTC only

    @model_validator(mode="after")
    def _about_something(self) -> RiskWarning:
        if (self.profile is None) == (self.consignment is None):
            raise ValueError("a warning names either a profile or a consignment")
        return self


class ControlOutcome(StrEnum):
    NO_FINDING = "no-finding"
    DISCREPANCY = "discrepancy"
    SEIZURE = "seizure"
    DETENTION = "detention"
    NOT_CONTROLLED = "not-controlled"


class RiskFeedback(_Frozen):
    """What the receiver of a warning did and found; ``header.refers_to`` names the warning."""

    kind: Literal[MessageKind.RISK_FEEDBACK] = MessageKind.RISK_FEEDBACK
    header: Header
    outcome: ControlOutcome
    controls: int = Field(default=0, ge=0)  # consignments controlled on the warning
    hits: int = Field(default=0, ge=0)  # of which with a finding
    declaration_reference: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _answers(self) -> RiskFeedback:
        if not self.header.refers_to:
            raise ValueError("a feedback refers to the warning it answers")
        if self.hits > self.controls:
            raise ValueError("more hits than controls")
        return self


class SeizureReport(_Frozen):
    """Goods seized; refers to the warning (if any) that led to the control."""

    kind: Literal[MessageKind.SEIZURE_REPORT] = MessageKind.SEIZURE_REPORT
    header: Header
    seized_at: datetime
    office: str
    declaration_reference: str | None = None
    commodity_code: str | None = Field(default=None, pattern=r"^[0-9]{4,10}$")
    description: str
    quantity: Decimal = Field(ge=0)
    unit: str  # e.g. 'KGM', 'NAR' (pieces)
    value: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    means_id: str | None = None

    @model_validator(mode="after")
    def _priced(self) -> SeizureReport:
        if (self.value is None) != (self.currency is None):
            raise ValueError("a seizure's value and its currency go together")
        return self


class AeoList(_Frozen):
    """The issuing administration's AEO register: all of it, or what changed since ``since``."""

    kind: Literal[MessageKind.AEO_LIST] = MessageKind.AEO_LIST
    header: Header
    scope: Literal["full", "delta"]
    as_of: date
    since: date | None = None  # a delta's start
    entries: tuple[AeoCertificate, ...] = ()  # each with its operator's name

    @model_validator(mode="after")
    def _scoped(self) -> AeoList:
        if (self.scope == "delta") != (self.since is not None):
            raise ValueError("a delta names its start (since); a full list does not")
        unnamed = [e.operator for e in self.entries if not e.name]
        if unnamed:
            raise ValueError(f"an AEO list names each operator, not {', '.join(unnamed)}")
        strangers = {e.issued_by for e in self.entries} - {self.header.sender}
        if strangers:
            raise ValueError(
                f"an administration sends only its own AEOs, not {', '.join(sorted(strangers))}"
            )
        return self


ExchangeMessage = Annotated[
    PreArrival | RiskWarning | RiskFeedback | SeizureReport | AeoList,
    Field(discriminator="kind"),
]
