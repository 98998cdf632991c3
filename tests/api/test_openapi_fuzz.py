"""Schemathesis over the API's own OpenAPI document: no generated request gets a 5xx.

Requests carry a trader's, a vet officer's or the JTC's bearer token, so the
routes behind authentication are exercised, not only their 401. Path
parameters are the fuzzer's own or real ones (a declaration whose decision is
made, the vet agency), so the acts reach the policy and the store. Positive
and negative data; the one check is ``not_a_server_error``: the API documents
only 200/202/422, so the status-code conformance check would flag every
deliberate 401/403/404/409/415.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

from hub.api import create_api
from hub.orchestrator import Hub
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub

AGENCY = "vet"  # routed the chicken declaration: its officer may act on it


def _never() -> Hub:
    raise AssertionError("only the OpenAPI document is read")


# 5xx found by this test and reported, whose fix lies outside the API: hub/datafile.py's
# read_yaml turns yaml.MarkedYAMLError into a located error but not yaml.reader.ReaderError,
# so a profile body holding a NUL byte (POST, a vet officer, JSON b"\x00") is a 500.


def _operations() -> Iterator[Any]:
    """Every operation of the document itself, so a new route is fuzzed too."""
    paths = create_api(open_hub=_never).openapi()["paths"]
    for path, item in paths.items():
        for method in map(str.upper, item):
            yield pytest.param(method, path, id=f"{method} {path}")


class Fuzzed:
    """The app over one embedded hub, its schema, tokens and a decided declaration."""

    def __init__(self, api: FastAPI, tokens: Tokens, declaration_id: str) -> None:
        # Schemathesis' ASGI client runs the app's lifespan itself, once per app.
        self.schema = schemathesis.openapi.from_asgi("/openapi.json", api)
        self.tokens = tokens
        self.declaration_id = declaration_id

    def headers(self, who: str) -> dict[str, str]:
        """A bearer header for ``who``: a trader, an officer of ``AGENCY`` or the JTC."""
        if who == "officer":
            return self.tokens.officer(AGENCY)
        return self.tokens.trader() if who == "trader" else self.tokens.jtc()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    folder = tmp_path_factory.mktemp("fuzz")
    tokens = Tokens(folder)
    # Whatever the fuzzer manages to change (the profile registry) stays in tmp.
    with pytest.MonkeyPatch.context() as env, embedded_hub(folder) as hub:
        env.setenv("HUB_STATE_DIR", str(folder / "state"))
        submitted = hub.submit(CHICKEN.read_bytes())
        assert hub.wait_for_decision(submitted.declaration_id, 10) is not None
        try:
            yield Fuzzed(create_api(hub, signing_key=tokens.key), tokens, submitted.declaration_id)
        finally:
            shutdown_lifespans()


@pytest.mark.parametrize("who", ["trader", "officer", "jtc"])
@pytest.mark.parametrize(("method", "path"), list(_operations()))
def test_no_request_gets_a_server_error(fuzzed: Fuzzed, who: str, method: str, path: str) -> None:
    operation = fuzzed.schema[path][method]
    headers = fuzzed.headers(who)
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    strategies: list[Any] = [operation.as_strategy(mode) for mode in modes]
    known = {"declaration_id": fuzzed.declaration_id, "agency": AGENCY}
    real = {name: v for name, v in known.items() if f"{{{name}}}" in path}
    if real:
        strategies += [operation.as_strategy(mode, path_parameters=real) for mode in modes]
    answered: list[int] = []

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def no_server_error(case: schemathesis.Case[Any]) -> None:
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        answered.append(response.status_code)

    no_server_error()
    assert answered and max(answered) < 500
