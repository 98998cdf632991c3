"""Turn one risk profile into closures over its indicators, once per rule set.

Each indicator becomes a check returning its match in words ("origin CN in
[CN, VN]") or ``None``. A profile holds when every check holds (logical AND);
each list inside a check is a choice (OR). Item-scope checks read one goods
item with its declaration; declaration-scope checks read the header, and an
item indicator (commodity, origin, procedure, documents, parties) holds when
some item of the declaration has it.

The commodity and origin checks of an item-scope profile are the ones the
index already guarantees: the indexed path runs the others first and those
two last, only for their words; the unindexed path (the test oracle) runs
them first. Both give the same words in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from hub.errors import InvalidProfile
from hub.model.finding import Finding
from hub.rules._facts import DeclFacts, ItemFacts
from hub.rules._views import unit_value_of
from hub.rules.cel import CelEnvironment, CelProgram, ExpressionError, list_names
from hub.rules.profile import Level, RiskProfile, Scope
from hub.rules.reference import CodesList, ReferenceData, Watchlist
from hub.rules.screening import TARGETS, WatchlistMatcher

HeaderCheck = Callable[[DeclFacts], str | None]
ItemCheck = Callable[[DeclFacts, ItemFacts], str | None]


def listed(values: Iterable[str], limit: int = 6) -> str:
    shown = list(values)
    if len(shown) > limit:
        return "[" + ", ".join(shown[:limit]) + f", ... {len(shown) - limit} more]"
    return "[" + ", ".join(shown) + "]"


def minimal_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    """Drop prefixes another listed prefix already covers ('0703' under '07').

    Then a code starts with at most one of them, so the index lists a profile
    at most once per item.
    """
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return tuple(kept)


class CompiledProfile:
    """One profile ready to evaluate: validity, scope and its checks."""

    __slots__ = (
        "_template",
        "header_checks",
        "indexed_checks",
        "item_checks",
        "ordinal",
        "origins",
        "prefixes",
        "profile",
        "scope_item",
        "valid_from",
        "valid_to",
    )

    def __init__(self, profile: RiskProfile, ordinal: int, compiler: Compiler) -> None:
        self.profile = profile
        self.ordinal = ordinal
        self.scope_item = profile.scope is Scope.ITEM
        self.valid_from = profile.validity.from_
        self.valid_to = profile.validity.to
        when = profile.when
        self.prefixes = minimal_prefixes(when.commodity)
        self.origins = frozenset(when.origin)
        self.header_checks: list[HeaderCheck] = compiler.header_checks(profile)
        self.indexed_checks: list[ItemCheck] = []
        self.item_checks: list[ItemCheck] = []
        if self.scope_item:
            self.indexed_checks = compiler.indexed_checks(self.prefixes, self.origins)
            self.item_checks = compiler.item_checks(profile)
        else:
            self.header_checks[:0] = compiler.aggregate_checks(profile, self.prefixes)
        self._template: dict[str, Any] = {
            "agency": profile.owner,
            "profile_id": profile.id,
            "profile_version": profile.version,
            "title": profile.title,
            "risk_area": profile.risk_area,
            "rating": profile.rating,
            "score": profile.score,
            "channel": profile.channel,
            "instructions": profile.instructions,
            "mandatory": profile.mandatory,
            "confidential": profile.confidential,
        }

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)

    def match_item(self, d: DeclFacts, i: ItemFacts, *, indexed: bool) -> list[str] | None:
        """The words of a match of this item-scope profile on item ``i``, or ``None``.

        ``indexed``: the caller's index already guarantees commodity and origin.
        """
        first: list[str] = []
        if not indexed:
            for check in self.indexed_checks:
                word = check(d, i)
                if word is None:
                    return None
                first.append(word)
        words: list[str] = []
        for header in self.header_checks:
            word = header(d)
            if word is None:
                return None
            words.append(word)
        for check in self.item_checks:
            word = check(d, i)
            if word is None:
                return None
            words.append(word)
        if indexed:
            first = [w for check in self.indexed_checks if (w := check(d, i)) is not None]
        return first + words

    def match_declaration(self, d: DeclFacts) -> list[str] | None:
        words: list[str] = []
        for header in self.header_checks:
            word = header(d)
            if word is None:
                return None
            words.append(word)
        return words

    def finding(self, sequences: tuple[int, ...], words: Iterable[str]) -> Finding:
        return Finding(item_sequences=sequences, indicators=tuple(words), **self._template)


class Compiler:
    """Builds checks against one rule set's CEL environment and reference data."""

    def __init__(self, env: CelEnvironment, references: ReferenceData) -> None:
        self.env = env
        self.references = references
        self._matchers: dict[tuple[str, int], WatchlistMatcher] = {}

    def refuse(self, profile: RiskProfile, message: str, field: str) -> InvalidProfile:
        return InvalidProfile(message, file=f"{profile.id} v{profile.version}", field=field)

    def indexed_checks(self, prefixes: tuple[str, ...], origins: frozenset[str]) -> list[ItemCheck]:
        checks: list[ItemCheck] = []
        if prefixes:

            def commodity(d: DeclFacts, i: ItemFacts) -> str | None:
                code = i.code
                if code is not None:
                    for prefix in prefixes:
                        if code.startswith(prefix):
                            return f"commodity {code} starts with {prefix}"
                return None

            checks.append(commodity)
        if origins:
            text = listed(sorted(origins))

            def origin(d: DeclFacts, i: ItemFacts) -> str | None:
                return f"origin {i.origin} in {text}" if i.origin in origins else None

            checks.append(origin)
        return checks

    def item_checks(self, profile: RiskProfile) -> list[ItemCheck]:
        when = profile.when
        checks: list[ItemCheck] = []
        if when.procedure:
            procedures = tuple(when.procedure)

            def procedure(d: DeclFacts, i: ItemFacts) -> str | None:
                code = i.procedure
                if code is not None:
                    for prefix in procedures:
                        if code.startswith(prefix):
                            return f"procedure {code} starts with {prefix}"
                return None

            checks.append(procedure)
        if when.documents_present:
            wanted = tuple(when.documents_present)
            checks.append(lambda d, i: _present(wanted, i.docs))
        if when.documents_missing:
            absent = tuple(when.documents_missing)
            checks.append(lambda d, i: _missing(absent, i.docs))
        if when.party:
            parties = frozenset(when.party)
            checks.append(lambda d, i: _party(parties, i.party_ids))
        if when.expression is not None:
            program = self.program(profile)
            refs = self.references

            def expression(d: DeclFacts, i: ItemFacts) -> str | None:
                if not program.holds(i.activation(d)):
                    return None
                return _expression_words(program, refs, d, i)

            checks.append(expression)
        return checks

    def aggregate_checks(
        self, profile: RiskProfile, prefixes: tuple[str, ...]
    ) -> list[HeaderCheck]:
        """Item indicators of a declaration-scope profile: some item has each of them."""
        when = profile.when
        checks: list[HeaderCheck] = []
        if prefixes:
            checks.append(lambda d: _any_prefix("commodity", d.codes, prefixes))
        if when.origin:
            origins = frozenset(when.origin)
            text = listed(sorted(origins))

            def origin(d: DeclFacts) -> str | None:
                for seq, country in d.origins:
                    if country in origins:
                        return f"origin {country} (item {seq}) in {text}"
                return None

            checks.append(origin)
        if when.procedure:
            procedures = tuple(when.procedure)
            checks.append(lambda d: _any_prefix("procedure", d.procedures, procedures))
        if when.documents_present:
            wanted = tuple(when.documents_present)
            checks.append(lambda d: _present(wanted, d.all_docs))
        if when.documents_missing:
            absent = tuple(when.documents_missing)
            checks.append(lambda d: _missing(absent, d.all_docs))
        if when.party:
            parties = frozenset(when.party)
            checks.append(lambda d: _party(parties, d.all_party_ids))
        if when.expression is not None:
            program = self.program(profile)
            refs = self.references

            def expression(d: DeclFacts) -> str | None:
                if not program.holds(d.activation):
                    return None
                return _expression_words(program, refs, d, None)

            checks.append(expression)
        return checks

    def header_checks(self, profile: RiskProfile) -> list[HeaderCheck]:
        when = profile.when
        checks: list[HeaderCheck] = []
        for label, values, attribute in (
            ("dispatch country", when.dispatch, "dispatch"),
            ("destination country", when.destination, "destination"),
            ("declaration kind", tuple(k.value for k in when.kind), "kind"),
            ("transport mode", tuple(m.value for m in when.transport_mode), "mode"),
        ):
            if values:
                checks.append(_attribute_in(label, attribute, frozenset(values)))
        if when.office:
            checks.append(_office("office", frozenset(when.office)))
        if profile.level is not Level.CENTRAL:
            checks.append(
                _office(f"{profile.level.value} profile for office", frozenset(profile.offices))
            )
        if when.screening is not None:
            checks.append(self.screening(profile))
        return checks

    def program(self, profile: RiskProfile) -> CelProgram:
        source = profile.when.expression or ""
        try:
            program = self.env.compile(source)
        except ExpressionError as exc:
            raise self.refuse(profile, f"CEL: {exc}", "when.expression") from None
        for name in sorted(list_names(source)):
            found = self.references.get(name)
            if not isinstance(found, CodesList):
                what = "no reference list" if found is None else f"a {found.kind} list"
                raise self.refuse(profile, f"in_list: {name!r} is {what}", "when.expression")
        return program

    def screening(self, profile: RiskProfile) -> HeaderCheck:
        spec = profile.when.screening
        assert spec is not None
        found = self.references.get(spec.watchlist)
        if not isinstance(found, Watchlist):
            raise self.refuse(
                profile, f"{spec.watchlist!r} is not a watchlist", "when.screening.watchlist"
            )
        unknown = set(spec.targets) - TARGETS
        if unknown:
            raise self.refuse(
                profile,
                f"unknown screening targets {sorted(unknown)}: use {sorted(TARGETS)}",
                "when.screening.targets",
            )
        key = (spec.watchlist, spec.threshold)
        matcher = self._matchers.get(key)
        if matcher is None:
            matcher = self._matchers[key] = WatchlistMatcher(found, spec.threshold)
        targets = tuple(sorted(spec.targets))
        cache_key = hash((id(matcher), targets))
        screen = matcher.screen

        def screening(d: DeclFacts) -> str | None:
            words = d.screening.get(cache_key)
            if words is None:
                matches = screen(d.declaration, targets)
                words = d.screening[cache_key] = "; ".join(m.describe() for m in matches)
            return words or None

        return screening


def _attribute_in(label: str, attribute: str, allowed: frozenset[str]) -> HeaderCheck:
    text = listed(sorted(allowed))

    def check(d: DeclFacts) -> str | None:
        value = getattr(d, attribute)
        return f"{label} {value} in {text}" if value in allowed else None

    return check


def _office(label: str, allowed: frozenset[str]) -> HeaderCheck:
    text = listed(sorted(allowed))

    def check(d: DeclFacts) -> str | None:
        for office in d.offices:
            if office in allowed:
                return f"{label} {office} in {text}"
        return None

    return check


def _present(wanted: tuple[str, ...], docs: Collection[str]) -> str | None:
    found = [code for code in wanted if code in docs]
    if not found:
        return None
    return f"document{'s' if len(found) > 1 else ''} {', '.join(found)} present"


def _missing(absent: tuple[str, ...], docs: Collection[str]) -> str | None:
    if any(code in docs for code in absent):
        return None
    return f"document{'s' if len(absent) > 1 else ''} {', '.join(absent)} missing"


def _party(parties: frozenset[str], ids: frozenset[str]) -> str | None:
    found = sorted(parties & ids)
    return f"party {', '.join(found)} listed" if found else None


def _any_prefix(
    label: str, values: tuple[tuple[int, str], ...], prefixes: tuple[str, ...]
) -> str | None:
    for seq, value in values:
        for prefix in prefixes:
            if value.startswith(prefix):
                return f"{label} {value} (item {seq}) starts with {prefix}"
    return None


def _expression_words(
    program: CelProgram, refs: ReferenceData, d: DeclFacts, i: ItemFacts | None
) -> str:
    words = [f"expression holds: {' '.join(program.source.split())}"]
    uses = program.uses
    if i is not None and "unit_value" in uses:
        found = unit_value_of(i.item)
        if found is not None:
            value, currency = found
            text = (
                f"unit value {value:.2f} {currency}/kg"
                if currency
                else f"unit value {value:.2f}/kg"
            )
            entry = (
                refs.valuation(i.code, currency) or refs.valuation(i.code)
                if "valuation_floor" in uses and i.code
                else None
            )
            if entry is not None:
                relation = "below" if value < entry.floor else "not below"
                text += (
                    f" {relation} floor {entry.floor:.2f} {entry.currency}/kg for {entry.commodity}"
                )
            words.append(text)
    if "trader_rating" in uses:
        ids = i.party_ids if i is not None else d.all_party_ids
        rated = sorted((pid, r) for pid in ids if (r := refs.rating(pid)) is not None)
        words.extend(f"party {pid} rated {rating}" for pid, rating in rated)
    return "; ".join(words)
