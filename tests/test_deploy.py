"""deploy/compose.yaml: every service runs a command the hub has, with variables it reads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from hub.agency import load_agencies
from hub.cli import app
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SETTINGS_SOURCE = (ROOT / "hub" / "settings.py").read_text(encoding="utf-8")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _hub_services() -> dict[str, list[str]]:
    services = _compose()["services"]
    return {
        name: service["command"]
        for name, service in services.items()
        if isinstance(service.get("command"), list) and service["command"][:1] == ["hub"]
    }


def _resolve(argv: list[str]) -> tuple[Any, list[str]]:
    """The command ``argv`` reaches in the hub CLI, and its remaining arguments.

    Typer ships its own copy of click, so groups are told by their
    ``get_command`` method, not by ``isinstance`` against the click package.
    """
    command: Any = typer.main.get_command(app)
    rest = argv[1:]
    while hasattr(command, "get_command") and rest and not rest[0].startswith("-"):
        sub = command.get_command(command.context_class(command), rest[0])
        assert sub is not None, f"'hub {' '.join(argv[1:])}': no command {rest[0]!r}"
        command, rest = sub, rest[1:]
    assert not hasattr(command, "get_command"), f"'hub {' '.join(argv[1:])}' names no command"
    return command, rest


def test_every_hub_service_runs_an_existing_command_with_valid_options() -> None:
    services = _hub_services()
    assert {"api", "migrate", "decide"} <= set(services)
    for name, argv in services.items():
        command, rest = _resolve(argv)
        context = command.make_context(f"hub ({name})", list(rest), resilient_parsing=False)
        context.close()


def test_there_is_one_worker_service_per_agency_and_it_names_the_agency() -> None:
    agencies = load_agencies()
    workers = {
        argv[argv.index("--agency") + 1] for argv in _hub_services().values() if "--agency" in argv
    }
    assert workers == set(agencies)


def test_every_hub_variable_the_compose_file_sets_is_read_by_the_settings() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    environment = _compose()["x-hub-environment"]
    assert set(environment) <= set(re.findall(r"HUB_[A-Z_]+", SETTINGS_SOURCE))
    # every variable the settings read is documented for operators
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for name in set(re.findall(r'"(HUB_[A-Z_]+)"', SETTINGS_SOURCE)):
        assert name in readme, f"{name} is read by hub/settings.py but not in deploy/README.md"
    assert "HUB_RANDOM_SEED:?" in text, "the random seed must be required, never defaulted"


def test_the_image_installs_what_the_hub_reads_beside_its_code() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for folder in ("hub", "adapters", "agencies", "registers", "message_schemas"):
        assert f"COPY {folder} ./{folder}" in dockerfile
        assert (ROOT / folder).is_dir()


def _compose_plugin() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="no docker compose plugin on this machine")
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={
            "HUB_RANDOM_SEED": "test-seed",
            "HUB_TOKEN_KEY_PATH": str(tmp_path / "key.pem"),
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
