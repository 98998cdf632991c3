"""Index item-scope profiles so an item meets only the profiles that can match it.

Three levels. First the commodity prefix: one table per prefix length in
use, length 0 holding the profiles without a commodity condition. Then one
key family per profile, the most selective it has (see ``index_keys``): its
party identifiers, else its origins, else its countries of dispatch, else
``None``. Then, for a profile that requires one of some documents to be
present, each such document code. A code starts with at most one of a
profile's (minimal) prefixes and an item has one origin and one country of
dispatch, so an item meets a profile at most once, except through two listed
parties or two listed documents, the cases that are de-duplicated. The cost
per item is a few dict lookups per prefix length in use, whatever the number
of profiles.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from hub.rules._compile import CompiledProfile
from hub.rules._facts import DeclFacts, dispatch_key, kind_key, mode_key, party_key

_Buckets = dict[str | None, list[CompiledProfile]]


# Below a prefix and a key: the profiles without a document condition, and
# those requiring one of some documents, by document code.
_Bucket = tuple[list[CompiledProfile], dict[str, list[CompiledProfile]]]


class ProfileIndex:
    """Candidates of item-scope profiles by commodity prefix, a second key and documents."""

    __slots__ = ("_tables", "by_party")

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        tables: dict[int, dict[str, dict[str | None, _Bucket]]] = {}
        self.by_party = False  # whether items must bring their party keys
        for compiled in profiles:
            self.by_party = self.by_party or compiled.family == "party"
            for prefix in compiled.prefixes or ("",):
                entry = tables.setdefault(len(prefix), {}).setdefault(prefix, {})
                for key in compiled.keys:
                    plain, by_document = entry.setdefault(key, ([], {}))
                    if not compiled.documents:
                        plain.append(compiled)
                    for document in compiled.documents:
                        by_document.setdefault(document, []).append(compiled)
        self._tables = sorted(tables.items())

    def candidates(
        self,
        code: str,
        origin: str | None,
        dispatch: str | None = None,
        parties: Collection[str] = (),
        documents: Collection[str] = (),
    ) -> list[CompiledProfile]:
        """Every profile whose commodity and indexed conditions this item satisfies.

        ``code`` is the commodity code, empty when the item has none;
        ``dispatch`` and ``parties`` are keys (``dispatch_key``, ``party_key``);
        ``documents`` the codes of the documents the item carries (its own
        and the header's).
        """
        found: list[CompiledProfile] = []
        # A profile is reached twice only through two parties or two documents:
        # count those hits, and de-duplicate when there were several.
        repeats = 0
        keys: list[str | None] = [None]
        if origin is not None:
            keys.append(origin)
        if dispatch is not None:
            keys.append(dispatch)
        size = len(code)
        for length, table in self._tables:
            if length > size:
                break
            entry = table.get(code[:length])
            if entry is None:
                continue
            for group in (keys, parties) if parties else (keys,):
                for key in group:
                    bucket = entry.get(key)
                    if bucket is None:
                        continue
                    plain, by_document = bucket
                    if plain:
                        found.extend(plain)
                        if group is parties:
                            repeats += 1
                    if by_document:
                        for document in documents:
                            matching = by_document.get(document)
                            if matching:
                                found.extend(matching)
                                repeats += 1
        if repeats > 1:
            return list(dict.fromkeys(found))
        return found


class DeclarationIndex:
    """Candidates of declaration-scope profiles by party, dispatch, mode or kind."""

    __slots__ = ("_buckets", "_families")

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        self._buckets: _Buckets = {}
        self._families: set[str | None] = set()
        for compiled in profiles:
            self._families.add(compiled.family)
            for key in compiled.keys:
                self._buckets.setdefault(key, []).append(compiled)

    def candidates(self, d: DeclFacts) -> list[CompiledProfile]:
        """The profiles whose indexed condition the declaration meets (keys of families in use)."""
        if not self._buckets:
            return []
        families = self._families
        keys: list[str | None] = [None]
        if d.dispatch and "dispatch" in families:
            keys.append(dispatch_key(d.dispatch))
        if d.mode and "mode" in families:
            keys.append(mode_key(d.mode))
        if d.kind and "kind" in families:
            keys.append(kind_key(d.kind))
        parties = d.all_party_ids if "party" in families else ()
        keys.extend(party_key(p) for p in parties)
        get = self._buckets.get
        found = [c for key in keys for c in get(key, ())]
        return list(dict.fromkeys(found)) if len(parties) > 1 else found
