"""The coordinated decision: merge, AEO/MRA benefit, random selection, capacity, joint
examination and re-routing, as pure functions over findings, registers and a moment.

Everything here is pure: no clock, randomness, files (other than the register
loaders) or services inside a decision; the orchestrator passes ``now``, the
random seed, the registers and the capacity already booked.
"""

from hub.decision.aeo import (
    AeoBenefit,
    AeoCertificate,
    AeoRegister,
    AeoStatus,
    AeoType,
    MraArrangement,
    MraArrangements,
    benefit,
    load_aeo_register,
    load_mra,
)
from hub.decision.capacity import Booking, CapacityState, Waiting, schedule
from hub.decision.joint import plan_examination
from hub.decision.merge import DecisionContext, amend, answered_findings, fail_safe_finding, merge
from hub.decision.model import (
    AgencyDecision,
    AgencyStatus,
    Decision,
    ExaminationMove,
    JointExamination,
    Lane,
    Officer,
    QueuedSelection,
    Rerouting,
    ReroutingAction,
    Slot,
    most_severe,
    trader_view,
)
from hub.decision.offices import OfficeCalendar, Offices, load_offices
from hub.decision.random import RandomSelection, RandomTable, draw, load_random_table
from hub.decision.rerouting import RaiseRequest, approve_raise, lower, request_raise
from hub.decision.scheduling import calendar_slot, move_examination

__all__ = [
    "AeoBenefit",
    "AeoCertificate",
    "AeoRegister",
    "AeoStatus",
    "AeoType",
    "AgencyDecision",
    "AgencyStatus",
    "Booking",
    "CapacityState",
    "Decision",
    "DecisionContext",
    "ExaminationMove",
    "JointExamination",
    "Lane",
    "MraArrangement",
    "MraArrangements",
    "OfficeCalendar",
    "Officer",
    "Offices",
    "QueuedSelection",
    "RaiseRequest",
    "RandomSelection",
    "RandomTable",
    "Rerouting",
    "ReroutingAction",
    "Slot",
    "Waiting",
    "amend",
    "answered_findings",
    "approve_raise",
    "benefit",
    "calendar_slot",
    "draw",
    "fail_safe_finding",
    "load_aeo_register",
    "load_mra",
    "load_offices",
    "load_random_table",
    "lower",
    "merge",
    "most_severe",
    "move_examination",
    "plan_examination",
    "request_raise",
    "schedule",
    "trader_view",
]
