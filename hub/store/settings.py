"""Where the store lives: one URL, from ``HUB_DATABASE_URL`` or the embedded default.

The embedded mode needs no server, so the default is a SQLite file in the
working directory. PostgreSQL is reached through psycopg 3 only: a plain
``postgresql://`` URL (what operators and compose files write) would make
SQLAlchemy look for psycopg2, which the hub does not install, so it is
rewritten rather than refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["DEFAULT_DATABASE_URL", "ENV_VAR", "database_url", "normalise_url"]

ENV_VAR = "HUB_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///hub.db"

_POSTGRES_PREFIXES = ("postgresql://", "postgres://", "postgresql+psycopg2://")


def normalise_url(url: str) -> str:
    """The URL SQLAlchemy should open: PostgreSQL URLs always name the psycopg 3 driver."""
    url = url.strip()
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """``HUB_DATABASE_URL`` when set and not empty, else ``sqlite:///hub.db``; normalised."""
    env = os.environ if environ is None else environ
    return normalise_url(env.get(ENV_VAR) or DEFAULT_DATABASE_URL)
