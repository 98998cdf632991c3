"""The published JSON Schemas are the contract's models, and real bodies satisfy them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from adapters.contract import prepare, schema_files
from hub.model import Declaration
from tests.adapters.conftest import soon

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
REGENERATE = (
    '.venv/bin/python -c "from pathlib import Path; from adapters.contract import write_schemas; '
    "write_schemas(Path('docs/schemas'))\""
)


@pytest.mark.parametrize("name", sorted(schema_files()))
def test_the_published_schema_matches_the_models(name: str) -> None:
    published = SCHEMAS / name
    assert published.is_file(), f"{published} is missing: run {REGENERATE}"
    assert published.read_text(encoding="utf-8") == schema_files()[name], (
        f"{name} drifted from adapters/contract.py: run {REGENERATE} and review the diff"
    )


def test_a_request_the_hub_sends_is_valid_against_its_schema(phyto_view: Declaration) -> None:
    body = json.loads(prepare(phyto_view, agency="phyto", deadline=soon(5)).body)
    schema = json.loads((SCHEMAS / "assessment-request.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(body, schema)


def test_the_response_schema_refuses_what_the_hub_refuses() -> None:
    schema = json.loads((SCHEMAS / "assessment-response.schema.json").read_text(encoding="utf-8"))
    good = {
        "contract": "1.0",
        "request_id": "DEC-1:0123456789abcdef:phyto",
        "agency": "phyto",
        "findings": [{"agency": "phyto", "channel": "blue", "item_sequences": [1]}],
    }
    jsonschema.validate(good, schema)
    for bad_finding in ({"channel": "purple"}, {"source": "fail-safe"}, {"score": 101}):
        bad = {**good, "findings": [{**good["findings"][0], **bad_finding}]}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
