"""Turn one risk profile into fast tests and explaining words, once per rule set.

A profile holds when every indicator holds (logical AND; each list inside an
indicator is a choice, OR). Item-scope indicators read one goods item with
its declaration; declaration-scope profiles read the header, and an item
indicator (commodity, origin, procedure, documents, parties) holds when some
item of the declaration has it. Watchlist screening always reads the whole
declaration (every party, item parties included, means and container), once
per declaration whatever the number of items or profiles.

Each indicator is a fast test and its words (see ``hub.rules._checks``).
Tests run cheapest first: header attributes, item attributes, the CEL
expression, watchlist screening; those the index already guarantees (the
commodity prefix, the key family the profile is indexed by, a required
document) are not run again. Words come in one fixed order, the order of
``Compiler.checks``, whichever path found the match, so the indexed
evaluation and the unindexed oracle explain a match identically.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from hub.errors import InvalidProfile
from hub.model.finding import Finding, FindingSource
from hub.rules import _checks as c
from hub.rules._checks import Check, Words
from hub.rules._facts import (
    DeclFacts,
    ItemFacts,
    dispatch_key,
    kind_key,
    mode_key,
    party_key,
)
from hub.rules.cel import CelEnvironment, CelProgram, ExpressionError, list_names
from hub.rules.profile import Level, RiskProfile, Scope
from hub.rules.reference import CodesList, ReferenceData, Watchlist
from hub.rules.screening import TARGETS, WatchlistMatcher


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


def index_keys(profile: RiskProfile) -> tuple[str | None, tuple[str | None, ...]]:
    """The family and keys a profile is indexed under (below its prefix, for item scope).

    The most selective family it has: party identifiers (one trader among
    thousands), then origins (item scope), countries of dispatch, and for
    declaration scope the transport mode and the kind; ``(None, (None,))``
    for a profile with none of them. Keys of different families never
    collide: origins are bare ISO codes, the others carry their family name.
    """
    when = profile.when
    if when.party:
        return "party", tuple(party_key(p) for p in sorted(set(when.party)))
    if profile.scope is Scope.ITEM and when.origin:
        return "origin", tuple(sorted(set(when.origin)))
    if when.dispatch:
        return "dispatch", tuple(dispatch_key(c) for c in sorted(set(when.dispatch)))
    if profile.scope is Scope.DECLARATION:
        if when.transport_mode:
            return "mode", tuple(sorted({mode_key(m.value) for m in when.transport_mode}))
        if when.kind:
            return "kind", tuple(sorted({kind_key(k.value) for k in when.kind}))
    return None, (None,)


class CompiledProfile:
    """One profile ready to evaluate: validity, index keys, tests and words."""

    __slots__ = (
        "_template",
        "both_tests",
        "decl_tests",
        "documents",
        "family",
        "item_tests",
        "keys",
        "ordinal",
        "prefixes",
        "profile",
        "scope_item",
        "valid_from",
        "valid_to",
        "words",
    )

    def __init__(self, profile: RiskProfile, ordinal: int, compiler: Compiler) -> None:
        self.profile = profile
        self.ordinal = ordinal
        self.scope_item = profile.scope is Scope.ITEM
        # Timestamps: one float comparison per candidate instead of aware datetimes.
        self.valid_from = profile.validity.from_.timestamp()
        self.valid_to = profile.validity.to.timestamp() if profile.validity.to else math.inf
        when = profile.when
        self.prefixes = minimal_prefixes(when.commodity)
        # The index's second key, most selective first: parties, origins, dispatch.
        self.family, self.keys = index_keys(profile)
        # Item scope: also indexed by each document of which one must be present.
        self.documents = tuple(sorted(set(when.documents_present))) if self.scope_item else ()
        checks = compiler.checks(profile, self.prefixes)
        # What the index already guarantees is not tested again, only put in words.
        guaranteed = {self.family}
        if self.scope_item:
            guaranteed |= {"commodity", "documents_present"}
        tests = [check.test for name, check in checks if name not in guaranteed]
        self.decl_tests = tuple((get, test) for kind, get, test in tests if kind == c.ON_DECL)
        self.item_tests = tuple((get, test) for kind, get, test in tests if kind == c.ON_ITEM)
        self.both_tests = tuple(test for kind, _, test in tests if kind == c.ON_BOTH)
        self.words: tuple[Words, ...] = tuple(check.words for _, check in checks)
        self._template = Finding(
            agency=profile.owner,
            source=FindingSource.PROFILE,
            profile_id=profile.id,
            profile_version=profile.version,
            title=profile.title,
            risk_area=profile.risk_area,
            rating=profile.rating,
            score=profile.score,
            channel=profile.channel,
            instructions=profile.instructions,
            mandatory=profile.mandatory,
            confidential=profile.confidential,
            share_with=profile.share_with,
        )

    def passes(self, d: DeclFacts, i: ItemFacts | None) -> bool:
        """The fast tests, for a candidate whose indexed indicators already hold.

        Header tests, then item tests, then the costly ones (CEL, screening),
        in the order :meth:`Compiler.checks` put them.
        """
        for get, predicate in self.decl_tests:
            if not predicate(get(d)):
                return False
        for get, predicate in self.item_tests:
            if not predicate(get(i)):
                return False
        for predicate in self.both_tests:  # noqa: SIM110 - all() over a generator is slower
            if not predicate(d, i):
                return False
        return True

    def explain(self, d: DeclFacts, i: ItemFacts | None) -> list[str] | None:
        """Every indicator in words, or ``None`` at the first that does not hold."""
        words: list[str] = []
        for check in self.words:
            word = check(d, i)  # type: ignore[arg-type]  # declaration checks take no item
            if word is None:
                return None
            words.append(word)
        return words

    def finding(self, sequences: tuple[int, ...], words: Iterable[str]) -> Finding:
        # The template was validated once; copying it is cheaper than validating anew.
        return self._template.model_copy(
            update={"item_sequences": sequences, "indicators": tuple(words)}
        )


class Compiler:
    """Builds checks against one rule set's CEL environment and reference data."""

    def __init__(self, env: CelEnvironment, references: ReferenceData) -> None:
        self.env = env
        self.references = references
        self._matchers: dict[tuple[str, int], WatchlistMatcher] = {}

    def refuse(self, profile: RiskProfile, message: str, field: str) -> InvalidProfile:
        return InvalidProfile(message, file=f"{profile.id} v{profile.version}", field=field)

    def checks(self, profile: RiskProfile, prefixes: tuple[str, ...]) -> list[tuple[str, Check]]:
        """Every indicator of ``profile``, named, in the order their words are given."""
        when = profile.when
        refs = self.references
        item_scope = profile.scope is Scope.ITEM
        checks: list[tuple[str, Check]] = []
        if prefixes:
            commodity = (
                c.commodity(prefixes) if item_scope else c.any_item("commodity", "codes", prefixes)
            )
            checks.append(("commodity", commodity))
        if when.origin:
            origins = frozenset(when.origin)
            origin = c.item_in("origin", "origin", origins) if item_scope else c.any_origin(origins)
            checks.append(("origin", origin))
        for name, label, values in (
            ("dispatch", "dispatch country", when.dispatch),
            ("destination", "destination country", when.destination),
            ("kind", "declaration kind", tuple(k.value for k in when.kind)),
            ("mode", "transport mode", tuple(m.value for m in when.transport_mode)),
        ):
            if values:
                checks.append((name, c.decl_in(label, name, frozenset(values))))
        if when.office:
            checks.append(("office", c.office("office", frozenset(when.office))))
        if profile.level is not Level.CENTRAL:
            label = f"{profile.level.value} profile for office"
            checks.append(("level", c.office(label, frozenset(profile.offices))))
        if when.procedure:
            procedures = tuple(when.procedure)
            procedure = (
                c.procedure(procedures)
                if item_scope
                else c.any_item("procedure", "procedures", procedures)
            )
            checks.append(("procedure", procedure))
        if when.documents_present:
            wanted = tuple(when.documents_present)
            present = c.present(wanted) if item_scope else c.all_present(wanted)
            checks.append(("documents_present", present))
        if when.documents_missing:
            absent = tuple(when.documents_missing)
            missing = c.missing(absent) if item_scope else c.all_missing(absent)
            checks.append(("documents_missing", missing))
        if when.party:
            parties = frozenset(when.party)
            checks.append(("party", c.party(parties) if item_scope else c.any_party(parties)))
        if when.expression is not None:
            program = self.program(profile)
            expression = (
                c.expression(program, refs, when.expression_says)
                if item_scope
                else c.declaration_expression(program, refs, when.expression_says)
            )
            checks.append(("expression", expression))
        if when.screening is not None:
            checks.append(("screening", self.screening(profile)))
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

    def screening(self, profile: RiskProfile) -> Check:
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
        cache_key = (id(matcher), targets)
        screen = matcher.screen

        def screening(d: DeclFacts, i: object) -> str | None:
            # Once per declaration and watchlist, whatever the number of items or profiles.
            words = d.screening.get(cache_key)
            if words is None:
                matches = screen(d.declaration, targets)
                words = d.screening[cache_key] = "; ".join(m.describe() for m in matches)
            return words or None

        return c.on_declaration(screening)
