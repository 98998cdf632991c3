"""Signing partner messages and refusing any signature the hub cannot trust, with its reason."""

from __future__ import annotations

import copy
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import SignatureReference, XMLSigner

from hub.errors import HostileInput, SignatureReason, SignatureRefused
from hub.exchange.keys import SigningIdentity, keygen
from hub.exchange.signing import sign, verify

NS = "urn:hub:exchange:1"
DS = "http://www.w3.org/2000/09/xmldsig#"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
WARNING = f"""<RiskWarning xmlns="{NS}"><Header><MessageID>XK-RW-0001</MessageID>
<SenderID>XK</SenderID><ReceiverID>YY</ReceiverID>
<CreationDateTime>2026-03-01T09:30:00Z</CreationDateTime></Header>
<RiskArea>revenue</RiskArea><Summary>Undervalued cigarettes via route A</Summary>
<Consignment><Container>MSCU1234565</Container>
<Quantity unitCode="KGM">1200</Quantity></Consignment></RiskWarning>""".encode()


def _document() -> etree._Element:
    return etree.fromstring(WARNING)


def _rsa_2048(tmp: Path) -> SigningIdentity:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "XK"),
            x509.NameAttribute(NameOID.COMMON_NAME, "XK customs exchange 2048"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return SigningIdentity(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate.public_bytes(serialization.Encoding.PEM),
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SigningIdentity]:
    tmp = tmp_path_factory.mktemp("keys")
    start = NOW - timedelta(days=1)
    return {
        "ec-p256": SigningIdentity.load(*keygen("XK", tmp / "ec", now=start)),
        "rsa-2048": _rsa_2048(tmp),
        "rsa-3072": SigningIdentity.load(*keygen("XK", tmp / "rsa", algorithm="rsa", now=start)),
        "other": SigningIdentity.load(*keygen("QZ", tmp / "other", now=start)),
    }


@pytest.fixture(scope="module")
def xk(keys: dict[str, SigningIdentity]) -> SigningIdentity:
    return keys["ec-p256"]


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n")


def _refused(raw: bytes, trusted: list[bytes], reason: SignatureReason, at: datetime = NOW) -> str:
    with pytest.raises(SignatureRefused) as refused:
        verify(raw, trusted, at=at)
    assert refused.value.reason == reason, str(refused.value)
    return str(refused.value)


def _edit(raw: bytes, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(raw)
    change(root)
    return etree.tostring(root)


def _find(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, {"h": NS, "ds": DS})
    assert found is not None, path
    return found


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [
        ("ec-p256", "ecdsa-sha256"),
        ("rsa-2048", "rsa-sha256"),
        ("rsa-3072", "rsa-sha256"),
    ],
)
def test_a_signed_message_verifies_and_yields_what_was_signed(
    keys: dict[str, SigningIdentity], name: str, algorithm: str
) -> None:
    identity = keys[name]

    raw = sign(_document(), identity)
    verified = verify(raw, [keys["other"].certificate_pem, identity.certificate_pem], at=NOW)

    root = etree.fromstring(raw)
    signature = root[-1]
    assert signature.tag == f"{{{DS}}}Signature"
    method = _find(signature, "ds:SignedInfo/ds:SignatureMethod").get("Algorithm")
    assert method is not None and method.endswith("#" + algorithm)
    assert _find(signature, "ds:KeyInfo/ds:X509Data/ds:X509Certificate").text
    assert _c14n(verified.document) == _c14n(_document())
    assert verified.fingerprint == identity.fingerprint
    assert verified.certificate == identity.certificate
    assert verified.subject == identity.certificate.subject.rfc4514_string()


def test_sign_leaves_the_callers_element_alone_and_takes_bytes(xk: SigningIdentity) -> None:
    document = _document()
    before = _c14n(document)

    from_element = sign(document, xk)
    from_bytes = sign(WARNING, xk)

    assert _c14n(document) == before
    for raw in (from_element, from_bytes):
        assert _c14n(verify(raw, [xk.certificate_pem], at=NOW).document) == before


def test_sign_refuses_a_document_already_signed(xk: SigningIdentity) -> None:
    with pytest.raises(ValueError, match="already signed"):
        sign(sign(_document(), xk), xk)


def test_verify_accepts_the_certificate_as_a_partner_record_holds_it(xk: SigningIdentity) -> None:
    raw = sign(_document(), xk)
    assert verify(raw, [xk.certificate_pem.decode()], at=NOW).fingerprint == xk.fingerprint


def test_a_changed_text_node_is_altered(xk: SigningIdentity) -> None:
    raw = sign(_document(), xk)
    changed = raw.replace(b"<Container>MSCU1234565<", b"<Container>MSCU7654321<")
    assert changed != raw

    message = _refused(changed, [xk.certificate_pem], "altered")
    assert "changed after it was signed" in message


def test_a_changed_attribute_is_altered(xk: SigningIdentity) -> None:
    raw = sign(_document(), xk)
    changed = raw.replace(b'unitCode="KGM"', b'unitCode="GRM"')
    assert changed != raw

    _refused(changed, [xk.certificate_pem], "altered")


def test_a_changed_signature_value_is_altered(xk: SigningIdentity) -> None:
    def flip(root: etree._Element) -> None:
        value = _find(root, "ds:Signature/ds:SignatureValue")
        text = (value.text or "").strip()
        value.text = ("B" if text[0] == "A" else "A") + text[1:]

    _refused(_edit(sign(_document(), xk), flip), [xk.certificate_pem], "altered")


def test_a_message_without_signature_is_unsigned(xk: SigningIdentity) -> None:
    def strip(root: etree._Element) -> None:
        root.remove(_find(root, "ds:Signature"))

    assert "no XML signature" in _refused(
        _edit(sign(_document(), xk), strip), [xk.certificate_pem], "unsigned"
    )
    _refused(WARNING, [xk.certificate_pem], "unsigned")


def test_a_signature_inside_the_message_does_not_sign_the_message(xk: SigningIdentity) -> None:
    def bury(root: etree._Element) -> None:
        _find(root, "h:Consignment").append(_find(root, "ds:Signature"))

    message = _refused(_edit(sign(_document(), xk), bury), [xk.certificate_pem], "unsigned")
    assert "/RiskWarning/Consignment/Signature" in message


def test_two_signatures_are_refused(xk: SigningIdentity, keys: dict[str, SigningIdentity]) -> None:
    def add_second(root: etree._Element) -> None:
        second = etree.fromstring(sign(_document(), keys["other"]))
        root.append(_find(second, "ds:Signature"))

    _refused(
        _edit(sign(_document(), xk), add_second),
        [xk.certificate_pem],
        "more-than-one-signature",
    )


def test_a_message_signed_by_another_key_names_the_certificate(
    xk: SigningIdentity, keys: dict[str, SigningIdentity]
) -> None:
    raw = sign(_document(), keys["other"])

    message = _refused(raw, [xk.certificate_pem], "unknown-certificate")

    assert message == (
        "signed by CN=QZ customs exchange (development), which no certificate "
        "configured for the sender matches"
    )
    _refused(raw, [], "unknown-certificate")


def test_a_trusted_certificate_on_another_keys_signature_does_not_pass(
    xk: SigningIdentity, keys: dict[str, SigningIdentity]
) -> None:
    """An attacker signs with its own key and puts the partner's certificate in KeyInfo."""
    trusted_der = xk.certificate.public_bytes(serialization.Encoding.DER)

    def swap(root: etree._Element) -> None:
        _find(root, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate").text = b64encode(
            trusted_der
        ).decode()

    _refused(_edit(sign(_document(), keys["other"]), swap), [xk.certificate_pem], "altered")


def test_a_signature_without_certificate_is_malformed(xk: SigningIdentity) -> None:
    def drop(root: etree._Element) -> None:
        key_info = _find(root, "ds:Signature/ds:KeyInfo")
        key_info.remove(_find(key_info, "ds:X509Data"))

    _refused(_edit(sign(_document(), xk), drop), [xk.certificate_pem], "malformed-signature")


def test_the_certificate_must_be_valid_when_the_message_was_created(tmp_path: Path) -> None:
    issued = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    old = SigningIdentity.load(*keygen("XK", tmp_path, now=issued, days=1))
    raw = sign(_document(), old)

    assert verify(raw, [old.certificate_pem], at=issued + timedelta(hours=12)).fingerprint
    expired = _refused(
        raw, [old.certificate_pem], "expired-certificate", at=issued + timedelta(days=2)
    )
    assert "expired at 2025-06-02T12:00:00+00:00" in expired
    assert "CN=XK customs exchange (development)" in expired
    _refused(
        raw, [old.certificate_pem], "not-yet-valid-certificate", at=issued - timedelta(hours=1)
    )


def test_verify_wants_an_aware_time(xk: SigningIdentity) -> None:
    with pytest.raises(ValueError, match="time zone"):
        verify(sign(_document(), xk), [xk.certificate_pem], at=NOW.replace(tzinfo=None))


class _LegacySigner(XMLSigner):
    """signxml refuses SHA-1 by default; a partner's legacy system would not."""

    def check_deprecated_methods(self) -> None:
        return None


def _signxml(
    identity: SigningIdentity | rsa.RSAPrivateKey,
    certificate: x509.Certificate | None = None,
    *,
    method: SignatureMethod = SignatureMethod.RSA_SHA256,
    digest: DigestAlgorithm = DigestAlgorithm.SHA256,
    document: etree._Element | None = None,
    reference_uri: str | None = None,
) -> bytes:
    key = identity.private_key if isinstance(identity, SigningIdentity) else identity
    cert = identity.certificate if isinstance(identity, SigningIdentity) else certificate
    assert cert is not None
    signer = _LegacySigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=method,
        digest_algorithm=digest,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(
        _document() if document is None else document,
        key=key,
        cert=[cert],
        reference_uri=None if reference_uri is None else [SignatureReference(URI=reference_uri)],
    )
    return etree.tostring(signed)


def test_a_sha1_signature_is_weak(keys: dict[str, SigningIdentity]) -> None:
    rsa_key = keys["rsa-3072"]
    raw = _signxml(rsa_key, method=SignatureMethod.RSA_SHA1)

    message = _refused(raw, [rsa_key.certificate_pem], "weak-algorithm")
    assert "rsa-sha1" in message


def test_a_sha1_digest_is_weak(keys: dict[str, SigningIdentity]) -> None:
    rsa_key = keys["rsa-3072"]
    raw = _signxml(rsa_key, digest=DigestAlgorithm.SHA1)

    assert "sha1" in _refused(raw, [rsa_key.certificate_pem], "weak-algorithm")


def test_a_trusted_rsa_1024_certificate_is_weak() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "XK legacy")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    raw = _signxml(key, certificate)

    message = _refused(
        raw, [certificate.public_bytes(serialization.Encoding.PEM)], "weak-algorithm"
    )
    assert "1024 bits" in message


def test_an_unsigned_sibling_added_after_signing_is_altered(xk: SigningIdentity) -> None:
    def smuggle(root: etree._Element) -> None:
        extra = etree.Element(f"{{{NS}}}Consignment")
        etree.SubElement(extra, f"{{{NS}}}Container").text = "EVIL0000001"
        root.insert(len(root) - 1, extra)

    _refused(_edit(sign(_document(), xk), smuggle), [xk.certificate_pem], "altered")


def test_signed_content_moved_into_the_signature_does_not_vouch_for_new_content(
    xk: SigningIdentity,
) -> None:
    """The classic wrapping: keep the valid signature, hide the signed original inside it
    (ds:Object), and put other content where the reader looks."""

    def wrap(root: etree._Element) -> None:
        signature = _find(root, "ds:Signature")
        hidden = etree.SubElement(signature, f"{{{DS}}}Object")
        original = copy.deepcopy(root)
        original.remove(_find(original, "ds:Signature"))
        hidden.append(original)
        _find(root, "h:Summary").text = "Nothing to see"

    _refused(_edit(sign(_document(), xk), wrap), [xk.certificate_pem], "altered")


def test_a_signature_over_part_of_the_message_is_refused(xk: SigningIdentity) -> None:
    """Validly signed by the partner's key, but over the Consignment only: what else the
    message says would be unsigned."""
    document = _document()
    _find(document, "h:Consignment").set("Id", "c1")
    raw = _signxml(xk, method=SignatureMethod.ECDSA_SHA256, document=document, reference_uri="#c1")

    def add_unsigned(root: etree._Element) -> None:
        _find(root, "h:Summary").text = "Release without control"

    message = _refused(_edit(raw, add_unsigned), [xk.certificate_pem], "malformed-signature")
    assert "not the whole message" in message


def test_a_doctype_in_a_signed_message_is_refused_before_any_checking(xk: SigningIdentity) -> None:
    raw = sign(_document(), xk)
    body = raw.split(b"?>", 1)[1]
    hostile = b'<!DOCTYPE RiskWarning [<!ENTITY x "y">]>' + body

    with pytest.raises(HostileInput, match="document type declaration"):
        verify(hostile, [xk.certificate_pem], at=NOW)


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
)


@settings(max_examples=40, deadline=None)
@given(summary=_TEXT, tamper=st.integers(min_value=0))
def test_any_summary_round_trips_and_any_change_to_it_is_caught(
    xk: SigningIdentity, summary: str, tamper: int
) -> None:
    document = _document()
    _find(document, "h:Summary").text = summary
    raw = sign(document, xk)

    verified = verify(raw, [xk.certificate_pem], at=NOW)
    assert _find(verified.document, "h:Summary").text == summary

    def change(root: etree._Element) -> None:
        node = _find(root, "h:Summary")
        text = node.text or ""
        at = tamper % len(text)
        node.text = text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]

    _refused(_edit(raw, change), [xk.certificate_pem], "altered")
