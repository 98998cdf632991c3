from __future__ import annotations

from pathlib import Path

import pytest

from hub.settings import Settings, SettingsError


def test_defaults_are_embedded() -> None:
    settings = Settings.from_env({})
    assert settings.embedded
    assert settings.database_url == "sqlite:///hub.db"
    assert settings.random_seed is None


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "HUB_DATABASE_URL": "postgresql://127.0.0.1:5432/test",
            "HUB_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "HUB_AGENCIES_DIR": "/srv/agencies",
            "HUB_SUBMISSION_WAIT": "5",
            "HUB_QUEUE_PREFIX": "t1.",
        }
    )
    assert not settings.embedded
    assert settings.database_url == "postgresql+psycopg://127.0.0.1:5432/test"
    assert settings.agencies_dir == Path("/srv/agencies")
    assert settings.submission_wait_s == 5.0
    assert settings.queue_prefix == "t1."


def test_a_bad_number_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="HUB_SUBMISSION_WAIT"):
        Settings.from_env({"HUB_SUBMISSION_WAIT": "soon"})
