"""Fuzzy screening of names and identifiers against a watchlist.

Police (and customs security) screen every party, means of transport and
container of a declaration. Names arrive transliterated by whoever typed them
(Mohammed / Muhammad / Mohamed, Al-Hassan / Alhassan / El Hassan), with or
without diacritics, in any word order; identifiers arrive with spaces and
dashes. Names are reduced to comparable keys by ``hub.rules._names`` and
compared with rapidfuzz's ratio over word-sorted keys (the token-sort ratio,
with the sorting done once per name); identifiers are compared exactly once
normalised, because a plate one character off is another vehicle.

A :class:`WatchlistMatcher` precomputes every entry's keys once, when a rule
set is compiled; screening a declaration costs one rapidfuzz pass per name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from hub.model.declaration import Declaration
from hub.rules._names import name_keys, normalise_identifier
from hub.rules.reference import WatchKind, Watchlist, WatchlistEntry

__all__ = [
    "NAME_KINDS",
    "TARGETS",
    "ScreeningMatch",
    "WatchlistMatcher",
    "name_keys",
    "name_score",
    "normalise_identifier",
]

TARGETS = frozenset({"parties", "means", "containers"})
NAME_KINDS = frozenset({WatchKind.PERSON, WatchKind.COMPANY})
_MEANS_KINDS = frozenset({WatchKind.VEHICLE, WatchKind.VESSEL})


@dataclass(frozen=True, slots=True)
class ScreeningMatch:
    """A declared name or identifier that matches a watchlist entry.

    ``what`` says where the value was declared (``party consignee``,
    ``border means``, ``container``); ``matched`` is the entry's name, alias
    or identifier it met; ``score`` is 0-100 (100 for identifiers).
    """

    entry: WatchlistEntry
    what: str
    screened: str
    matched: str
    score: int

    def describe(self) -> str:
        """The match in words, as a finding's indicator."""
        text = f"{self.what} {self.screened!r} matches watchlist entry {self.entry.label!r}"
        if self.matched != self.entry.label:
            text += f" (as {self.matched!r})"
        return f"{text} (score {self.score})"


# Each word of the shorter name must meet a word of the other this well, so that
# two names sharing a surname ("Omar Weber", "Mary Weber") are not one person.
WORD_FLOOR = 80


def _words_agree(a: str, b: str) -> bool:
    short, other = sorted((a.split(), b.split()), key=len)
    return all(
        max(fuzz.ratio(word, candidate) for candidate in other) >= WORD_FLOOR for word in short
    )


def name_score(a: str, b: str) -> int:
    """Similarity 0-100 of two names after normalisation (best over their key forms).

    The token-sort ratio of the keys, or 0 when a word of the shorter name
    has no counterpart in the other.
    """
    return max(
        (round(fuzz.ratio(x, y)) for x in name_keys(a) for y in name_keys(b) if _words_agree(x, y)),
        default=0,
    )


class WatchlistMatcher:
    """One watchlist, prepared for screening at ``threshold`` (0-100)."""

    def __init__(self, watchlist: Watchlist, threshold: int = 88) -> None:
        self.watchlist = watchlist
        self.threshold = threshold
        self._keys: dict[bool, list[str]] = {True: [], False: []}
        self._owners: dict[bool, list[tuple[WatchlistEntry, str]]] = {True: [], False: []}
        self._ids: dict[str, list[tuple[WatchlistEntry, str]]] = {}
        for entry in watchlist.entries:
            is_name = entry.kind in NAME_KINDS
            for written in (entry.name, *entry.aliases):
                if not written:
                    continue
                for key in name_keys(written):
                    self._keys[is_name].append(key)
                    self._owners[is_name].append((entry, written))
            for ident in entry.identifiers:
                self._ids.setdefault(normalise_identifier(ident), []).append((entry, ident))

    def screen_name(self, name: str, what: str, *, people: bool = True) -> list[ScreeningMatch]:
        """Entries whose names meet ``name``: persons and companies, or vehicles and vessels."""
        keys = self._keys[people]
        owners = self._owners[people]
        best: dict[int, ScreeningMatch] = {}
        for query in name_keys(name):
            for key, score, index in process.extract(
                query, keys, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=None
            ):
                if not _words_agree(query, key):
                    continue
                entry, written = owners[index]
                found = best.get(id(entry))
                if found is None or score > found.score:
                    best[id(entry)] = ScreeningMatch(entry, what, name, written, round(score))
        return list(best.values())

    def screen_identifier(self, value: str, what: str) -> list[ScreeningMatch]:
        """Entries listing ``value`` as an identifier, spaces, dashes and case aside."""
        return [
            ScreeningMatch(entry, what, value, written, 100)
            for entry, written in self._ids.get(normalise_identifier(value), ())
        ]

    def screen(self, declaration: Declaration, targets: Collection[str]) -> list[ScreeningMatch]:
        """Every match in ``declaration`` among ``targets`` (parties, means, containers)."""
        matches: list[ScreeningMatch] = []
        for kind, what, value in _screened(declaration, targets):
            if kind == "name":
                matches.extend(self.screen_name(value, what))
            elif kind == "means-name":
                matches.extend(self.screen_name(value, what, people=False))
            else:
                matches.extend(self.screen_identifier(value, what))
        return _unique(matches)


def _screened(declaration: Declaration, targets: Collection[str]) -> Iterator[tuple[str, str, str]]:
    if "parties" in targets:
        parties = [*declaration.parties]
        for item in declaration.goods_items:
            parties.extend(item.parties)
        for party in dict.fromkeys(parties):
            if party.name:
                yield "name", f"party {party.role.value}", party.name
            if party.id:
                yield "id", f"party {party.role.value} id", party.id
    if "means" in targets:
        t = declaration.transport
        for label, means in (
            ("border means", t.border_means),
            ("arrival means", t.arrival_means),
            ("departure means", t.departure_means),
        ):
            if means is None:
                continue
            if means.id:
                yield "id", label, means.id
            if means.name:
                yield "means-name", label, means.name
    if "containers" in targets:
        for container in declaration.transport.containers:
            yield "id", "container", container.id


def _unique(matches: list[ScreeningMatch]) -> list[ScreeningMatch]:
    seen: set[tuple[int, str, str]] = set()
    kept = []
    for match in matches:
        key = (id(match.entry), match.what, match.screened)
        if key not in seen:
            seen.add(key)
            kept.append(match)
    return kept
