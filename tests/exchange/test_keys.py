"""The hub's signing identity: development keys, loading, and refusals that name the file."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from hub.errors import ExchangeKeyError
from hub.exchange.keys import SigningIdentity, certificate_info, keygen

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, cn: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_keygen_writes_a_key_only_its_owner_reads_and_a_certificate_naming_the_administration(
    tmp_path: Path,
) -> None:
    key_file, cert_file = keygen("XK", tmp_path / "keys", now=NOW, days=10)

    assert key_file.name == "XK-exchange-key.pem"
    assert cert_file.name == "XK-exchange-cert.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    identity = SigningIdentity.load(key_file, cert_file)
    assert identity.administration == "XK"
    assert isinstance(identity.private_key, ec.EllipticCurvePrivateKey)
    assert identity.private_key.curve.name == "secp256r1"
    info = certificate_info(cert_file.read_bytes())
    assert info.subject == ("CN=XK customs exchange (development),O=XK customs administration,C=XK")
    assert info.issuer == info.subject
    assert (info.not_before, info.not_after) == (NOW, NOW + timedelta(days=10))
    assert info.fingerprint == identity.fingerprint
    assert len(info.fingerprint) == 64


def test_keygen_makes_rsa_3072_on_request(tmp_path: Path) -> None:
    identity = SigningIdentity.load(*keygen("YY", tmp_path, algorithm="rsa"))

    assert isinstance(identity.private_key, rsa.RSAPrivateKey)
    assert identity.private_key.key_size == 3072


def test_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    key_file, cert_file = keygen("XK", tmp_path, now=NOW)
    key_before, cert_before = key_file.read_bytes(), cert_file.read_bytes()

    with pytest.raises(ExchangeKeyError, match="never overwrites") as refused:
        keygen("XK", tmp_path)

    assert refused.value.file == str(key_file)
    assert (key_file.read_bytes(), cert_file.read_bytes()) == (key_before, cert_before)


def test_keygen_refuses_when_only_the_certificate_exists(tmp_path: Path) -> None:
    cert_file = _write(tmp_path / "XK-exchange-cert.pem", b"a partner's certificate")

    with pytest.raises(ExchangeKeyError) as refused:
        keygen("XK", tmp_path)

    assert refused.value.file == str(cert_file)
    assert not (tmp_path / "XK-exchange-key.pem").exists()
    assert cert_file.read_bytes() == b"a partner's certificate"


@pytest.mark.parametrize("administration", ["xk", "XKX", "X1", ""])
def test_keygen_wants_a_country_code(tmp_path: Path, administration: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166"):
        keygen(administration, tmp_path)


def test_administration_falls_back_to_the_common_name(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    identity = SigningIdentity(_pem(key), _certificate(key, "QZ exchange signing"))
    assert identity.administration == "QZ"
    other = SigningIdentity(_pem(key), _certificate(key, "customs exchange"))
    assert other.administration is None


def _refusal(key: Path, cert: Path) -> ExchangeKeyError:
    with pytest.raises(ExchangeKeyError) as refused:
        SigningIdentity.load(key, cert)
    assert str(refused.value).startswith(str(refused.value.file) + ": ")
    return refused.value


def test_load_names_a_missing_file(tmp_path: Path) -> None:
    key_file, cert_file = keygen("XK", tmp_path)

    assert _refusal(tmp_path / "nokey.pem", cert_file).file == str(tmp_path / "nokey.pem")
    refused = _refusal(key_file, tmp_path / "nocert.pem")
    assert refused.file == str(tmp_path / "nocert.pem")
    assert "no such file" in str(refused)
    assert _refusal(tmp_path, cert_file).file == str(tmp_path)


def test_load_names_an_unreadable_file(tmp_path: Path) -> None:
    key_file, cert_file = keygen("XK", tmp_path)
    beneath_a_file = key_file / "key.pem"  # reading it fails with ENOTDIR, even for root

    refused = _refusal(beneath_a_file, cert_file)

    assert refused.file == str(beneath_a_file)
    assert "cannot be read" in refused.message


def test_load_names_a_file_that_is_not_a_key_or_not_a_certificate(tmp_path: Path) -> None:
    key_file, cert_file = keygen("XK", tmp_path)

    not_a_key = _refusal(cert_file, cert_file)
    assert not_a_key.file == str(cert_file)
    assert "no PEM private key" in not_a_key.message
    not_a_cert = _refusal(key_file, key_file)
    assert not_a_cert.file == str(key_file)
    assert "no PEM X.509 certificate" in not_a_cert.message


def test_load_refuses_a_key_and_certificate_that_do_not_belong_together(tmp_path: Path) -> None:
    key_file, _ = keygen("XK", tmp_path / "xk")
    _, other_cert = keygen("YY", tmp_path / "yy")

    refused = _refusal(key_file, other_cert)

    assert refused.file == str(other_cert)
    assert str(key_file) in refused.message


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=1024), "1024 bits"),
        (ec.generate_private_key(ec.SECP256K1()), "secp256k1"),
    ],
    ids=["rsa-1024", "ec-secp256k1"],
)
def test_load_refuses_a_weak_key(
    tmp_path: Path, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, why: str
) -> None:
    key_file = _write(tmp_path / "key.pem", _pem(key))
    cert_file = _write(tmp_path / "cert.pem", _certificate(key, "XK weak"))

    refused = _refusal(key_file, cert_file)

    assert refused.file == str(key_file)
    assert why in refused.message


def test_load_refuses_a_passphrase_protected_key(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    key_file = _write(tmp_path / "key.pem", encrypted)
    cert_file = _write(tmp_path / "cert.pem", _certificate(key, "XK"))

    refused = _refusal(key_file, cert_file)

    assert refused.file == str(key_file)
    assert "passphrase" in refused.message


def test_certificate_info_refuses_what_is_not_a_certificate() -> None:
    with pytest.raises(ExchangeKeyError, match=r"not a PEM X\.509 certificate"):
        certificate_info("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
