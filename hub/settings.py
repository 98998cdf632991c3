"""The hub's runtime settings: one frozen object read once from environment variables.

Every process (API, ``hub serve``, ``hub worker``) reads the same variables,
so one compose file or one shell configures them all:

- ``HUB_DATABASE_URL``: the store (default ``sqlite:///hub.db``, embedded).
- ``HUB_BROKER_URL``: the Celery broker (default ``memory://``: embedded, the
  broker and a worker thread live in the serving process; the only other
  supported choice is RabbitMQ, ``amqp://...``).
- ``HUB_AGENCIES_DIR``: the agencies folder (default: ``agencies/`` of the hub).
- ``HUB_REGISTERS_DIR``: the AEO, MRA, office and random registers (default
  ``registers/`` of the hub).
- ``HUB_RANDOM_SEED``: the secret seed of random selection; unset, none is made.
- ``HUB_SUBMISSION_WAIT``: the longest ``?wait=`` the API honours, in seconds
  (default 30).
- ``HUB_QUEUE_PREFIX``: prepended to every queue name, so several hubs (or
  test runs) can share one broker (default empty).
- ``HUB_MAX_RETRIES``: retries of a failed agency call before its deadline
  (default 5); ``HUB_RETRY_BACKOFF_S``: the first backoff, doubled each time
  (default 0.2).
- ``HUB_MAX_REASKS``: how many times an agency still pending after the
  decision is asked again, one deadline apart, so that its answer can amend
  the decision (default 3).
- ``HUB_RELAY_INTERVAL_S``: how often the outbox relay looks for unpublished
  work (default 1).
- ``HUB_PROFILE_RELOAD_S``: how often an in-process agency looks whether its
  profiles changed, in its folder or in the registry officers change through
  the API (default 1): the longest an activation waits before it selects.
- ``HUB_TOKEN_KEY_FILE``: the Ed25519 private key (PEM) that signs and
  verifies bearer tokens; embedded, unset means ``hub-token-key.pem`` beside
  the SQLite file, made on first start (:mod:`hub.access.tokens`).

The exchange with partner administrations (:mod:`hub.exchange`):

- ``HUB_ADMINISTRATION``: this administration's country code, the sender of
  what the hub signs (default: the AEO register's ``administration``).
- ``HUB_EXCHANGE_KEY_FILE`` and ``HUB_EXCHANGE_CERT_FILE``: the private key and
  X.509 certificate (PEM) the hub signs partner messages with; embedded, unset
  means a development pair beside the SQLite file, made on first start
  (``hub partner keygen`` makes one by hand). Never in the repository.
- ``HUB_EXCHANGE_MAX_AGE_S``: how old a partner message's creation time may be
  (default 86400); ``HUB_EXCHANGE_MAX_SKEW_S``: how far ahead of our clock
  (default 300). Outside that window a message is refused.
- ``HUB_EXCHANGE_MAX_RETRIES``: delivery attempts of an outbound message
  after the first (default 8), the first after ``HUB_EXCHANGE_BACKOFF_S``
  (default 1), doubled each time.
- ``HUB_PRE_ARRIVAL_TOLERANCE``: the gross mass difference, in percent, the
  match of pre-arrival data with a declaration accepts (default 5);
  ``HUB_PRE_ARRIVAL_ALERT_H``: hours after departure before pre-arrival data
  with no declaration raises an alert to the JTC (default 48).

The behavioural rating (:mod:`hub.rating`):

- ``HUB_RATING_INTERVAL_H``: how old the latest rating run may be, in hours,
  before the running hub rates every party again (default 24; 0: only
  ``hub rating run``). Its weights are ``rating.yaml`` in the registers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hub.errors import HubError
from hub.store.settings import DEFAULT_DATABASE_URL, normalise_url

__all__ = ["EMBEDDED_BROKER", "Settings", "SettingsError"]

EMBEDDED_BROKER = "memory://"


class SettingsError(HubError):
    """An environment variable the hub cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Where the hub keeps its state, how it reaches its workers, and its tuning."""

    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = EMBEDDED_BROKER
    agencies_dir: Path | None = None
    registers_dir: Path | None = None
    random_seed: str | None = None
    submission_wait_s: float = 30.0
    queue_prefix: str = ""
    max_retries: int = 5
    max_reasks: int = 3
    retry_backoff_s: float = 0.2
    relay_interval_s: float = 1.0
    profile_reload_s: float = 1.0
    token_key_file: Path | None = None
    administration: str | None = None
    exchange_key_file: Path | None = None
    exchange_cert_file: Path | None = None
    exchange_max_age_s: float = 86400.0
    exchange_max_skew_s: float = 300.0
    exchange_max_retries: int = 8
    exchange_backoff_s: float = 1.0
    pre_arrival_tolerance_percent: float = 5.0
    pre_arrival_alert_h: float = 48.0
    rating_interval_h: float = 24.0

    @property
    def embedded(self) -> bool:
        """True when the broker is in-process (``memory://``): one process runs everything."""
        return self.broker_url.startswith(EMBEDDED_BROKER)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives (see the module docstring); unset means default."""
        env = os.environ if environ is None else environ

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def number(name: str, default: float) -> float:
            value = text(name)
            if value is None:
                return default
            try:
                parsed = float(value)
            except ValueError:
                raise SettingsError(f"{name}={value!r} is not a number") from None
            if parsed < 0:
                raise SettingsError(f"{name}={value!r} must not be negative")
            return parsed

        def path(name: str) -> Path | None:
            value = text(name)
            return Path(value) if value else None

        return cls(
            database_url=normalise_url(text("HUB_DATABASE_URL") or DEFAULT_DATABASE_URL),
            broker_url=text("HUB_BROKER_URL") or EMBEDDED_BROKER,
            agencies_dir=path("HUB_AGENCIES_DIR"),
            registers_dir=path("HUB_REGISTERS_DIR"),
            random_seed=text("HUB_RANDOM_SEED"),
            submission_wait_s=number("HUB_SUBMISSION_WAIT", 30.0),
            queue_prefix=text("HUB_QUEUE_PREFIX") or "",
            max_retries=int(number("HUB_MAX_RETRIES", 5)),
            max_reasks=int(number("HUB_MAX_REASKS", 3)),
            retry_backoff_s=number("HUB_RETRY_BACKOFF_S", 0.2),
            relay_interval_s=number("HUB_RELAY_INTERVAL_S", 1.0),
            profile_reload_s=number("HUB_PROFILE_RELOAD_S", 1.0),
            token_key_file=path("HUB_TOKEN_KEY_FILE"),
            administration=_administration(text("HUB_ADMINISTRATION")),
            exchange_key_file=path("HUB_EXCHANGE_KEY_FILE"),
            exchange_cert_file=path("HUB_EXCHANGE_CERT_FILE"),
            exchange_max_age_s=number("HUB_EXCHANGE_MAX_AGE_S", 86400.0),
            exchange_max_skew_s=number("HUB_EXCHANGE_MAX_SKEW_S", 300.0),
            exchange_max_retries=int(number("HUB_EXCHANGE_MAX_RETRIES", 8)),
            exchange_backoff_s=number("HUB_EXCHANGE_BACKOFF_S", 1.0),
            pre_arrival_tolerance_percent=number("HUB_PRE_ARRIVAL_TOLERANCE", 5.0),
            pre_arrival_alert_h=number("HUB_PRE_ARRIVAL_ALERT_H", 48.0),
            rating_interval_h=number("HUB_RATING_INTERVAL_H", 24.0),
        )


def _administration(value: str | None) -> str | None:
    if value is not None and not (
        len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()
    ):
        raise SettingsError(f"HUB_ADMINISTRATION={value!r} is not a two-letter country code")
    return value
