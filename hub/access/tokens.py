"""Bearer tokens: JWTs signed with Ed25519, naming a :class:`~hub.access.principal.Principal`.

Why Ed25519 and not a shared HMAC secret: a process that only verifies
(an API replica, an agency's gateway) holds the public key alone and cannot
mint tokens. The private key lives in a PEM file: ``HUB_TOKEN_KEY_FILE``, or,
embedded, ``hub-token-key.pem`` beside the SQLite file, made on first start
with mode 0600. Nothing is hard-coded; a distributed hub without the
variable refuses to start.

Claims: ``iss``/``aud`` fixed (a token of another system is refused),
``sub``, ``role``, ``parties``, ``agency``, ``offices``, ``administration``,
``iat``, ``exp`` and a random ``jti`` (the audit trail records token use by
it). Verification names what is wrong in :class:`TokenError`.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import make_url

from hub.access.principal import Principal, Role
from hub.errors import HubError
from hub.settings import Settings, SettingsError

__all__ = [
    "DEFAULT_TTL",
    "TOKEN_AUDIENCE",
    "TOKEN_ISSUER",
    "SigningKey",
    "TokenError",
    "token_key_path",
]

TOKEN_ISSUER = "single-window-hub"
TOKEN_AUDIENCE = "hub-api"
DEFAULT_TTL = timedelta(hours=8)
EMBEDDED_KEY_FILE = "hub-token-key.pem"
_ALGORITHM = "EdDSA"


class TokenError(HubError):
    """A bearer token the hub does not accept; the message says why (never the token)."""


def token_key_path(settings: Settings) -> Path:
    """Where the signing key is: ``settings.token_key_file``, else, embedded, beside the
    SQLite file. Raises :class:`~hub.settings.SettingsError` for a distributed hub without one."""
    if settings.token_key_file is not None:
        return settings.token_key_file
    url = make_url(settings.database_url)
    if settings.embedded and url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).resolve().parent / EMBEDDED_KEY_FILE
    raise SettingsError(
        "HUB_TOKEN_KEY_FILE is not set: a distributed hub needs the token signing key's file"
    )


@dataclass(frozen=True)
class SigningKey:
    """The Ed25519 key pair that signs and verifies the hub's tokens."""

    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey

    @classmethod
    def load(cls, path: Path, *, create: bool = False) -> SigningKey:
        """The key in ``path`` (PEM, PKCS#8); with ``create``, made there first if missing."""
        if not path.exists():
            if not create:
                raise SettingsError(f"{path}: no token signing key (run the embedded hub once)")
            return cls._create(path)
        try:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise SettingsError(f"{path}: not a readable PEM private key: {exc}") from None
        if not isinstance(loaded, Ed25519PrivateKey):
            raise SettingsError(f"{path}: the token signing key must be Ed25519")
        return cls(loaded, loaded.public_key())

    @classmethod
    def _create(cls, path: Path) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created with 0600 and never opened for others, even for a moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
        return cls(key, key.public_key())

    def issue(
        self, principal: Principal, *, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None
    ) -> str:
        """A signed token for ``principal``, valid ``ttl`` from ``now``."""
        if self.private is None:
            raise TokenError("this key can only verify: tokens are issued where the key is")
        moment = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "sub": principal.subject,
            "role": principal.role.value,
            "iat": int(moment.timestamp()),
            "exp": int((moment + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if principal.parties:
            claims["parties"] = list(principal.parties)
        if principal.agency:
            claims["agency"] = principal.agency
        if principal.offices:
            claims["offices"] = list(principal.offices)
        if principal.administration:
            claims["administration"] = principal.administration
        return jwt.encode(claims, self.private, algorithm=_ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; :class:`TokenError` saying what is wrong."""
        try:
            claims = jwt.decode(
                token,
                self.public,
                algorithms=[_ALGORITHM],
                audience=TOKEN_AUDIENCE,
                issuer=TOKEN_ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("the token has expired") from None
        except jwt.InvalidSignatureError:
            raise TokenError("the token's signature does not verify") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"the token is not valid: {exc}") from None
        try:
            return Principal(
                subject=str(claims["sub"]),
                role=Role(claims["role"]),
                parties=tuple(str(p) for p in claims.get("parties", ())),
                agency=claims.get("agency"),
                offices=tuple(str(o) for o in claims.get("offices", ())),
                administration=claims.get("administration"),
                token_id=str(claims["jti"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise TokenError(f"the token names no valid principal: {exc}") from None
