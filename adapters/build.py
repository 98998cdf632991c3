"""One adapter per agency, built from its ``agency.yaml`` and checked at startup.

The orchestrator calls :func:`adapter_for` for every agency when it starts, so
a wrong URL scheme or an unknown kind stops the hub with a message naming the
agency and the setting, instead of failing-safe every declaration afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from adapters.amqp import AmqpAdapter
from adapters.base import Adapter
from adapters.http import HttpAdapter
from adapters.in_process import InProcessAdapter, utc_now
from hub.agency import Agency
from hub.errors import InvalidAdapter
from hub.orchestrator import ProfileSource

__all__ = ["ADAPTER_KINDS", "adapter_for"]

ADAPTER_KINDS = ("in-process", "http", "amqp")


def adapter_for(
    agency: Agency,
    profiles: ProfileSource | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    auth_token: str | None = None,
) -> Adapter:
    """The adapter ``agency.spec.adapter`` describes.

    ``in-process`` evaluates the agency's active profiles with ``clock``:
    its folder's, overlaid by ``profiles.registry`` when given, reloaded
    every ``profiles.reload_interval_s`` (see :class:`InProcessAdapter`), with
    ``profiles.ratings`` winning over its ``ratings`` reference lists; a
    remote agency keeps its profiles itself, so ``profiles`` is not its business;
    ``http`` posts to ``adapter.url`` (with ``auth_token`` as a bearer token);
    ``amqp`` publishes to the agency's ``queue`` on the broker at
    ``adapter.url``. Raises :class:`~hub.errors.InvalidAdapter` for an unknown
    kind, a missing URL or one the transport cannot use.
    """
    spec = agency.spec.adapter
    name = agency.name
    if spec.kind == "in-process":
        if profiles is None:
            return InProcessAdapter(agency, clock=clock)
        return InProcessAdapter(
            agency,
            clock=clock,
            registry=profiles.registry,
            reload_interval_s=profiles.reload_interval_s,
            ratings=profiles.ratings,
        )
    if spec.kind not in ADAPTER_KINDS:
        raise InvalidAdapter(
            f"unknown kind {spec.kind!r}; one of {', '.join(ADAPTER_KINDS)}",
            agency=name,
            setting="adapter.kind",
        )
    if not spec.url:
        raise InvalidAdapter(f"kind {spec.kind} needs a url", agency=name, setting="adapter.url")
    if spec.kind == "http":
        return HttpAdapter(spec.url, agency=name, auth_token=auth_token)
    return AmqpAdapter(spec.url, agency=name, queue=agency.spec.queue)
