"""The weights of the behavioural rating: a register file, so the audit unit tunes them, not code.

``registers/rating.yaml`` (or a file the deployment names) is read whole or
refused whole, with the file, line and key at fault, like every register.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.registers import default_registers_dir, load_register

__all__ = [
    "AeoApplicationWeights",
    "AuditWeights",
    "RatingWeights",
    "load_rating_weights",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuditWeights(_Frozen):
    """When a trader is proposed for post-clearance audit."""

    min_declared_value: float = Field(default=10000, ge=0)
    fall: int = Field(default=15, ge=1, le=100)


class AeoApplicationWeights(_Frozen):
    """The criteria an AEO application is scored on (each worth 25 points)."""

    grant: int = Field(default=75, ge=0, le=100)
    refuse: int = Field(default=50, ge=0, le=100)
    min_years: float = Field(default=3, ge=0)
    min_declarations: int = Field(default=20, ge=0)
    min_controls: int = Field(default=5, ge=0)
    max_finding_rate: float = Field(default=0.05, ge=0, le=1)
    max_amendment_rate: float = Field(default=0.10, ge=0, le=1)


class RatingWeights(_Frozen):
    """Points a record earns and loses; see ``registers/rating.yaml`` for each one's meaning."""

    start: int = Field(default=75, ge=0, le=100)
    neutral: int = Field(default=60, ge=0, le=100)
    high: int = Field(default=70, ge=0, le=100)
    medium: int = Field(default=40, ge=0, le=100)
    new_trader_cap: int = Field(default=65, ge=0, le=100)
    established_declarations: int = Field(default=10, ge=1)
    established_days: int = Field(default=180, ge=1)
    window_days: int = Field(default=730, ge=1)
    clean_control: float = Field(default=1.0, ge=0)
    clean_control_cap: float = Field(default=10, ge=0)
    finding_rate: float = Field(default=80, ge=0)
    seizure: float = Field(default=12, ge=0)
    seizure_cap: float = Field(default=36, ge=0)
    detention: float = Field(default=4, ge=0)
    detention_cap: float = Field(default=12, ge=0)
    amendment_rate: float = Field(default=20, ge=0)
    cancellation_rate: float = Field(default=10, ge=0)
    aeo: dict[str, float] = Field(
        default_factory=lambda: {"AEOC": 10.0, "AEOS": 10.0, "AEOF": 15.0}
    )
    aeo_suspended: float = Field(default=15, ge=0)
    aeo_revoked: float = Field(default=25, ge=0)
    record_year: float = Field(default=2, ge=0)
    record_cap: float = Field(default=8, ge=0)
    audit: AuditWeights = AuditWeights()
    aeo_application: AeoApplicationWeights = AeoApplicationWeights()

    @model_validator(mode="after")
    def _ordered(self) -> RatingWeights:
        if not self.medium <= self.high:
            raise ValueError("the medium band must start below the high band")
        if self.new_trader_cap >= self.high:
            raise ValueError("new_trader_cap must stay below the high band")
        return self


def load_rating_weights(path: Path | None = None) -> RatingWeights:
    """``registers/rating.yaml`` (or ``path``); :class:`~hub.errors.InvalidRegister` if unsound."""
    return load_register(path or default_registers_dir() / "rating.yaml", RatingWeights)
