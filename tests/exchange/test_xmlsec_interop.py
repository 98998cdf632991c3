"""The hub's signatures against xmlsec1, the XML-DSig tool many administrations' systems build on.

Both ways: what the hub signs, xmlsec1 verifies with our certificate; what
xmlsec1 signs from a plain template, the hub accepts with that certificate
trusted and refuses with another. ``make setup`` installs xmlsec1 (Debian).
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.errors import SignatureRefused
from hub.exchange.keys import SigningIdentity, keygen
from hub.exchange.signing import sign, verify

XMLSEC1 = Path("/usr/bin/xmlsec1")
NS = "urn:hub:exchange:1"
NOW = datetime.now(UTC)
CONTENT = (
    f'<RiskFeedback xmlns="{NS}"><Header><MessageID>YY-FB-7</MessageID>'
    "<SenderID>YY</SenderID><ReceiverID>XK</ReceiverID>"
    "<RefersTo>XK-RW-0001</RefersTo></Header>"
    '<Outcome>seizure</Outcome><Controls>3</Controls><Hits>1</Hits><Notes lang="en">'
    "Two pallets of cigarettes, undeclared</Notes>{signature}</RiskFeedback>"
)
C14N = {
    "exc-c14n": "http://www.w3.org/2001/10/xml-exc-c14n#",
    "c14n": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
}
SIGNATURE_METHOD = {
    "ec": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "rsa": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
}
TEMPLATE = """<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{method}"/>\
<ds:Reference URI=""><ds:Transforms>\
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
</ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/></ds:Reference>\
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"""
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@pytest.fixture(scope="module")
def xmlsec1() -> Path:
    if not XMLSEC1.exists():
        reason = f"{XMLSEC1} is absent: `make system-packages` installs the Debian package xmlsec1"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI ran make setup: missing means the setup is broken
        pytest.skip(reason)
    return XMLSEC1


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    tmp = tmp_path_factory.mktemp("interop")
    start = NOW - timedelta(hours=1)
    return {
        "ec": keygen("YY", tmp / "ec", now=start),
        "rsa": keygen("YY", tmp / "rsa", algorithm="rsa", now=start),
        "stranger": keygen("QZ", tmp / "stranger", now=start),
    }


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=60, check=False
    )


def _xmlsec_verify(xmlsec1: Path, signed: Path, *key_args: str | Path) -> bool:
    done = _run(xmlsec1, "--verify", *key_args, "--enabled-reference-uris", "empty", signed)
    return done.returncode == 0 and "OK" in done.stderr.splitlines()


def _content(signature: str = "") -> bytes:
    return CONTENT.format(signature=signature).encode()


@pytest.mark.parametrize("algorithm", ["ec", "rsa"])
def test_xmlsec1_verifies_what_the_hub_signs(
    xmlsec1: Path, pairs: dict[str, tuple[Path, Path]], algorithm: str, tmp_path: Path
) -> None:
    key_file, cert_file = pairs[algorithm]
    signed = tmp_path / "signed.xml"
    signed.write_bytes(
        sign(etree.fromstring(_content()), SigningIdentity.load(key_file, cert_file))
    )

    # Our public key, from our certificate, and nothing the message carries:
    assert _xmlsec_verify(
        xmlsec1, signed, "--pubkey-cert-pem", cert_file, "--enabled-key-data", "key-name"
    )
    # The certificate the message carries, checked against ours as its only trusted root:
    assert _xmlsec_verify(xmlsec1, signed, "--trusted-pem", cert_file)
    stranger_cert = pairs["stranger"][1]
    assert not _xmlsec_verify(
        xmlsec1, signed, "--pubkey-cert-pem", stranger_cert, "--enabled-key-data", "key-name"
    )
    altered = tmp_path / "altered.xml"
    altered.write_bytes(signed.read_bytes().replace(b"<Hits>1<", b"<Hits>0<"))
    assert not _xmlsec_verify(xmlsec1, altered, "--trusted-pem", cert_file)


def _xmlsec_sign(
    xmlsec1: Path, key_file: Path, cert_file: Path, template: bytes, tmp_path: Path
) -> bytes:
    source, signed = tmp_path / "template.xml", tmp_path / "signed-by-xmlsec1.xml"
    source.write_bytes(template)
    done = _run(
        xmlsec1, "--sign", "--privkey-pem", f"{key_file},{cert_file}", "--output", signed, source
    )
    assert done.returncode == 0, done.stderr
    return signed.read_bytes()


@pytest.mark.parametrize("c14n", sorted(C14N))
@pytest.mark.parametrize("algorithm", ["ec", "rsa"])
def test_the_hub_accepts_what_xmlsec1_signs_with_a_trusted_certificate_only(
    xmlsec1: Path,
    pairs: dict[str, tuple[Path, Path]],
    algorithm: str,
    c14n: str,
    tmp_path: Path,
) -> None:
    key_file, cert_file = pairs[algorithm]
    template = _content(
        TEMPLATE.format(c14n=C14N[c14n], method=SIGNATURE_METHOD[algorithm], digest=SHA256)
    )
    raw = _xmlsec_sign(xmlsec1, key_file, cert_file, template, tmp_path)

    verified = verify(raw, [cert_file.read_bytes()], at=NOW)

    assert etree.tostring(verified.document, method="c14n") == etree.tostring(
        etree.fromstring(_content()), method="c14n"
    )
    assert verified.fingerprint == SigningIdentity.load(key_file, cert_file).fingerprint
    with pytest.raises(SignatureRefused) as refused:
        verify(raw, [pairs["stranger"][1].read_bytes()], at=NOW)
    assert refused.value.reason == "unknown-certificate"
    assert "CN=YY customs exchange (development)" in str(refused.value)


def test_the_hub_refuses_an_xmlsec1_signature_made_with_sha1(
    xmlsec1: Path, pairs: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    key_file, cert_file = pairs["rsa"]
    template = _content(
        TEMPLATE.format(
            c14n=C14N["exc-c14n"],
            method="http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            digest="http://www.w3.org/2000/09/xmldsig#sha1",
        )
    )
    raw = _xmlsec_sign(xmlsec1, key_file, cert_file, template, tmp_path)
    assert _xmlsec_verify(xmlsec1, tmp_path / "signed-by-xmlsec1.xml", "--trusted-pem", cert_file)

    with pytest.raises(SignatureRefused) as refused:
        verify(raw, [cert_file.read_bytes()], at=NOW)

    assert refused.value.reason == "weak-algorithm"
    assert "rsa-sha1" in str(refused.value)
