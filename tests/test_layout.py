"""DESIGN.md's layout promises: hub/ never imports agencies/; public surfaces are declared."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import hub

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_hub_never_imports_agencies_or_adapters() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "hub").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in {"agencies", "adapters"}
    ]
    assert offenders == []


def test_no_eval_or_exec_in_the_hub() -> None:
    for path in (ROOT / "hub").rglob("*.py"):
        calls = [
            node.func.id
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"eval", "exec"}
        ]
        assert calls == [], path


def test_every_public_hub_module_declares_its_surface() -> None:
    missing = []
    for info in pkgutil.walk_packages(hub.__path__, "hub."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf.startswith("_") or info.name == "hub.cli":
            continue
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            missing.append(info.name)
            continue
        missing.extend(f"{info.name}.{name}" for name in exported if not hasattr(module, name))
    assert missing == []
