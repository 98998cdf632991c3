"""The protocol, the plain-function adapter and the deadline check every adapter shares."""

from __future__ import annotations

from datetime import datetime

import pytest

from adapters import Adapter, FunctionAdapter, remaining_seconds
from hub.errors import AdapterTimeout
from hub.model import Declaration
from hub.model.finding import Finding, RequestedChannel
from tests.adapters.conftest import soon


def red(view: Declaration) -> list[Finding]:
    return [Finding(agency="vet", channel=RequestedChannel.RED, indicators=(view.id,))]


def test_a_plain_function_is_an_adapter(phyto_view: Declaration) -> None:
    adapter: Adapter = FunctionAdapter(red, agency="vet")
    assert isinstance(adapter, Adapter)
    assert adapter.assess(phyto_view, soon(1)) == red(phyto_view)
    adapter.close()


def test_a_function_adapter_also_refuses_a_deadline_already_past(
    phyto_view: Declaration,
) -> None:
    with pytest.raises(AdapterTimeout, match="agency vet"):
        FunctionAdapter(red, agency="vet").assess(phyto_view, soon(-1))


def test_remaining_seconds_counts_down_to_the_deadline() -> None:
    assert 0.9 < remaining_seconds(soon(1), agency="vet") <= 1


def test_a_naive_deadline_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        remaining_seconds(datetime(2030, 1, 1), agency="vet")
