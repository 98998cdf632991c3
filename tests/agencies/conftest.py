"""The starter agencies, loaded and compiled once for every agency test."""

from __future__ import annotations

import pytest

from hub.agency import Agency, load_agencies
from hub.assess import Assessor
from hub.rules import ProfileStatus


@pytest.fixture(scope="session")
def agencies() -> dict[str, Agency]:
    return load_agencies()


@pytest.fixture(scope="session")
def assessor(agencies: dict[str, Agency]) -> Assessor:
    """Active profiles only: what selects real goods."""
    return Assessor(agencies)


@pytest.fixture(scope="session")
def shadow(agencies: dict[str, Agency]) -> Assessor:
    """Active and testing profiles: a shadow run, as before activation."""
    return Assessor(agencies, statuses=(ProfileStatus.ACTIVE, ProfileStatus.TESTING))
