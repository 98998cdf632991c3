"""Control results and the version they make, kept in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from datetime import timedelta
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import func, select

from hub.decision import Decision, Officer, merge
from hub.decision.release import after_control
from hub.errors import StoreError, VersionGap
from hub.feedback import ControlOutcome, ControlResult
from hub.ingest import read
from hub.store import Store
from hub.store.schema import ControlResultRecord
from tests.decision.support import CHICKEN, DECLARATIONS, NOW, context, finding

CTX = context()
RAW = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()
LATER = NOW + timedelta(hours=2)


def _decided(store: Store) -> Decision:
    """The chicken accepted, customs selecting for documents, vet for an examination."""
    store.accept(RAW, read(RAW), wire_format="xml", received_at=NOW)
    found = {"customs": [finding("customs", "yellow")], "vet": [finding("vet", "red")]}
    first = merge(CHICKEN, found, context=CTX, now=NOW)
    assert store.save_decision(first)
    return first


def _result(agency: str, outcome: ControlOutcome = ControlOutcome.NO_FINDING) -> ControlResult:
    return ControlResult(
        declaration_id=CHICKEN.id,
        decision_version=1,
        agency=agency,
        officer=Officer(id=f"{agency}-1", agency=agency),
        checked="goods and documents",
        outcome=outcome,
        recorded_at=LATER,
    )


def _release(latest: Decision, results: Sequence[ControlResult]) -> Decision | None:
    return after_control(latest, results, now=LATER)


def _results_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ControlResultRecord)) or 0)


def test_a_result_and_the_version_it_makes_are_kept_and_audited_together(store: Store) -> None:
    _decided(store)
    first_id = store.record_control_result(
        _result("customs"), actor="officer:customs-1", next_version=_release
    )
    second_id = store.record_control_result(
        _result("vet"), actor="officer:vet-1", next_version=_release
    )

    history = store.decision_history(CHICKEN.id)
    assert [(d.version, d.released) for d in history] == [(1, False), (2, False), (3, True)]
    assert history[-1].note == "released after control by customs and vet"
    audited = [e.detail for e in store.audit_trail() if e.action == "control-result"]
    assert audited == [
        {"id": first_id, "agency": "customs", "outcome": "no-finding", "version": 2,
         "released": False},
        {"id": second_id, "agency": "vet", "outcome": "no-finding", "version": 3,
         "released": True},
    ]  # fmt: skip
    # The same word again: the result is kept, no version made.
    store.record_control_result(_result("vet"), actor="officer:vet-1", next_version=_release)
    assert len(store.decision_history(CHICKEN.id)) == 3
    assert [e.detail.get("version") for e in store.audit_trail() if e.action == "control-result"][
        -1
    ] is None


def test_without_a_maker_only_the_result_is_kept(store: Store) -> None:
    _decided(store)
    store.record_control_result(_result("customs"), actor="officer:customs-1")
    assert len(store.decision_history(CHICKEN.id)) == 1
    assert [r.agency for r in store.control_results(CHICKEN.id)] == ["customs"]


def test_a_maker_that_fails_leaves_no_result_behind(store: Store) -> None:
    _decided(store)

    def skips(latest: Decision, results: Sequence[ControlResult]) -> Decision | None:
        made = after_control(latest, results, now=LATER)
        assert made is not None
        return made.model_copy(update={"version": 3, "supersedes": 2})

    with pytest.raises(VersionGap):
        store.record_control_result(_result("customs"), actor="x", next_version=skips)
    assert _results_count(store) == 0 and len(store.decision_history(CHICKEN.id)) == 1

    with pytest.raises(StoreError, match="no decision version 2"):
        store.record_control_result(
            _result("customs").model_copy(update={"decision_version": 2}), actor="x"
        )


def _record_in_child(url: str, agency: str, barrier: Barrier, results: object) -> None:
    with Store.open(url) as store:
        barrier.wait(timeout=20)
        result_id = store.record_control_result(
            _result(agency), actor=f"officer:{agency}-1", next_version=_release
        )
        results.put((agency, result_id))  # type: ignore[attr-defined]


def test_two_results_recorded_at_once_make_consecutive_versions(
    store: Store, database_url: str
) -> None:
    _decided(store)
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(2), mp.Queue()
    children = [
        mp.Process(target=_record_in_child, args=(database_url, agency, barrier, results))
        for agency in ("customs", "vet")
    ]
    for child in children:
        child.start()
    outcomes = sorted(results.get(timeout=30) for _ in children)
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    results.close()

    assert [agency for agency, _ in outcomes] == ["customs", "vet"]
    history = store.decision_history(CHICKEN.id)
    # Whichever came second saw the first's result and version: one release, never two v2s.
    assert [(d.version, d.supersedes) for d in history] == [(1, None), (2, 1), (3, 2)]
    assert [d.released for d in history] == [False, False, True]
    waiting = history[1].note or ""
    assert waiting.endswith("waiting for vet") or waiting.endswith("waiting for customs")
    assert _results_count(store) == 2
