"""The canonical declaration: the one shape every part of the hub speaks.

Every wire format (WCO DEC-DMS XML, the hub's own cargo report, UN/EDIFACT
CUSDEC/CUSCAR, EU ICS IE315) is read into a :class:`Declaration`; routing, the
agencies' risk rules, the merge and the partner exchange read nothing else.

The models are immutable pydantic models so that a declaration can be handed
to several agencies at once without copying, and serialised to JSON and back
losslessly (decimals stay decimals). Data the message did not carry stays
``None`` or empty: the hub never invents a value, because a risk rule that
reads an invented origin is worse than one that reads none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AdditionalDocument",
    "Address",
    "Authorisation",
    "Classification",
    "Container",
    "Declaration",
    "DeclarationFunction",
    "DeclarationKind",
    "GoodsItem",
    "GoodsLocation",
    "Money",
    "Origin",
    "Packaging",
    "Party",
    "PartyRole",
    "Procedure",
    "Quantity",
    "SourceFormat",
    "Totals",
    "Transport",
    "TransportMeans",
    "TransportMode",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeclarationKind(StrEnum):
    """What the message declares, independent of any administration's type codes."""

    IMPORT = "import"
    EXPORT = "export"
    TRANSIT = "transit"
    PRE_ARRIVAL = "pre-arrival"  # a cargo report or entry summary before the goods arrive


class DeclarationFunction(StrEnum):
    """Whether the message is new, changes an earlier one, or withdraws it."""

    ORIGINAL = "original"
    AMENDMENT = "amendment"
    CANCELLATION = "cancellation"


class SourceFormat(StrEnum):
    """The wire format a declaration was read from."""

    WCO_DEC_DMS = "wco-dec-dms"
    HUB_CARGO_REPORT = "hub-cargo-report"
    EDIFACT_CUSDEC = "edifact-cusdec"
    EDIFACT_CUSCAR = "edifact-cuscar"
    ICS_IE315 = "ics-ie315"


class PartyRole(StrEnum):
    DECLARANT = "declarant"
    IMPORTER = "importer"
    EXPORTER = "exporter"
    CONSIGNOR = "consignor"
    CONSIGNEE = "consignee"
    CARRIER = "carrier"
    REPRESENTATIVE = "representative"
    NOTIFY_PARTY = "notify-party"
    BUYER = "buyer"
    SELLER = "seller"


class TransportMode(StrEnum):
    """UN/ECE Recommendation 19 modes, the codes every format here uses."""

    SEA = "sea"
    RAIL = "rail"
    ROAD = "road"
    AIR = "air"
    POSTAL = "postal"
    MULTIMODAL = "multimodal"
    FIXED_INSTALLATION = "fixed-installation"
    INLAND_WATERWAY = "inland-waterway"
    OWN_PROPULSION = "own-propulsion"

    @classmethod
    def from_code(cls, code: str | None) -> TransportMode | None:
        """Map a Rec. 19 code ('1'..'9', or two digits such as '10', '42') to a mode.

        ICS uses two-digit codes whose first digit is the Rec. 19 mode; an
        unknown code gives ``None`` rather than a guess.
        """
        if not code:
            return None
        return _MODE_BY_DIGIT.get(code.strip()[:1])


_MODE_BY_DIGIT = {
    "1": TransportMode.SEA,
    "2": TransportMode.RAIL,
    "3": TransportMode.ROAD,
    "4": TransportMode.AIR,
    "5": TransportMode.POSTAL,
    "6": TransportMode.MULTIMODAL,
    "7": TransportMode.FIXED_INSTALLATION,
    "8": TransportMode.INLAND_WATERWAY,
    "9": TransportMode.OWN_PROPULSION,
}


class Address(_Frozen):
    line: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None


class Party(_Frozen):
    """A trader or carrier named on the declaration, in one role."""

    role: PartyRole
    id: str | None = None  # EORI, TIN or other recognised identifier
    name: str | None = None
    address: Address | None = None

    @property
    def country(self) -> str | None:
        return self.address.country if self.address else None


class Authorisation(_Frozen):
    """An authorisation the declarant relies on (e.g. AEOC, AEOS, CGU, DPO)."""

    type_code: str
    holder_id: str | None = None


class Money(_Frozen):
    amount: Decimal
    currency: str | None = None


class Quantity(_Frozen):
    value: Decimal
    unit: str | None = None


class TransportMeans(_Frozen):
    id: str | None = None
    id_type: str | None = None  # e.g. '10' IMO ship number, '30' vehicle registration
    nationality: str | None = None
    mode: TransportMode | None = None
    name: str | None = None
    journey_id: str | None = None  # voyage or flight number (conveyance reference)


class Container(_Frozen):
    id: str
    seals: tuple[str, ...] = ()


class GoodsLocation(_Frozen):
    id: str | None = None
    type_code: str | None = None
    country: str | None = None


class Transport(_Frozen):
    """How and where the goods move."""

    mode: TransportMode | None = None  # mode at the border
    inland_mode: TransportMode | None = None
    border_means: TransportMeans | None = None
    arrival_means: TransportMeans | None = None
    departure_means: TransportMeans | None = None
    containers: tuple[Container, ...] = ()
    seals: tuple[str, ...] = ()  # seals not tied to one container
    transport_documents: tuple[str, ...] = ()  # bills of lading, air waybills
    office_of_declaration: str | None = None
    office_of_entry: str | None = None
    office_of_destination: str | None = None
    office_of_exit: str | None = None
    goods_location: GoodsLocation | None = None
    dispatch_country: str | None = None
    destination_country: str | None = None
    loading_place: str | None = None
    unloading_place: str | None = None
    expected_arrival: datetime | None = None  # at the office of first entry (pre-arrival)


class Classification(_Frozen):
    """One commodity code, digits only, with the classification it belongs to.

    ``type_code`` keeps the scheme as declared: TSP (EU combined nomenclature),
    TRC (TARIC suffix), TRA (TARIC additional code), HS, CN, ...
    """

    code: str = Field(pattern=r"^[0-9A-Z]+$")
    type_code: str | None = None


class Origin(_Frozen):
    country: str | None = None
    type_code: str | None = None  # '1' non-preferential, '2' preferential (WCO)
    preference_code: str | None = None  # tariff preference claimed, e.g. '100', '300'


class Procedure(_Frozen):
    current: str | None = None  # e.g. '40' release for free circulation
    previous: str | None = None
    additional: tuple[str, ...] = ()  # e.g. '000', 'E02'

    @property
    def code(self) -> str | None:
        """The four-digit procedure code (current + previous), as on the SAD box 37."""
        if self.current is None:
            return None
        return self.current + (self.previous or "")


class AdditionalDocument(_Frozen):
    """A document produced, certificate, authorisation or previous document (DE 2/1, 2/3).

    ``code`` joins category and type as agencies write them: N853 is a
    veterinary certificate (CVED/CHED-P), N851 a phytosanitary certificate.
    """

    category: str | None = None
    type_code: str | None = None
    id: str | None = None
    status: str | None = None  # LPCO exemption / status code, e.g. 'AE'
    name: str | None = None

    @property
    def code(self) -> str:
        return (self.category or "") + (self.type_code or "")


class Packaging(_Frozen):
    type_code: str | None = None
    quantity: int | None = None
    marks: str | None = None


class GoodsItem(_Frozen):
    sequence: int
    commodity_code: str | None = None  # the primary code, digits only (HS/CN/TSP)
    classifications: tuple[Classification, ...] = ()
    description: str | None = None
    origin: Origin | None = None
    gross_mass: Decimal | None = None  # kilograms
    net_mass: Decimal | None = None  # kilograms
    quantity: Quantity | None = None  # supplementary units
    customs_value: Money | None = None
    statistical_value: Money | None = None
    procedure: Procedure | None = None
    documents: tuple[AdditionalDocument, ...] = ()
    packaging: tuple[Packaging, ...] = ()
    additional_information: tuple[str, ...] = ()
    dangerous_goods_code: str | None = None  # UN number
    valuation_method: str | None = None
    previous_documents: tuple[AdditionalDocument, ...] = ()
    item_price: Money | None = None  # the invoice price of the item (DE 4/14)
    parties: tuple[Party, ...] = ()  # item-level consignor, consignee, notify party

    @property
    def origin_country(self) -> str | None:
        return self.origin.country if self.origin else None

    @property
    def document_codes(self) -> frozenset[str]:
        return frozenset(doc.code for doc in self.documents)


class Totals(_Frozen):
    invoice_amount: Money | None = None
    item_count: int | None = None
    package_count: int | None = None
    gross_mass: Decimal | None = None


class Declaration(_Frozen):
    """One declaration or cargo report as the hub understands it.

    ``id`` is the hub's own identifier, derived from the message's content
    hash so that reading the same bytes twice gives the same declaration.
    ``function_code`` and ``type_code`` keep what the message said; ``kind``
    and ``function`` are the hub's reading of them.
    """

    id: str
    source_format: SourceFormat
    message_hash: str  # sha256 of the bytes as received
    functional_reference: str | None = None  # LRN / document reference
    type_code: str | None = None  # e.g. IMA, EXD, 830, CC315A
    kind: DeclarationKind | None = None
    function: DeclarationFunction | None = None
    function_code: str | None = None
    submitter: str | None = None
    accepted_at: datetime | None = None
    issued_at: datetime | None = None
    message_id: str | None = None  # interchange / message reference of the sender
    responsible_country: str | None = None
    specific_circumstances: str | None = None  # e.g. ICS/WCO 'E' AEO, 'A' postal
    parties: tuple[Party, ...] = ()
    authorisations: tuple[Authorisation, ...] = ()
    transport: Transport = Transport()
    goods_items: tuple[GoodsItem, ...] = ()
    documents: tuple[AdditionalDocument, ...] = ()  # header-level documents
    previous_documents: tuple[AdditionalDocument, ...] = ()  # e.g. entry summary, manifest
    totals: Totals = Totals()

    def party(self, role: PartyRole) -> Party | None:
        """The first party in ``role``, or ``None``."""
        return next((p for p in self.parties if p.role == role), None)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Declaration:
        return cls.model_validate_json(text)
