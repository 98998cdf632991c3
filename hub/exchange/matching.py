"""Matching a neighbour's pre-arrival data with the import declaration.

When goods leave a neighbour under export or transit it sends the core data
(SEED): vehicle, gross mass, consignor, consignee, commodity codes. When the
import declaration arrives the hub finds the pre-arrival message it answers
and compares the two; a disagreement (mass, goods codes, parties) is itself a
risk indicator, recorded as a ``mismatch`` finding for customs. Goods
announced that no declaration claims are :func:`overdue`, an alert for the
border office. The identifiers a declaration carries (:func:`movement_keys`)
are also what partners' watches meet (:mod:`hub.exchange.watches`).

Identifiers (plates, IMO numbers, containers, MRNs, party ids) are compared
once normalised by :func:`normalise_identifier`, the same function the
watchlist screening uses (``hub.rules.screening``), so that a plate written
``AB-123 CD`` by one administration and ``AB123CD`` by another is one vehicle.
Names are compared fuzzily (rapidfuzz token-sort ratio), after case folding
and dropping legal forms, because each administration types them anew.

Pure functions: the store finds the candidates and keeps the results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from rapidfuzz import fuzz

from hub.exchange.messages import PreArrival
from hub.model.declaration import Declaration, Party, PartyRole
from hub.model.finding import Finding, FindingSource, RequestedChannel, RiskRating
from hub.rules.screening import normalise_identifier

__all__ = [
    "MISMATCH_RISK_AREA",
    "MatchTolerance",
    "MovementKeys",
    "alert_summary",
    "arrival_time",
    "best_match",
    "differences",
    "mismatch_channel",
    "mismatch_finding",
    "movement_keys",
    "normalise_identifier",
    "overdue",
    "same_name",
]

MISMATCH_RISK_AREA = "pre-arrival-mismatch"
"""The risk area of a mismatch finding: what is known is that the data disagree, not why.

Not 'revenue': a consignee swapped or goods codes changed in transit may be
smuggling, a security risk or a data-entry slip alike, and keeping the cause
apart lets feedback and back-tests count what pre-arrival matching detects.
An AEO benefit may still lower it (it is not a security risk area).
"""

_RowId = TypeVar("_RowId", bound=Hashable)


@dataclass(frozen=True, slots=True)
class MatchTolerance:
    """How far a declaration may stray from the pre-arrival data before it is a difference.

    ``gross_mass_percent`` of the mass sent; commodity codes compared on their
    first ``hs_digits`` digits (6: the HS subheading both sides share);
    ``window`` how long after departure an import may still match by means of
    transport.
    """

    gross_mass_percent: Decimal = Decimal(5)
    hs_digits: int = 6
    window: timedelta = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class MovementKeys:
    """A declaration's identifiers, normalised: what a pre-arrival or a watch can meet.

    ``means``: the border, arrival and departure means of transport;
    ``references``: previous documents, documents (header and items) and
    transport documents, where an import cites the export or transit
    declaration (MRN) or the bill of lading; ``containers``; ``parties``:
    every party identifier, item-level parties included.
    """

    means: frozenset[str] = frozenset()
    references: frozenset[str] = frozenset()
    containers: frozenset[str] = frozenset()
    parties: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        means: Iterable[str | None] = (),
        references: Iterable[str | None] = (),
        containers: Iterable[str | None] = (),
        parties: Iterable[str | None] = (),
    ) -> MovementKeys:
        """Keys from identifiers as written (normalised here), for a lookup by hand."""
        return cls(*map(_normalised, (means, references, containers, parties)))

    def __bool__(self) -> bool:
        return bool(self.means or self.references or self.containers or self.parties)


def _normalised(values: Iterable[str | None]) -> frozenset[str]:
    return frozenset(n for v in values if v for n in (normalise_identifier(v),) if n)


def _all_parties(declaration: Declaration) -> list[Party]:
    return [*declaration.parties, *(p for g in declaration.goods_items for p in g.parties)]


def movement_keys(declaration: Declaration) -> MovementKeys:
    """The declaration's normalised means, references, containers and party identifiers."""
    t = declaration.transport
    means = (m for m in (t.border_means, t.arrival_means, t.departure_means) if m)
    documents = [
        *declaration.previous_documents,
        *declaration.documents,
        *(d for g in declaration.goods_items for d in (*g.previous_documents, *g.documents)),
    ]
    return MovementKeys(
        means=_normalised(m.id for m in means),
        references=_normalised([*(d.id for d in documents), *t.transport_documents]),
        containers=_normalised(c.id for c in t.containers),
        parties=_normalised(p.id for p in _all_parties(declaration)),
    )


def arrival_time(declaration: Declaration) -> datetime | None:
    """When the goods arrive, as the declaration tells: the expected arrival, else its acceptance,
    else its issue; ``None`` when it says none of them. A time without a zone is read as UTC.
    """
    t = declaration.transport.expected_arrival or declaration.accepted_at or declaration.issued_at
    if t is not None and t.tzinfo is None:
        return t.replace(tzinfo=UTC)
    return t


def _cites(keys: MovementKeys, pre: PreArrival) -> bool:
    return normalise_identifier(pre.declaration_reference) in keys.references


def _same_movement(
    keys: MovementKeys, pre: PreArrival, arrival: datetime | None, window: timedelta
) -> bool:
    if arrival is None or not pre.departed_at <= arrival <= pre.departed_at + window:
        return False
    return normalise_identifier(pre.means_id) in keys.means or bool(
        _normalised(pre.containers) & keys.containers
    )


def best_match(
    declaration: Declaration,
    candidates: Sequence[PreArrival],
    tolerance: MatchTolerance = MatchTolerance(),
    *,
    keys: MovementKeys | None = None,
) -> PreArrival | None:
    """The pre-arrival message ``declaration`` answers, or ``None``.

    ``keys``: the declaration's :func:`movement_keys`, when the caller has them.

    A candidate whose ``declaration_reference`` (the partner's MRN) the
    declaration cites wins. Otherwise a candidate with the same means of
    transport (or a container in common) that departed within
    ``tolerance.window`` before the goods arrived (:func:`arrival_time`; a
    declaration without any time matches by reference only). Among several,
    the one with the fewest :func:`differences`, then the latest departure.
    """
    if not candidates:
        return None
    keys = movement_keys(declaration) if keys is None else keys
    found = [p for p in candidates if _cites(keys, p)]
    if not found:
        arrival = arrival_time(declaration)
        found = [p for p in candidates if _same_movement(keys, p, arrival, tolerance.window)]
    if not found:
        return None
    return min(
        found,
        key=lambda p: (len(differences(p, declaration, tolerance)), -p.departed_at.timestamp()),
    )


# Legal forms say nothing about who a company is; dots are dropped first (d.o.o. -> doo).
_LEGAL_FORMS = frozenset(
    {"ltd", "limited", "llc", "inc", "plc", "corp", "corporation", "co", "company", "gmbh",
     "ag", "kg", "sa", "sarl", "srl", "spa", "bv", "nv", "as", "ab", "oy", "jsc", "ooo",
     "doo", "dooel", "dd", "ad", "ood", "eood", "shpk", "sha", "pte", "pty"}
)  # fmt: skip
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_SAME_NAME = 85


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in folded if not unicodedata.combining(c)).casefold().replace(".", "")
    return " ".join(w for w in _NOT_ALNUM.split(text) if w and w not in _LEGAL_FORMS)


def same_name(a: str, b: str) -> bool:
    """Two company or person names the same once case, accents and legal forms are dropped.

    rapidfuzz token-sort ratio of at least 85, so word order and small typing
    differences do not count ('ACME Trading Ltd', 'Trading Acme d.o.o.').
    """
    key_a, key_b = _name_key(a), _name_key(b)
    if not key_a or not key_b:  # nothing but a legal form: only the very same words agree
        return a.strip().casefold() == b.strip().casefold()
    return fuzz.token_sort_ratio(key_a, key_b) >= _SAME_NAME


def _agrees(party: Party, other_id: str | None, other_name: str) -> bool | None:
    """Whether ``party`` is the one sent: by identifier when both have one, else by name."""
    if party.id and other_id:
        return normalise_identifier(party.id) == normalise_identifier(other_id)
    if party.name:
        return same_name(party.name, other_name)
    return None  # nothing comparable


def _label(name: str | None, ident: str | None) -> str:
    if name and ident:
        return f"{name!r} ({ident})"
    return repr(name) if name else str(ident)


def _party_difference(
    role: str,
    declared: Sequence[Party],
    sent_id: str | None,
    sent_name: str,
) -> str | None:
    verdicts = [(p, _agrees(p, sent_id, sent_name)) for p in declared]
    compared = [(p, v) for p, v in verdicts if v is not None]
    if not compared or any(v for _, v in compared):
        return None
    first = compared[0][0]
    return (
        f"{role} {_label(first.name, first.id)} differs from "
        f"{_label(sent_name, sent_id)} in the pre-arrival data"
    )


def _kg(value: Decimal) -> str:
    return f"{value.normalize():,f}"  # 18450.50 -> '18,450.5', 1E+3 -> '1,000'


def _declared_mass(declaration: Declaration) -> Decimal | None:
    if declaration.totals.gross_mass is not None:
        return declaration.totals.gross_mass
    masses = [g.gross_mass for g in declaration.goods_items if g.gross_mass is not None]
    return sum(masses, Decimal(0)) if masses else None


def _mass_difference(
    declared: Decimal | None, sent: Decimal, partner: str, tolerance: Decimal
) -> str | None:
    if declared is None:
        return f"no gross mass declared; {partner} sent {_kg(sent)} kg"
    if declared == sent:
        return None
    percent = abs(declared - sent) / sent * 100 if sent else None
    if percent is not None and percent <= tolerance:
        return None
    words = f"gross mass {_kg(declared)} kg declared against {_kg(sent)} kg sent by {partner}"
    if percent is None:
        return words
    beyond = "more than twice" if percent > 2 * tolerance else "more than"
    return f"{words} ({percent:.1f} % apart, {beyond} the {_kg(tolerance)} % tolerance)"


def _hs(code: str, digits: int) -> str:
    code = code[:digits]
    return " ".join([code[:4], *(code[i : i + 2] for i in range(4, len(code), 2))])


def _same_code(a: str, b: str, digits: int) -> bool:
    n = min(digits, len(a), len(b))
    return a[:n] == b[:n]


def _commodity_differences(
    pre: PreArrival, declaration: Declaration, digits: int, partner: str
) -> list[str]:
    sent = list(dict.fromkeys(i.commodity_code[:digits] for i in pre.items))
    declared = [(g.sequence, g.commodity_code) for g in declaration.goods_items if g.commodity_code]
    if not declared:
        return []
    out: list[str] = []
    listed = ", ".join(_hs(c, digits) for c in sent)
    for sequence, code in declared:
        if not any(_same_code(code, s, digits) for s in sent):
            out.append(
                f"commodity {_hs(code, digits)} declared (item {sequence}) is not among "
                f"the codes sent by {partner}: {listed}"
            )
    for code in sent:
        if not any(_same_code(code, d, digits) for _, d in declared):
            out.append(f"commodity {_hs(code, digits)} sent by {partner} is not declared")
    return out


_CONSIGNORS = (PartyRole.EXPORTER, PartyRole.CONSIGNOR)
_CONSIGNEES = (PartyRole.IMPORTER, PartyRole.CONSIGNEE)


def differences(
    pre: PreArrival,
    declaration: Declaration,
    tolerance: MatchTolerance = MatchTolerance(),
) -> tuple[str, ...]:
    """Where ``declaration`` disagrees with ``pre``, in words an officer reads; empty if nowhere.

    - Gross mass: the declaration's total, else the sum of its items'; more
      than ``tolerance.gross_mass_percent`` apart from the mass sent is a
      difference, and so is no gross mass declared.
    - Commodity codes, on their first ``tolerance.hs_digits`` digits: each
      declared code must be among those sent, and each sent one declared.
    - Consignor (the declaration's exporter or consignor, header or item
      level) and consignee (importer or consignee): by identifier when both
      sides have one, else by name (:func:`same_name`). A party the
      declaration does not name, or names by identifier only against a
      name only, is not compared: the hub never guesses.
    - Means of transport and containers, when the declaration names some:
      the means sent must be among the declared ones (which differ only when
      the match was by reference or container), each container sent declared.
    """
    partner = pre.header.sender
    out: list[str] = []
    mass = _mass_difference(
        _declared_mass(declaration), pre.gross_mass, partner, tolerance.gross_mass_percent
    )
    if mass:
        out.append(mass)
    out += _commodity_differences(pre, declaration, tolerance.hs_digits, partner)
    parties = _all_parties(declaration)
    for role, roles, sent_id, sent_name in (
        ("consignor", _CONSIGNORS, pre.consignor_id, pre.consignor_name),
        ("consignee", _CONSIGNEES, pre.consignee_id, pre.consignee_name),
    ):
        party = _party_difference(role, [p for p in parties if p.role in roles], sent_id, sent_name)
        if party:
            out.append(party)
    keys = movement_keys(declaration)
    if keys.means and normalise_identifier(pre.means_id) not in keys.means:
        t = declaration.transport
        declared = next(
            m.id for m in (t.border_means, t.arrival_means, t.departure_means) if m and m.id
        )
        out.append(f"means of transport {declared!r} declared, {partner} sent {pre.means_id!r}")
    if keys.containers:
        out += [
            f"container {c!r} sent by {partner} is not declared"
            for c in pre.containers
            if normalise_identifier(c) not in keys.containers
        ]
    return tuple(out)


def _aspect(difference: str) -> str:
    if difference.startswith(("gross mass", "no gross mass")):
        return "mass"
    if difference.startswith("commodity"):
        return "commodity"
    if difference.startswith(("consignor", "consignee")):
        return "party"
    return "conveyance"


def _minor(difference: str) -> bool:
    return _aspect(difference) in ("mass", "conveyance") and "more than twice" not in difference


def mismatch_channel(found: Sequence[str]) -> RequestedChannel:
    """The control a set of differences asks for (see :func:`mismatch_finding`)."""
    aspects = {_aspect(d) for d in found}
    if {"commodity", "mass"} <= aspects:
        return RequestedChannel.RED
    if len(found) == 1 and _minor(found[0]):
        return RequestedChannel.YELLOW
    return RequestedChannel.ORANGE


_RATING = {
    RequestedChannel.YELLOW: (RiskRating.LOW, 40),
    RequestedChannel.ORANGE: (RiskRating.MEDIUM, 60),
    RequestedChannel.RED: (RiskRating.HIGH, 80),
}


def mismatch_finding(
    pre: PreArrival, partner: str, found: Sequence[str], *, agency: str = "customs"
) -> Finding:
    """The finding a mismatch becomes: source ``mismatch``, risk area ``pre-arrival-mismatch``.

    The channel scale, from the :func:`differences` found:

    - **red** (physical examination): commodity codes AND gross mass differ
      (other goods, in another quantity: the classic substitution);
    - **orange** (scanner): commodity codes or a party differ, the gross mass
      is more than twice the tolerance apart, or there are several differences;
    - **yellow** (documentary check): one minor difference alone: the gross
      mass within twice the tolerance, no gross mass declared, or another
      means of transport or container.

    Raises ``ValueError`` when ``found`` is empty: agreement is no finding.
    """
    if not found:
        raise ValueError("no differences: the declaration agrees with the pre-arrival data")
    channel = mismatch_channel(found)
    rating, score = _RATING[channel]
    return Finding(
        agency=agency,
        source=FindingSource.PRE_ARRIVAL,
        title=(
            f"Declaration disagrees with the pre-arrival data from {partner} "
            f"({pre.procedure} {pre.declaration_reference})"
        ),
        risk_area=MISMATCH_RISK_AREA,
        rating=rating,
        indicators=tuple(found),
        score=score,
        channel=channel,
        instructions=(
            f"Check the goods and documents against the data {partner} sent "
            f"(message {pre.header.message_id}, departed {pre.departure_office} "
            f"on {pre.departed_at:%Y-%m-%d %H:%M %Z})."
        ),
    )


def overdue(
    pre_arrivals: Sequence[tuple[_RowId, PreArrival]], now: datetime, after: timedelta
) -> list[_RowId]:
    """The unmatched pre-arrivals whose goods left more than ``after`` before ``now``.

    Goods announced by a neighbour that no import declaration claimed may
    have been diverted or smuggled: each is an alert for the border office.
    """
    return [row for row, pre in pre_arrivals if pre.departed_at + after < now]


def alert_summary(pre: PreArrival, partner: str) -> str:
    """An unmatched pre-arrival in one line, for the officers' alert."""
    codes = ", ".join(dict.fromkeys(_hs(i.commodity_code, 6) for i in pre.items))
    return (
        f"No import declaration matched the {pre.procedure} {pre.declaration_reference} "
        f"{partner} announced: means {pre.means_id}, departed {pre.departure_office} "
        f"on {pre.departed_at:%Y-%m-%d %H:%M %Z}, {_kg(pre.gross_mass)} kg of {codes}, "
        f"for {pre.consignee_name}"
    )
