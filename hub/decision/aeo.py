"""AEO certificates, mutual recognition arrangements, and the benefit an AEO earns.

An Authorised Economic Operator certified by this administration, or by a
partner whose certificates a mutual recognition arrangement (MRA) in force
recognises, gets fewer controls: the programme owner's (customs') channel is
lowered by one step (red -> orange -> yellow -> green). Never below what the
law or security asks: mandatory findings, findings in a security or safety
risk area, other agencies' findings (police, vet, phyto), fail-safe findings
(an unanswered agency is not a clearance) and random selections (controls
must stay unpredictable for AEOs too) are never lowered.

The declaration only *names* operators (importer, exporter, declarant, and
the holders of AEOC / AEOS / AEOF authorisations it claims); the register
decides. A claim without a certificate valid on the day earns nothing.

Registers are data: ``registers/aeo.yaml`` and ``registers/mra.yaml`` at the
repository root, or files the deployment names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.model.declaration import Declaration, PartyRole
from hub.model.finding import Finding, FindingSource
from hub.model.response import Channel
from hub.registers import default_registers_dir, load_register

__all__ = [
    "AeoBenefit",
    "AeoCertificate",
    "AeoRegister",
    "AeoStatus",
    "AeoType",
    "MraArrangement",
    "MraArrangements",
    "benefit",
    "load_aeo_register",
    "load_mra",
    "lower_one_step",
    "lowerable",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AeoType(StrEnum):
    AEOC = "AEOC"  # customs simplifications
    AEOS = "AEOS"  # security and safety
    AEOF = "AEOF"  # both


class AeoStatus(StrEnum):
    GRANTED = "granted"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class AeoCertificate(_Frozen):
    """One operator's AEO status, as the issuing administration records or exchanges it."""

    operator: str  # EORI or the partner's operator identifier
    type: AeoType
    name: str | None = None  # the operator's name, as the AEO/MRA exchange carries it
    status: AeoStatus
    valid_from: date
    valid_to: date | None = None  # open-ended until suspended or revoked
    issued_by: str = Field(pattern=r"^[A-Z]{2}$")  # issuing administration (country code)
    reference: str | None = None  # certificate number, e.g. 'GB AEOC 14274/19'

    @model_validator(mode="after")
    def _ordered(self) -> AeoCertificate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def valid_on(self, day: date) -> bool:
        """Granted, and ``day`` within the validity window (both ends included)."""
        return (
            self.status is AeoStatus.GRANTED
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


class AeoRegister(_Frozen):
    """The AEO certificates the hub knows: its own administration's and partners'.

    ``programme_owner`` is the agency whose channel an AEO lowers (the
    agency running the AEO programme); ``never_lowers`` the risk areas an AEO
    never softens.
    """

    administration: str = Field(pattern=r"^[A-Z]{2}$")
    programme_owner: str = "customs"
    never_lowers: tuple[str, ...] = ("security", "safety", "security-and-safety")
    certificates: tuple[AeoCertificate, ...] = ()

    def of(self, operator: str) -> Iterator[AeoCertificate]:
        return (c for c in self.certificates if c.operator == operator)


class MraArrangement(_Frozen):
    """A mutual recognition arrangement with a partner administration, and what it covers."""

    partner: str = Field(pattern=r"^[A-Z]{2}$")
    title: str | None = None
    valid_from: date
    valid_to: date | None = None
    recognises: tuple[AeoType, ...] = (AeoType.AEOS, AeoType.AEOF)

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class MraArrangements(_Frozen):
    arrangements: tuple[MraArrangement, ...] = ()

    def recognising(self, certificate: AeoCertificate, day: date) -> MraArrangement | None:
        """The arrangement in force on ``day`` that makes ``certificate`` count here."""
        return next(
            (
                a
                for a in self.arrangements
                if a.partner == certificate.issued_by
                and certificate.type in a.recognises
                and a.in_force(day)
            ),
            None,
        )


class AeoBenefit(_Frozen):
    """Why the declaration earns the AEO benefit: whose certificate, in which role."""

    operator: str
    role: str  # 'importer', 'declarant', 'authorisation AEOC', ...
    certificate: AeoCertificate
    mra_partner: str | None = None

    def reason(self) -> str:
        c = self.certificate
        via = f" under the MRA with {self.mra_partner}" if self.mra_partner else ""
        return (
            f"AEO benefit: {self.role} {self.operator} holds {c.type.value} "
            f"{c.reference or ''} issued by {c.issued_by}{via}".replace("  ", " ")
        )


_ROLES = (PartyRole.IMPORTER, PartyRole.EXPORTER, PartyRole.DECLARANT)


def benefit(
    declaration: Declaration,
    register: AeoRegister,
    mra: MraArrangements | None,
    on: date,
) -> AeoBenefit | None:
    """The first operator of ``declaration`` holding a certificate that counts on ``on``.

    Looked up: the importer, exporter and declarant (by identifier), then
    the holders of AEOC / AEOS / AEOF authorisations the declaration claims.
    A certificate counts when valid on the day and issued by this
    administration, or by a partner under an arrangement in force that
    recognises its type.
    """
    candidates: list[tuple[str, str]] = [
        (p.id, p.role.value)
        for role in _ROLES
        for p in declaration.parties
        if p.role is role and p.id
    ]
    candidates += [
        (a.holder_id, f"authorisation {a.type_code}")
        for a in declaration.authorisations
        if a.holder_id and a.type_code in AeoType.__members__
    ]
    for operator, role in candidates:
        for cert in register.of(operator):
            if not cert.valid_on(on):
                continue
            if cert.issued_by == register.administration:
                return AeoBenefit(operator=operator, role=role, certificate=cert)
            arrangement = mra.recognising(cert, on) if mra else None
            if arrangement is not None:
                return AeoBenefit(
                    operator=operator, role=role, certificate=cert, mra_partner=arrangement.partner
                )
    return None


def lowerable(finding: Finding, register: AeoRegister) -> bool:
    """Whether an AEO benefit may soften ``finding`` (see the module docstring for why not)."""
    return (
        finding.agency == register.programme_owner
        and finding.source
        in (FindingSource.PROFILE, FindingSource.MISMATCH, FindingSource.PRE_ARRIVAL)
        and not finding.mandatory
        and (finding.risk_area or "") not in register.never_lowers
    )


_DOWN = {
    Channel.RED: Channel.ORANGE,
    Channel.ORANGE: Channel.YELLOW,
    Channel.YELLOW: Channel.GREEN,
    Channel.GREEN: Channel.GREEN,
}


def lower_one_step(channel: Channel) -> Channel:
    """red -> orange -> yellow -> green; green stays green."""
    return _DOWN[channel]


def load_aeo_register(path: Path | None = None) -> AeoRegister:
    """``registers/aeo.yaml`` (or ``path``); :class:`~hub.errors.InvalidRegister` if unsound."""
    return load_register(path or default_registers_dir() / "aeo.yaml", AeoRegister)


def load_mra(path: Path | None = None) -> MraArrangements:
    """``registers/mra.yaml`` (or ``path``): the arrangements, in force or not."""
    return load_register(path or default_registers_dir() / "mra.yaml", MraArrangements)
