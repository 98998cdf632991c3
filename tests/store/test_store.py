"""The store against SQLite and PostgreSQL alike: idempotent, atomic, insert-only, race-safe."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from hub.decision import CapacityState, Decision, Lane, Officer, amend, merge, move_examination
from hub.errors import ConflictingRecord, SchedulingRefused, StoreError, VersionGap
from hub.ingest import read
from hub.store import DecisionBasis, NewAnswer, OutboxEntry, Store
from hub.store.schema import DecisionRecord, DeclarationRecord, MessageRecord, OutboxRecord
from tests.conftest import CORPUS
from tests.decision.support import CHICKEN, DECLARATIONS, NOW, OFFICE, context, finding

CTX = context()
RAW = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()
EDIFACT = (CORPUS / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()


def _accept(store: Store, raw: bytes = RAW, *entries: OutboxEntry) -> str:
    declaration = read(raw)
    accepted = store.accept(raw, declaration, wire_format="xml", received_at=NOW, outbox=entries)
    return accepted.declaration_id


def _count(store: Store, table: type[object]) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _first_two() -> tuple[Decision, Decision]:
    first = merge(CHICKEN, {"customs": [], "vet": []}, context=CTX, now=NOW)
    second = amend(
        first, CHICKEN, "vet", [finding("vet", "red")], context=CTX, now=NOW + timedelta(minutes=1)
    )
    return first, second


def test_the_same_bytes_twice_give_one_declaration_and_one_outbox_entry(store: Store) -> None:
    declaration = read(RAW)
    entry = OutboxEntry("assess", {"declaration_id": declaration.id})
    first = store.accept(RAW, declaration, wire_format="xml", received_at=NOW, outbox=[entry])
    again = store.accept(RAW, declaration, wire_format="xml", received_at=NOW, outbox=[entry])

    assert first.created and not again.created
    assert first.declaration_id == again.declaration_id == CHICKEN.id
    assert [r.topic for r in store.unpublished()] == ["assess"]
    assert store.declaration(CHICKEN.id) == declaration


def test_the_message_is_kept_byte_for_byte_with_its_hash(store: Store) -> None:
    declaration = read(EDIFACT)
    store.accept(EDIFACT, declaration, wire_format="edifact", received_at=NOW)

    message = store.raw_message(declaration.id)
    assert message is not None and message.data == EDIFACT
    assert message.sha256 == declaration.message_hash and message.wire_format == "edifact"
    assert message.received_at == NOW
    assert store.declaration(declaration.id) == declaration
    assert declaration.functional_reference is not None
    found = store.declarations_by_reference(declaration.submitter, declaration.functional_reference)
    assert found == [declaration.id]
    assert store.raw_message("DEC-UNKNOWN") is None and store.declaration("DEC-UNKNOWN") is None


def test_an_outbox_entry_breaking_a_constraint_leaves_nothing_half_stored(store: Store) -> None:
    good, bad = OutboxEntry("assess", {}), OutboxEntry("", {})
    with pytest.raises(StoreError, match=CHICKEN.id):
        _accept(store, RAW, good, bad)

    assert [_count(store, t) for t in (MessageRecord, DeclarationRecord, OutboxRecord)] == [0] * 3
    assert _accept(store, RAW, good) == CHICKEN.id  # the retry stores it whole


def test_a_declaration_read_from_other_bytes_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="not from these bytes"):
        store.accept(RAW + b" ", CHICKEN, wire_format="xml", received_at=NOW)


def test_decisions_are_insert_only_and_gapless(store: Store) -> None:
    _accept(store)
    first, second = _first_two()
    with pytest.raises(VersionGap, match="next must be 1"):
        store.save_decision(second)

    assert store.save_decision(first) is True
    assert store.save_decision(first) is False
    with pytest.raises(ConflictingRecord) as conflict:
        store.save_decision(first.model_copy(update={"channel": second.channel}))
    assert conflict.value.key == f"{CHICKEN.id} v1"
    with pytest.raises(VersionGap, match="next must be 2"):
        store.save_decision(second.model_copy(update={"version": 3, "supersedes": 2}))
    with pytest.raises(VersionGap, match="must supersede 1"):
        store.save_decision(second.model_copy(update={"supersedes": None}))
    assert store.save_decision(second) is True

    assert store.decision_history(CHICKEN.id) == [first, second]
    assert store.latest_decision(CHICKEN.id) == second
    assert store.latest_decision("DEC-UNKNOWN") is None and store.decision_history("X") == []


def test_a_decision_on_an_unknown_declaration_is_refused(store: Store) -> None:
    first, _ = _first_two()
    with pytest.raises(StoreError, match="not stored"):
        store.save_decision(first)


def test_an_agency_answer_is_kept_once(store: Store) -> None:
    _accept(store)
    red = (finding("vet", "red"),)
    assert store.record_answer(CHICKEN.id, "vet", "r1", red, answered_at=NOW, late=False)
    later = NOW + timedelta(seconds=30)
    assert not store.record_answer(CHICKEN.id, "vet", "r1", red, answered_at=later, late=True)
    with pytest.raises(ConflictingRecord, match="vet/r1"):
        store.record_answer(CHICKEN.id, "vet", "r1", (), answered_at=NOW, late=False)
    assert store.record_answer(CHICKEN.id, "customs", "r1", (), answered_at=later, late=True)

    answers = store.answers(CHICKEN.id)
    assert [(a.agency, a.findings, a.answered_at, a.late) for a in answers] == [
        ("vet", red, NOW, False),
        ("customs", (), later, True),
    ]
    with pytest.raises(StoreError, match="not stored"):
        store.record_answer("DEC-UNKNOWN", "vet", "r1", red, answered_at=NOW, late=False)


def test_the_outbox_round_trip(store: Store) -> None:
    _accept(store, RAW, OutboxEntry("assess", {"n": 1}), OutboxEntry("notify", {"n": 2}))
    pending = store.unpublished()
    assert [(r.topic, r.payload, r.attempts, r.published_at) for r in pending] == [
        ("assess", {"n": 1}, 0, None),
        ("notify", {"n": 2}, 0, None),
    ]
    assert [r.id for r in store.unpublished(limit=1)] == [pending[0].id]

    store.bump_attempts([pending[0].id])
    store.bump_attempts([pending[0].id])
    assert [r.attempts for r in store.unpublished()] == [2, 0]

    at = NOW + timedelta(seconds=1)
    assert store.mark_published([pending[0].id], at) == 1
    assert [r.id for r in store.unpublished()] == [pending[1].id]
    assert store.mark_published([r.id for r in pending], at + timedelta(seconds=1)) == 1
    assert store.mark_published([pending[0].id], at) == 0 and store.mark_published([], at) == 0
    assert store.unpublished() == []


def _save_in_child(url: str, decision_json: str, barrier: Barrier, results: object) -> None:
    with Store.open(url) as store:
        decision = Decision.model_validate_json(decision_json)
        barrier.wait(timeout=20)
        try:
            outcome: object = store.save_decision(decision)
        except ConflictingRecord:
            outcome = "conflict"
        results.put(outcome)  # type: ignore[attr-defined]


def _race(url: str, *decisions: Decision) -> list[object]:
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(len(decisions)), mp.Queue()
    children = [
        mp.Process(target=_save_in_child, args=(url, d.model_dump_json(), barrier, results))
        for d in decisions
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=30) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    results.close()
    return sorted(outcomes, key=str)


def test_two_processes_saving_one_version_store_one_row(store: Store, database_url: str) -> None:
    _accept(store)
    first, second = _first_two()
    store.save_decision(first)

    assert _race(database_url, second, second) == [False, True]
    third = merge(CHICKEN, {"customs": []}, context=CTX, now=NOW, previous=second)
    rival = third.model_copy(update={"note": "another worker's amendment"})
    assert _race(database_url, third, rival) == [True, "conflict"]

    assert [d.version for d in store.decision_history(CHICKEN.id)] == [1, 2, 3]
    assert _count(store, DecisionRecord) == 3


def test_two_processes_accepting_the_same_bytes_store_it_once(
    store: Store, database_url: str
) -> None:
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(2), mp.Queue()
    children = [
        mp.Process(target=_accept_in_child, args=(database_url, barrier, results)) for _ in range(2)
    ]
    for child in children:
        child.start()
    outcomes = sorted(results.get(timeout=30) for _ in children)
    for child in children:
        child.join(timeout=30)
    results.close()

    assert outcomes == [False, True]
    assert [_count(store, t) for t in (MessageRecord, DeclarationRecord, OutboxRecord)] == [1] * 3


def _accept_in_child(url: str, barrier: Barrier, results: object) -> None:
    declaration = read(RAW)
    with Store.open(url) as store:
        barrier.wait(timeout=20)
        accepted = store.accept(
            RAW, declaration, wire_format="xml", received_at=NOW, outbox=[OutboxEntry("assess")]
        )
        results.put(accepted.created)  # type: ignore[attr-defined]


def test_undecided_lists_published_declarations_without_a_decision(store: Store) -> None:
    _accept(store, RAW, OutboxEntry("assess", {"declaration_id": CHICKEN.id}))
    assert store.undecided() == []  # not yet published: the relay's business, not recovery's

    [row] = store.unpublished()
    store.mark_published([row.id], NOW)
    assert store.undecided() == [CHICKEN.id]

    first, _ = _first_two()
    store.save_decision(first)
    assert store.undecided() == []


THREE = ("customs", "police", "vet")


def _first_when_all_answered(basis: DecisionBasis) -> list[Decision]:
    answered = {a.agency: a.findings for a in basis.answers}
    if basis.latest is not None or set(answered) != set(THREE):
        return []
    return [merge(CHICKEN, answered, context=CTX, now=NOW)]


def _answer_in_child(url: str, agency: str, barrier: Barrier, results: object) -> None:
    with Store.open(url) as store:
        answer = NewAnswer(agency, "r1", (finding(agency, "yellow"),), NOW, False)
        barrier.wait(timeout=20)
        decided = store.decide(CHICKEN.id, _first_when_all_answered, answer=answer)
        results.put((agency, decided.answer_created, len(decided.saved)))  # type: ignore[attr-defined]


def test_of_answers_arriving_at_once_exactly_the_last_makes_the_decision(
    store: Store, database_url: str
) -> None:
    _accept(store)
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(len(THREE)), mp.Queue()
    children = [
        mp.Process(target=_answer_in_child, args=(database_url, agency, barrier, results))
        for agency in THREE
    ]
    for child in children:
        child.start()
    outcomes = sorted(results.get(timeout=30) for _ in children)
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    results.close()

    assert [created for _, created, _ in outcomes] == [True] * 3
    assert sorted(saved for _, _, saved in outcomes) == [0, 0, 1]
    [decision] = store.decision_history(CHICKEN.id)
    assert set(decision.agencies) == set(THREE) and decision.pending == ()


def test_what_a_decision_books_is_the_offices_capacity_until_a_later_version_frees_it(
    store: Store,
) -> None:
    _accept(store)
    first = merge(CHICKEN, {"customs": [], "vet": [finding("vet", "red")]}, context=CTX, now=NOW)
    assert first.examination is not None
    seen: list[CapacityState] = []

    def book(basis: DecisionBasis) -> list[Decision]:
        seen.append(basis.capacity())  # read inside the deciding transaction
        return [first]

    decided = store.decide(CHICKEN.id, book, office="GB000051")
    assert decided.saved == (first,) and decided.latest == first
    assert seen == [CapacityState()]  # nothing booked before
    key = ("GB000051", first.examination.lane, first.examination.slot.start.date())
    assert store.capacity("GB000051").booked == {key: 1}

    cleared = amend(first, CHICKEN, "vet", [], context=CTX, now=NOW + timedelta(minutes=1))
    assert cleared.examination is None

    def clear(basis: DecisionBasis) -> list[Decision]:
        seen.append(basis.capacity())
        return [cleared]

    store.decide(CHICKEN.id, clear, office="GB000051")
    assert seen[1] == CapacityState()  # its own booking left out: a new version may move it
    assert store.capacity("GB000051").booked == {}
    assert [d.version for d in store.decision_history(CHICKEN.id)] == [1, 2]


def test_decide_refuses_an_unknown_declaration_and_a_version_out_of_turn(store: Store) -> None:
    first, second = _first_two()
    with pytest.raises(StoreError, match="no such declaration"):
        store.decide(CHICKEN.id, lambda basis: [first])
    _accept(store)
    with pytest.raises(VersionGap, match="next must be 1"):
        store.decide(CHICKEN.id, lambda basis: [second])
    assert store.decision_history(CHICKEN.id) == []


def test_on_sqlite_only_the_accept_waits_for_the_disk(tmp_path: Path) -> None:
    with Store.embedded(tmp_path / "hub.db") as store:
        said: list[str] = []
        event.listen(store.engine, "before_cursor_execute", lambda *a: said.append(a[2]))
        _accept(store)
        assert "PRAGMA synchronous = FULL" in said  # durable before the trader is told
        said.clear()
        store.record_answer(CHICKEN.id, "vet", "r1", (), answered_at=NOW, late=False)
        assert "PRAGMA synchronous = FULL" not in said
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_revision_moves_the_booking_and_is_audited_or_stores_nothing(store: Store) -> None:
    _accept(store)
    first = merge(CHICKEN, {"customs": [], "vet": [finding("vet", "red")]}, context=CTX, now=NOW)
    assert first.examination is not None
    store.decide(CHICKEN.id, lambda basis: [first], office="GB000051")
    old_day = first.examination.slot.start.date()
    to = datetime(2026, 11, 27, 9, tzinfo=UTC)
    seen: list[CapacityState] = []

    def move(latest: Decision, capacity: Callable[[], CapacityState]) -> Decision:
        seen.append(capacity())
        return move_examination(
            latest,
            declaration=CHICKEN,
            to=to,
            office=OFFICE,
            capacity=seen[-1],
            officer=Officer(id="analyst-1", agency="jtc"),
            reason="agencies meet on Friday",
            now=NOW,
        )

    def refused(latest: Decision, capacity: Callable[[], CapacityState]) -> Decision:
        raise SchedulingRefused("no")

    with pytest.raises(SchedulingRefused):
        store.revise(CHICKEN.id, refused, actor="jtc:analyst-1", action="examination.moved")
    assert [d.version for d in store.decision_history(CHICKEN.id)] == [1]

    moved = store.revise(
        CHICKEN.id,
        move,
        actor="jtc:analyst-1",
        action="examination.moved",
        office="GB000051",
        detail=lambda d: {"to": d.moves[-1].to_slot.start.isoformat()},
    )
    assert seen == [CapacityState()]  # its own booking left out: it is the one that moves
    assert moved.version == 2 and store.latest_decision(CHICKEN.id) == moved
    assert store.capacity("GB000051").booked == {("GB000051", Lane.PHYSICAL, to.date()): 1}
    assert store.examinations_on("GB000051", old_day) == []
    assert store.examinations_on("GB000051", to.date()) == [(CHICKEN.id, True)]
    (entry,) = [e for e in store.audit_trail() if e.action == "examination.moved"]
    assert (entry.actor, entry.subject) == ("jtc:analyst-1", CHICKEN.id)
    assert entry.detail == {"version": 2, "to": to.astimezone(OFFICE.zone).isoformat()}
    with pytest.raises(StoreError, match="no such declaration"):
        store.revise("DEC-UNKNOWN", move, actor="x", action="examination.moved")
