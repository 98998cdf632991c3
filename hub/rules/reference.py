"""Reference lists: the data risk rules read besides the declaration.

Each list is one YAML (or JSON) file an agency owns, with the ``source`` it
was taken from and the ``date`` it was last checked, so an officer can tell
why a rule fired and whether its data was current. Four kinds:

``codes``      a set of codes or identifiers, e.g. pest-risk origin countries::

                   name: pest_origins
                   owner: phyto
                   kind: codes
                   source: EPPO Global Database, quarantine pest distribution
                   date: 2025-01-15
                   entries: [CN, VN, IN]

``valuation``  a floor unit value per kilogram for commodity code prefixes
               (``entries: [{commodity: "0703", floor: 1.10, currency: GBP}]``);
               the longest prefix across all valuation lists wins.
``ratings``    a behavioural compliance rating per trader or party identifier,
               0 (worst record) to 100 (fully compliant), with its reasons
               (``entries: [{party: GB123456789000, rating: 35, reasons: [...]}]``).
               The ratings the hub computes from history (:mod:`hub.rating`)
               win over a list's (:meth:`ReferenceData.with_ratings`); the
               list still rates the parties never rated.
``watchlist``  persons, companies, vehicles, vessels and containers of interest
               with names, aliases, identifiers and the reason they are listed.

:class:`ReferenceData` is the read-only collection a rule set is compiled
against; list names are unique across agencies, because profiles name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from hub.datafile import LocatedError, first_error, line_of, read_yaml
from hub.errors import InvalidReference

__all__ = [
    "CodesList",
    "RatingEntry",
    "RatingsList",
    "ReferenceData",
    "ReferenceKind",
    "ReferenceList",
    "ValuationEntry",
    "ValuationList",
    "WatchKind",
    "Watchlist",
    "WatchlistEntry",
    "load_reference",
    "parse_reference",
]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReferenceKind(StrEnum):
    CODES = "codes"
    VALUATION = "valuation"
    RATINGS = "ratings"
    WATCHLIST = "watchlist"


class WatchKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"
    VEHICLE = "vehicle"
    VESSEL = "vessel"
    CONTAINER = "container"


def _digits(prefix: str) -> str:
    if not (prefix.isdigit() and 2 <= len(prefix) <= 10):
        raise ValueError(f"commodity prefix {prefix!r} must be 2 to 10 digits")
    return prefix


class ValuationEntry(_Spec):
    """Below ``floor`` (per kilogram, in ``currency``) a declared unit value is suspect."""

    commodity: Annotated[str, AfterValidator(_digits)]
    floor: Decimal = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class RatingEntry(_Spec):
    party: str = Field(min_length=1)
    rating: int = Field(ge=0, le=100)
    reasons: tuple[str, ...] = ()


class WatchlistEntry(_Spec):
    """One person, company, vehicle, vessel or container of interest.

    ``name`` and ``aliases`` are screened fuzzily; ``identifiers`` (plates,
    container numbers, IMO numbers, EORI) are compared exactly once spaces and
    dashes are gone. ``reason`` is intelligence: findings quoting it are
    confidential when the profile says so.
    """

    kind: WatchKind
    name: str | None = None
    aliases: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    reason: str
    id: str | None = None

    @model_validator(mode="after")
    def _named(self) -> WatchlistEntry:
        if not (self.name or self.aliases or self.identifiers):
            raise ValueError("a watchlist entry needs a name, an alias or an identifier")
        return self

    @property
    def label(self) -> str:
        return self.name or (self.aliases[0] if self.aliases else self.identifiers[0])


class _List(_Spec):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    owner: str
    source: str = Field(min_length=1)
    date: date
    _file: str = PrivateAttr(default="<memory>")

    @property
    def file(self) -> str:
        """The file the list was read from, for errors raised after loading."""
        return self._file


class CodesList(_List):
    kind: Literal[ReferenceKind.CODES] = ReferenceKind.CODES
    entries: frozenset[str]


class ValuationList(_List):
    kind: Literal[ReferenceKind.VALUATION] = ReferenceKind.VALUATION
    entries: tuple[ValuationEntry, ...]


class RatingsList(_List):
    kind: Literal[ReferenceKind.RATINGS] = ReferenceKind.RATINGS
    entries: tuple[RatingEntry, ...]


class Watchlist(_List):
    kind: Literal[ReferenceKind.WATCHLIST] = ReferenceKind.WATCHLIST
    entries: tuple[WatchlistEntry, ...]


ReferenceList = CodesList | ValuationList | RatingsList | Watchlist

_MODELS: dict[str, type[CodesList | ValuationList | RatingsList | Watchlist]] = {
    ReferenceKind.CODES: CodesList,
    ReferenceKind.VALUATION: ValuationList,
    ReferenceKind.RATINGS: RatingsList,
    ReferenceKind.WATCHLIST: Watchlist,
}


def parse_reference(text: str, *, file: str) -> ReferenceList:
    """Read one reference list from YAML or JSON text; errors name ``file``, line and field."""
    try:
        data, root = read_yaml(text)
    except LocatedError as exc:
        raise InvalidReference(exc.message, file=file, line=exc.line, field=exc.field) from None
    if not isinstance(data, dict):
        raise InvalidReference("a reference list is a mapping", file=file, line=1)
    kind = data.get("kind")
    model = _MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise InvalidReference(
            f"kind must be one of {', '.join(_MODELS)}",
            file=file,
            line=line_of(root, ("kind",)),
            field="kind",
        )
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        located = first_error(exc, root)
        raise InvalidReference(
            located.message, file=file, line=located.line, field=located.field
        ) from None
    result._file = file
    return result


def load_reference(path: Path) -> ReferenceList:
    """Read the reference list in ``path``; see :func:`parse_reference`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidReference(f"cannot read: {exc}", file=str(path)) from None
    return parse_reference(text, file=str(path))


class ReferenceData(Mapping[str, ReferenceList]):
    """The reference lists a rule set reads, by name, read-only.

    Lookups the hub's CEL functions need are precomputed here once: the
    membership sets, valuation floors by prefix, ratings by party.
    """

    def __init__(self, lists: Iterable[ReferenceList] = ()) -> None:
        self._lists: dict[str, ReferenceList] = {}
        self._floors: dict[str, list[ValuationEntry]] = {}
        self._floor_lengths: list[int] = []
        self._ratings: dict[str, int] = {}
        for item in lists:
            if item.name in self._lists:
                raise InvalidReference(
                    f"list name {item.name!r} is already used by {self._lists[item.name].file}",
                    file=item.file,
                    field="name",
                )
            self._lists[item.name] = item
            if isinstance(item, ValuationList):
                for entry in item.entries:
                    self._floors.setdefault(entry.commodity, []).append(entry)
            elif isinstance(item, RatingsList):
                self._ratings.update((e.party, e.rating) for e in item.entries)
        self._floor_lengths = sorted({len(p) for p in self._floors}, reverse=True)

    def __getitem__(self, name: str) -> ReferenceList:
        return self._lists[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def contains(self, list_name: str, value: str) -> bool:
        """Whether ``value`` is in the ``codes`` list ``list_name``; KeyError if there is none."""
        found = self._lists[list_name]
        if not isinstance(found, CodesList):
            raise KeyError(f"{list_name!r} is a {found.kind} list, not a codes list")
        return value in found.entries

    def valuation(self, commodity_code: str, currency: str | None = None) -> ValuationEntry | None:
        """The floor of the longest prefix of ``commodity_code`` (in ``currency`` if given)."""
        for length in self._floor_lengths:
            if length > len(commodity_code):
                continue
            for entry in self._floors.get(commodity_code[:length], ()):
                if currency is None or entry.currency == currency:
                    return entry
        return None

    def valuation_floor(self, commodity_code: str) -> Decimal | None:
        """The floor unit value per kg for ``commodity_code`` (longest prefix), or ``None``."""
        entry = self.valuation(commodity_code)
        return entry.floor if entry is not None else None

    def rating(self, party_id: str) -> int | None:
        """The behavioural rating (0 worst record, 100 fully compliant), or ``None``."""
        return self._ratings.get(party_id)

    def with_ratings(self, computed: Mapping[str, int]) -> ReferenceData:
        """These lists, with ``computed`` ratings winning over the ``ratings`` lists' entries."""
        overlaid = ReferenceData(self._lists.values())
        overlaid._ratings.update(computed)
        return overlaid

    def watchlist(self, name: str) -> Watchlist:
        """The watchlist ``name``; KeyError if there is none of that kind."""
        found = self._lists[name]
        if not isinstance(found, Watchlist):
            raise KeyError(f"{name!r} is a {found.kind} list, not a watchlist")
        return found
