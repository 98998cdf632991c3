"""The assessment contract an agency's own service speaks, over HTTP or AMQP alike.

The bodies are the same on both transports, so an agency can move from one to
the other without touching its assessment code; ``docs/agency-http-contract.md``
and ``docs/agency-amqp-contract.md`` describe them in words, and the JSON
Schemas in ``docs/schemas/`` are generated from the models below
(:func:`write_schemas`; a test fails when they drift).

Reading an answer is strict, because a finding the hub misreads could clear
goods that an agency wanted held: the answer must be for this request and this
agency, every finding must be the agency's own and name only items routed to
it, and anything else is a :class:`~hub.errors.ContractViolation` naming the
field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import AdapterRefused, ContractViolation
from hub.model import Declaration
from hub.model.finding import Finding, FindingSource

__all__ = [
    "CONTRACT_VERSION",
    "MEDIA_TYPE",
    "AssessmentErrorReply",
    "AssessmentRequest",
    "AssessmentResponse",
    "ErrorDetail",
    "PreparedRequest",
    "json_schemas",
    "prepare",
    "request_id",
    "schema_files",
    "write_schemas",
]

CONTRACT_VERSION = "1.0"
"""major.minor: a minor version only adds optional fields; the hub reads any 1.x answer."""

MEDIA_TYPE = "application/json"

_VERSION_PATTERN = r"^1\.[0-9]+$"
# A watch is the hub's too: it records a partner's warning, never an agency's own assessment.
# So is a disagreement with a partner's pre-arrival data: the hub holds that data.
_HUB_ONLY_SOURCES = frozenset(
    {FindingSource.FAIL_SAFE, FindingSource.RANDOM, FindingSource.WATCH, FindingSource.PRE_ARRIVAL}
)
_CONTRACT = "the contract version, major.minor; this is major version 1"


class AssessmentRequest(BaseModel):
    """What the hub sends: one agency's view of one declaration, and when it needs the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="AssessmentRequest")

    contract: str = Field(pattern=_VERSION_PATTERN, description=_CONTRACT)
    request_id: str = Field(
        description="declaration id, view digest and agency: the idempotency key; "
        "the same id always carries the same view"
    )
    agency: str = Field(description="the agency asked, as named in its agency.yaml")
    deadline: datetime = Field(
        description="RFC 3339, UTC: after this the hub's fail-safe finding stands in"
    )
    declaration: Declaration = Field(
        description="the canonical declaration restricted to the goods items routed to the agency"
    )


class AssessmentResponse(BaseModel):
    """What an agency answers: its own findings on the view; none at all means no concern."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="AssessmentResponse")

    contract: str = Field(pattern=_VERSION_PATTERN, description=_CONTRACT)
    request_id: str = Field(description="echoed from the request")
    agency: str = Field(description="echoed from the request")
    findings: tuple[Finding, ...] = Field(
        description="the agency's own findings; each names the agency and only routed items"
    )


class ErrorDetail(BaseModel):
    """Why an agency gives no findings: a short machine code and a sentence for people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="e.g. deadline-passed, bad-request, unavailable")
    message: str = ""


class AssessmentErrorReply(BaseModel):
    """What an agency answers instead of findings when it cannot assess."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="AssessmentErrorReply")

    contract: str = Field(pattern=_VERSION_PATTERN, description=_CONTRACT)
    request_id: str | None = None
    agency: str | None = None
    error: ErrorDetail


def request_id(view: Declaration, agency: str) -> str:
    """The idempotency key of asking ``agency`` about ``view``.

    ``<declaration id>:<view digest>:<agency>``, where the digest (16 hex
    digits of the SHA-256 of the canonical view JSON) is the version of what
    the agency is asked: the same view asked again (a retry, a re-send after
    a deadline) has the same key, a changed view a new one.
    """
    return _request_id(view.id, view.to_json(), agency)


def _request_id(declaration_id: str, view_json: str, agency: str) -> str:
    digest = hashlib.sha256(view_json.encode()).hexdigest()[:16]
    return f"{declaration_id}:{digest}:{agency}"


@dataclass(frozen=True)
class PreparedRequest:
    """One request ready for any transport: its id, its body, and how to read its answer."""

    agency: str
    request_id: str
    deadline: datetime
    body: bytes
    items: frozenset[int]

    @property
    def deadline_text(self) -> str:
        """The deadline as RFC 3339 in UTC with milliseconds, as in the body."""
        return _rfc3339(self.deadline)

    def read(self, raw: bytes) -> list[Finding]:
        """The findings of an answer ``raw`` to this request, checked against the contract.

        An error reply raises :class:`~hub.errors.AdapterRefused` with its
        code; anything that is not a well-formed answer to this request raises
        :class:`~hub.errors.ContractViolation` naming the field.
        """
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.violation("body", f"not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise self.violation("body", "not a JSON object")
        if "error" in data and "findings" not in data:
            return self._refused(data)
        try:
            answer = AssessmentResponse.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _field(first["loc"])
            shown = json.dumps(first.get("input"), default=str)[:80]
            raise self.violation(where, f"{first['msg']} (got {shown})") from None
        return self._checked(answer)

    def _refused(self, data: dict[str, Any]) -> list[Finding]:
        try:
            reply = AssessmentErrorReply.model_validate(data)
        except ValidationError as exc:
            raise self.violation(_field(exc.errors()[0]["loc"]), "malformed error reply") from None
        message = reply.error.message or "the agency could not assess"
        raise AdapterRefused(message, agency=self.agency, code=reply.error.code)

    def _checked(self, answer: AssessmentResponse) -> list[Finding]:
        if answer.request_id != self.request_id:
            raise self.violation("request_id", f"{answer.request_id!r} is not this request")
        if answer.agency != self.agency:
            raise self.violation("agency", f"{answer.agency!r} is not the agency asked")
        for index, finding in enumerate(answer.findings):
            if finding.agency != self.agency:
                raise self.violation(
                    f"findings[{index}].agency", f"{finding.agency!r}: an agency reports its own"
                )
            if finding.source in _HUB_ONLY_SOURCES:
                raise self.violation(
                    f"findings[{index}].source", f"{finding.source.value!r} is the hub's to record"
                )
            stray = sorted(set(finding.item_sequences) - self.items)
            if stray:
                raise self.violation(
                    f"findings[{index}].item_sequences", f"items {stray} were not routed to it"
                )
        return list(answer.findings)

    def violation(self, field: str, message: str) -> ContractViolation:
        """A :class:`~hub.errors.ContractViolation` by this request's agency at ``field``."""
        return ContractViolation(message, agency=self.agency, field=field)


def prepare(view: Declaration, *, agency: str, deadline: datetime) -> PreparedRequest:
    """The request asking ``agency`` to assess ``view`` by ``deadline``.

    The body embeds the canonical declaration JSON as is (``Declaration.to_json``),
    so it is serialised once and the digest in the request id is of the same text.
    """
    view_json = view.to_json()
    rid = _request_id(view.id, view_json, agency)
    head = json.dumps(
        {
            "contract": CONTRACT_VERSION,
            "request_id": rid,
            "agency": agency,
            "deadline": _rfc3339(deadline),
        }
    )
    body = f'{head[:-1]}, "declaration": {view_json}}}'.encode()
    items = frozenset(item.sequence for item in view.goods_items)
    return PreparedRequest(agency, rid, deadline, body, items)


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of the contract's bodies, by file name, as published in ``docs/schemas``."""
    out: dict[str, dict[str, Any]] = {}
    for name, model in (
        ("assessment-request", AssessmentRequest),
        ("assessment-response", AssessmentResponse),
        ("assessment-error", AssessmentErrorReply),
    ):
        schema = model.model_json_schema()
        if model is AssessmentResponse:
            # An agency may only send its own kinds of finding: fail-safe and random are the hub's.
            schema["$defs"]["FindingSource"]["enum"] = [
                s.value for s in FindingSource if s not in _HUB_ONLY_SOURCES
            ]
        out[f"{name}.schema.json"] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **schema,
        }
    return out


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _field(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def write_schemas(folder: Path) -> None:
    """Write :func:`json_schemas` into ``folder`` (``docs/schemas``), one file each."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in schema_files().items():
        (folder / name).write_text(text, encoding="utf-8")


def schema_files() -> dict[str, str]:
    """:func:`json_schemas` as the exact text of the published files."""
    return {name: json.dumps(s, indent=2) + "\n" for name, s in json_schemas().items()}
