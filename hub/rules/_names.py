"""Name and identifier normalisation for watchlist screening.

A small table of our own (``unidecode`` is GPL; ``normality`` needs PyICU):
Unicode compatibility decomposition with the combining marks dropped
(José -> jose), case folded, punctuation to spaces, Arabic articles and
other name particles joined to the word they introduce (Al-Hassan, Al Hassan,
El Hassan, Alhassan -> alhasan), then a spelling skeleton per word that
merges the usual romanisations of the same name (Mohammed, Muhammad, Mohamed,
Muhamad -> muhamad; Youssef, Yusef; Hussein, Husayn) while keeping consonants
and most vowels apart (kh stays kh, e stays e), because every merged sound
raises the false positives officers must clear.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")  # O'Brien, D'Souza: one word
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_DOUBLED = re.compile(r"(.)\1+")

# Particles are joined to the next word; spelling variants of one particle first.
_PARTICLE_FORMS = {
    "el": "al",
    "ul": "al",
    "ad": "al",
    "ar": "al",
    "as": "al",
    "ash": "al",
    "at": "al",
    "az": "al",
    "ben": "bin",
    "ibn": "bin",
    "bint": "bin",
    "abou": "abu",
    "bou": "abu",
}
_PARTICLES = frozenset(
    {
        "al",
        "bin",
        "abu",
        "van",
        "von",
        "de",
        "der",
        "den",
        "del",
        "della",
        "da",
        "di",
        "du",
        "la",
        "le",
    }
)
_ABD = {"abdul": "abdal", "abdel": "abdal", "abdal": "abdal"}
# Legal forms say nothing about who a company is.
_LEGAL_FORMS = frozenset(
    {"ltd", "limited", "llc", "inc", "gmbh", "sa", "sarl", "srl", "bv", "nv", "plc", "co",
     "company", "corp", "corporation", "ag", "kg", "oy", "ab", "as", "spa", "jsc", "ooo", "fze",
     "fzco", "est", "pte", "pty"}
)  # fmt: skip
# Romanisation variants, applied in order to each word.
_SPELLINGS = (
    ("ph", "f"),
    ("ck", "k"),
    ("q", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ei", "ai"),
    ("ey", "ai"),
    ("ay", "ai"),
    ("o", "u"),
)


def fold(text: str) -> str:
    """Compatibility-decompose, drop combining marks, case-fold."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _skeleton(word: str) -> str:
    for old, new in _SPELLINGS:
        word = word.replace(old, new)
    if len(word) > 3 and word.endswith("ed"):  # Ahmed / Ahmad, Mohamed / Muhamad
        word = word[:-2] + "ad"
    word = _DOUBLED.sub(r"\1", word)
    if len(word) > 3 and word.endswith("h") and word[-2] in "aiu":
        word = word[:-1]
    return word.replace("y", "i")


def _words(name: str) -> list[str]:
    text = _APOSTROPHES.sub("", fold(name))
    words = [w for w in _SEPARATORS.split(text) if w and w not in _LEGAL_FORMS]
    return [_ABD.get(w, _PARTICLE_FORMS.get(w, w)) for w in words]


def name_keys(name: str) -> tuple[str, ...]:
    """Comparable forms of ``name``: words skeletonised and sorted, so order does not count.

    Two forms: particles joined to the next word (``al hassan`` -> ``alhasan``)
    and particles dropped (``hasan``), so a name written with or without its
    article still meets itself. Empty when the name has no letters or digits.
    """
    words = _words(name)
    joined: list[str] = []
    dropped: list[str] = []
    pending = ""
    for word in words:
        if word in _PARTICLES or word == "abdal":
            pending += word
            continue
        joined.append(_skeleton(pending + word))
        dropped.append(_skeleton(word))
        pending = ""
    if not joined and pending:
        joined.append(_skeleton(pending))
    keys = [" ".join(sorted(joined)), " ".join(sorted(dropped))]
    return tuple(dict.fromkeys(k for k in keys if k))


def normalise_identifier(value: str) -> str:
    """Plates, container and IMO numbers: upper case, letters and digits only, no 'IMO' prefix."""
    text = _NOT_ALNUM.sub("", fold(value).upper())
    if text.startswith("IMO") and text[3:].isdigit() and len(text) == 10:
        return text[3:]
    return text
