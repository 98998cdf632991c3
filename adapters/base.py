"""The one small method every agency adapter implements, and a plain-function adapter.

The hub talks to a risk module in process, over HTTP or over AMQP; only the
transport differs, so an adapter does one thing: hand over the agency's view
of a declaration and return that agency's findings, or raise
:class:`~hub.errors.AdapterError`. Deadlines applied as fail-safe findings,
retries and late-answer amendments live once, in the orchestrator, never in
an adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from hub.errors import AdapterTimeout
from hub.model import Declaration
from hub.model.finding import Finding

__all__ = ["Adapter", "FunctionAdapter", "remaining_seconds"]


@runtime_checkable
class Adapter(Protocol):
    """How the hub reaches one agency's risk module.

    ``view`` is the declaration restricted to the goods items routed to the
    agency (:func:`hub.routing.view_for`). ``deadline`` is an aware moment:
    an adapter that cannot answer by then raises
    :class:`~hub.errors.AdapterTimeout`, and one whose deadline has already
    passed raises it without sending anything, so a stale request is never
    assessed. Any other failure is an :class:`~hub.errors.AdapterError`;
    nothing else escapes (a transport's own exceptions are mapped).
    """

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]: ...

    def close(self) -> None:
        """Release connections; the adapter is not used afterwards."""


class FunctionAdapter:
    """An adapter around a plain function: for tests and for in-process risk modules.

    Like HTTPX's ``MockTransport``: anything that can map a view to findings
    becomes an adapter, so the orchestrator is tested without a transport.
    ``agency`` is only used to name the agency in a timeout.
    """

    def __init__(self, fn: Callable[[Declaration], list[Finding]], *, agency: str = "") -> None:
        self._fn = fn
        self._agency = agency or getattr(fn, "__name__", "function")

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]:
        remaining_seconds(deadline, agency=self._agency)
        return self._fn(view)

    def close(self) -> None:
        """Nothing to release."""


def remaining_seconds(deadline: datetime, *, agency: str) -> float:
    """Seconds left until ``deadline``; :class:`~hub.errors.AdapterTimeout` if none are.

    Every adapter starts with this, so that a deadline already past means
    "not sent" for every transport alike. A naive ``deadline`` is a
    programming error (whose midnight?) and raises ``ValueError``.
    """
    if deadline.tzinfo is None:
        raise ValueError("an adapter deadline must be an aware datetime")
    left = (deadline - datetime.now(UTC)).total_seconds()
    if left <= 0:
        raise AdapterTimeout(
            f"the deadline {deadline.isoformat()} passed before the request was sent",
            agency=agency,
        )
    return left
