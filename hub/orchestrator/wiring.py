"""How the orchestrator reaches agencies without importing ``adapters/``: a wiring.

``hub/`` must not import ``adapters/`` (DESIGN.md: the core is generic, the
transports plug in). The orchestrator therefore receives a :class:`Wiring`:
a function building each agency's adapter and the function naming a request
(the idempotency key of the agency contract). The composition root passes one
in; the command line and the API find the installed one through the
``hub.wiring`` entry point group (``adapters.wiring:wiring`` in this
distribution), as pluggy finds plug-ins by name rather than by import.

What an in-process adapter needs from the hub beyond the agency, the profile
registry officers change through the API, travels as a :class:`ProfileSource`
handed to ``adapter_for``: the orchestrator owns the store the registry lives
in, and the adapters package cannot reach it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Protocol

from hub.agency import Agency
from hub.errors import HubError
from hub.model import Declaration
from hub.model.finding import Finding
from hub.rules.registry import ProfileRegistry

__all__ = [
    "ENTRY_POINT_GROUP",
    "AdapterFactory",
    "AgencyAdapter",
    "ProfileSource",
    "RatingSource",
    "Wiring",
    "WiringMissing",
    "load_wiring",
]

ENTRY_POINT_GROUP = "hub.wiring"


class AgencyAdapter(Protocol):
    """The adapter protocol as the orchestrator uses it (``adapters.Adapter``)."""

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]: ...

    def close(self) -> None: ...


class RatingSource(Protocol):
    """The computed behavioural ratings (:class:`hub.store.Store` has these methods)."""

    def ratings_generation(self) -> int: ...

    def rating_scores(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class ProfileSource:
    """Where a running hub reads the profiles in force, and how often it looks again.

    ``registry`` is laid over the agency folders
    (:meth:`hub.agency.Agency.overlaid`), so an activation or retirement
    recorded there (through the API, by any process sharing the database)
    is what the hub selects with; ``reload_interval_s`` bounds how often an
    adapter asks whether the registry or the folder changed (``None``:
    never, the rules are fixed at start). ``ratings``, when given, are the
    behavioural ratings the store computed: they win over the agencies'
    ``ratings`` reference lists in ``trader_rating``, and a new rating run
    (a new generation) is picked up at the next look like a profile change.
    """

    registry: ProfileRegistry
    reload_interval_s: float | None = 1.0
    ratings: RatingSource | None = None


class AdapterFactory(Protocol):
    """Builds (and checks) one agency's adapter; ``profiles`` is ``None`` when the caller has
    no registry (a one-off assessment), and then the agency folder alone says what is in force."""

    def __call__(self, agency: Agency, profiles: ProfileSource | None = None) -> AgencyAdapter: ...


@dataclass(frozen=True)
class Wiring:
    """What the orchestrator needs from the adapters package.

    ``adapter_for(agency, profiles)`` builds (and checks) the agency's
    adapter; ``request_id(view, agency)`` is the idempotency key of asking
    ``agency`` about ``view``: the same view asked again has the same key.
    """

    adapter_for: AdapterFactory
    request_id: Callable[[Declaration, str], str]


class WiringMissing(HubError):
    """No ``hub.wiring`` entry point is installed (the adapters package is missing)."""


def load_wiring(name: str = "default") -> Wiring:
    """The wiring installed under ``name`` in the ``hub.wiring`` entry point group."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            factory: Callable[[], Wiring] = ep.load()
            return factory()
    raise WiringMissing(f"no {ENTRY_POINT_GROUP} entry point named {name!r}: reinstall the hub")
