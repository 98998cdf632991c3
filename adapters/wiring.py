"""The composition root's half of the orchestrator wiring: adapters built from agency.yaml.

Registered as the ``hub.wiring`` entry point ``default`` (pyproject.toml), so
``hub serve``, ``hub worker`` and the API get the adapters without ``hub/``
importing this package.
"""

from __future__ import annotations

from adapters.build import adapter_for
from adapters.contract import request_id
from hub.agency import Agency
from hub.orchestrator.wiring import AgencyAdapter, ProfileSource, Wiring

__all__ = ["wiring"]


def _adapter(agency: Agency, profiles: ProfileSource | None = None) -> AgencyAdapter:
    return adapter_for(agency, profiles)


def wiring() -> Wiring:
    """The adapters of this distribution: in-process, HTTP or AMQP, per agency.yaml."""
    return Wiring(adapter_for=_adapter, request_id=request_id)
