"""The orchestration embedded: one process, SQLite, memory:// broker and a worker thread."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from adapters import FunctionAdapter
from hub.agency import load_agencies
from hub.decision import AeoStatus, AgencyStatus
from hub.errors import AdapterError, AdapterRefused, IngestError
from hub.model import Declaration
from hub.model.finding import Finding
from hub.orchestrator import CeleryPublisher, Hub
from hub.orchestrator.runtime import assessment_queue
from tests.conftest import ROOT
from tests.orchestrator.support import CHICKEN, embedded_hub, quick_agencies, wait_for_versions


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with embedded_hub(tmp_path) as h:
        yield h


def test_a_submission_gets_one_coordinated_decision(hub: Hub) -> None:
    submitted = hub.submit(CHICKEN.read_bytes())
    decision = hub.wait_for_decision(submitted.declaration_id, 10)
    assert decision is not None
    assert decision.version == 1
    assert decision.agencies["vet"].channel.value == "red"
    assert not decision.pending
    assert {a.agency for a in hub.store.answers(submitted.declaration_id)} == set(decision.agencies)


def test_the_same_bytes_again_are_the_same_declaration(hub: Hub) -> None:
    first = hub.submit(CHICKEN.read_bytes())
    again = hub.submit(CHICKEN.read_bytes())
    assert (again.declaration_id, again.created) == (first.declaration_id, False)


def test_an_unreadable_message_is_refused_before_anything_is_stored(hub: Hub) -> None:
    with pytest.raises(IngestError):
        hub.submit(b"<Declaration><oops></Declaration>")
    assert hub.store.unpublished() == []


def test_a_late_agency_is_pending_with_its_fail_safe_then_amends(tmp_path: Path) -> None:
    def slow_vet(view: Declaration) -> list[Finding]:
        time.sleep(1.2)
        return []

    agencies = quick_agencies(0.8, vet=0.3)
    slow = FunctionAdapter(slow_vet, agency="vet")
    with embedded_hub(tmp_path, agencies=agencies, adapters={"vet": slow}) as hub:
        submitted = hub.submit(CHICKEN.read_bytes())
        first = hub.wait_for_decision(submitted.declaration_id, 10)
        assert first is not None
        assert first.pending == ("vet",)
        assert first.agencies["vet"].channel.value == "yellow"  # vet's fail-safe
        assert first.agencies["vet"].status is AgencyStatus.PENDING
        history = wait_for_versions(hub, submitted.declaration_id, 2)
    amended = history[1]
    assert (amended.version, amended.supersedes) == (2, 1)
    assert amended.pending == ()
    assert amended.agencies["vet"].status is AgencyStatus.MAY_PROCEED
    assert "late answer from vet" in (amended.note or "")
    late = [a for a in hub.store.answers(submitted.declaration_id) if a.agency == "vet"]
    assert [a.late for a in late] == [True]


def test_a_failing_agency_is_retried_before_its_deadline(tmp_path: Path) -> None:
    calls: list[float] = []

    def flaky(view: Declaration) -> list[Finding]:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise AdapterError("connection reset", agency="customs")
        return []

    adapter = FunctionAdapter(flaky, agency="customs")
    agencies = quick_agencies(customs=5.0)  # a retry's countdown waits on a 1 s timer tick
    with embedded_hub(
        tmp_path, agencies=agencies, adapters={"customs": adapter}, retry_backoff_s=0.05
    ) as hub:
        submitted = hub.submit(CHICKEN.read_bytes())
        decision = hub.wait_for_decision(submitted.declaration_id, 10)
    assert decision is not None
    assert len(calls) == 3
    assert decision.agencies["customs"].status is AgencyStatus.MAY_PROCEED


class FlakyBroker:
    """A publisher that fails until it is given a real one: a broker outage."""

    def __init__(self) -> None:
        self.inner: CeleryPublisher | None = None
        self.refused = 0

    def publish(
        self, task: str, kwargs: dict[str, Any], *, queue: str, countdown: float | None = None
    ) -> None:
        if self.inner is None:
            self.refused += 1
            raise ConnectionError("broker unreachable")
        self.inner.publish(task, kwargs, queue=queue, countdown=countdown)


def test_a_broker_outage_delays_the_decision_but_loses_nothing(tmp_path: Path) -> None:
    broker = FlakyBroker()
    with embedded_hub(tmp_path, publisher=broker, relay=False) as hub:
        submitted = hub.submit(CHICKEN.read_bytes())
        assert submitted.created
        assert broker.refused == 1
        [owed] = hub.store.unpublished()
        assert owed.declaration_id == submitted.declaration_id
        assert owed.attempts == 1
        assert hub.wait_for_decision(submitted.declaration_id, 0.3) is None
        assert isinstance(hub.app, Celery)
        broker.inner = CeleryPublisher(hub.app)
        assert hub.relay_once() == 1
        decision = hub.wait_for_decision(submitted.declaration_id, 10)
        assert hub.store.unpublished() == []
    assert decision is not None
    assert decision.agencies["vet"].channel.value == "red"


def test_an_answer_already_recorded_is_not_asked_again(tmp_path: Path) -> None:
    asked: list[datetime] = []

    def counted(view: Declaration) -> list[Finding]:
        asked.append(datetime.now())
        return []

    adapter = FunctionAdapter(counted, agency="police")
    with embedded_hub(tmp_path, adapters={"police": adapter}) as hub:
        submitted = hub.submit(CHICKEN.read_bytes())
        decision = hub.wait_for_decision(submitted.declaration_id, 10)
        assert decision is not None
        started = datetime.now().astimezone().isoformat()
        assert hub.orchestrator.assess(submitted.declaration_id, "police", started) is None
        assert hub.orchestrator.decide(submitted.declaration_id, started, True) == decision
    assert len(asked) == 1
    assert len(hub.history(submitted.declaration_id)) == 1


def test_the_hubs_assessment_queue_is_never_an_agencys_own_queue() -> None:
    for agency in load_agencies().values():
        celery_queue = assessment_queue("", agency.spec.queue)
        assert celery_queue != agency.spec.queue  # an AMQP agency consumes its own queue
        assert celery_queue == "hub.assess." + agency.spec.queue


class ForgetfulBroker:
    """Accepts every task and loses it, as an in-process broker does when its process stops."""

    def __init__(self) -> None:
        self.lost = 0

    def publish(
        self, task: str, kwargs: dict[str, Any], *, queue: str, countdown: float | None = None
    ) -> None:
        self.lost += 1


def test_a_restarted_embedded_hub_starts_what_its_last_process_lost(tmp_path: Path) -> None:
    forgetful = ForgetfulBroker()
    with embedded_hub(tmp_path, publisher=forgetful) as first:
        submitted = first.submit(CHICKEN.read_bytes())
        assert forgetful.lost > 0  # published (the outbox is marked) but never run
        first.orchestrator.flush_published()
        assert first.store.unpublished() == []
        assert first.store.undecided() == [submitted.declaration_id]

    with embedded_hub(tmp_path) as second:  # same SQLite file, a new process's broker
        decision = second.wait_for_decision(submitted.declaration_id, 10)
        assert second.store.undecided() == []
    assert decision is not None
    assert decision.agencies["vet"].channel.value == "red"


def test_an_agency_that_failed_is_asked_again_and_its_answer_amends(tmp_path: Path) -> None:
    first_call: list[float] = []

    def unavailable_then_back(view: Declaration) -> list[Finding]:
        first_call.append(time.monotonic())
        if time.monotonic() - first_call[0] < 0.6:
            raise AdapterRefused("service unavailable", agency="vet")
        return []

    agencies = quick_agencies(0.8, vet=0.3)
    vet = FunctionAdapter(unavailable_then_back, agency="vet")
    with embedded_hub(tmp_path, agencies=agencies, adapters={"vet": vet}) as hub:
        submitted = hub.submit(CHICKEN.read_bytes())
        history = wait_for_versions(hub, submitted.declaration_id, 2)
    assert history[0].pending == ("vet",)
    assert history[1].pending == ()
    assert history[1].agencies["vet"].status is AgencyStatus.MAY_PROCEED
    assert len(first_call) >= 2  # asked again after the decision left it pending


ONE_PHYSICAL_CONTROL_A_DAY = """\
offices:
  - code: GB000051
    name: Felixstowe
    timezone: Europe/London
    opens: '00:00'
    closes: '23:59'
    slot_minutes: 30
    lanes: {documentary: 5, scanner: 1, physical: 1}
    default: true
"""


def _another(raw: bytes, lrn: str) -> bytes:
    """The same declaration under another functional reference: a distinct declaration."""
    return raw.replace(b"7849431S2YFQ", lrn.encode(), 1)


def test_the_running_hub_counts_what_it_booked_against_the_office_capacity(
    tmp_path: Path,
) -> None:
    registers = tmp_path / "registers"
    shutil.copytree(ROOT / "registers", registers)
    (registers / "offices.yaml").write_text(ONE_PHYSICAL_CONTROL_A_DAY, encoding="utf-8")
    with embedded_hub(tmp_path, registers_dir=registers) as hub:
        decisions = []
        for lrn in ("CAPACITY-1", "CAPACITY-2"):
            submitted = hub.submit(_another(CHICKEN.read_bytes(), lrn))
            decision = hub.wait_for_decision(submitted.declaration_id, 10)
            assert decision is not None and decision.channel.value == "red"
            decisions.append(decision)
        capacity = hub.store.capacity("GB000051")
    first, second = decisions
    assert first.examination is not None and not first.examination.over_capacity
    day = first.examination.slot.start.date()
    # The lane's one control a day is taken: the second is queued, or, being
    # mandatory, booked over capacity; never silently given the same place.
    if second.examination is not None:
        assert second.examination.over_capacity
        assert capacity.booked[("GB000051", first.examination.lane, day)] == 2
    else:
        [queued] = second.queued
        assert (queued.day, queued.position) == (day, 1)
        assert capacity.waiting[("GB000051", queued.lane, day)] == [queued.score]


def test_a_declaration_whose_tasks_were_lost_is_decided_when_its_deadlines_pass(
    tmp_path: Path,
) -> None:
    forgetful = ForgetfulBroker()
    with embedded_hub(tmp_path, publisher=forgetful, relay=False) as hub:
        submitted = hub.submit(CHICKEN.read_bytes())
        assert forgetful.lost == 3  # customs, police and vet: every assessment lost
        # The timer of the process that started it fires the final decide
        # (lost too, with this broker); its deadline is 1 s in quick_agencies.
        end = time.monotonic() + 5
        while forgetful.lost < 4 and time.monotonic() < end:
            time.sleep(0.05)
        assert forgetful.lost == 4
        # A process that died takes its timer along: the sweep finds the rest.
        assert isinstance(hub.app, Celery)
        hub.orchestrator.publisher = CeleryPublisher(hub.app)
        hub.orchestrator.flush_published()
        later = hub.orchestrator.clock
        hub.orchestrator.clock = lambda: later() + timedelta(seconds=10)
        assert hub.orchestrator.sweep_overdue() == 1
        hub.orchestrator.clock = later
        # Version 1, all pending; asked again, the agencies then amend it.
        decision = wait_for_versions(hub, submitted.declaration_id, 1)[0]
    assert set(decision.pending) == {"customs", "police", "vet"}
    assert all(a.status is AgencyStatus.PENDING for a in decision.agencies.values())


def test_the_aeo_register_lives_in_the_store_and_reaches_running_decisions(
    tmp_path: Path,
) -> None:
    with embedded_hub(tmp_path) as hub:
        seeded = hub.store.aeo_certificates()
        assert seeded and seeded == hub.orchestrator.context.aeo.certificates  # type: ignore[union-attr]
        first = seeded[0]
        suspended = first.model_copy(update={"status": AeoStatus.SUSPENDED})
        hub.store.record_aeo(
            [suspended], source="officer", actor="officer:customs:o1", at=datetime.now(UTC)
        )
        assert hub.orchestrator.refresh_aeo() is True
        assert suspended in hub.orchestrator.context.aeo.certificates  # type: ignore[union-attr]
        assert hub.orchestrator.refresh_aeo() is False
        submitted = hub.submit(CHICKEN.read_bytes())
        routes = hub.store.routes(submitted.declaration_id)
    assert routes is not None and {r.agency for r in routes} == {"customs", "police", "vet"}
    with embedded_hub(tmp_path) as again:  # the register file seeds nothing it already holds
        assert suspended in again.store.aeo_certificates()
