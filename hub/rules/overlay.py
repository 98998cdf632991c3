"""Which profiles an agency selects with: its folder's, overlaid by the registry's record.

Officers change profiles two ways: by editing ``agencies/<name>/profiles/``
and through the registry (``hub profiles``, the API), which keeps who
changed what. A running hub must follow both, so the registry is the source
of truth for every profile id whose life cycle it has *decided*, and the
folder for the rest:

- an id only the folder holds keeps the folder's versions and statuses (a
  fresh hub with an empty registry selects exactly as its folders say);
- an id only the registry holds (created through the API) is in force as the
  registry says (:func:`~hub.rules.lifecycle.in_force`);
- an id both hold, once the registry has recorded an active or a retired
  version of it, is in force as the registry says: an activation or a
  retirement through the API wins over whatever the file says;
- an id both hold, while the registry has only drafts or versions in testing
  of it, keeps the folder's versions too (the registry's versions are added
  unless the folder already holds that id and version).

The last rule is why this is not a plain "registry wins": ``hub profiles
sync`` stores a file marked active whose rules lack a back-test as *testing*
(:mod:`hub.rules.sync`), and a new draft published through the API is not an
activation. Neither may switch off a control the hub is selecting with, as
:func:`~hub.rules.lifecycle.in_force` keeps an earlier active version while a
newer one is in testing. Only an officer's activation or retirement, which
the life cycle records with who and why, takes the id over.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from hub.rules.profile import ProfileStatus, RiskProfile

if TYPE_CHECKING:  # the registry module imports hub.agency (through backtest), which imports this
    from hub.rules.registry import ProfileRegistry

__all__ = ["DECIDING", "overlay", "registered"]

DECIDING = (ProfileStatus.ACTIVE, ProfileStatus.RETIRED)  # statuses that hand an id to the registry


def overlay(
    folder: Sequence[RiskProfile],
    recorded: Sequence[RiskProfile],
    decided: Collection[str],
) -> list[RiskProfile]:
    """The profiles in force (every status) from ``folder``'s and the registry's.

    ``recorded`` are the registry's versions in force of the agency
    (``ProfileRegistry.current`` over every status); ``decided`` the ids whose
    life cycle the registry has decided (see the module docstring). Folder
    profiles come first, in their order, then the registry-only ones.
    """
    held = {profile.id for profile in recorded}
    kept = [p for p in folder if p.id not in held or p.id not in decided]
    keys = {p.key for p in kept}
    return kept + [p for p in recorded if p.key not in keys]


def registered(
    registry: ProfileRegistry, owner: str, folder_ids: Collection[str]
) -> tuple[list[RiskProfile], set[str]]:
    """``owner``'s versions in force in ``registry`` (every status), and the decided ids.

    An id is decided when a version in force is active or retired; when the
    versions in force are only a draft or testing one, the id's history is
    read, but only for ids the folder also holds: for the others nothing
    depends on it. So a reload costs one read of the registry plus one per
    profile being edited over a folder one.
    """
    recorded = registry.current(owner=owner, statuses=tuple(ProfileStatus))
    decided = {p.id for p in recorded if p.status in DECIDING}
    for profile_id in {p.id for p in recorded} - decided:
        if profile_id in folder_ids and any(
            p.status in DECIDING for p in registry.versions(profile_id)
        ):
            decided.add(profile_id)
    return recorded, decided
