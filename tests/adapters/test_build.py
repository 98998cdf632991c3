"""Each agency's adapter comes from its agency.yaml, and bad settings stop the start."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters import AmqpAdapter, HttpAdapter, InProcessAdapter, adapter_for
from hub.agency import AdapterSpec, Agency, load_agencies
from hub.errors import InvalidAdapter


def with_adapter(agency: Agency, kind: str, url: str | None = None) -> Agency:
    spec = agency.spec.model_copy(update={"adapter": AdapterSpec(kind=kind, url=url)})
    return replace(agency, spec=spec)


@pytest.fixture(scope="module")
def vet() -> Agency:
    return load_agencies()["vet"]


def test_the_bundled_agencies_run_in_process() -> None:
    for agency in load_agencies().values():
        adapter = adapter_for(agency)
        assert isinstance(adapter, InProcessAdapter)
        adapter.close()


def test_an_http_agency_gets_an_http_adapter(vet: Agency) -> None:
    adapter = adapter_for(with_adapter(vet, "http", "https://vet.example/assess"))
    assert isinstance(adapter, HttpAdapter)
    assert (adapter.agency, adapter.url) == ("vet", "https://vet.example/assess")
    adapter.close()


def test_an_amqp_agency_is_asked_on_its_own_queue(vet: Agency) -> None:
    adapter = adapter_for(with_adapter(vet, "amqp", "amqp://guest:guest@127.0.0.1:5672//"))
    assert isinstance(adapter, AmqpAdapter)
    assert adapter.queue == vet.spec.queue == "agency.vet"
    adapter.close()


@pytest.mark.parametrize(
    ("kind", "url", "setting"),
    [
        ("soap", "https://vet.example", "adapter.kind"),
        ("http", None, "adapter.url"),
        ("amqp", "", "adapter.url"),
        ("http", "amqp://127.0.0.1//", "url"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_startup(
    vet: Agency, kind: str, url: str | None, setting: str
) -> None:
    with pytest.raises(InvalidAdapter) as caught:
        adapter_for(with_adapter(vet, kind, url))
    assert (caught.value.agency, caught.value.setting) == ("vet", setting)
