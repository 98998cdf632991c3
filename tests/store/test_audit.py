"""The audit trail on SQLite and PostgreSQL: appended with the facts, and tampering is caught."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from hub.audit import GENESIS, verify
from hub.cli import app
from hub.decision import merge
from hub.ingest import read
from hub.store import Store
from tests.decision.support import CHICKEN, DECLARATIONS, NOW, context, finding

RAW = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()


def _fill(store: Store) -> None:
    store.accept(RAW, read(RAW), wire_format="xml", received_at=NOW, actor="trader:XI1")
    decision = merge(
        CHICKEN, {"customs": [], "vet": [finding("vet", "red")]}, context=context(), now=NOW
    )
    store.save_decision(decision)
    store.audit(actor="jtc:analyst-1", action="read.confidential", subject=CHICKEN.id, at=NOW)


def _verify(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--url", url])
    return result.exit_code, result.output


def test_submissions_decisions_and_reads_are_chained_in_order(store: Store) -> None:
    _fill(store)
    trail = list(store.audit_trail())
    assert [(e.seq, e.action, e.actor) for e in trail] == [
        (1, "submission", "trader:XI1"),
        (2, "decision", "hub"),
        (3, "read.confidential", "jtc:analyst-1"),
    ]
    assert trail[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(trail))
    assert verify(trail).intact


def test_hub_audit_verify_passes_an_intact_trail(store: Store, database_url: str) -> None:
    _fill(store)
    code, output = _verify(database_url)
    assert code == 0, output
    assert output.startswith("intact: 3 records, last hash ")


@pytest.mark.parametrize(
    ("tamper", "broken", "why"),
    [
        ("UPDATE audit_records SET actor = 'nobody' WHERE seq = 2", 2, "altered"),
        ("UPDATE audit_records SET detail_json = '{}' WHERE seq = 1", 1, "altered"),
        ("DELETE FROM audit_records WHERE seq = 2", 3, "record 2 is missing"),
        ("UPDATE audit_records SET prev_hash = hash WHERE seq = 3", 3, "does not follow"),
    ],
)
def test_a_tampered_record_is_named(
    store: Store, database_url: str, tamper: str, broken: int, why: str
) -> None:
    _fill(store)
    with store.engine.begin() as conn:
        conn.execute(text(tamper))
    code, output = _verify(database_url)
    assert code == 1
    assert output.startswith(f"BROKEN at record {broken}:")
    assert why in output


def test_moments_are_sealed_to_the_microsecond(store: Store) -> None:
    entry = store.audit(actor="a", action="x", at=NOW + timedelta(microseconds=7))
    [stored] = list(store.audit_trail())
    assert stored == entry
    assert verify([stored]).intact
