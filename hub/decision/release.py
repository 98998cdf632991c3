"""Release after control: what the controls found moves the decision on.

A decision that selected the goods for control is not the end of the story:
once an agency's officers have checked or examined them and recorded what
they found (:class:`~hub.feedback.ControlResult`), that agency's word on the
goods changes, and with the last concerned agency's word the goods go.

:func:`after_control` makes that next version from the latest one and the
results recorded so far, the latest result of each agency counting:

- **no finding**, or a **discrepancy** (settled: the duty at stake is
  collected, the goods may go): the agency *may proceed*;
- a **seizure** or a **detention**: the agency *holds* the goods;
- an agency with no result yet stays as it was (still to control, pending).

When every concerned agency may proceed the version is ``released``
(consolidated release, as in the merge). The channel, the findings and the
appointment stay as they were: they say why the goods were controlled, which
is what the profiles' performance is counted against. Each agency whose
word the results change gets a reason in words, and the version a note.

Pure and idempotent: the same results again change nothing and make no
version (``None``), so a result recorded twice, or a second result that says
what the first said, leaves the decision alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.decision.model import AgencyDecision, AgencyStatus, Decision
from hub.errors import DecisionError
from hub.feedback.result import ControlOutcome, ControlResult

__all__ = ["after_control", "status_after"]

_HELD = (ControlOutcome.SEIZURE, ControlOutcome.DETENTION)


def status_after(outcome: ControlOutcome) -> AgencyStatus:
    """An agency's word once its control found ``outcome``."""
    return AgencyStatus.HOLD if outcome in _HELD else AgencyStatus.MAY_PROCEED


def after_control(
    decision: Decision, results: Sequence[ControlResult], *, now: datetime
) -> Decision | None:
    """The version after ``decision`` that the control ``results`` make; ``None`` if none.

    ``results`` are every result recorded on the declaration, oldest first
    (as the store keeps them): each agency's latest is its word. Results of
    agencies the decision does not concern are ignored; a result about
    another declaration raises :class:`~hub.errors.DecisionError`.
    """
    latest: dict[str, ControlResult] = {}
    for result in results:
        if result.declaration_id != decision.declaration_id:
            raise DecisionError(
                f"a control result on {result.declaration_id} given for {decision.declaration_id}"
            )
        if result.agency in decision.agencies:
            latest[result.agency] = result
    agencies = dict(decision.agencies)
    reasons: list[str] = []
    for name, result in latest.items():
        before = agencies[name]
        status = status_after(result.outcome)
        if before.status is status:
            continue
        agencies[name] = AgencyDecision(
            agency=before.agency,
            status=status,
            channel=before.channel,
            findings=before.findings,
            controlled=True,
        )
        reasons.append(f"{name} controlled: {_found(result)}")
    if not reasons:
        return None
    released = all(a.status is AgencyStatus.MAY_PROCEED for a in agencies.values())
    return decision.model_copy(
        update={
            "version": decision.version + 1,
            "supersedes": decision.version,
            "made_at": now,
            "released": released,
            "agencies": agencies,
            "reasons": (*decision.reasons, *reasons),
            "note": _note(agencies, latest, released=released),
        }
    )


def _found(result: ControlResult) -> str:
    """What a control found, in words."""
    if result.outcome is ControlOutcome.NO_FINDING:
        return "no finding"
    if result.outcome is ControlOutcome.DISCREPANCY:
        stake = _stake(result)
        return "discrepancy settled" + (f", {stake} collected" if stake else "")
    stake = _stake(result)
    return f"{result.outcome.value}, goods held" + (f" ({stake} at stake)" if stake else "")


def _stake(result: ControlResult) -> str | None:
    amount = result.duty_at_stake if result.duty_at_stake is not None else result.value_at_stake
    if amount is None:
        return None
    what = "duty" if result.duty_at_stake is not None else "value"
    return f"{what} {amount}" + (f" {result.currency}" if result.currency else "")


def _note(
    agencies: dict[str, AgencyDecision], results: dict[str, ControlResult], *, released: bool
) -> str:
    controlled = [n for n in agencies if n in results]
    if released:
        return f"released after control by {_and(controlled)}"
    held = [n for n in controlled if agencies[n].status is AgencyStatus.HOLD]
    if held:
        outcomes = ", ".join(f"{n}: {results[n].outcome.value}" for n in held)
        return f"held after control by {_and(held)} ({outcomes})"
    waiting = [n for n, a in agencies.items() if a.status is not AgencyStatus.MAY_PROCEED]
    return f"{_and(controlled)} may proceed after control; waiting for {_and(waiting)}"


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
