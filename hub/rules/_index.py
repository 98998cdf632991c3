"""Index item-scope profiles so an item meets only the profiles that can match it.

Two levels. First the commodity prefix: one table per prefix length in use,
length 0 holding the profiles without a commodity condition. Then a country:
a profile with an origin condition is listed under each of its origins; one
without, under each of its countries of dispatch; one with neither, under
``None``. A code starts with at most one of a profile's (minimal) prefixes
and an item has one origin and one country of dispatch, so an item meets
each profile at most once and the hot path needs no de-duplication. The
cost per item is a few dict lookups per prefix length in use, whatever the
number of profiles.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.rules._compile import CompiledProfile

_Buckets = dict[str | None, list[CompiledProfile]]


def dispatch_key(country: str | None) -> str | None:
    """The second-level key of a country of dispatch (origin keys are bare codes)."""
    return None if country is None else "dispatch " + country


class ProfileIndex:
    """Candidates of item-scope profiles by commodity prefix and country."""

    __slots__ = ("_tables",)

    def __init__(self, profiles: Iterable[CompiledProfile]) -> None:
        tables: dict[int, dict[str, _Buckets]] = {}
        for compiled in profiles:
            keys: Iterable[str | None] = (
                compiled.origins
                or [dispatch_key(country) for country in compiled.dispatches]
                or (None,)
            )
            for prefix in compiled.prefixes or ("",):
                buckets = tables.setdefault(len(prefix), {}).setdefault(prefix, {})
                for key in keys:
                    buckets.setdefault(key, []).append(compiled)
        self._tables = sorted(tables.items())

    def candidates(
        self, code: str, origin: str | None, dispatch: str | None = None
    ) -> list[CompiledProfile]:
        """Every profile whose commodity and country conditions this item satisfies.

        ``code`` is the commodity code, empty when the item has none;
        ``dispatch`` the :func:`dispatch_key` of the declaration's country of
        dispatch.
        """
        found: list[CompiledProfile] = []
        size = len(code)
        for length, table in self._tables:
            if length > size:
                break
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
            if dispatch is not None:
                matching = buckets.get(dispatch)
                if matching:
                    found.extend(matching)
        return found
