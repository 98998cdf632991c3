"""The key and certificate an administration signs its partner messages with.

A partner trusts our messages because they are signed with the private key
of a certificate we gave it out of band; we trust theirs the same way. The
hub therefore loads its own :class:`SigningIdentity` from two PEM files and
refuses, at load and naming the file, anything it could not sign with
safely: a missing or unreadable file, a key that is not RSA of 2048 bits or
more or EC on P-256/P-384/P-521, a key that does not belong to the
certificate. :func:`keygen` makes a development identity (self-signed; a
production one comes from the administration's own PKI), and
:func:`certificate_info` shows a certificate as an operator compares it with
what a partner sent.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hub.errors import ExchangeKeyError

__all__ = ["CertificateInfo", "SigningIdentity", "SigningKey", "certificate_info", "keygen"]

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
MIN_RSA_BITS = 2048
CURVES = ("secp256r1", "secp384r1", "secp521r1")  # P-256, P-384, P-521
_ADMINISTRATION = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lowercase hex: what operators read to each other."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def key_weakness(key: object) -> str | None:
    """Why a public or private key is too weak to sign partner messages, or ``None``."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            return f"an RSA key of {key.key_size} bits, under the {MIN_RSA_BITS} the hub requires"
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name not in CURVES:
            return f"an EC key on curve {key.curve.name}, not P-256, P-384 or P-521"
        return None
    return f"a {type(key).__name__.lstrip('_')}, not an RSA or EC key"


@dataclass(frozen=True)
class SigningIdentity:
    """Our private key and its certificate, as PEM; checked when made.

    ``administration`` is the ISO country code the certificate names: its
    subject's C attribute (what :func:`keygen` writes), else the first word
    of its CN when that is two capital letters, else ``None``.
    ``key_source`` and ``cert_source`` only name the inputs in errors.
    """

    private_key_pem: bytes = field(repr=False)
    certificate_pem: bytes
    key_source: InitVar[str] = "the private key"
    cert_source: InitVar[str] = "the certificate"
    _key: SigningKey = field(init=False, repr=False, compare=False)
    _certificate: x509.Certificate = field(init=False, repr=False, compare=False)

    def __post_init__(self, key_source: str, cert_source: str) -> None:
        try:
            key = serialization.load_pem_private_key(self.private_key_pem, password=None)
        except TypeError:
            raise ExchangeKeyError(
                "the private key is encrypted with a passphrase, which the hub does not read",
                file=key_source,
            ) from None
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise ExchangeKeyError(
                f"holds no PEM private key the hub can read ({exc})", file=key_source
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ExchangeKeyError(str(key_weakness(key)), file=key_source)
        weakness = key_weakness(key)
        if weakness:
            raise ExchangeKeyError(
                f"{weakness}; sign with RSA of {MIN_RSA_BITS} bits or more, "
                "or EC P-256/P-384/P-521",
                file=key_source,
            )
        try:
            certificate = x509.load_pem_x509_certificate(self.certificate_pem)
        except ValueError as exc:
            raise ExchangeKeyError(
                f"holds no PEM X.509 certificate the hub can read ({exc})", file=cert_source
            ) from None
        if certificate.public_key() != key.public_key():
            raise ExchangeKeyError(
                f"the certificate does not belong to the private key in {key_source}",
                file=cert_source,
            )
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_certificate", certificate)

    @classmethod
    def load(cls, key_file: Path, cert_file: Path) -> SigningIdentity:
        """Read and check the identity, or raise :class:`ExchangeKeyError` naming the file."""
        return cls(_read(key_file), _read(cert_file), str(key_file), str(cert_file))

    @property
    def private_key(self) -> SigningKey:
        return self._key

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate's DER, lowercase hex."""
        return fingerprint(self._certificate)

    @property
    def administration(self) -> str | None:
        subject = self._certificate.subject
        for attribute in subject.get_attributes_for_oid(NameOID.COUNTRY_NAME):
            return str(attribute.value)
        for attribute in subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            first = str(attribute.value).split(" ", 1)[0]
            if len(first) == 2 and all(c in _ADMINISTRATION for c in first):
                return first
        return None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ExchangeKeyError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise ExchangeKeyError("is a directory, not a PEM file", file=str(path)) from None
    except OSError as exc:
        raise ExchangeKeyError(f"cannot be read: {exc.strerror}", file=str(path)) from None


def keygen(
    administration: str,
    out_dir: Path,
    *,
    algorithm: Literal["ec", "rsa"] = "ec",
    days: int = 365,
    now: datetime | None = None,
) -> tuple[Path, Path]:
    """Make a development key (EC P-256, or RSA 3072) and a self-signed certificate for it.

    Writes ``<administration>-exchange-key.pem`` (mode 0600) and
    ``<administration>-exchange-cert.pem`` in ``out_dir`` and returns their
    paths. Never overwrites: if either file exists, raises
    :class:`ExchangeKeyError` and writes nothing. The certificate is valid
    from ``now`` (default: the current time) for ``days`` days; its subject
    is C=<administration>, O=<administration> customs administration,
    CN=<administration> customs exchange (development).
    """
    if len(administration) != 2 or any(c not in _ADMINISTRATION for c in administration):
        raise ValueError(f"an administration is an ISO 3166 country code, not {administration!r}")
    if days < 1:
        raise ValueError("a certificate is valid for at least one day")
    start = (now or datetime.now(UTC)).astimezone(UTC)
    key_file = out_dir / f"{administration}-exchange-key.pem"
    cert_file = out_dir / f"{administration}-exchange-cert.pem"
    for existing in (key_file, cert_file):
        if existing.exists():
            raise ExchangeKeyError(
                "already exists; the hub never overwrites a key or its certificate "
                "(move it away first)",
                file=str(existing),
            )
    key: SigningKey = (
        ec.generate_private_key(ec.SECP256R1())
        if algorithm == "ec"
        else rsa.generate_private_key(public_exponent=65537, key_size=3072)
    )
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, administration),
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, f"{administration} customs administration"
            ),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"{administration} customs exchange (development)"
            ),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_new(key_file, key_pem, 0o600)
    _write_new(cert_file, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return key_file, cert_file


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start; fail if it appeared meanwhile."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise ExchangeKeyError(
            "already exists; the hub never overwrites it", file=str(path)
        ) from None
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed it; a key must be exactly 0600
        os.write(fd, data)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate as an operator checks it against what the partner announced."""

    subject: str  # RFC 4514, e.g. 'CN=XK customs exchange (development),O=...,C=XK'
    issuer: str
    not_before: datetime  # UTC
    not_after: datetime  # UTC
    fingerprint: str  # SHA-256 of the DER, lowercase hex


def certificate_info(pem: bytes | str) -> CertificateInfo:
    """Read one PEM certificate, or raise :class:`ExchangeKeyError`."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise ExchangeKeyError(f"not a PEM X.509 certificate ({exc})") from None
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint=fingerprint(certificate),
    )
