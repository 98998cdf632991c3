"""What the reports read about one declaration accepted in a period: plain values.

The store gathers them in a fixed number of queries
(:meth:`hub.store.Store.period_records`); everything in :mod:`hub.kpi` is a
pure function of them, so a report can be checked with hand-built decisions
and results, without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hub.decision.model import Decision
from hub.feedback.result import ControlResult

__all__ = ["PeriodDeclaration", "PeriodRecords"]


@dataclass(frozen=True)
class PeriodDeclaration:
    """One declaration, as far as the reports need it.

    ``office`` is the office that handles it: its examination's office, else
    :func:`hub.decision.random.office_of`. ``routed`` the agencies it was
    routed to on acceptance. ``first`` is decision version 1 (what the risk
    assessment said: hits, pending agencies), ``released`` the first version
    that released the goods, ``latest`` the version in force (channel, blue
    flag, examination, every re-routing so far); ``None`` where there is
    none yet. ``results`` are the control results recorded on it, oldest first.
    """

    declaration_id: str
    accepted_at: datetime
    office: str | None = None
    routed: tuple[str, ...] = ()
    first: Decision | None = None
    released: Decision | None = None
    latest: Decision | None = None
    results: tuple[ControlResult, ...] = ()


@dataclass(frozen=True)
class PeriodRecords:
    """The declarations accepted from ``start`` to ``end`` (dates inclusive, UTC)."""

    start: date
    end: date
    declarations: tuple[PeriodDeclaration, ...] = ()
