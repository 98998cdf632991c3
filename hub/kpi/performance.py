"""Profile performance: how often each profile's selections found something.

For each profile and version, over the declarations accepted in a period:

- hits: declarations whose *first* decision version carries a finding of it
  (what the risk assessment selected, before any re-routing or late answer);
- controls: the control results naming it (``ControlResult.findings``);
- controls with a finding: of those, the ones whose outcome is not
  ``no-finding``; hit rate = controls with a finding / controls;
- value recovered: the duty at stake (else the value at stake) of the
  controls with a finding.

Random selection is counted the same way, as the row ``random`` of each
agency that draws (its findings have source ``random``; a result names it as
``"random"``): the baseline a profile's hit rate is judged against
(:mod:`hub.kpi.review`). A result names profiles by id only; its version is
the one the finding carried in the decision version the result refers to
(else in the first, else the latest version read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from hub.decision.model import Decision
from hub.feedback.result import ControlOutcome, ControlResult
from hub.kpi.records import PeriodDeclaration
from hub.model.finding import Finding, FindingSource

__all__ = ["RANDOM", "ProfilePerformance", "profile_performance"]

RANDOM = "random"
"""The profile id random selection is counted under (and a result names it by)."""

_Key = tuple[str, int | None, str]  # profile id, version, agency


@dataclass(frozen=True)
class ProfilePerformance:
    """One profile version's figures (``version`` is ``None`` for random selection).

    ``confidential``: a finding counted in ``hits`` was confidential, so the
    edge audits the read. ``flagged_for_review`` and ``review_reason`` are
    set by :func:`hub.kpi.review.review`.
    """

    profile_id: str
    version: int | None
    agency: str
    hits: int = 0
    controls: int = 0
    controls_with_finding: int = 0
    value_recovered: Decimal = Decimal(0)
    confidential: bool = False
    flagged_for_review: bool = False
    review_reason: str | None = None

    @property
    def hit_rate(self) -> float | None:
        """Controls with a finding over controls; ``None`` when no control was recorded."""
        return self.controls_with_finding / self.controls if self.controls else None

    @property
    def random(self) -> bool:
        return self.profile_id == RANDOM


@dataclass
class _Tally:
    hits: int = 0
    controls: int = 0
    with_finding: int = 0
    value: Decimal = Decimal(0)
    confidential: bool = False
    seen: set[str] = field(default_factory=set)  # declarations hit, each counted once


def _key(finding: Finding) -> _Key | None:
    if finding.source is FindingSource.RANDOM:
        return (RANDOM, None, finding.agency)
    if finding.profile_id is None:
        return None
    return (finding.profile_id, finding.profile_version, finding.agency)


def _findings(decision: Decision | None) -> Iterable[Finding]:
    if decision is None:
        return ()
    return (f for a in decision.agencies.values() for f in a.findings)


def _named(record: PeriodDeclaration, result: ControlResult, name: str) -> _Key:
    """The row a result's named profile counts in, read from the decision it refers to."""
    versions = [record.first, record.released, record.latest]
    referred = [d for d in versions if d is not None and d.version == result.decision_version]
    for decision in (*referred, record.first, record.latest):
        for finding in _findings(decision):
            key = _key(finding)
            if key is not None and key[0] == name:
                return key
    return (name, None, result.agency)


def _value(result: ControlResult) -> Decimal:
    at_stake = result.duty_at_stake if result.duty_at_stake is not None else result.value_at_stake
    return at_stake or Decimal(0)


def profile_performance(
    records: Iterable[PeriodDeclaration],
    *,
    shown: Callable[[Finding], bool] | None = None,
) -> list[ProfilePerformance]:
    """Every profile version (and each agency's random selection) hit or named by a result.

    ``shown`` keeps the findings the reader may see (need to know): a hidden
    finding is no hit. Rows sorted by agency, profile id (random last), version.
    """
    tallies: dict[_Key, _Tally] = {}
    for record in records:
        for finding in _findings(record.first):
            key = _key(finding)
            if key is None or (shown is not None and not shown(finding)):
                continue
            tally = tallies.setdefault(key, _Tally())
            if record.declaration_id not in tally.seen:
                tally.seen.add(record.declaration_id)
                tally.hits += 1
            tally.confidential |= finding.confidential
        for result in record.results:
            found = result.outcome is not ControlOutcome.NO_FINDING
            for name in dict.fromkeys(result.findings):
                tally = tallies.setdefault(_named(record, result, name), _Tally())
                tally.controls += 1
                if found:
                    tally.with_finding += 1
                    tally.value += _value(result)
    rows = [
        ProfilePerformance(
            profile_id=profile_id,
            version=version,
            agency=agency,
            hits=t.hits,
            controls=t.controls,
            controls_with_finding=t.with_finding,
            value_recovered=t.value,
            confidential=t.confidential,
        )
        for (profile_id, version, agency), t in tallies.items()
    ]
    return sorted(rows, key=lambda r: (r.agency, r.random, r.profile_id, r.version or 0))
