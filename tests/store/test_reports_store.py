"""The reports' period read on SQLite and PostgreSQL: what each declaration brings, in a
fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event

from hub.decision import Officer, amend, merge
from hub.decision.random import office_of
from hub.feedback import ControlOutcome, ControlResult
from hub.ingest import read
from hub.routing import Route
from hub.store import Store
from tests.conftest import CORPUS
from tests.decision.support import CHICKEN, DECLARATIONS, NOW, context, finding

CTX = context()
RAW = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()
EDIFACT = (CORPUS / "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi").read_bytes()
OTHERS = sorted(DECLARATIONS.glob("*/*.xml"))[:3]


def _accept(store: Store, raw: bytes, at: timedelta, routes: tuple[str, ...] = ()) -> str:
    declaration = read(raw)
    routed = [Route(agency=a, item_sequences=(1,), reasons=("test",)) for a in routes]
    store.accept(raw, declaration, wire_format="xml", received_at=NOW + at, routes=routed)
    return declaration.id


def _result(declaration_id: str, version: int, *names: str) -> ControlResult:
    return ControlResult(
        declaration_id=declaration_id,
        decision_version=version,
        agency="vet",
        officer=Officer(id="officer-1", agency="vet"),
        checked="health certificate",
        outcome=ControlOutcome.SEIZURE,
        duty_at_stake=Decimal("12.50"),
        findings=names,
        recorded_at=NOW + timedelta(hours=2),
    )


def test_a_period_reads_each_declaration_with_its_versions_routes_and_results(
    store: Store,
) -> None:
    chicken = _accept(store, RAW, timedelta(0), routes=("customs", "vet"))
    first = merge(CHICKEN, {"customs": [], "vet": [finding("vet", "red")]}, context=CTX, now=NOW)
    second = amend(first, CHICKEN, "customs", [], context=CTX, now=NOW + timedelta(minutes=1))
    released = second.model_copy(
        update={
            "version": 3,
            "supersedes": 2,
            "released": True,
            "made_at": NOW + timedelta(hours=3),
        }
    )
    latest = released.model_copy(update={"version": 4, "supersedes": 3, "note": "after"})
    for version in (first, second, released, latest):
        assert store.save_decision(version)
    store.record_control_result(_result(chicken, 1, "VET-1"), actor="officer-1")
    edifact = read(EDIFACT)
    store.accept(EDIFACT, edifact, wire_format="edifact", received_at=NOW - timedelta(days=1))
    pending = _accept(store, OTHERS[0].read_bytes(), timedelta(hours=1))

    records = store.period_records(NOW.date(), NOW.date())
    assert (records.start, records.end) == (NOW.date(), NOW.date())
    assert [r.declaration_id for r in records.declarations] == [chicken, pending]
    got = records.declarations[0]
    assert got.accepted_at == NOW and got.routed == ("customs", "vet")
    assert got.first == first and got.released == released and got.latest == latest
    assert [r.findings for r in got.results] == [("VET-1",)]
    exam = first.examination
    assert got.office == (exam.office if exam else office_of(CHICKEN))
    waiting = records.declarations[1]
    assert waiting.first is None and waiting.latest is None and waiting.results == ()
    assert waiting.office == office_of(read(OTHERS[0].read_bytes()))
    # The day before holds the EDIFACT export only: its office read from its transport.
    (before,) = store.period_records(
        NOW.date() - timedelta(days=1), NOW.date() - timedelta(days=1)
    ).declarations
    assert before.declaration_id == edifact.id and before.office == office_of(edifact)


def test_the_number_of_queries_does_not_grow_with_the_declarations(store: Store) -> None:
    one = _accept(store, RAW, timedelta(0), routes=("vet",))
    store.save_decision(merge(CHICKEN, {"vet": []}, context=CTX, now=NOW))
    few = _count_queries(store)
    for n, path in enumerate(OTHERS):
        _accept(store, path.read_bytes(), timedelta(minutes=n), routes=("customs",))
    assert one and _count_queries(store) == few <= 6
    assert len(store.period_records(NOW.date(), NOW.date()).declarations) == 1 + len(OTHERS)


def _count_queries(store: Store) -> int:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        store.period_records(NOW.date(), NOW.date() + timedelta(days=1))
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return len(seen)
