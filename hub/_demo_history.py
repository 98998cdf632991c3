"""The demo's history: a few hundred declarations over the last days, decided and controlled.

So that the joint targeting centre's page and the reports show something
real on a demo's first start, :func:`fill_history` plays the last ``days``
days through the real hub: distinct copies of the sample messages
(:func:`~hub._demo_copies.copy_of`) are submitted through the normal ingest
in arrival waves (a vessel's or a flight's consignments come together),
the embedded orchestrator routes them to the agencies and merges their
answers, and the officers of each agency that selected goods for control
record what they found through the very act the API uses
(:func:`hub.api.acts.record_result`), so the versions, the release after
control and the audit trail are the hub's own.

Time is the hub's clock (:class:`DemoClock`), moved to each moment in
turn: acceptance, decision and result are dated on their simulated day,
and controls that would fall after now are left to be done. Everything is
drawn from one seeded :class:`~random.Random`, outcomes from a shuffled
deck (most find nothing, some a discrepancy with duty at stake, a few a
seizure or a detention), so two fills with one seed tell the same story.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random

from hub._demo_copies import copy_of
from hub.access import Principal, Role
from hub.api import acts
from hub.api.views import visible_declaration
from hub.decision import AgencyStatus, Decision
from hub.errors import HubError
from hub.feedback import ControlOutcome
from hub.ingest import read_with_warnings
from hub.model import DeclarationFunction, missing_for_assessment
from hub.model.finding import FindingSource
from hub.orchestrator import Hub

__all__ = [
    "DemoClock",
    "History",
    "fill_history",
    "is_empty",
    "usable_templates",
]

_CONTROLLED = (
    AgencyStatus.DOCUMENTARY_CHECK,
    AgencyStatus.EXAMINATION_REQUIRED,
    AgencyStatus.HOLD,
)
# Of every twenty controls: fourteen find nothing, four a discrepancy, one a seizure, one a
# detention. A deck rather than independent draws, so even a short history holds each kind.
_DECK = (
    (ControlOutcome.NO_FINDING,) * 14
    + (ControlOutcome.DISCREPANCY,) * 4
    + (ControlOutcome.SEIZURE, ControlOutcome.DETENTION)
)
_WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3)  # Monday first
_TRADER = Principal(subject="demo-trader", role=Role.TRADER, parties=("DEMO",))


class DemoClock:
    """The hub's clock during the fill: real time, moved to a simulated moment.

    :meth:`start` puts it at the history's first moment; :meth:`set` moves
    it on to a later one, from which it runs on in real time, so deadlines
    and waits behave as in service. Once started it never goes back.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def start(self, moment: datetime) -> None:
        with self._lock:
            self._offset = moment - datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        with self._lock:
            now = datetime.now(UTC)
            if moment > now + self._offset:
                self._offset = moment - now


@dataclass
class History:
    """What the fill made: the summary the demo prints."""

    declarations: int = 0
    refused: int = 0
    undecided: int = 0
    days: set[date] = field(default_factory=set)
    channels: Counter[str] = field(default_factory=Counter)  # first decisions
    outcomes: Counter[str] = field(default_factory=Counter)
    released_after_control: int = 0
    held_after_control: int = 0
    controls_to_come: int = 0
    seconds: float = 0.0

    def lines(self) -> Iterator[str]:
        channels = ", ".join(
            f"{c} {self.channels[c]}" for c in ("green", "yellow", "orange", "red")
        )
        outcomes = ", ".join(f"{o.value} {self.outcomes[o.value]}" for o in ControlOutcome)
        yield (
            f"history: {self.declarations} declarations over {len(self.days)} days"
            f" in {self.seconds:.1f} s"
            + (f" ({self.refused} refused)" if self.refused else "")
            + (f" ({self.undecided} undecided)" if self.undecided else "")
        )
        yield f"  decisions by channel: {channels}"
        yield f"  control results: {sum(self.outcomes.values())} ({outcomes})"
        yield (
            f"  released after control: {self.released_after_control},"
            f" held after control: {self.held_after_control},"
            f" controls still to do: {self.controls_to_come}"
        )


def is_empty(hub: Hub) -> bool:
    """Whether the hub holds no declaration yet: the demo fills only a new store."""
    return not hub.store.latest_decisions(limit=1)


def usable_templates(messages: Sequence[bytes]) -> list[bytes]:
    """The originals among ``messages`` an assessment can use (no amendment, no cancellation)."""
    usable: list[bytes] = []
    for raw in messages:
        try:
            declaration = read_with_warnings(raw).declaration
        except HubError:
            continue
        if declaration.function is DeclarationFunction.ORIGINAL and not missing_for_assessment(
            declaration
        ):
            usable.append(raw)
    return usable


def fill_history(
    hub: Hub,
    clock: DemoClock,
    templates: Sequence[bytes],
    *,
    count: int,
    days: int = 14,
    seed: int = 7,
    now: datetime | None = None,
    wait_s: float = 30.0,
) -> History:
    """Play ``count`` declarations over the last ``days`` days through ``hub`` (module docstring).

    ``clock`` must be ``hub``'s clock (``open_hub(..., clock=clock)``).
    """
    started = time.monotonic()
    history = History()
    if not templates or count <= 0:
        return history
    rng = Random(seed)
    now = now or datetime.now(UTC)
    deck: list[ControlOutcome] = []
    events: list[tuple[datetime, int, _Control | list[bytes]]] = []
    serial = 0
    order = itertools.count()  # ties in time keep the order they were planned in
    for moment, size in _waves(count, days, now, rng):
        wave: list[bytes] = []
        for _ in range(size):
            serial += 1
            wave.append(copy_of(rng.choice(templates), serial=serial, day=moment.date(), rng=rng))
        events.append((moment, next(order), wave))
    heapq.heapify(events)
    if events:
        clock.start(events[0][0])
    while events:
        moment, _, what = heapq.heappop(events)
        clock.set(moment)
        if isinstance(what, _Control):
            if not deck:
                deck = list(_DECK)
                rng.shuffle(deck)
            _record(hub, what, deck.pop(), rng, history)
            continue
        for decision in _submit_wave(hub, what, wait_s, history):
            history.days.add(decision.made_at.date())
            history.channels[decision.channel.value] += 1
            for control in _controls(decision, rng):
                if control.at <= now:
                    heapq.heappush(events, (control.at, next(order), control))
                else:
                    history.controls_to_come += 1
    clock.set(now)
    history.seconds = time.monotonic() - started
    return history


@dataclass(frozen=True)
class _Control:
    """A control to record: an agency's officers at the goods of one declaration."""

    at: datetime
    declaration_id: str
    agency: str
    checked: str
    findings: tuple[str, ...]


def _waves(count: int, days: int, now: datetime, rng: Random) -> list[tuple[datetime, int]]:
    """Arrival waves (moment, how many declarations) over the last ``days`` days, oldest first."""
    first = now.date() - timedelta(days=days - 1)
    day_list = [first + timedelta(days=i) for i in range(days)]
    # Today counts for the part of its working hours (06:00 to 20:00) already gone.
    gone = (now - datetime(now.year, now.month, now.day, 6, tzinfo=UTC)) / timedelta(hours=14)
    weights = [_WEEKDAY_WEIGHT[d.weekday()] for d in day_list]
    weights[-1] *= min(max(gone, 0.0), 1.0)
    if not any(weights):
        return []
    per_day = Counter(rng.choices(day_list, weights=weights, k=count))
    waves: list[tuple[datetime, int]] = []
    for day in day_list:
        left = per_day[day]
        opening = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        closing = min(opening + timedelta(hours=14), now - timedelta(minutes=5))
        if closing <= opening:  # too early today: the morning's waves come later
            continue
        while left:
            size = min(left, rng.randint(1, 8))
            span = int((closing - opening).total_seconds())
            waves.append((opening + timedelta(seconds=rng.randrange(span)), size))
            left -= size
    return sorted(waves)


def _submit_wave(
    hub: Hub, wave: Sequence[bytes], wait_s: float, history: History
) -> list[Decision]:
    """Submit a wave's messages, then wait for every first decision."""
    ids: list[str] = []
    for raw in wave:
        try:
            ids.append(hub.submit(raw, actor=_TRADER.actor).declaration_id)
        except HubError:
            history.refused += 1
    history.declarations += len(ids)
    waiting = set(ids)
    end = time.monotonic() + wait_s
    while waiting and time.monotonic() < end:
        waiting -= hub.store.decided_among(sorted(waiting))
        if waiting:
            time.sleep(0.005)
    history.undecided += len(waiting)
    decided = [hub.store.decision_history(i) for i in ids if i not in waiting]
    return [versions[0] for versions in decided if versions]


def _controls(decision: Decision, rng: Random) -> list[_Control]:
    """The controls a first decision asks for, each when its officers would record the result."""
    exam = decision.examination
    if exam is not None:
        start = exam.slot.start
        checked = {
            "documentary": "documents checked against the declaration",
            "scanner": "container scanned, image read",
            "physical": "goods unloaded and examined",
        }[exam.lane.value]
    elif decision.queued:
        queued = decision.queued[0]
        start = datetime(queued.day.year, queued.day.month, queued.day.day, 10, tzinfo=UTC)
        checked = "goods examined once the lane had room"
    else:
        start = decision.made_at + timedelta(minutes=30)
        checked = "documents checked against the declaration"
    controls: list[_Control] = []
    for name, agency in decision.agencies.items():
        if agency.status not in _CONTROLLED:
            continue
        findings = [
            "random" if f.source is FindingSource.RANDOM else f.profile_id for f in agency.findings
        ]
        controls.append(
            _Control(
                at=start + timedelta(minutes=rng.randint(20, 150)),
                declaration_id=decision.declaration_id,
                agency=name,
                checked=checked,
                findings=tuple(dict.fromkeys(f for f in findings if f)),
            )
        )
    return controls


def _record(
    hub: Hub, control: _Control, outcome: ControlOutcome, rng: Random, history: History
) -> None:
    """Record one control's result as its agency's officer, through the API's act."""
    officer = Principal(
        subject=f"demo-{control.agency}-officer", role=Role.OFFICER, agency=control.agency
    )
    visible = visible_declaration(hub, officer, control.declaration_id)
    latest = hub.decision(control.declaration_id)
    if latest is None:
        return
    stake: dict[str, Decimal | str | None] = {}
    notes = None
    if outcome is ControlOutcome.DISCREPANCY:
        stake = {"duty_at_stake": _amount(rng, 60, 4800), "currency": "EUR"}
        notes = "goods under-declared; the duty at stake was collected"
    elif outcome is ControlOutcome.SEIZURE:
        stake = {"value_at_stake": _amount(rng, 2000, 80000), "currency": "EUR"}
        notes = "goods seized"
    elif outcome is ControlOutcome.DETENTION:
        notes = "samples taken; goods detained until the laboratory reports"
    body = acts.ControlResultIn.model_validate(
        {
            "agency": control.agency,
            "decision_version": latest.version,
            "checked": control.checked,
            "outcome": outcome,
            "notes": notes,
            "findings": list(control.findings),
            **stake,
        }
    )
    acts.record_result(hub, officer, visible, body)
    history.outcomes[outcome.value] += 1
    after = hub.decision(control.declaration_id)
    if after is not None and after.version > latest.version:
        if after.released:
            history.released_after_control += 1
        elif any(a.status is AgencyStatus.HOLD for a in after.agencies.values()):
            history.held_after_control += 1


def _amount(rng: Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100
