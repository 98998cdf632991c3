"""Back-testing: what a set of profiles would have selected in past declarations.

Before a profile selects real goods, it is run over historical declarations
(WCO risk management cycle, step 7): how many declarations and items it hits,
what share of the traffic that is, where (office) and on what (commodity), and
which channels the profiles together would have asked for. The hit rate (how
many of the controls it caused found something) needs control results; where
they are not given it is reported as unknown, never estimated.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from hub.model.finding import RequestedChannel

__all__ = ["BacktestResult", "ProfileHits"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _percent(part: int, whole: int) -> float:
    return 0.0 if whole == 0 else part / whole


class ProfileHits(_Result):
    """What one profile version selected in the declarations back-tested.

    ``rules_hash`` ties the figures to the rules evaluated, so a registry can
    refuse to count this back-test for a version with other rules.
    ``hit_rate`` is detections / controls over the hit declarations whose
    control outcome is known; ``None`` when none is known.
    """

    profile_id: str
    version: int
    rules_hash: str
    owner: str
    channel: RequestedChannel
    declarations: int  # declarations with at least one hit
    items: int  # goods items hit
    hit_share: float  # declarations hit / declarations evaluated
    item_share: float  # items hit / items evaluated
    by_office: dict[str, int]  # declarations hit, per office
    by_commodity: dict[str, int]  # items hit, per commodity code as declared
    controls_known: int  # hit declarations whose control outcome is known
    detections: int  # of those, controls that found an offence
    hit_rate: float | None  # None: unknown

    @property
    def hit_rate_text(self) -> str:
        """The hit rate as an officer reads it: a percentage, or "unknown"."""
        if self.hit_rate is None:
            return "unknown"
        return f"{self.hit_rate:.1%} ({self.detections}/{self.controls_known})"


class BacktestResult(_Result):
    """The outcome of one back-test run, serialisable so a registry can record it.

    ``channel_mix`` counts declarations by the most severe goods channel the
    profiles together ask for (``green`` when none hits); ``audit`` counts the
    declarations also flagged blue (post-clearance audit). It is the mix these
    profiles alone would cause: random selection and AEO benefits come later.
    ``at`` is the moment validity windows were judged at (``None``: ignored).
    """

    at: AwareDatetime | None
    declarations: int
    items: int
    by_office: dict[str, int]  # declarations evaluated, per office
    by_commodity: dict[str, int]  # items evaluated, per commodity code
    channel_mix: dict[str, int]
    audit: int
    outcomes_known: int  # declarations with a known control outcome
    profiles: tuple[ProfileHits, ...]

    def hits(self, profile_id: str) -> ProfileHits | None:
        """The figures of ``profile_id``, or ``None`` when it was not back-tested here."""
        return next((p for p in self.profiles if p.profile_id == profile_id), None)
