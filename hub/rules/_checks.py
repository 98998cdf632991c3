"""Each indicator of a profile as a pair: a fast test and the sentence that explains it.

The *words* function is the meaning of an indicator: it returns the match in
words ("origin CN in [CN, VN]") or ``None``. The *test* is the same question
asked as cheaply as Python allows, mostly a C-level call (``frozenset``
membership, ``str.startswith`` with a tuple, ``isdisjoint``) on an attribute
fetched by ``operator.attrgetter``, so a candidate profile that fails costs no
Python frame per indicator. The rule set runs tests on the hot path and
words only for profiles that matched; the unindexed oracle runs words alone,
so the property test that compares the two also checks every test against
its meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import attrgetter, methodcaller
from typing import Any

from hub.rules._facts import DeclFacts, ItemFacts
from hub.rules._views import unit_value_of
from hub.rules.cel import CelProgram
from hub.rules.reference import ReferenceData

Words = Callable[[DeclFacts, ItemFacts], str | None]
# A fast test: (ON_DECL, getter, predicate) predicate(getter(d));
# (ON_ITEM, getter, predicate) predicate(getter(i)); (ON_BOTH, None, predicate) predicate(d, i).
Test = tuple[int, Any, Any]
ON_DECL, ON_ITEM, ON_BOTH = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Check:
    words: Words
    test: Test


def listed(values: Collection[str], limit: int = 6) -> str:
    shown = sorted(values)
    if len(shown) > limit:
        return "[" + ", ".join(shown[:limit]) + f", ... {len(shown) - limit} more]"
    return "[" + ", ".join(shown) + "]"


def commodity(prefixes: tuple[str, ...]) -> Check:
    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        code = i.code
        prefix = next((p for p in prefixes if code.startswith(p)), None)
        return f"commodity {code} starts with {prefix}" if prefix else None

    return Check(words, (ON_ITEM, attrgetter("code"), methodcaller("startswith", prefixes)))


def item_in(label: str, attribute: str, allowed: frozenset[str]) -> Check:
    """The item's ``attribute`` (origin) is one of ``allowed``."""
    text = listed(allowed)
    get = attrgetter(attribute)

    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        value = get(i)
        return f"{label} {value} in {text}" if value in allowed else None

    return Check(words, (ON_ITEM, get, allowed.__contains__))


def decl_in(label: str, attribute: str, allowed: frozenset[str]) -> Check:
    """The declaration's ``attribute`` (dispatch, destination, kind, mode) is one of ``allowed``."""
    text = listed(allowed)
    get = attrgetter(attribute)

    def words(d: DeclFacts, i: object) -> str | None:
        value = get(d)
        return f"{label} {value} in {text}" if value in allowed else None

    return Check(words, (ON_DECL, get, allowed.__contains__))


def office(label: str, allowed: frozenset[str]) -> Check:
    text = listed(allowed)

    def words(d: DeclFacts, i: object) -> str | None:
        found = next((o for o in d.offices if o in allowed), None)
        return f"{label} {found} in {text}" if found else None

    return Check(words, (ON_DECL, attrgetter("offices"), allowed.intersection))


def procedure(prefixes: tuple[str, ...]) -> Check:
    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        code = i.procedure
        prefix = next((p for p in prefixes if code.startswith(p)), None)
        return f"procedure {code} starts with {prefix}" if prefix else None

    return Check(words, (ON_ITEM, attrgetter("procedure"), methodcaller("startswith", prefixes)))


def present(wanted: tuple[str, ...]) -> Check:
    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        return _present(wanted, i.docs)

    return Check(words, (ON_ITEM, attrgetter("docs"), frozenset(wanted).intersection))


def missing(absent: tuple[str, ...]) -> Check:
    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        return _missing(absent, i.docs)

    return Check(words, (ON_ITEM, attrgetter("docs"), frozenset(absent).isdisjoint))


def party(parties: frozenset[str]) -> Check:
    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        return _party(parties, i.party_ids)

    return Check(words, (ON_ITEM, attrgetter("party_ids"), parties.intersection))


def expression(program: CelProgram, refs: ReferenceData, says: str | None = None) -> Check:
    key = id(program)
    header_only = program.item_fields == frozenset()

    def holds(d: DeclFacts, i: ItemFacts) -> bool:
        # Each answer is kept, so explaining a match does not evaluate again; an
        # expression that reads only the header answers once per declaration.
        results = d.expression_results if header_only else i.expression_results
        found = results.get(key)
        if found is None:
            found = results[key] = program.holds(i.activation(d, program))
        return found

    def words(d: DeclFacts, i: ItemFacts) -> str | None:
        return expression_words(program, refs, d, i, says) if holds(d, i) else None

    return Check(words, (ON_BOTH, None, holds))


def on_declaration(words: Callable[[DeclFacts, object], str | None]) -> Check:
    """A declaration-scope indicator: its words are its test."""
    return Check(words, (ON_BOTH, None, words))


def any_item(label: str, attribute: str, prefixes: tuple[str, ...]) -> Check:
    """Declaration scope: some item's commodity or procedure code starts with a prefix."""
    get = attrgetter(attribute)

    def words(d: DeclFacts, i: object) -> str | None:
        for seq, value in get(d):
            prefix = next((p for p in prefixes if value.startswith(p)), None)
            if prefix:
                return f"{label} {value} (item {seq}) starts with {prefix}"
        return None

    return on_declaration(words)


def any_origin(allowed: frozenset[str]) -> Check:
    text = listed(allowed)

    def words(d: DeclFacts, i: object) -> str | None:
        found = next(((s, c) for s, c in d.origins if c in allowed), None)
        return f"origin {found[1]} (item {found[0]}) in {text}" if found else None

    return on_declaration(words)


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


def all_present(wanted: tuple[str, ...]) -> Check:
    return on_declaration(lambda d, i: _present(wanted, d.all_docs))


def all_missing(absent: tuple[str, ...]) -> Check:
    return on_declaration(lambda d, i: _missing(absent, d.all_docs))


def any_party(parties: frozenset[str]) -> Check:
    return on_declaration(lambda d, i: _party(parties, d.all_party_ids))


def declaration_expression(
    program: CelProgram, refs: ReferenceData, says: str | None = None
) -> Check:
    def words(d: DeclFacts, i: object) -> str | None:
        if not program.holds(d.activation(program)):
            return None
        return expression_words(program, refs, d, None, says)

    return on_declaration(words)


def expression_words(
    program: CelProgram,
    refs: ReferenceData,
    d: DeclFacts,
    i: ItemFacts | None,
    says: str | None = None,
) -> str:
    """The expression (in the author's words when given), and the values it read."""
    source = " ".join(program.source.split())
    words = [f"{says} (CEL: {source})" if says else f"expression holds: {source}"]
    uses = program.uses
    if i is not None and "unit_value" in uses:
        found = unit_value_of(i.item)
        if found is not None:
            value, currency = found
            text = f"unit value {value:.2f} {currency or ''}".rstrip() + "/kg"
            entry = None
            if "valuation_floor" in uses and i.code:
                entry = refs.valuation(i.code, currency) or refs.valuation(i.code)
            if entry is not None:
                relation = "below" if value < entry.floor else "not below"
                text += f" {relation} floor {entry.floor:.2f} {entry.currency}/kg"
                text += f" for {entry.commodity}"
            words.append(text)
    if "trader_rating" in uses:
        ids = i.party_ids if i is not None else d.all_party_ids
        rated = sorted((pid, r) for pid in ids if (r := refs.rating(pid)) is not None)
        words.extend(f"party {pid} rated {rating}" for pid, rating in rated)
    return "; ".join(words)
