"""One error hierarchy for the hub, mapped to user-facing answers at the edges.

    HubError
    ├── IngestError            a message could not be read; ``where`` names the place
    │   ├── HostileInput       refused before or while parsing: DTD, entities, size, depth
    │   ├── MalformedMessage   not well-formed XML, bad UTF-8, broken EDIFACT syntax
    │   ├── EnvelopeError      EDIFACT interchange/message envelope counts or references
    │   ├── SchemaInvalid      well-formed but not valid against its XSD
    │   └── UnsupportedMessage a format or message type the hub does not read
    ├── IncompleteDeclaration  read, but lacks what an assessment needs
    ├── InvalidProfile         a risk profile file refused whole: file, line, field
    ├── InvalidReference       a reference list file refused: file, line, field
    ├── InvalidAgency          an agency folder that cannot be loaded: file and key
    ├── InvalidAdapter         adapter settings that cannot work (URL scheme, queue name)
    ├── AdapterError           an agency's risk module gave no usable answer: ``agency``
    │   ├── AdapterTimeout     no answer before the deadline
    │   ├── AdapterRefused     the agency answered with an error: ``status``, ``code``
    │   └── ContractViolation  the answer broke the documented contract: ``field``
    ├── InvalidRegister        a hub register (AEO, MRA, offices, random rates): file, key
    ├── DecisionError          findings that cannot be merged (an unknown agency)
    │   ├── ReroutingRefused   a re-routing the rules forbid (same officer, lowering
    │   │                      another agency's or a mandatory finding)
    │   └── SchedulingRefused  an examination move the calendar or capacity forbids
    ├── RegistryError          the profile registry cannot do what was asked
    │   ├── UnknownProfile     no such profile, or no such version of it
    │   └── ChangeRefused      a change the profile life cycle forbids (e.g.
    │                          activation without a recorded back-test)
    ├── ExchangeKeyError       a signing key or certificate the hub cannot use: ``file``
    ├── SignatureRefused       a partner message's XML signature is not accepted: ``reason``
    └── StoreError             the store refused a write; nothing of it was kept
        ├── ConflictingRecord  another record is already stored under the same key
        ├── VersionGap         a decision version that does not follow the latest
        └── ReplayedMessage    a partner's message id accepted before: ``partner``,
                               ``message_id``, ``first_received_at``

Every ``IngestError`` carries ``where`` (``"line 14, column 3"``,
``"/MetaData/Declaration/GoodsShipment"`` or ``"segment 7, GIS"``) and, when
known, ``expected``, so that the CLI, the API and the audit log can say exactly
what was wrong without re-parsing anything.

Every ``AdapterError`` means the same to the orchestrator: this agency gave
no findings this time, so its fail-safe finding stands in. ``retryable`` says
whether sending the same request again may help.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

__all__ = [
    "AdapterError",
    "AdapterRefused",
    "AdapterTimeout",
    "ChangeRefused",
    "ConflictingRecord",
    "ContractViolation",
    "DecisionError",
    "EnvelopeError",
    "ExchangeKeyError",
    "HostileInput",
    "HubError",
    "IncompleteDeclaration",
    "IngestError",
    "InvalidAdapter",
    "InvalidAgency",
    "InvalidProfile",
    "InvalidReference",
    "InvalidRegister",
    "MalformedMessage",
    "RegistryError",
    "ReplayedMessage",
    "ReroutingRefused",
    "SchedulingRefused",
    "SchemaInvalid",
    "SignatureReason",
    "SignatureRefused",
    "StoreError",
    "UnknownProfile",
    "UnsupportedMessage",
    "VersionGap",
]


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class IngestError(HubError):
    """A message could not be turned into a canonical declaration."""

    def __init__(self, message: str, *, where: str | None = None, expected: str | None = None):
        self.message = message
        self.where = where
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.where:
            text = f"{self.where}: {text}"
        if self.expected:
            text = f"{text} (expected {self.expected})"
        return text

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready description, used by ``hub check --json`` and the API."""
        return {
            "kind": type(self).__name__,
            "message": self.message,
            "where": self.where,
            "expected": self.expected,
        }


class HostileInput(IngestError):
    """Refused for safety: a DTD or entity, too large, or nested too deep."""


class MalformedMessage(IngestError):
    """The bytes are not a well-formed message of their format."""


class EnvelopeError(MalformedMessage):
    """An EDIFACT envelope (UNB/UNZ, UNH/UNT) disagrees with its content."""


class SchemaInvalid(IngestError):
    """Well-formed, but not valid against the schema of its message type."""


class UnsupportedMessage(IngestError):
    """A format, root element or message type the hub does not read."""


class IncompleteDeclaration(HubError):
    """A declaration that was read but lacks data an assessment needs.

    ``missing`` holds the same sentences ``hub check`` prints as warnings.
    """

    def __init__(self, missing: tuple[str, ...]):
        self.missing = missing
        super().__init__("declaration is incomplete: " + "; ".join(missing))


class _InvalidFile(HubError):
    """A data file (profile, reference list, agency.yaml) refused whole."""

    def __init__(
        self, message: str, *, file: str, line: int | None = None, field: str | None = None
    ):
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        place = self.file + (f":{self.line}" if self.line else "")
        if self.field:
            place += f" [{self.field}]"
        return f"{place}: {self.message}"


class InvalidProfile(_InvalidFile):
    """A risk profile that cannot be loaded; the set it belongs to keeps running without it."""


class InvalidReference(_InvalidFile):
    """A reference list (valuation floors, pest origins, watchlist) that cannot be loaded."""


class InvalidAgency(_InvalidFile):
    """An agency folder whose ``agency.yaml`` or references do not check out."""


class InvalidRegister(_InvalidFile):
    """A hub register (AEO certificates, MRAs, office calendars, random rates) refused whole."""


class AccessDenied(HubError):
    """The principal is known but may not do this (403); reads of what it may not see are
    answered as not found instead, so ids cannot be probed."""


class ReferenceInUse(HubError):
    """A new message reuses a functional reference of another declaration without saying
    it amends or cancels it (409): the hub never guesses which one the trader meant.
    ``existing`` names the declarations already under that reference."""

    def __init__(self, message: str, *, existing: list[str]) -> None:
        self.existing = existing
        super().__init__(message)


class DecisionError(HubError):
    """Findings or a request the merge cannot turn into a decision."""


class ReroutingRefused(DecisionError):
    """A re-routing the rules forbid; no new decision version was made.

    Raising needs a second officer (``requested_by`` != ``approved_by``);
    lowering is for the finding's owning agency only, never for a mandatory,
    fail-safe or random finding.
    """


class SchedulingRefused(DecisionError):
    """A move of an examination the rules forbid; no new decision version was made.

    The slot must be one of the office's calendar, not yet begun, with room
    in the lane that day (a mandatory control may go over, as when booked);
    there must be an examination or a queued selection, and a reason.
    """


class RegistryError(HubError):
    """The profile registry refused a request; ``profile_id`` names the profile concerned."""

    def __init__(self, message: str, *, profile_id: str, version: int | None = None):
        self.message = message
        self.profile_id = profile_id
        self.version = version
        super().__init__(str(self))

    def __str__(self) -> str:
        name = self.profile_id + (f" v{self.version}" if self.version is not None else "")
        return f"{name}: {self.message}"


class UnknownProfile(RegistryError):
    """No profile with that id, or no such version of it, was ever recorded."""


class ChangeRefused(RegistryError):
    """A change the life cycle forbids; nothing was recorded.

    The commonest: activating a profile whose rules have no recorded back-test.
    """


class InvalidAdapter(HubError):
    """Adapter settings that cannot work, refused when the adapter is built, not mid-call.

    ``setting`` names what is wrong (``url``, ``queue``, ``adapter.kind``).
    """

    def __init__(self, message: str, *, agency: str, setting: str):
        self.message = message
        self.agency = agency
        self.setting = setting
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"agency {self.agency}, adapter {self.setting}: {self.message}"


class AdapterError(HubError):
    """The agency's risk module gave no usable answer; its fail-safe finding stands in.

    Raised for transport failures (connection refused, broker gone) as such;
    the subclasses say more. ``retryable``: whether the same request sent
    again may succeed (true for a lost connection or a timeout).
    """

    retryable: bool = True

    def __init__(self, message: str, *, agency: str):
        self.message = message
        self.agency = agency
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"agency {self.agency}: {self.message}"


class AdapterTimeout(AdapterError):
    """No answer before the deadline (or the deadline had passed before sending)."""


class AdapterRefused(AdapterError):
    """The agency answered with an error instead of findings.

    ``status`` is the HTTP status (``None`` over AMQP), ``code`` the error
    code of the contract's error body, when the agency sent one. A 4xx other
    than 408 and 429 says the request itself was refused: not retryable.
    """

    def __init__(
        self, message: str, *, agency: str, status: int | None = None, code: str | None = None
    ):
        self.status = status
        self.code = code
        self.retryable = status is None or not 400 <= status < 500 or status in (408, 429)
        super().__init__(message, agency=agency)

    def __str__(self) -> str:
        text = super().__str__()
        details = [f"HTTP {self.status}" if self.status else None, self.code]
        shown = ", ".join(d for d in details if d)
        return f"{text} ({shown})" if shown else text


class ContractViolation(AdapterError):
    """The answer broke the documented contract; ``field`` names what was wrong.

    Not retryable: the same request would get the same broken answer, and a
    finding the hub cannot read must never count as a clearance.
    """

    retryable = False

    def __init__(self, message: str, *, agency: str, field: str):
        self.field = field
        super().__init__(message, agency=agency)

    def __str__(self) -> str:
        return f"agency {self.agency}: {self.field}: {self.message}"


class ExchangeRefused(HubError):
    """A partner's message the hub does not accept, with why and where; nothing is kept as accepted.

    ``reason`` is a short code an API client or partner can act on
    (``malformed``, ``schema``, ``unknown-sender``, ``wrong-receiver``,
    ``unsigned``, ``unknown-certificate``, ``expired-certificate``,
    ``altered``, ``weak-algorithm``, ``outside-window``, ``not-agreed``,
    ``replayed``, ``unknown-reference``); ``where`` the element or header
    field at fault when there is one.
    """

    def __init__(self, reason: str, message: str, *, where: str | None = None):
        self.reason = reason
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class StoreError(HubError):
    """The store refused a write, whole: the transaction was rolled back.

    Also raised for a write that names an unknown declaration or breaks a
    constraint; the database's own error is the ``__cause__``.
    """


class ConflictingRecord(StoreError):
    """A different record is already stored under this key; history is never overwritten.

    ``key`` names it (``"DEC-... v2"``, ``"DEC-... customs/req-1"``). For a
    decision this usually means another worker made the same version first:
    reload the latest and derive the next version from it.
    """

    def __init__(self, message: str, *, key: str):
        self.message = message
        self.key = key
        super().__init__(f"{key}: {message}")


class VersionGap(StoreError):
    """A decision version that is not the latest stored plus one (or 1 for the first)."""


class ExchangeKeyError(HubError):
    """A signing key or certificate the hub cannot use; ``file`` names it when it came from one.

    Missing, unreadable, not PEM, a key and certificate that do not belong
    together, or a key too weak to sign partner messages with.
    """

    def __init__(self, message: str, *, file: str | None = None):
        self.message = message
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


SignatureReason = Literal[
    "unsigned",
    "unknown-certificate",
    "expired-certificate",
    "not-yet-valid-certificate",
    "altered",
    "weak-algorithm",
    "malformed-signature",
    "more-than-one-signature",
]


class SignatureRefused(HubError):
    """A partner message whose XML signature the hub does not accept.

    ``reason`` is a short code a partner or an API client can act on; the
    message says what is wrong in an operator's words (whose certificate,
    which algorithm, which validity period).
    """

    def __init__(self, reason: SignatureReason, message: str):
        self.reason: SignatureReason = reason
        self.message = message
        super().__init__(message)


class ReplayedMessage(StoreError):
    """A partner's message whose id was accepted before: a replay, refused, nothing stored.

    A partner never reuses a message id, so the same id again is a replay
    (an attacker's or a resend) whatever the bytes; ``first_received_at``
    says when the original was accepted.
    """

    def __init__(self, *, partner: str, message_id: str, first_received_at: datetime):
        self.partner = partner
        self.message_id = message_id
        self.first_received_at = first_received_at
        super().__init__(
            f"{partner}/{message_id}: already received at {first_received_at.isoformat()}"
        )
