"""Watchlist screening: transliteration, word order, identifiers; a bounded false-positive rate."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.model import Container, Party, PartyRole, Transport, TransportMeans
from hub.rules import Watchlist, WatchlistEntry, WatchlistMatcher, name_score
from hub.rules._names import name_keys, normalise_identifier
from tests.rules.builders import declaration

_FIRST = """Muhammad Ahmed Ali Omar Hassan Hussein Ibrahim Youssef Khalid Tariq Samir Karim
Nabil Walid Rashid Faisal Fatima Aisha Mariam Leila Nour Zainab Salma Huda John James Robert
Michael William David Richard Joseph Thomas Charles Mary Patricia Jennifer Linda Elizabeth
Barbara Susan Jessica Sarah Karen Pierre Jean Michel Francois Hans Peter Klaus Jurgen Giovanni
Marco Luca Pablo Jose Carlos Juan Miguel Ivan Dmitri Sergei Olga Natalia Wei Li Ming Hiroshi
Kenji Yuki Raj Amit Priya Sanjay Anil Chinedu Emeka Kwame Kofi Amara Tunde Mehmet Mustafa Emre
Ayse Elif Piotr Tomasz Anna"""
FIRST = _FIRST.split()
_LAST = """Alhassan Haddad Khoury Nasser Saleh Mansour Karimi Rahimi Hosseini Farouk Aziz Bakr
Hamdan Qureshi Siddiqui Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor
Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King
Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Muller Schmidt
Schneider Fischer Weber Meyer Wagner Becker Rossi Russo Ferrari Esposito Bianchi Garcia
Martinez Lopez Gonzalez Rodriguez Fernandez Ivanov Petrov Sidorov Smirnov Wang Zhang Liu Chen
Yang Tanaka Suzuki Sato Patel Sharma Singh Kumar Gupta Okafor Adeyemi Mensah Owusu Yilmaz
Kaya Demir Celik Nowak Kowalski Wisniewski Dubois Moreau Laurent"""
LAST = _LAST.split()


def watchlist(*entries: WatchlistEntry) -> Watchlist:
    return Watchlist(
        name="police_watchlist",
        owner="police",
        source="national police intelligence",
        date=date(2025, 3, 1),
        entries=entries,
    )


def person(name: str, *aliases: str) -> WatchlistEntry:
    return WatchlistEntry(kind="person", name=name, aliases=aliases, reason="wanted")


def test_arabic_name_transliterations_meet() -> None:
    for written in (
        "Mohammed Al-Hassan",
        "Mohamed El Hassan",
        "Muhamad al hassan",
        "MUHAMMAD ALHASSAN",
    ):
        assert name_score(written, "Muhammad Alhassan") >= 95, written
    assert name_score("Ahmed Khaled", "Ahmad Khalid") >= 88
    assert name_score("Hussein Youssef", "Husayn Yusuf") >= 88
    assert name_score("Abdul Rahman bin Said", "Abdel-Rahman Ben Saeed") == 100


def test_diacritics_case_and_punctuation_do_not_count() -> None:
    assert name_keys("José Martínez") == name_keys("jose  MARTINEZ.")
    assert name_score("Zoë O'Brien-Smith", "Zoe OBrien Smith") >= 88


def test_word_order_does_not_count() -> None:
    assert name_score("Hassan, Mohamed Al", "Muhammad Al Hassan") == 100
    assert name_score("Alhassan Muhammad", "Muhammad Alhassan") == 100


def test_a_shared_surname_is_not_a_match() -> None:
    assert name_score("Omar Weber", "Mary Weber") < 88
    assert name_score("Charles Yang", "Charles Zhang") < 88


def test_identifiers_compare_without_spaces_dashes_or_case() -> None:
    assert normalise_identifier("ab-12 cd") == "AB12CD"
    assert normalise_identifier("IMO 9074729") == "9074729"
    assert normalise_identifier("MSKU 123456-7") == "MSKU1234567"


def test_a_declaration_is_screened_on_parties_means_and_containers() -> None:
    matcher = WatchlistMatcher(
        watchlist(
            person("Muhammad Alhassan", "Abu Hassan"),
            WatchlistEntry(kind="vehicle", identifiers=("AB-123-CD",), reason="stolen"),
            WatchlistEntry(
                kind="vessel", name="Ocean Star", identifiers=("IMO 9074729",), reason="x"
            ),
            WatchlistEntry(kind="container", identifiers=("MSKU 123456-7",), reason="drugs"),
        ),
        threshold=88,
    )
    decl = declaration(
        parties=(Party(role=PartyRole.CONSIGNEE, name="Mohamed Al Hassan"),),
        transport=Transport(
            border_means=TransportMeans(id="ab 123 cd"),
            arrival_means=TransportMeans(id="9074729", name="OCEAN STAR"),
            containers=(Container(id="MSKU1234567"),),
        ),
    )
    found = matcher.screen(decl, ("parties", "means", "containers"))
    assert [m.describe() for m in found] == [
        "party consignee 'Mohamed Al Hassan' matches watchlist entry 'Muhammad Alhassan'"
        " (score 100)",
        "border means 'ab 123 cd' matches watchlist entry 'AB-123-CD' (score 100)",
        "arrival means '9074729' matches watchlist entry 'Ocean Star' (as 'IMO 9074729')"
        " (score 100)",
        "arrival means 'OCEAN STAR' matches watchlist entry 'Ocean Star' (score 100)",
        "container 'MSKU1234567' matches watchlist entry 'MSKU 123456-7' (score 100)",
    ]
    assert matcher.screen(decl, ("containers",))[0].entry.reason == "drugs"


def test_a_party_name_is_not_screened_against_vessel_names() -> None:
    matcher = WatchlistMatcher(
        watchlist(WatchlistEntry(kind="vessel", name="Ocean Star", reason="x")), threshold=88
    )
    assert matcher.screen_name("Ocean Star", "party consignee") == []


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.sampled_from(FIRST + LAST), min_size=2, max_size=4, unique=True),
    data=st.data(),
)
def test_a_permuted_watchlisted_name_still_matches(words: list[str], data: st.DataObject) -> None:
    matcher = WatchlistMatcher(watchlist(person(" ".join(words))), threshold=88)
    shuffled = data.draw(st.permutations(words))
    styled = data.draw(st.sampled_from([str.upper, str.lower, str.title]))
    separator = data.draw(st.sampled_from([" ", ", ", "  "]))
    assert matcher.screen_name(styled(separator.join(shuffled)), "party")


def _false_positive_rate(rng: random.Random, population: int) -> float:
    pairs = [(f, s) for f in FIRST for s in LAST]
    rng.shuffle(pairs)
    listed, others = pairs[:50], pairs[50 : 50 + population]
    matcher = WatchlistMatcher(watchlist(*(person(f"{f} {s}") for f, s in listed)), 88)
    hits = sum(1 for f, s in others if matcher.screen_name(f"{f} {s}", "party"))
    return hits / len(others)


def test_unrelated_names_rarely_match() -> None:
    # 2,000 names never listed, against a 50-entry list: measured about 0.2-0.3 %,
    # the hits being spelling neighbours such as Baker / Bakr or Michel / Michael.
    assert _false_positive_rate(random.Random(20250301), 2000) <= 0.01


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_unrelated_names_rarely_match_whatever_the_draw(seed: int) -> None:
    assert _false_positive_rate(random.Random(seed), 400) <= 0.02
