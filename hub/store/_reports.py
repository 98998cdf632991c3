"""Reports' reads: everything the KPIs and profile performance need about a period, in bulk.

One read-only transaction and four queries whatever the number of
declarations (the declarations accepted in the period, the decision versions
the reports read, their routes, their control results), each joined on the
period rather than asked per declaration: a report over ten thousand
declarations must not be ten thousand round trips. Only three decision
versions are read and parsed per declaration (the first, the first released,
the latest: see :class:`~hub.kpi.PeriodDeclaration`); the figures themselves
are :mod:`hub.kpi`'s pure functions.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, and_, case, cast, func, or_, select

from hub.decision.model import Decision
from hub.feedback.result import ControlResult
from hub.kpi.records import PeriodDeclaration, PeriodRecords
from hub.store._statements import DECISIONS, DECLARATIONS, RESULTS, ROUTES
from hub.store._transactions import Transactions

__all__ = ["ReportsMixin", "office_in_transport"]

_D, _V = DECLARATIONS.c, DECISIONS.c

# The transport part of the stored declaration, as JSON text: the office is
# read from it without parsing the whole declaration into its model.
_TRANSPORT = {
    "sqlite": func.json_extract(_D.declaration_json, "$.transport"),
    "postgresql": cast(_D.declaration_json, JSON)["transport"],
}
_OFFICES = ("office_of_declaration", "office_of_entry", "office_of_destination", "office_of_exit")


def office_in_transport(transport: dict[str, Any] | None) -> str | None:
    """:func:`hub.decision.random.office_of`, read from a declaration's stored transport."""
    if not transport:
        return None
    return next((str(transport[k]) for k in _OFFICES if transport.get(k)), None)


def _in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(_D.accepted_at >= start, _D.accepted_at < end)


def _declarations(dialect: str, start: datetime, end: datetime) -> Select[Any]:
    return (
        select(_D.id, _D.accepted_at, _TRANSPORT[dialect].label("transport"))
        .where(_in_period(start, end))
        .order_by(_D.accepted_at, _D.id)
    )


def _decisions(start: datetime, end: datetime) -> Select[Any]:
    """Per declaration of the period: version 1, the first released one and the latest."""
    marks = (
        select(
            _V.declaration_id.label("id"),
            func.max(_V.version).label("latest"),
            func.min(case((_V.released.is_(True), _V.version))).label("released"),
        )
        .join(DECLARATIONS, _D.id == _V.declaration_id)
        .where(_in_period(start, end))
        .group_by(_V.declaration_id)
        .subquery()
    )
    return select(_V.declaration_id, _V.version, _V.decision_json).join(
        marks,
        and_(
            marks.c.id == _V.declaration_id,
            or_(_V.version == 1, _V.version == marks.c.latest, _V.version == marks.c.released),
        ),
    )


def _routes(start: datetime, end: datetime) -> Select[Any]:
    return (
        select(ROUTES.c.declaration_id, ROUTES.c.agency)
        .join(DECLARATIONS, _D.id == ROUTES.c.declaration_id)
        .where(_in_period(start, end))
        .order_by(ROUTES.c.declaration_id, ROUTES.c.agency)
    )


def _results(start: datetime, end: datetime) -> Select[Any]:
    return (
        select(RESULTS.c.declaration_id, RESULTS.c.result_json)
        .join(DECLARATIONS, _D.id == RESULTS.c.declaration_id)
        .where(_in_period(start, end))
        .order_by(RESULTS.c.id)
    )


@contextmanager
def _collecting_afterwards() -> Iterator[None]:
    """Hold the cyclic garbage collector while a period's versions are parsed.

    Tens of thousands of models that all stay alive make each of its passes
    longer, and it passes more often the more are made: on Python 3.11 the
    parse of 15,000 versions took 6x as long with it running as without
    (bench/reports.py), so a report grew faster than its period. Nothing made
    here is garbage until the report is done; it runs once afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ReportsMixin(Transactions):
    """The period reads of the reports (:mod:`hub.kpi`)."""

    def period_records(self, start: date, end: date) -> PeriodRecords:
        """The declarations accepted from ``start`` to ``end`` (UTC dates, inclusive), each
        with its office, routes, first, first released and latest decision versions and its
        control results; oldest accepted first. Four queries in one read transaction."""
        since = datetime.combine(start, time(), UTC)
        until = datetime.combine(end + timedelta(days=1), time(), UTC)
        dialect = "postgresql" if self._postgres else "sqlite"
        versions: dict[str, dict[int, Decision]] = defaultdict(dict)
        routed: dict[str, list[str]] = defaultdict(list)
        results: dict[str, list[ControlResult]] = defaultdict(list)
        with _collecting_afterwards():
            with self._reading() as conn:
                accepted = conn.execute(_declarations(dialect, since, until)).all()
                decided = conn.execute(_decisions(since, until)).all()
                for declaration_id, agency in conn.execute(_routes(since, until)):
                    routed[declaration_id].append(agency)
                controlled = conn.execute(_results(since, until)).all()
            for declaration_id, version, text in decided:
                versions[declaration_id][version] = Decision.model_validate_json(text)
            for declaration_id, text in controlled:
                results[declaration_id].append(ControlResult.model_validate_json(text))
            made: list[PeriodDeclaration] = []
            for declaration_id, accepted_at, transport in accepted:
                mine = versions.get(declaration_id, {})
                latest = mine[max(mine)] if mine else None
                released = next((mine[v] for v in sorted(mine) if mine[v].released), None)
                exam = next(
                    (d.examination for d in (latest, mine.get(1)) if d and d.examination), None
                )
                if isinstance(transport, str):  # SQLite's json_extract gives the text
                    transport = json.loads(transport)
                made.append(
                    PeriodDeclaration(
                        declaration_id=declaration_id,
                        accepted_at=accepted_at,
                        office=exam.office if exam is not None else office_in_transport(transport),
                        routed=tuple(routed.get(declaration_id, ())),
                        first=mine.get(1),
                        released=released,
                        latest=latest,
                        results=tuple(results.get(declaration_id, ())),
                    )
                )
        return PeriodRecords(start=start, end=end, declarations=tuple(made))
