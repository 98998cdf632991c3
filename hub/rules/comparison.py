"""A draft profile beside the active one it would replace, on the same history.

Before a new version goes live, the analyst asks: does it select more or
fewer declarations, do its controls find more, is more recovered, and which
declarations would it select that today's profile misses (or the reverse)?
Both are back-tested in one run over the same declarations
(:func:`~hub.rules.backtest.backtest`) and :func:`compare` sets their figures
side by side. What the draft replaces is the active version of the same id;
for a new id, the active profiles of the same owner and risk area
(:func:`replaced`), and the comparison says which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hub.rules.backtest import ProfileHits
from hub.rules.lifecycle import in_force
from hub.rules.outcomes import Outcome
from hub.rules.profile import ProfileStatus, RiskProfile

__all__ = ["Basis", "Comparison", "Difference", "compare", "replaced"]


class Basis(StrEnum):
    """Why the active profiles compared are the ones the draft would replace."""

    SAME_ID = "same id"
    SAME_RISK_AREA = "same owner and risk area"


def replaced(
    draft: RiskProfile, history: Sequence[RiskProfile], active: Sequence[RiskProfile]
) -> tuple[list[RiskProfile], Basis]:
    """What ``draft`` would replace: the active version of its id in force now (``history``:
    every recorded version of the id, oldest first), else those of ``active`` (the active
    profiles in force) owned by the draft's owner with its risk area."""
    same_id = [
        p
        for p in in_force(history)
        if p.status is ProfileStatus.ACTIVE and p.version != draft.version
    ]
    if same_id:
        return same_id, Basis.SAME_ID
    return [
        p
        for p in active
        if p.id != draft.id
        and p.status is ProfileStatus.ACTIVE
        and p.owner == draft.owner
        and p.risk_area == draft.risk_area
    ], Basis.SAME_RISK_AREA


class Difference(BaseModel):
    """Declarations one side hits and the other does not, and what their controls found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    declaration_ids: tuple[str, ...]
    controls_known: int
    detections: int
    value_recovered: Decimal


class Comparison(BaseModel):
    """The draft's back-test figures beside those of the active profiles it would replace.

    ``only_draft`` are the declarations the draft hits and none of the active
    profiles does; ``only_active`` the reverse; ``both`` hit by the draft and
    at least one active profile.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    draft: ProfileHits
    active: tuple[ProfileHits, ...]
    basis: Basis
    only_draft: Difference
    only_active: Difference
    both: int

    def lines(self) -> list[str]:
        """Side by side, one column per profile, as an officer reads it."""
        columns = [self.draft, *self.active]
        names = [f"draft {self.draft.profile_id} v{self.draft.version}"] + [
            f"active {h.profile_id} v{h.version}" for h in self.active
        ]
        if not self.active:
            head = (
                f"{self.draft.profile_id} v{self.draft.version} replaces no active profile"
                f" ({self.basis.value}: none)"
            )
        else:
            head = f"{self.draft.profile_id} v{self.draft.version} against what it would replace"
            head += f" ({self.basis.value})"
        only = [
            len(self.only_draft.declaration_ids),
            *([len(self.only_active.declaration_ids)] * len(self.active)),
        ]
        rows: list[tuple[str, list[str]]] = [
            ("declarations hit", [str(h.declarations) for h in columns]),
            ("hit share", [f"{h.hit_share:.1%}" for h in columns]),
            ("controls known", [str(h.controls_known) for h in columns]),
            ("hit rate", [h.hit_rate_text for h in columns]),
            ("value recovered", [f"{h.value_recovered:,.2f}" for h in columns]),
            ("only this side hits", [str(n) for n in only]),
        ]
        width = max(len(label) for label, _ in rows)
        cells = [max(len(n), *(len(r[i]) for _, r in rows)) for i, n in enumerate(names)]
        out = [head, _row("", names, width, cells)]
        out.extend(_row(label, row, width, cells) for label, row in rows)
        out.append(f"hit by both: {self.both}")
        for side, diff in (("draft", self.only_draft), ("active", self.only_active)):
            if diff.controls_known:
                out.append(
                    f"only the {side} hits: {diff.detections} of {diff.controls_known} known"
                    f" control(s) found something, {diff.value_recovered:,.2f} recovered"
                )
        return out


def _row(label: str, values: Sequence[str], width: int, cells: Sequence[int]) -> str:
    padded = (v.ljust(c) for v, c in zip(values, cells, strict=True))
    return (label.ljust(width) + "  " + "  ".join(padded)).rstrip()


def _difference(ids: Sequence[str], outcomes: Mapping[str, Outcome]) -> Difference:
    known = [outcomes[d] for d in ids if d in outcomes]
    return Difference(
        declaration_ids=tuple(ids),
        controls_known=len(known),
        detections=sum(o.found for o in known),
        value_recovered=sum((o.value_recovered for o in known), Decimal(0)),
    )


def compare(
    draft_hits: ProfileHits,
    active_hits: Sequence[ProfileHits],
    basis: Basis = Basis.SAME_ID,
    outcomes: Mapping[str, Outcome] | None = None,
) -> Comparison:
    """Set a draft's back-test beside the active profiles' on the same declarations.

    ``outcomes`` (the owner's, by declaration id) say what the controls of the
    declarations only one side hits found; without them those are unknown (0 known).
    """
    known = outcomes or {}
    draft = set(draft_hits.hit_ids)
    active: dict[str, None] = {}
    for hits in active_hits:
        active.update(dict.fromkeys(hits.hit_ids))
    return Comparison(
        draft=draft_hits,
        active=tuple(active_hits),
        basis=basis,
        only_draft=_difference([d for d in draft_hits.hit_ids if d not in active], known),
        only_active=_difference([d for d in active if d not in draft], known),
        both=sum(d in active for d in draft_hits.hit_ids),
    )
