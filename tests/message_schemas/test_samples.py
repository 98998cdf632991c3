"""Every sample beside the hub's own schemas is judged as its name says.

Samples are found on disk, so a new one is tested by being added. An invalid
sample marks the line its fault is reported on with ``<!--FAULT-->``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import xmlschema

from hub.errors import SchemaInvalid
from hub.ingest._xml import parse_xml
from hub.ingest.own_schemas import messages_dir, own_schema_set
from tests.conftest import MESSAGE_SCHEMAS

SCHEMAS = sorted(MESSAGE_SCHEMAS.glob("*/hub_*.xsd"))
VALID = sorted(MESSAGE_SCHEMAS.glob("*/samples/valid/*.xml"))
INVALID = sorted(MESSAGE_SCHEMAS.glob("*/samples/invalid/*.xml"))


def _id(path: Path) -> str:
    return str(path.relative_to(MESSAGE_SCHEMAS))


@cache
def _xmlschema_beside(folder: Path) -> xmlschema.XMLSchema10:
    """The second opinion: xmlschema, compiled once per schema folder."""
    (xsd,) = folder.glob("hub_*.xsd")
    return xmlschema.XMLSchema10(xsd)


def _fault_line(sample: Path) -> int:
    lines = sample.read_text(encoding="utf-8").splitlines()
    marked = [number for number, line in enumerate(lines, 1) if "<!--FAULT-->" in line]
    assert len(marked) == 1, f"{sample.name} must mark exactly one line with <!--FAULT-->"
    return marked[0]


def test_the_code_finds_the_schemas_the_tests_use() -> None:
    assert messages_dir() == MESSAGE_SCHEMAS
    assert own_schema_set().namespaces == {
        "urn:hub:message:CargoReport:1",
        "urn:hub:message:DecisionResponse:1",
        "urn:hub:exchange:1",
    }


def test_every_schema_has_valid_and_invalid_samples() -> None:
    assert len(SCHEMAS) == 3
    for xsd in SCHEMAS:
        assert len(list(xsd.parent.glob("samples/valid/*.xml"))) >= 3, xsd.name
        assert len(list(xsd.parent.glob("samples/invalid/*.xml"))) >= 3, xsd.name


@pytest.mark.parametrize("xsd", SCHEMAS, ids=_id)
def test_schema_is_valid_xsd_1_0(xsd: Path) -> None:
    schema = xmlschema.XMLSchema10(xsd)
    assert schema.target_namespace.startswith("urn:hub:")


@pytest.mark.parametrize("sample", VALID, ids=_id)
def test_valid_sample_validates(sample: Path) -> None:
    tree = parse_xml(sample.read_bytes())
    own_schema_set().validate(tree)
    assert _xmlschema_beside(sample.parents[2]).is_valid(str(sample))


@pytest.mark.parametrize("sample", INVALID, ids=_id)
def test_invalid_sample_is_refused_naming_its_line(sample: Path) -> None:
    tree = parse_xml(sample.read_bytes())
    with pytest.raises(SchemaInvalid) as refused:
        own_schema_set().validate(tree)
    assert refused.value.where is not None
    assert refused.value.where.startswith(f"line {_fault_line(sample)},")
    assert not _xmlschema_beside(sample.parents[2]).is_valid(str(sample))
