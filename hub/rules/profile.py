"""A risk profile as data: the shape every profile file must have.

A profile is a rule an agency owns: a logical combination of indicators
(``when``) with the WCO risk assessment behind it, the channel it asks for and
the countermeasure an officer carries out. Profiles are YAML or JSON files,
read by generic code; this module is their schema, checked on load, so a
broken profile is refused whole with the file, line and field at fault (see
``hub.rules.load``).

Structured indicators are indexable (commodity prefixes, countries, offices,
procedures, documents, parties, transport mode); anything else is written as
an expression in CEL over a read-only view of the declaration and the item.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from hub.model.declaration import DeclarationKind, TransportMode
from hub.model.finding import RequestedChannel, RiskRating

__all__ = [
    "Assessment",
    "Conditions",
    "Level",
    "Likelihood",
    "ProfileStatus",
    "RiskProfile",
    "Scope",
    "Screening",
    "Validity",
]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProfileStatus(StrEnum):
    """Life cycle: draft -> testing -> active -> retired.

    Only active profiles select goods for control; testing profiles are
    evaluated in back-tests and shadow runs. A profile goes from testing to
    active only once a back-test has been recorded for its version.
    """

    DRAFT = "draft"
    TESTING = "testing"
    ACTIVE = "active"
    RETIRED = "retired"


class Level(StrEnum):
    """Central: every office. Regional: a group of offices. Local: one office."""

    CENTRAL = "central"
    REGIONAL = "regional"
    LOCAL = "local"


class Likelihood(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Scope(StrEnum):
    """Item: tested against each goods item. Declaration: tested once, on the header."""

    ITEM = "item"
    DECLARATION = "declaration"


# WCO risk matrix: probability x consequence -> rating.
_MATRIX = {
    (Likelihood.HIGH, Likelihood.HIGH): RiskRating.HIGH,
    (Likelihood.HIGH, Likelihood.MEDIUM): RiskRating.HIGH,
    (Likelihood.MEDIUM, Likelihood.HIGH): RiskRating.HIGH,
    (Likelihood.HIGH, Likelihood.LOW): RiskRating.MEDIUM,
    (Likelihood.MEDIUM, Likelihood.MEDIUM): RiskRating.MEDIUM,
    (Likelihood.LOW, Likelihood.HIGH): RiskRating.MEDIUM,
    (Likelihood.MEDIUM, Likelihood.LOW): RiskRating.LOW,
    (Likelihood.LOW, Likelihood.MEDIUM): RiskRating.LOW,
    (Likelihood.LOW, Likelihood.LOW): RiskRating.LOW,
}


class Assessment(_Spec):
    """The analysis behind the profile: how likely, how grave."""

    probability: Likelihood
    consequence: Likelihood

    @property
    def rating(self) -> RiskRating:
        return _MATRIX[(self.probability, self.consequence)]


class Validity(_Spec):
    """When the profile applies; profiles often live from hours to a week."""

    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> Validity:
        if self.to is not None and self.to <= self.from_:
            raise ValueError("validity 'to' must be after 'from'")
        return self

    def covers(self, moment: datetime) -> bool:
        return self.from_ <= moment and (self.to is None or moment < self.to)


class Screening(_Spec):
    """Fuzzy screening of names and identifiers against a watchlist reference list.

    ``targets`` says what is screened: party names and identifiers, means of
    transport (vehicle, vessel, aircraft identifiers) and container numbers.
    ``threshold`` is the rapidfuzz similarity (0-100) from which a name matches.
    """

    watchlist: str
    targets: tuple[str, ...] = ("parties", "means", "containers")
    threshold: int = Field(default=88, ge=50, le=100)


def _commodity_prefix(prefix: str) -> str:
    # Checked per element so that an error names the prefix at fault (when.commodity[2]).
    if not (prefix.isdigit() and 2 <= len(prefix) <= 10):
        raise ValueError(f"commodity prefix {prefix!r} must be 2 to 10 digits")
    return prefix


class Conditions(_Spec):
    """Indicators that must all hold (logical AND); each list is a choice (OR).

    An absent indicator does not constrain. Codes are compared as written in
    the canonical declaration: commodity prefixes are digits, countries ISO
    3166 alpha-2, procedure prefixes the four-digit procedure code, documents
    category + type (``N853``).
    """

    # commodity code prefixes, 2 to 10 digits
    commodity: tuple[Annotated[str, AfterValidator(_commodity_prefix)], ...] = ()
    origin: tuple[str, ...] = ()
    dispatch: tuple[str, ...] = ()  # country of dispatch / export
    destination: tuple[str, ...] = ()
    office: tuple[str, ...] = ()  # office of declaration, entry, exit or goods location
    procedure: tuple[str, ...] = ()  # procedure code prefixes, e.g. '40', '4000'
    kind: tuple[DeclarationKind, ...] = ()
    transport_mode: tuple[TransportMode, ...] = ()
    documents_present: tuple[str, ...] = ()  # any of these present
    documents_missing: tuple[str, ...] = ()  # all of these absent
    party: tuple[str, ...] = ()  # party identifiers (EORI, TIN)
    expression: str | None = None  # CEL, for everything else
    expression_says: str | None = None  # the expression in an officer's words, for findings
    screening: Screening | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Conditions:
        fields = self.model_dump(exclude_defaults=True)
        if not fields:
            raise ValueError("a profile needs at least one condition")
        return self


class RiskProfile(_Spec):
    """One risk profile, one version of it."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")  # e.g. CUS-VAL-001
    version: int = Field(ge=1)
    owner: str  # the agency that owns it: its folder name
    title: str
    rationale: str  # why the profile exists: the risk seen, the source
    risk_area: str  # e.g. valuation, misclassification, pests, animal-disease, drugs
    level: Level = Level.CENTRAL
    offices: tuple[str, ...] = ()  # where a regional or local profile applies
    assessment: Assessment
    when: Conditions
    scope: Scope = Scope.ITEM
    score: int = Field(ge=0, le=100)
    channel: RequestedChannel
    instructions: str  # what the officer checks and how
    mandatory: bool = False
    confidential: bool = False
    validity: Validity
    status: ProfileStatus = ProfileStatus.DRAFT
    # Partner administrations (ISO 3166 codes) this profile's findings are shared with, under
    # a mutual assistance agreement; sharing is not a rule: it leaves rules_hash unchanged.
    share_with: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], ...] = ()

    @model_validator(mode="after")
    def _offices_match_level(self) -> RiskProfile:
        if self.level is Level.CENTRAL and self.offices:
            raise ValueError("a central profile applies everywhere: list no offices")
        if self.level is Level.LOCAL and len(self.offices) != 1:
            raise ValueError("a local profile applies at exactly one office")
        if self.level is Level.REGIONAL and len(self.offices) < 2:
            raise ValueError("a regional profile applies at two or more offices")
        return self

    @property
    def rating(self) -> RiskRating:
        return self.assessment.rating

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)
