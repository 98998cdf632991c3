"""adapters/ declares its surface and reaches into the hub only through public names."""

from __future__ import annotations

import ast
from pathlib import Path

import adapters

ROOT = Path(adapters.__file__).parent


def test_every_exported_name_exists() -> None:
    assert [name for name in adapters.__all__ if not hasattr(adapters, name)] == []


def test_adapters_import_no_private_hub_name() -> None:
    private = []
    for path in ROOT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hub"):
                parts = [*(node.module or "").split("."), *(a.name for a in node.names)]
                private.extend(f"{path.name}: {p}" for p in parts if p.startswith("_"))
    assert private == []
