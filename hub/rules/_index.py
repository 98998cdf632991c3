"""Index item-scope profiles so an item meets only the profiles that can match it.

Two levels. First the commodity prefix: one table per prefix length in use,
length 0 holding the profiles without a commodity condition. Then one key
family per profile, the most selective it has (see ``index_keys``): its party
identifiers, else its origins, else its countries of dispatch, else ``None``.
A code starts with at most one of a profile's (minimal) prefixes and an item
has one origin and one country of dispatch, so an item meets a profile at
most once, except through two listed parties, which is the one case that is
de-duplicated. The cost per item is a few dict lookups per prefix length in
use, whatever the number of profiles.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from hub.rules._compile import CompiledProfile, dispatch_key, kind_key, mode_key, party_key
from hub.rules._facts import DeclFacts

_Buckets = dict[str | None, list[CompiledProfile]]


class ProfileIndex:
    """Candidates of item-scope profiles by commodity prefix and a second key."""

    __slots__ = ("_tables", "by_party")

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        tables: dict[int, dict[str, _Buckets]] = {}
        self.by_party = False  # whether items must bring their party keys
        for compiled in profiles:
            self.by_party = self.by_party or compiled.family == "party"
            for prefix in compiled.prefixes or ("",):
                buckets = tables.setdefault(len(prefix), {}).setdefault(prefix, {})
                for key in compiled.keys:
                    buckets.setdefault(key, []).append(compiled)
        self._tables = sorted(tables.items())

    def candidates(
        self,
        code: str,
        origin: str | None,
        dispatch: str | None = None,
        parties: Collection[str] = (),
    ) -> list[CompiledProfile]:
        """Every profile whose commodity and indexed conditions this item satisfies.

        ``code`` is the commodity code, empty when the item has none;
        ``dispatch`` and ``parties`` are keys (``dispatch_key``, ``party_key``).
        """
        found: list[CompiledProfile] = []
        party_hits = 0
        size = len(code)
        for length, table in self._tables:
            if length > size:
                break
            buckets = table.get(code[:length])
            if buckets is None:
                continue
            matching = buckets.get(None)
            if matching:
                found.extend(matching)
            if origin is not None:
                matching = buckets.get(origin)
                if matching:
                    found.extend(matching)
            if dispatch is not None:
                matching = buckets.get(dispatch)
                if matching:
                    found.extend(matching)
            for party in parties:
                matching = buckets.get(party)
                if matching:
                    found.extend(matching)
                    party_hits += 1
        if party_hits > 1:
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
