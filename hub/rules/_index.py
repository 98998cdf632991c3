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


class _Prefix:
    """The profiles under one commodity prefix, by second key, then by document."""

    __slots__ = ("by_document", "by_key")

    def __init__(self) -> None:
        self.by_key: _Buckets = {}
        self.by_document: dict[str | None, dict[str, list[CompiledProfile]]] = {}


class ProfileIndex:
    """Candidates of item-scope profiles by commodity prefix, a second key and documents."""

    __slots__ = ("_tables", "by_party")

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        tables: dict[int, dict[str, _Prefix]] = {}
        self.by_party = False  # whether items must bring their party keys
        for compiled in profiles:
            self.by_party = self.by_party or compiled.family == "party"
            for prefix in compiled.prefixes or ("",):
                entry = tables.setdefault(len(prefix), {}).get(prefix)
                if entry is None:
                    entry = tables[len(prefix)][prefix] = _Prefix()
                for key in compiled.keys:
                    if compiled.documents:
                        documents = entry.by_document.setdefault(key, {})
                        for document in compiled.documents:
                            documents.setdefault(document, []).append(compiled)
                    else:
                        entry.by_key.setdefault(key, []).append(compiled)
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
        repeats = 0  # hits through a second party or a second document
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
            by_key = entry.by_key
            for key in keys:
                matching = by_key.get(key)
                if matching:
                    found.extend(matching)
            for key in parties:
                matching = by_key.get(key)
                if matching:
                    found.extend(matching)
                    repeats += 1
            by_document = entry.by_document
            if by_document and documents:
                for key in (*keys, *parties) if parties else keys:
                    per_document = by_document.get(key)
                    if per_document:
                        for document in documents:
                            matching = per_document.get(document)
                            if matching:
                                found.extend(matching)
                                repeats += 1
        if repeats > 1:
            return list(dict.fromkeys(found))
        return found


class DeclarationIndex:
    """Candidates of declaration-scope profiles by party, dispatch, mode or kind."""

    __slots__ = ("_buckets", "_by_party")

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        self._buckets: _Buckets = {}
        self._by_party = False
        for compiled in profiles:
            self._by_party = self._by_party or compiled.family == "party"
            for key in compiled.keys:
                self._buckets.setdefault(key, []).append(compiled)

    def candidates(self, d: DeclFacts) -> list[CompiledProfile]:
        if not self._buckets:
            return []
        keys: list[str | None] = [None]
        if d.dispatch:
            keys.append(dispatch_key(d.dispatch))
        if d.mode:
            keys.append(mode_key(d.mode))
        if d.kind:
            keys.append(kind_key(d.kind))
        if self._by_party:  # every party of the declaration, items' included
            keys.extend(party_key(p) for p in d.all_party_ids)
        get = self._buckets.get
        found = [c for key in keys for c in get(key, ())]
        return list(dict.fromkeys(found)) if self._by_party else found
