"""Shared test fixtures: where the real customs messages and the hub's own samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
MESSAGE_SCHEMAS = ROOT / "message_schemas"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """``../shared/corpus``: messages written by customs administrations, not by us."""
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    return CORPUS
