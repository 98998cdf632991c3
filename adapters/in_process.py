"""The bundled agencies' risk modules, run in the hub's own process.

An agency whose profiles live in ``agencies/<name>/`` needs no service of its
own: its rule set is compiled once, when the adapter is built, and each view
is evaluated directly. It honours the same protocol as the remote adapters, so
the orchestrator cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime

from adapters.base import remaining_seconds
from hub.agency import Agency
from hub.model import Declaration
from hub.model.finding import Finding
from hub.rules import ProfileStatus

__all__ = ["InProcessAdapter", "utc_now"]


def utc_now() -> datetime:
    """The current moment, aware, in UTC: the default clock of an in-process adapter."""
    return datetime.now(UTC)


class InProcessAdapter:
    """Evaluates ``agency``'s compiled rule set on each view.

    The rule language needs the moment of assessment (``at``: which profiles
    are valid, how old a certificate is) while the protocol carries only a
    deadline, so the adapter asks ``clock`` when it assesses. The default is
    the wall clock, as for live traffic; tests, replays and back-tests pass a
    fixed clock so the same view always gives the same findings. ``statuses``
    chooses the profiles that select goods (active ones; add testing for a
    shadow run).

    A view whose deadline has passed is not assessed
    (:class:`~hub.errors.AdapterTimeout`), like on every other transport.
    Evaluation itself raises nothing but bugs: a profile that cannot be
    evaluated was refused when the agency loaded.
    """

    def __init__(
        self,
        agency: Agency,
        *,
        clock: Callable[[], datetime] = utc_now,
        statuses: Collection[ProfileStatus] = (ProfileStatus.ACTIVE,),
    ) -> None:
        self.agency = agency.name
        self._clock = clock
        self._rules = agency.compile(statuses=statuses)

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]:
        remaining_seconds(deadline, agency=self.agency)
        return self._rules.evaluate(view, at=self._clock())

    def close(self) -> None:
        """Nothing to release: the rule set is plain memory."""
