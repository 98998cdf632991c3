"""Control outcomes for back-tests: did the control of a declaration find something, and what.

A back-test's hit rate and value recovered need to know, for the declarations
a profile hits, what their controls found. Officers record that as control
results (:class:`~hub.feedback.ControlResult`); here they are read down to one
:class:`Outcome` per declaration. Only results of the profile's owner count:
a pest the plant health officers found is no hit of a customs valuation
profile. Value recovered is the duty at stake, else the value at stake, of
the results with a finding, added up as recorded (amounts are in the hub's
currency; a back-test does not convert).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from hub.feedback.result import ControlOutcome, ControlResult

__all__ = ["ControlResults", "Outcome", "outcome_of", "outcomes_from", "recorded_outcomes"]


@dataclass(frozen=True)
class Outcome:
    """What the control of one declaration found: anything at all, and the value recovered."""

    found: bool
    value_recovered: Decimal = Decimal(0)


def _at_stake(result: ControlResult) -> Decimal:
    if result.duty_at_stake is not None:
        return result.duty_at_stake
    return result.value_at_stake if result.value_at_stake is not None else Decimal(0)


def outcome_of(results: Sequence[ControlResult], agency: str | None = None) -> Outcome | None:
    """The outcome of a declaration's control results (``agency``'s only, when given);
    ``None`` when there is none: unknown, not "nothing found"."""
    own = [r for r in results if agency is None or r.agency == agency]
    if not own:
        return None
    with_finding = [r for r in own if r.outcome is not ControlOutcome.NO_FINDING]
    return Outcome(
        found=bool(with_finding),
        value_recovered=sum((_at_stake(r) for r in with_finding), Decimal(0)),
    )


def outcomes_from(
    results: Mapping[str, Sequence[ControlResult]], agency: str | None = None
) -> dict[str, Outcome]:
    """One outcome per declaration id with a result (``agency``'s, when given)."""
    found = {d: outcome_of(rs, agency) for d, rs in results.items()}
    return {d: outcome for d, outcome in found.items() if outcome is not None}


class ControlResults(Protocol):
    """Where recorded control results are read (the store)."""

    def control_results_of(
        self, declaration_ids: Sequence[str]
    ) -> dict[str, list[ControlResult]]: ...


def recorded_outcomes(
    source: ControlResults, declaration_ids: Iterable[str], agencies: Iterable[str]
) -> dict[str, dict[str, Outcome]]:
    """Per agency, the outcomes of the declarations' recorded controls (one read)."""
    results = source.control_results_of(list(dict.fromkeys(declaration_ids)))
    return {agency: outcomes_from(results, agency) for agency in dict.fromkeys(agencies)}
