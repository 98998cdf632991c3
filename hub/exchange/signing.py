"""XML signatures on partner messages: we sign what we send, and accept only what we can trust.

A message is signed whole, with one enveloped XML-DSig signature (W3C
XML Signature 1.1) as the last child of its root: exclusive
canonicalization, SHA-256 digest, ECDSA or RSA with SHA-256 by key type,
and our certificate in ``KeyInfo`` so the partner sees which of our keys
signed. Any XML-DSig library can check it (the tests check with xmlsec1).

Verification trusts a certificate only if it is byte for byte one the
partner gave us out of band, never a chain to some CA, and only while it
is valid at the message's creation time (the caller passes it). It then
hands back the content *as signed*, re-read from the canonical bytes the
digest covered, so nothing unsigned (a wrapped element, a sibling added
after signing) can reach the caller. Everything else is refused with a
:class:`~hub.errors.SignatureRefused` whose ``reason`` a partner can act on:

- ``unsigned``: no signature on the message itself;
- ``more-than-one-signature``: two or more anywhere;
- ``malformed-signature``: not one reference covering the whole message
  through the enveloped transform, no certificate, or unreadable;
- ``weak-algorithm``: SHA-1, DSA, HMAC or anything but RSA/ECDSA with SHA-2
  of 256 bits or more, or a key weaker than RSA 2048 / P-256;
- ``unknown-certificate``: signed with a certificate not configured for the sender;
- ``expired-certificate`` / ``not-yet-valid-certificate``: at the message's time;
- ``altered``: the content or the signed information changed after signing.

Processing instructions inside a message are dropped by the hub's parser,
so a signature over one fails as ``altered``; partner messages carry none.
"""

from __future__ import annotations

from base64 import b64decode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NoReturn

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import (
    InvalidCertificate,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    SignXMLException,
)
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from hub.errors import ExchangeKeyError, SignatureReason, SignatureRefused
from hub.exchange.keys import SigningIdentity, fingerprint, key_weakness
from hub.ingest._xml import element_path, parse_xml

__all__ = ["SignatureRefused", "Verified", "sign", "verify"]  # SignatureRefused: what verify raises

DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DS}
_SIGNATURE = f"{{{DS}}}Signature"

ACCEPTED_SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
ACCEPTED_DIGESTS = frozenset(
    {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)
_SIGNATURE_URIS = frozenset(m.value for m in ACCEPTED_SIGNATURE_METHODS)
_DIGEST_URIS = frozenset(d.value for d in ACCEPTED_DIGESTS)
_ENVELOPED = SignatureConstructionMethod.enveloped.value
_TRANSFORM_URIS = frozenset({_ENVELOPED, *(c.value for c in CanonicalizationMethod)})
_ACCEPTED_IN_WORDS = "RSA or ECDSA with SHA-256, SHA-384 or SHA-512"


@dataclass(frozen=True)
class Verified:
    """A message whose signature checked out.

    ``document`` is the signed content only (the root without its
    signature), re-read from what the digest covered; read the message from
    it, never from the bytes received. ``certificate`` is the trusted
    certificate that signed it, ``fingerprint`` its SHA-256 (lowercase hex).
    """

    document: etree._Element
    certificate: x509.Certificate
    fingerprint: str

    @property
    def subject(self) -> str:
        """The signing certificate's subject, RFC 4514 (``CN=...,O=...,C=XK``)."""
        return self.certificate.subject.rfc4514_string()


def sign(document: etree._Element | bytes, identity: SigningIdentity) -> bytes:
    """The document with our enveloped signature as its root's last child, as UTF-8 XML.

    The caller's element is left as it was. A document that already carries
    a signature is refused (``ValueError``): a partner message has one.
    """
    root = document if isinstance(document, etree._Element) else parse_xml(document).getroot()
    if next(root.iter(_SIGNATURE), None) is not None:
        raise ValueError("the document is already signed")
    algorithm = (
        SignatureMethod.ECDSA_SHA256
        if isinstance(identity.private_key, ec.EllipticCurvePrivateKey)
        else SignatureMethod.RSA_SHA256
    )
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=algorithm,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    # signxml copies the element before it appends the signature.
    signed = signer.sign(root, key=identity.private_key, cert=[identity.certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def verify(raw: bytes, trusted: Sequence[bytes | str], *, at: datetime) -> Verified:
    """Check ``raw``'s signature against the sender's ``trusted`` PEM certificates at ``at``.

    ``at`` is the message's creation time (timezone-aware). Raises
    :class:`~hub.errors.HostileInput` / :class:`~hub.errors.MalformedMessage`
    for XML the hub does not parse, :class:`~hub.errors.SignatureRefused`
    for a signature it does not accept, and :class:`~hub.errors.ExchangeKeyError`
    when a trusted certificate itself cannot be read (a configuration fault).
    """
    if at.tzinfo is None:
        raise ValueError("at must carry a time zone")
    root = parse_xml(raw).getroot()
    signature = _the_signature(root)
    _check_algorithms(signature)
    certificate = _trusted_signer(signature, trusted)
    _check_validity(certificate, at)
    weakness = key_weakness(certificate.public_key())
    if weakness:
        _refuse("weak-algorithm", f"signed with {weakness}")
    config = SignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=ACCEPTED_SIGNATURE_METHODS,
        digest_algorithms=ACCEPTED_DIGESTS,
        verification_time=at,
    )
    try:
        result = XMLVerifier().verify(root, x509_cert=certificate, expect_config=config)
    except InvalidDigest:
        _refuse(
            "altered",
            "the message was changed after it was signed: its content no longer matches "
            "the digest in the signature",
        )
    except InvalidCertificate as exc:  # checked above; kept so nothing slips through as another
        _refuse("expired-certificate", f"the signing certificate is not valid: {exc}")
    except InvalidSignature:
        _refuse(
            "altered",
            f"the signature value does not match the signed information and the certificate "
            f"{_who(certificate)}: the signature was changed, or made with another key",
        )
    except (SignXMLException, InvalidInput, etree.LxmlError, ValueError) as exc:
        _refuse("malformed-signature", f"the signature cannot be checked: {exc}")
    if isinstance(result, list) or result.signed_xml is None:
        _refuse("malformed-signature", "the signature does not cover one XML document")
    return Verified(result.signed_xml, certificate, fingerprint(certificate))


def _refuse(reason: SignatureReason, message: str) -> NoReturn:
    raise SignatureRefused(reason, message)


def _the_signature(root: etree._Element) -> etree._Element:
    signatures = list(root.iter(_SIGNATURE))
    if not signatures:
        _refuse("unsigned", "the message carries no XML signature")
    if len(signatures) > 1:
        places = ", ".join(element_path(s) for s in signatures)
        _refuse(
            "more-than-one-signature",
            f"the message carries {len(signatures)} XML signatures ({places}); "
            "a partner message carries exactly one, on the message itself",
        )
    signature = signatures[0]
    if signature.getparent() is not root:
        _refuse(
            "unsigned",
            f"the message itself is not signed: its only signature is at "
            f"{element_path(signature)}, not a child of {element_path(root)}",
        )
    return signature


def _check_algorithms(signature: etree._Element) -> None:
    """Refuse weak algorithms and anything but one whole-message reference, before any crypto."""
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", _NS)
    if method is None:
        _refuse("malformed-signature", "the signature has no SignedInfo/SignatureMethod")
    if method.get("Algorithm") not in _SIGNATURE_URIS:
        _refuse(
            "weak-algorithm",
            f"signed with {_algorithm_name(method)}, which the hub does not accept "
            f"(only {_ACCEPTED_IN_WORDS})",
        )
    references = signature.findall("ds:SignedInfo/ds:Reference", _NS)
    if len(references) != 1:
        _refuse(
            "malformed-signature",
            f"the signature has {len(references)} references; a partner message's signature "
            "has exactly one, covering the whole message",
        )
    reference = references[0]
    if reference.get("URI") != "":
        _refuse(
            "malformed-signature",
            f'the signature covers only {reference.get("URI")!r}, not the whole message (URI="")',
        )
    digest = reference.find("ds:DigestMethod", _NS)
    if digest is None:
        _refuse("malformed-signature", "the signature's reference has no DigestMethod")
    if digest.get("Algorithm") not in _DIGEST_URIS:
        _refuse(
            "weak-algorithm",
            f"the message is digested with {_algorithm_name(digest)}, which the hub does not "
            "accept (only SHA-256, SHA-384 or SHA-512)",
        )
    transforms = [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/ds:Transform", _NS)]
    if _ENVELOPED not in transforms or any(t not in _TRANSFORM_URIS for t in transforms):
        _refuse(
            "malformed-signature",
            "the signature's transforms must be the enveloped-signature transform and "
            f"canonicalization only, not {', '.join(str(t) for t in transforms) or 'none'}",
        )


def _algorithm_name(element: etree._Element) -> str:
    uri = element.get("Algorithm") or "no algorithm"
    return uri.rsplit("#", 1)[-1]


def _trusted_signer(signature: etree._Element, trusted: Sequence[bytes | str]) -> x509.Certificate:
    carried = [
        (element.text or "").strip()
        for element in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    ]
    if not carried:
        _refuse(
            "malformed-signature",
            "the signature carries no X.509 certificate in KeyInfo, so the hub cannot tell "
            "which of the sender's keys signed it",
        )
    by_der = {_der(certificate): certificate for certificate in map(_trusted, trusted)}
    unreadable = False
    first: str | None = None  # how the first carried certificate is named
    for text in carried:
        try:
            der = b64decode(text, validate=False)
        except ValueError:
            unreadable = True
            continue
        if der in by_der:
            return by_der[der]
        if first is None:
            first = _named(der)
            unreadable |= first is None
    if not trusted:
        _refuse("unknown-certificate", "no certificate is configured for the sender")
    if first is None and unreadable:
        _refuse("unknown-certificate", "the signature carries a certificate the hub cannot read")
    assert first is not None
    _refuse(
        "unknown-certificate",
        f"signed by {first}, which no certificate configured for the sender matches",
    )


def _named(der: bytes) -> str | None:
    """An untrusted certificate as a refusal names it, or ``None`` when it cannot be read.

    It is never trusted, so any fault in it (a bad version, a subject that does
    not parse, a serial cryptography warns about) only means saying less.
    """
    try:
        return _who(x509.load_der_x509_certificate(der))
    except (ValueError, x509.InvalidVersion, CryptographyDeprecationWarning):
        return None


@lru_cache(maxsize=256)
def _trusted(pem: bytes | str) -> x509.Certificate:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise ExchangeKeyError(
            f"a certificate configured for the sender is not a PEM X.509 certificate ({exc})"
        ) from None


@lru_cache(maxsize=256)
def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


def _check_validity(certificate: x509.Certificate, at: datetime) -> None:
    if at < certificate.not_valid_before_utc:
        _refuse(
            "not-yet-valid-certificate",
            f"signed by {_who(certificate)}, which is valid only from "
            f"{certificate.not_valid_before_utc.isoformat()}, after the message's "
            f"creation at {at.isoformat()}",
        )
    if at > certificate.not_valid_after_utc:
        _refuse(
            "expired-certificate",
            f"signed by {_who(certificate)}, which expired at "
            f"{certificate.not_valid_after_utc.isoformat()}, before the message's "
            f"creation at {at.isoformat()}",
        )


def _who(certificate: x509.Certificate) -> str:
    """``CN=XK customs exchange (development)`` (the common name; the whole subject without one)."""
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names:
        return f"CN={names[0].value!s}"
    return certificate.subject.rfc4514_string() or "a certificate with an empty subject"
