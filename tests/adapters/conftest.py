"""Agency services in separate processes, and a routed view of a real corpus declaration."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.agency import load_agencies
from hub.ingest import read
from hub.model import Declaration
from hub.routing import route, view_for
from tests.conftest import CORPUS

SERVERS = Path(__file__).parent / "contract_servers"
GARLIC = CORPUS / "wco-dec-dms/declarations/TT_IM014a/TT_IM014a.xml"


@pytest.fixture(scope="session")
def garlic() -> Declaration:
    """A corpus import of garlic without its phytosanitary certificate."""
    return read(GARLIC.read_bytes())


@pytest.fixture(scope="session")
def phyto_view(garlic: Declaration) -> Declaration:
    """The garlic declaration as routing shows it to plant health."""
    specs = {name: a.spec for name, a in load_agencies().items()}
    (phyto,) = (r for r in route(garlic, specs) if r.agency == "phyto")
    return view_for(garlic, phyto)


def soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


@contextmanager
def serving(script: str, *args: str) -> Iterator[str]:
    """Run ``contract_servers/<script>`` as its own process; yield what follows READY."""
    process = subprocess.Popen(
        [sys.executable, str(SERVERS / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY"):
            process.kill()
            _, err = process.communicate(timeout=5)
            pytest.fail(f"{script} did not start: {line}{err}")
        yield line.removeprefix("READY").strip()
    finally:
        process.terminate()
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            names.add(".")
    return names
