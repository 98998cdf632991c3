"""The exchange's state on SQLite and PostgreSQL: replay-guarded, all-or-nothing, insert-once."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing.synchronize import Barrier

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, inspect, select, text

from hub.decision import AeoCertificate, AeoStatus, AeoType, Decision
from hub.errors import ConflictingRecord, ReplayedMessage, StoreError
from hub.exchange.matching import MovementKeys
from hub.exchange.messages import (
    AeoList,
    Header,
    PreArrival,
    PreArrivalItem,
    RiskWarning,
    SuspectConsignment,
)
from hub.exchange.partners import MutualAssistance, MutualRecognition, Partner
from hub.exchange.watches import Watch
from hub.ingest import read
from hub.model.finding import RequestedChannel
from hub.store import DecisionBasis, Store, upgrade
from hub.store.engine import open_engine
from hub.store.migrate import alembic_config
from hub.store.schema import (
    AuditRecord,
    Base,
    ExchangeMessageRecord,
    PartnerAeoListRecord,
    PreArrivalRecord,
)
from tests.decision.support import CHICKEN, DECLARATIONS, NOW, finding

RAW_DECLARATION = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()
SIGNED = b"<PreArrival>signed bytes as received</PreArrival>"


def _header(message_id: str, *, sender: str = "XK", receiver: str = "GB") -> Header:
    return Header(
        message_id=message_id, sender=sender, receiver=receiver, created_at=NOW - timedelta(hours=1)
    )


def _pre_arrival(
    message_id: str = "MSG-1",
    *,
    means: str = "ab-123 cd",
    reference: str = "26XK0000000000001",
    departed: timedelta = timedelta(hours=5),
) -> PreArrival:
    return PreArrival(
        header=_header(message_id),
        declaration_reference=reference,
        procedure="export",
        means_id=means,
        departure_office="XK000101",
        departed_at=NOW - departed,
        consignor_name="Exporter LLC",
        consignee_name="Importer Ltd",
        gross_mass=Decimal("12000"),
        items=(PreArrivalItem(sequence=1, commodity_code="020714"),),
    )


def _count(store: Store, table: type[object]) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _accept(store: Store, message: PreArrival, **kw: object) -> int:
    return store.accept_exchange(
        SIGNED, message, partner="XK", received_at=NOW, actor="partner:XK", **kw
    )


def test_a_replayed_message_id_is_refused_and_stores_nothing(store: Store) -> None:
    first = _pre_arrival()
    row_id = _accept(
        store,
        first,
        effects=lambda conn: _add(store, conn, first),
    )
    counts = [_count(store, t) for t in (ExchangeMessageRecord, PreArrivalRecord, AuditRecord)]

    again = _pre_arrival(means="ZZ 999")  # other bytes, the same id: still a replay
    with pytest.raises(ReplayedMessage) as refused:
        _accept(store, again, effects=lambda conn: _add(store, conn, again))

    assert (refused.value.partner, refused.value.message_id) == ("XK", "MSG-1")
    assert refused.value.first_received_at == NOW
    assert [_count(store, t) for t in (ExchangeMessageRecord, PreArrivalRecord, AuditRecord)] == (
        counts
    )
    kept = store.exchange_message("in", "XK", "MSG-1")
    assert kept is not None and kept.row_id == row_id and kept.raw == SIGNED
    assert kept.status == "accepted" and kept.kind == "pre-arrival"
    [audit] = [e for e in store.audit_trail() if e.action == "exchange.received"]
    assert audit.subject == "XK/MSG-1" and audit.actor == "partner:XK"


def _add(store: Store, conn: Connection, message: PreArrival) -> None:
    store.add_pre_arrival(conn, message, partner="XK", received_at=NOW)


def test_effects_that_fail_keep_nothing_not_even_the_message(store: Store) -> None:
    message = _pre_arrival()

    def half(conn: Connection) -> None:
        _add(store, conn, message)
        store.raise_alert(conn, "risk-warning", "XK/MSG-1", "half", {}, NOW)
        raise RuntimeError("the derived rows could not be made")

    with pytest.raises(RuntimeError):
        _accept(store, message, effects=half)

    assert _count(store, ExchangeMessageRecord) == _count(store, PreArrivalRecord) == 0
    assert store.alerts() == [] and list(store.audit_trail()) == []
    assert _accept(store, message) >= 1  # and the message may come again


def test_a_message_from_another_sender_is_not_kept_under_this_partner(store: Store) -> None:
    with pytest.raises(StoreError, match="sent by XK, not by AL"):
        store.accept_exchange(SIGNED, _pre_arrival(), partner="AL", received_at=NOW, actor="x")
    assert _count(store, ExchangeMessageRecord) == 0


def _accept_in_child(url: str, barrier: Barrier, results: object) -> None:
    with Store.open(url) as store:
        message = _pre_arrival()
        barrier.wait(timeout=20)
        try:
            outcome: object = _accept(store, message, effects=lambda c: _add(store, c, message))
        except ReplayedMessage:
            outcome = "replayed"
        results.put(outcome)  # type: ignore[attr-defined]


def test_two_processes_accepting_one_message_id_accept_it_once(
    store: Store, database_url: str
) -> None:
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(2), mp.Queue()
    children = [
        mp.Process(target=_accept_in_child, args=(database_url, barrier, results)) for _ in range(2)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=30) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    results.close()

    assert sorted(outcomes, key=str).count("replayed") == 1
    assert _count(store, ExchangeMessageRecord) == _count(store, PreArrivalRecord) == 1
    assert [e.action for e in store.audit_trail()] == ["exchange.received"]


def test_pre_arrival_candidates_by_means_of_transport_or_reference(store: Store) -> None:
    declaration = read(RAW_DECLARATION)
    store.accept(RAW_DECLARATION, declaration, wire_format="xml", received_at=NOW)
    recent = _pre_arrival("MSG-1", means="AB-123 CD", departed=timedelta(hours=5))
    old = _pre_arrival("MSG-2", means="AB 123CD", reference="26XK-OLD", departed=timedelta(days=5))
    other = _pre_arrival("MSG-3", means="ZZ999", reference="26XK 0000 REF")
    ids = {
        m.header.message_id: store.add_pre_arrival(None, m, partner="XK", received_at=NOW)
        for m in (recent, old, other)
    }
    assert store.add_pre_arrival(None, recent, partner="XK", received_at=NOW) == ids["MSG-1"]

    window = NOW - timedelta(hours=72)
    found = store.pre_arrival_candidates(MovementKeys.of(means=["ab123cd"]), departed_after=window)
    assert [(c.message_id, c.pre_arrival) for c in found] == [("MSG-1", recent)]
    found = store.pre_arrival_candidates(
        MovementKeys.of(references=["26xk0000ref"]), departed_after=window
    )
    assert [c.message_id for c in found] == ["MSG-3"]
    found = store.pre_arrival_candidates(
        MovementKeys.of(means=["AB123CD"], references=["26XK-OLD"]), departed_after=window
    )
    assert [c.message_id for c in found] == ["MSG-1", "MSG-2"]  # latest departure first
    assert store.pre_arrival_candidates(MovementKeys(), departed_after=window) == []

    with store.engine.begin() as conn:
        assert store.mark_pre_arrival_matched(conn, ids["MSG-1"], CHICKEN.id, NOW)
        assert not store.mark_pre_arrival_matched(conn, ids["MSG-1"], "DEC-OTHER", NOW)
    plate = MovementKeys.of(means=["AB123CD"])
    assert store.pre_arrival_candidates(plate, departed_after=window) == []
    [by_reference] = store.pre_arrival_candidates(
        MovementKeys.of(references=["26XK0000000000001"]), window
    )
    assert (by_reference.matched_declaration, by_reference.matched_at) == (CHICKEN.id, NOW)

    overdue = store.unmatched_pre_arrivals(departed_before=NOW - timedelta(hours=1))
    assert [p.message_id for p in overdue] == ["MSG-2", "MSG-3"]  # oldest first
    assert store.mark_pre_arrival_alerted([ids["MSG-2"]], NOW) == 1
    assert store.mark_pre_arrival_alerted([ids["MSG-2"]], NOW) == 0
    later = NOW - timedelta(hours=1)
    assert [p.message_id for p in store.unmatched_pre_arrivals(later)] == ["MSG-3"]
    assert len(store.unmatched_pre_arrivals(later, not_alerted=False)) == 2


def _watch(message_id: str, **identifiers: object) -> Watch:
    return Watch(
        partner="XK",
        warning_message_id=message_id,
        channel=RequestedChannel.RED,
        risk_area="drugs",
        summary="Cocaine suspected in the cab",
        **identifiers,  # type: ignore[arg-type]
    )


def test_watches_match_any_identifier_of_its_kind_while_valid(store: Store) -> None:
    plate = _watch("RW-1", means_id="AB-123 CD", expected_arrival=date(2026, 11, 27))
    box = _watch("RW-2", container="MSKU 123456-7", valid_to=NOW.date() - timedelta(days=1))
    party = _watch("RW-3", party_id="gb553202734852", confidential=True)
    ids = [store.add_watch(None, w, at=NOW) for w in (plate, box, party)]
    assert store.add_watch(None, plate, at=NOW) == ids[0]  # once per warning

    today = NOW.date()
    [hit] = store.watches_matching(MovementKeys.of(means=["ab123cd"]), on=today)
    assert hit.watch == plate and hit.row_id == ids[0] and hit.created_at == NOW
    box_keys = MovementKeys.of(containers=["MSKU1234567"])
    assert store.watches_matching(box_keys, on=today) == []  # expired
    assert [
        w.watch
        for w in store.watches_matching(
            MovementKeys.of(containers=["MSKU1234567"]), on=today - timedelta(days=1)
        )
    ] == [box]
    plate_as_box = MovementKeys.of(containers=["AB123CD"])
    assert store.watches_matching(plate_as_box, on=today) == []  # a plate is no container
    both = store.watches_matching(
        MovementKeys.of(means=["AB123CD"], parties=["GB553202734852"], references=["X"]), on=today
    )
    assert [w.watch for w in both] == [plate, party]
    assert store.watches_matching(MovementKeys(), on=today) == []


def test_partner_findings_reach_the_decision_basis(store: Store) -> None:
    store.accept(RAW_DECLARATION, read(RAW_DECLARATION), wire_format="xml", received_at=NOW)
    mismatch = finding("customs", "orange", risk_area="pre-arrival-mismatch")
    watched = finding("customs", "red", risk_area="drugs", confidential=True)
    assert store.add_partner_findings(None, CHICKEN.id, [mismatch], "pre-arrival XK/MSG-1", NOW)
    with store.engine.begin() as conn:
        assert store.add_partner_findings(conn, CHICKEN.id, [watched], "watch XK/RW-1", NOW)
    assert not store.add_partner_findings(None, CHICKEN.id, [mismatch], "pre-arrival XK/MSG-1", NOW)
    with pytest.raises(ConflictingRecord):
        store.add_partner_findings(None, CHICKEN.id, [watched], "pre-arrival XK/MSG-1", NOW)

    seen: list[DecisionBasis] = []

    def make(basis: DecisionBasis) -> Sequence[Decision]:
        seen.append(basis)
        return []

    store.decide(CHICKEN.id, make)
    assert seen[0].partner_findings == (mismatch, watched)
    assert store.partner_findings(CHICKEN.id) == (mismatch, watched)
    assert store.partner_findings("DEC-NONE") == ()


GB_AEO = AeoCertificate(
    operator="GB553202734852",
    type=AeoType.AEOF,
    status=AeoStatus.GRANTED,
    valid_from=date(2019, 6, 1),
    issued_by="GB",
)


def test_an_aeo_name_is_kept_and_a_new_name_alone_is_a_new_state(store: Store) -> None:
    named = GB_AEO.model_copy(update={"name": "Importer Ltd"})
    assert store.record_aeo([named], source="register-file", actor="hub", at=NOW) == 1
    assert store.aeo_certificates() == (named,)
    assert store.record_aeo([named], source="register-file", actor="hub", at=NOW) == 0
    renamed = named.model_copy(update={"name": "Importer Holdings Ltd"})
    later = NOW + timedelta(days=1)
    assert store.record_aeo([renamed], source="register-file", actor="hub", at=later) == 1
    assert store.aeo_certificates() == (renamed,)

    assert store.aeo_history("GB", NOW) == [(NOW, named), (later, renamed)]
    assert store.aeo_history("GB", NOW + timedelta(hours=1)) == [(later, renamed)]
    assert store.aeo_history("XK", NOW) == []


def _aeo_list(message_id: str, *entries: AeoCertificate) -> AeoList:
    return AeoList(header=_header(message_id), scope="full", as_of=NOW.date(), entries=entries)


def test_a_partner_aeo_list_and_the_states_it_changes_are_one_transaction(store: Store) -> None:
    entry = AeoCertificate(
        operator="XK810000001",
        name="Exporter LLC",
        type=AeoType.AEOS,
        status=AeoStatus.GRANTED,
        valid_from=date(2024, 1, 1),
        issued_by="XK",
    )
    cert = AeoCertificate(**entry.model_dump())
    first = _aeo_list("AEO-1", entry)

    def imported(conn: Connection, aeo_list: AeoList, fail: bool = False) -> None:
        store.add_partner_aeo_list(conn, "XK", aeo_list, NOW)
        store.record_aeo_in(conn, [cert], source="partner:XK/AEO-1", actor="partner:XK", at=NOW)
        if fail:
            raise RuntimeError("broken")

    raw = b"<AeoList/>"
    with pytest.raises(RuntimeError):
        store.accept_exchange(
            raw,
            first,
            partner="XK",
            received_at=NOW,
            actor="p",
            effects=lambda c: imported(c, first, True),
        )
    assert store.aeo_certificates() == () and store.partner_aeo_lists("XK") == []

    store.accept_exchange(
        raw, first, partner="XK", received_at=NOW, actor="p", effects=lambda c: imported(c, first)
    )
    second = _aeo_list("AEO-2")
    store.add_partner_aeo_list(None, "XK", second, NOW + timedelta(days=1))
    lists = store.partner_aeo_lists("XK")
    assert [(x.message_id, x.entries) for x in lists] == [("AEO-2", ()), ("AEO-1", (entry,))]
    assert store.aeo_certificates(issued_by="XK") == (cert,)
    assert _count(store, PartnerAeoListRecord) == 2


def _partner(**update: object) -> Partner:
    partner = Partner(
        code="XK",
        name="Kosovo Customs",
        certificates=("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----",),
        endpoint="https://exchange.xk.example/v1/exchange",
        assistance=MutualAssistance(valid_from=date(2026, 1, 1), receives=("pre-arrival",)),  # type: ignore[arg-type]
    )
    return partner.model_copy(update=update)


def test_partners_are_kept_replaced_and_audited(store: Store) -> None:
    xk = _partner()
    assert store.record_partner(xk, actor="officer:customs:o1", at=NOW)
    assert not store.record_partner(xk, actor="officer:customs:o1", at=NOW)
    with_mra = _partner(mra=MutualRecognition(valid_from=date(2026, 6, 1)))
    assert store.record_partner(with_mra, actor="officer:customs:o1", at=NOW)
    assert store.partners() == (with_mra,)
    assert store.partner("XK") == with_mra and store.partner("AL") is None
    trail = [e for e in store.audit_trail() if e.action == "partner.recorded"]
    assert [e.detail["mra"] is not None for e in trail] == [False, True]
    assert trail[0].detail["assistance"]["receives"] == ["pre-arrival"]


def test_an_outbound_message_is_queued_then_settled_every_attempt_kept(store: Store) -> None:
    warning = RiskWarning(
        header=_header("GB-RW-1", sender="GB", receiver="XK"),
        risk_area="drugs",
        summary="Cocaine suspected",
        requested_action=RequestedChannel.RED,
        consignment=SuspectConsignment(means_id="AB123CD"),
    )
    raw = b"<RiskWarning>signed</RiskWarning>"
    row_id = store.record_outbound(raw, warning, partner="XK", at=NOW, actor="officer:jtc:o2")
    assert store.record_outbound(raw, warning, partner="XK", at=NOW, actor="x") == row_id
    with pytest.raises(ConflictingRecord):
        store.record_outbound(b"other", warning, partner="XK", at=NOW, actor="x")

    soon = NOW + timedelta(minutes=5)
    assert [m.row_id for m in store.undelivered(older_than=soon)] == [row_id]
    assert store.undelivered(older_than=NOW) == []
    store.record_delivery(row_id, attempt=1, at=NOW, outcome="retrying", detail="HTTP 503")
    assert store.outbound(row_id).status == "queued"  # type: ignore[union-attr]
    store.record_delivery(row_id, attempt=2, at=soon, outcome="delivered", detail="HTTP 202")
    sent = store.outbound(row_id)
    assert sent is not None and (sent.status, sent.delivered_at, sent.raw) == (
        "delivered",
        soon,
        raw,
    )
    store.record_delivery(row_id, attempt=3, at=soon, outcome="failed", detail="late duplicate")
    assert store.outbound(row_id).status == "delivered"  # type: ignore[union-attr]
    assert [(d.attempt, d.outcome) for d in store.deliveries(row_id)] == [
        (1, "retrying"),
        (2, "delivered"),
        (3, "failed"),
    ]
    assert store.undelivered(older_than=soon) == []
    assert [m.message_id for m in store.exchange_messages(partner="XK", direction="out")] == [
        "GB-RW-1"
    ]
    assert store.exchange_messages(kind="pre-arrival") == []
    [sent_audit] = [e for e in store.audit_trail() if e.action == "exchange.sent"]
    assert sent_audit.subject == "XK/GB-RW-1"

    inbound = _accept(store, _pre_arrival())
    assert store.outbound(inbound) is None
    with pytest.raises(StoreError, match="no such outbound"):
        store.record_delivery(inbound, attempt=1, at=NOW, outcome="delivered", detail="")


def test_a_refusal_is_recorded_and_audited_but_never_accepted(store: Store) -> None:
    refusal_id = store.record_refusal(
        partner="XK",
        message_id="M" * 300,  # whatever the sender claimed, clipped
        kind="pre-arrival",
        reason="signature",
        detail="signed by an unknown certificate",
        sha256="0" * 64,
        at=NOW,
    )
    [refusal] = store.exchange_refusals()
    assert refusal.id == refusal_id and refusal.message_id == "M" * 128
    assert refusal.reason == "signature"
    assert store.exchange_messages() == []
    [audit] = list(store.audit_trail())
    assert audit.action == "exchange.refused" and audit.detail["reason"] == "signature"


def test_an_alert_is_raised_once_and_acknowledged_once(store: Store) -> None:
    assert store.raise_alert(None, "risk-warning", "XK/RW-1", "XK warns", {"a": 1}, NOW)
    later = NOW + timedelta(hours=1)
    with store.engine.begin() as conn:
        assert not store.raise_alert(conn, "risk-warning", "XK/RW-1", "again", {}, later)
        assert store.raise_alert(conn, "seizure-report", "XK/RW-1", "XK seized", {}, later)
    alerts = store.alerts()
    assert [(a.kind, a.summary) for a in alerts] == [
        ("seizure-report", "XK seized"),
        ("risk-warning", "XK warns"),
    ]
    assert alerts[1].detail == {"a": 1}

    assert store.acknowledge_alert(alerts[1].id, "officer:jtc:o2", later)
    assert not store.acknowledge_alert(alerts[1].id, "officer:jtc:o3", later)
    assert not store.acknowledge_alert(9999, "officer:jtc:o2", later)
    assert [a.kind for a in store.alerts()] == ["seizure-report"]
    closed = [a for a in store.alerts(open_only=False) if a.acknowledged_at]
    assert [(a.acknowledged_by, a.acknowledged_at) for a in closed] == [("officer:jtc:o2", later)]
    [ack] = [e for e in store.audit_trail() if e.action == "alert.acknowledged"]
    assert ack.actor == "officer:jtc:o2" and ack.subject == "XK/RW-1"
    assert not store.raise_alert(None, "risk-warning", "XK/RW-1", "after closing", {}, later)


def test_0007_upgrades_a_0006_database_and_downgrades_again(database_url: str) -> None:
    upgrade(database_url, "0006")
    engine = open_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO aeo_certificates (issued_by, operator, type, status,"
                    " valid_from, source, recorded_at) VALUES (:issued_by, :operator,"
                    " 'AEOF', 'granted', :valid_from, 'register-file', :at)"
                ),
                {
                    "issued_by": "GB",
                    "operator": GB_AEO.operator,
                    "valid_from": GB_AEO.valid_from,
                    "at": NOW.replace(tzinfo=None),
                },
            )
        upgrade(database_url)
        with Store(engine) as store:
            assert store.aeo_certificates() == (GB_AEO,)  # kept, without a name
            store.raise_alert(None, "risk-warning", "XK/RW-1", "s", {}, NOW)

        config = alembic_config(database_url)
        command.downgrade(config, "0006")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM aeo_certificates")).scalar() == 1
            columns = {c["name"] for c in inspect(conn).get_columns("aeo_certificates")}
            assert "name" not in columns
            assert "jtc_alerts" not in inspect(conn).get_table_names()
        upgrade(database_url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
