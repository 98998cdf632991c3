"""Index item-scope profiles so an item meets only the profiles that can match it.

Two levels: the commodity prefix (one table per prefix length in use; length
0 holds the profiles without a commodity condition), then the origin country
(``None`` holds the profiles without an origin condition). A profile is
listed under each of its (minimal) prefixes and each of its origins; since a
code starts with at most one of a profile's minimal prefixes and an item has
one origin, an item meets each profile at most once, so no de-duplication is
needed on the hot path. The cost per item is a few dict lookups per prefix
length in use, whatever the number of profiles.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.rules._compile import CompiledProfile

_Buckets = dict[str | None, list[CompiledProfile]]


class ProfileIndex:
    """Candidates of item-scope profiles by commodity prefix and origin."""

    __slots__ = ("_tables",)

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        tables: dict[int, dict[str, _Buckets]] = {}
        for compiled in profiles:
            origins: Iterable[str | None] = compiled.origins or (None,)
            for prefix in compiled.prefixes or ("",):
                buckets = tables.setdefault(len(prefix), {}).setdefault(prefix, {})
                for origin in origins:
                    buckets.setdefault(origin, []).append(compiled)
        self._tables = sorted(tables.items())

    def candidates(self, code: str | None, origin: str | None) -> list[CompiledProfile]:
        """Every profile whose commodity and origin conditions this item satisfies."""
        found: list[CompiledProfile] = []
        for length, table in self._tables:
            if code is None:
                if length:
                    break
                buckets = table.get("")
            elif length > len(code):
                break
            else:
                buckets = table.get(code[:length])
            if buckets is None:
                continue
            unconstrained = buckets.get(None)
            if unconstrained:
                found.extend(unconstrained)
            if origin is not None:
                matching = buckets.get(origin)
                if matching:
                    found.extend(matching)
        return found
