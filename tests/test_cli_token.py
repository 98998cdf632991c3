"""``hub token issue``: a token the API accepts, for the principal described; issuing is audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hub.access import Role, SigningKey
from hub.api import create_api
from hub.cli import app
from hub.store import Store
from tests.orchestrator.support import embedded_hub


@pytest.fixture
def embedded_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded hub's environment: the SQLite file (and so the key) in ``tmp_path``."""
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    monkeypatch.delenv("HUB_TOKEN_KEY_FILE", raising=False)
    return tmp_path


def _issue(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["token", "issue", *args])
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_an_issued_token_names_the_principal_and_opens_the_api(embedded_env: Path) -> None:
    code, output = _issue("--role", "officer", "--agency", "vet", "--office", "GB000051")
    assert code == 0, output
    token = output.strip().splitlines()[-1]
    key = SigningKey.load(embedded_env / "hub-token-key.pem")  # made on first use, beside the db
    principal = key.verify(token)
    assert (principal.role, principal.agency, principal.offices) == (
        Role.OFFICER,
        "vet",
        ("GB000051",),
    )
    assert (embedded_env / "hub-token-key.pem").stat().st_mode & 0o077 == 0  # owner only

    with embedded_hub(embedded_env) as hub, TestClient(create_api(hub)) as client:
        url = "/v1/declarations/DEC-NONE/decision"
        assert client.get(url).status_code == 401
        assert client.get(url, headers={"authorization": f"Bearer {token}"}).status_code == 404
    with Store.open(f"sqlite:///{embedded_env / 'hub.db'}") as store:
        actions = [e.action for e in store.audit_trail() if e.action.startswith("token.")]
    assert actions == ["token.issued", "token.use"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "trader"], "at least one party"),
        (["--role", "officer"], "belongs to an agency"),
        (["--role", "officer", "--agency", "nope"], "no agency 'nope'"),
        (["--role", "partner"], "is an administration"),
    ],
)
def test_an_incomplete_principal_is_refused(embedded_env: Path, args: list[str], says: str) -> None:
    code, output = _issue(*args)
    assert code == 2
    assert says in output


def test_a_distributed_hub_without_a_key_file_refuses_to_issue(
    embedded_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    code, output = _issue("--role", "jtc")
    assert code == 2
    assert "HUB_TOKEN_KEY_FILE" in output
