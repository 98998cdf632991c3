"""Random selection: a few percent of declarations controlled whatever their risk.

Random controls keep selectivity unpredictable and measure what the profiles
miss (their hit rate is the baseline profiles are judged against). The rate
is configured per office and procedure (``registers/random.yaml``, with a
default); the draw is ``HMAC-SHA256(seed, declaration id)`` read as a number
in [0, 1), so the same declaration always draws the same number and an
auditor holding the seed can re-derive every selection, while a trader
without it cannot predict one. The seed is a secret of the deployment, never
in the repository.

A selection is recorded as a :class:`~hub.model.finding.Finding` with source
``random`` (never as a profile hit), owned by the configured agency.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hub.model.declaration import Declaration
from hub.model.finding import Finding, FindingSource, RequestedChannel
from hub.registers import default_registers_dir, load_register

__all__ = [
    "RandomRate",
    "RandomSelection",
    "RandomTable",
    "draw",
    "load_random_table",
    "office_of",
    "procedure_of",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RandomRate(_Frozen):
    """A rate for an office (or any), a procedure code prefix (or any)."""

    office: str | None = None
    procedure: str | None = Field(default=None, pattern=r"^[0-9]{2,4}$")
    rate: float = Field(ge=0, le=1)


class RandomTable(_Frozen):
    """Rates by office and procedure, the owning agency and the channel a selection asks for.

    The most specific entry wins: an office match counts first, then the
    longest procedure prefix; nothing matching gives ``default_rate``.
    """

    agency: str = "customs"
    channel: RequestedChannel = RequestedChannel.YELLOW
    default_rate: float = Field(default=0.05, ge=0, le=1)
    rates: tuple[RandomRate, ...] = ()

    def rate_for(self, office: str | None, procedure: str | None) -> float:
        best: tuple[int, int] | None = None
        rate = self.default_rate
        for entry in self.rates:
            if entry.office is not None and entry.office != office:
                continue
            if entry.procedure is not None and not (procedure or "").startswith(entry.procedure):
                continue
            key = (int(entry.office is not None), len(entry.procedure or ""))
            if best is None or key > best:
                best, rate = key, entry.rate
        return rate


def draw(seed: bytes, declaration_id: str) -> float:
    """HMAC-SHA256(seed, declaration id), its first 8 bytes as a number in [0, 1)."""
    digest = hmac.new(seed, declaration_id.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def office_of(declaration: Declaration) -> str | None:
    """The office that handles the declaration: of declaration, else entry, destination, exit."""
    t = declaration.transport
    return (
        t.office_of_declaration or t.office_of_entry or t.office_of_destination or t.office_of_exit
    )


def procedure_of(declaration: Declaration) -> str | None:
    """The four-digit procedure code of the first item that has one (e.g. '4000')."""
    return next(
        (i.procedure.code for i in declaration.goods_items if i.procedure and i.procedure.code),
        None,
    )


@dataclass(frozen=True)
class RandomSelection:
    """The table and the deployment's secret seed; :meth:`select` is pure."""

    table: RandomTable
    seed: bytes

    def select(self, declaration: Declaration, office: str | None = None) -> Finding | None:
        """The random-selection finding for ``declaration``, or ``None`` when not drawn.

        Its indicators give the draw, the rate and what chose the rate, so an
        officer (and an auditor with the seed) can see it was chance.
        """
        office = office or office_of(declaration)
        procedure = procedure_of(declaration)
        rate = self.table.rate_for(office, procedure)
        value = draw(self.seed, declaration.id)
        if value >= rate:
            return None
        return Finding(
            agency=self.table.agency,
            source=FindingSource.RANDOM,
            title="Random selection",
            indicators=(
                f"draw {value:.6f} below the rate {rate:g} "
                f"(office {office or 'any'}, procedure {procedure or 'any'})",
            ),
            channel=self.table.channel,
        )


def load_random_table(path: Path | None = None) -> RandomTable:
    """``registers/random.yaml`` (or ``path``): the rates; the seed comes from the deployment."""
    return load_register(path or default_registers_dir() / "random.yaml", RandomTable)
