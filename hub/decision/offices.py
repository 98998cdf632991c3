"""Customs offices as data: examination lanes, capacity per day, opening hours and slots.

An office's day (in its own time zone) is cut into slots of ``slot_minutes``
from ``opens`` to ``closes``; each lane (documentary, scanner, physical)
handles ``lanes[lane]`` controls a day, spread evenly over the slots. The
calendar says *when* a control can happen; how many are booked is the
caller's knowledge (see :mod:`hub.decision.capacity`), so this stays pure.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.decision.model import Lane, Slot
from hub.registers import default_registers_dir, load_register

__all__ = ["OfficeCalendar", "Offices", "load_offices"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfficeCalendar(_Frozen):
    """One office: its lanes' daily capacity and when it examines goods."""

    code: str
    name: str | None = None
    timezone: str = "UTC"
    opens: time
    closes: time
    slot_minutes: int = Field(gt=0, le=24 * 60)
    open_days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)  # ISO weekdays, Monday = 1
    lanes: dict[Lane, int] = {}
    default: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _sound(self) -> OfficeCalendar:
        if self.slots_per_day < 1:
            raise ValueError("opening hours must hold at least one slot")
        if not self.open_days or not set(self.open_days) <= set(range(1, 8)):
            raise ValueError("open_days are ISO weekdays 1 (Monday) to 7")
        if any(c < 0 for c in self.lanes.values()):
            raise ValueError("a lane's capacity is zero or more")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def slots_per_day(self) -> int:
        minutes = (self.closes.hour * 60 + self.closes.minute) - (
            self.opens.hour * 60 + self.opens.minute
        )
        return max(0, minutes // self.slot_minutes)

    def capacity(self, lane: Lane) -> int:
        """Controls a day in ``lane``; a lane the office lacks has none."""
        return self.lanes.get(lane, 0)

    def per_slot(self, lane: Lane) -> int:
        """Controls one slot takes, the day's capacity spread over the slots (rounded up)."""
        return -(-self.capacity(lane) // self.slots_per_day)

    def slot(self, day: date, index: int) -> Slot:
        """The ``index``-th slot (0-based) of ``day``, in the office's zone."""
        start = datetime.combine(day, self.opens, tzinfo=self.zone) + timedelta(
            minutes=index * self.slot_minutes
        )
        return Slot(start=start, end=start + timedelta(minutes=self.slot_minutes))

    def first_slot(self, now: datetime) -> tuple[date, int]:
        """The first open day and slot index starting at or after ``now``."""
        local = now.astimezone(self.zone)
        day = local.date()
        for _ in range(8):
            if day.isoweekday() in self.open_days:
                for index in range(self.slots_per_day):
                    if self.slot(day, index).start >= local:
                        return day, index
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), tzinfo=self.zone)
        raise AssertionError("open_days is never empty")  # pragma: no cover


class Offices(_Frozen):
    """Every office the hub schedules for; one is the default for declarations naming none."""

    offices: tuple[OfficeCalendar, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> Offices:
        codes = [o.code for o in self.offices]
        if len(set(codes)) != len(codes):
            raise ValueError("office codes must be distinct")
        if sum(o.default for o in self.offices) > 1:
            raise ValueError("at most one office is the default")
        return self

    def get(self, code: str | None) -> OfficeCalendar:
        """The office ``code``, or the default one (the first if none is marked)."""
        found = next((o for o in self.offices if o.code == code), None)
        return found or next((o for o in self.offices if o.default), self.offices[0])


def load_offices(path: Path | None = None) -> Offices:
    """``registers/offices.yaml`` (or ``path``)."""
    return load_register(path or default_registers_dir() / "offices.yaml", Offices)
