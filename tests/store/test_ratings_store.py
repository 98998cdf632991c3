"""Ratings kept run after run, and the histories read in a fixed number of queries."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event

from hub.decision import AeoCertificate, AeoStatus, AeoType, Officer, merge
from hub.feedback import ControlOutcome, ControlResult
from hub.ingest import read
from hub.model import DeclarationFunction, Money, Party, PartyRole, Totals
from hub.rating import RatingBand, load_rating_weights, run_rating
from hub.store import Store
from tests.decision.support import CHICKEN, DECLARATIONS, NOW, context

RAW = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()
BASE = read(RAW)
OFFICER = Officer(id="o1", agency="customs")


def _declare(
    store: Store,
    n: int,
    importer: str,
    *,
    carrier: str | None = None,
    function: DeclarationFunction = DeclarationFunction.ORIGINAL,
    days_ago: int = 0,
) -> str:
    raw = f"declaration {n}".encode()
    parties = [Party(role=PartyRole.IMPORTER, id=importer)]
    if carrier:
        parties.append(Party(role=PartyRole.CARRIER, id=carrier))
    declaration = BASE.model_copy(
        update={
            "id": f"DEC-{n}",
            "message_hash": hashlib.sha256(raw).hexdigest(),
            "submitter": "GB-AGENT",
            "function": function,
            "functional_reference": f"REF-{n}",
            "parties": tuple(parties),
            "totals": Totals(invoice_amount=Money(amount=Decimal(20000), currency="GBP")),
        }
    )
    at = NOW - timedelta(days=days_ago)
    store.accept(raw, declaration, wire_format="xml", received_at=at)
    decision = merge(CHICKEN, {"customs": []}, context=context(), now=at)
    store.save_decision(decision.model_copy(update={"declaration_id": declaration.id}))
    return declaration.id


def _control(store: Store, declaration_id: str, outcome: ControlOutcome, duty: int = 0) -> None:
    store.record_control_result(
        ControlResult(
            declaration_id=declaration_id,
            decision_version=1,
            agency="customs",
            officer=OFFICER,
            checked="documents",
            outcome=outcome,
            duty_at_stake=Decimal(duty),
            recorded_at=NOW,
        ),
        actor="officer:o1",
    )


def test_histories_name_every_role_with_controls_amendments_and_certificates(
    store: Store,
) -> None:
    first = _declare(store, 1, "GB-IMP", carrier="GB-CAR", days_ago=400)
    _declare(store, 2, "GB-IMP", function=DeclarationFunction.AMENDMENT, days_ago=10)
    _control(store, first, ControlOutcome.DISCREPANCY, duty=300)
    store.record_aeo(
        [
            AeoCertificate(
                operator="GB-IMP",
                type=AeoType.AEOC,
                status=AeoStatus.GRANTED,
                valid_from=date(2020, 1, 1),
                issued_by="GB",
            )
        ],
        source="test",
        actor="test",
        at=NOW,
    )

    histories = store.trader_histories()

    assert sorted(histories) == ["GB-AGENT", "GB-CAR", "GB-IMP"]
    importer = histories["GB-IMP"]
    assert len(importer.declarations) == 2 and importer.amendments == 1
    assert importer.first_seen == NOW - timedelta(days=400)
    assert importer.last_seen == NOW - timedelta(days=10)
    assert [c.outcome for c in importer.controls] == [ControlOutcome.DISCREPANCY]
    assert importer.at_stake == 300
    assert [c.type for c in importer.certificates] == [AeoType.AEOC]
    assert histories["GB-CAR"].roles == {"carrier": 1}
    assert histories["GB-AGENT"].roles == {"submitter": 2}
    assert len(histories["GB-CAR"].controls) == 1  # the carrier answers for what it carried
    recent = store.trader_histories(NOW - timedelta(days=30))
    assert len(recent["GB-IMP"].declarations) == 1 and recent["GB-IMP"].controls == ()
    assert "GB-CAR" not in recent


def test_histories_take_a_fixed_number_of_queries(store: Store) -> None:
    for n in range(12):
        _declare(store, n, f"GB-{n}")
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    histories = store.trader_histories()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(histories) == 13 and len(selects) == 3


def test_a_run_records_ratings_with_history_latest_wins_and_is_audited(store: Store) -> None:
    weights = load_rating_weights()
    for n in range(3):
        _declare(store, n, "GB-IMP", days_ago=300 - n)
    assert store.ratings_generation() == 0 and store.last_rated_at() is None

    first = run_rating(store, NOW, weights)
    for n in range(3):
        _control(store, f"DEC-{n}", ControlOutcome.SEIZURE)
    second = run_rating(store, NOW + timedelta(hours=1), weights)

    latest = store.latest_ratings()
    assert latest["GB-IMP"] == second.ratings["GB-IMP"]
    assert latest["GB-IMP"].band is RatingBand.LOW
    assert second.previous["GB-IMP"] == first.ratings["GB-IMP"]
    assert [r.score for r in store.rating_history("GB-IMP")] == [
        first.ratings["GB-IMP"].score,
        second.ratings["GB-IMP"].score,
    ]
    assert store.rating_scores()["GB-IMP"] == second.ratings["GB-IMP"].score
    assert store.last_rated_at() == NOW + timedelta(hours=1)
    assert store.ratings_generation() == 4  # two parties, two runs
    recorded = [e for e in store.audit_trail() if e.action == "ratings.recorded"]
    assert [e.detail for e in recorded] == [{"count": 2}, {"count": 2}]
