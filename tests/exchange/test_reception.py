"""Receiving a partner's message on a real store: each kind accepted with what it causes,
each refusal with its reason and place, recorded, and nothing of it kept as accepted."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select

from hub.decision.aeo import AeoStatus
from hub.errors import ExchangeRefused
from hub.exchange.matching import MovementKeys
from hub.exchange.messages import MessageKind, RiskWarning
from hub.exchange.reception import Received, ReceptionPolicy, check, receive
from hub.exchange.risk import warning_profile_id
from hub.exchange.wire import NAMESPACE, to_bytes, to_element
from hub.rules.profile import ProfileStatus
from hub.store import Store
from hub.store.profile_registry import DatabaseRegistry
from hub.store.schema import (
    AeoCertificateRecord,
    ExchangeMessageRecord,
    JtcAlertRecord,
    PartnerAeoListRecord,
    PreArrivalRecord,
    ProfileVersionRecord,
    WatchRecord,
)
from tests.exchange.partners_fixtures import (
    OURS,
    PARTNER,
    PartnerKeys,
    aeo_entry,
    consignment_warning,
    feedback,
    full_aeo_list,
    header,
    partner_keys,
    partner_of,
    pre_arrival,
    profile_warning,
    seizure,
    signed,
)
from tests.store.conftest import database_url, postgres_database  # noqa: F401  (fixtures)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
POLICY = ReceptionPolicy(administration=OURS)
ACCEPTED_TABLES = (
    ExchangeMessageRecord,
    PreArrivalRecord,
    WatchRecord,
    JtcAlertRecord,
    AeoCertificateRecord,
    PartnerAeoListRecord,
    ProfileVersionRecord,
)


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> PartnerKeys:
    return partner_keys(
        PARTNER, tmp_path_factory.mktemp("keys"), valid_from=NOW - timedelta(days=30)
    )


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> PartnerKeys:
    """A key of the same administration the hub was never given."""
    return partner_keys(
        PARTNER, tmp_path_factory.mktemp("keys"), valid_from=NOW - timedelta(days=30)
    )


@pytest.fixture
def store(tmp_path: Path, rs: PartnerKeys) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'hub.db'}", migrate=True) as opened:
        opened.record_partner(partner_of(rs), actor="admin:ops", at=NOW - timedelta(days=1))
        yield opened


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.__tablename__: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in ACCEPTED_TABLES
        }


def _receive(store: Store, raw: bytes, *, now: datetime = NOW, **kw: object) -> Received:
    return receive(raw, store=store, policy=POLICY, now=now, **kw)  # type: ignore[arg-type]


def _refused(
    store: Store, raw: bytes, reason: str, where: str | None, *, now: datetime = NOW
) -> ExchangeRefused:
    """Refused for ``reason`` at ``where``, recorded as a refusal, and nothing accepted."""
    before = _counts(store)
    refusals = len(store.exchange_refusals())
    with pytest.raises(ExchangeRefused) as refused:
        _receive(store, raw, now=now)
    assert refused.value.reason == reason, str(refused.value)
    assert refused.value.where == where, str(refused.value)
    assert _counts(store) == before
    kept = store.exchange_refusals()
    assert len(kept) == refusals + 1
    assert kept[0].reason == reason
    return refused.value


# ---------------------------------------------------------------- accepted


def test_pre_arrival_data_is_kept_to_be_matched(store: Store, rs: PartnerKeys) -> None:
    message = pre_arrival(header("RS-SEED-1", NOW))
    received = _receive(store, signed(message, rs))

    assert (received.kind, received.partner, received.message_id) == (
        MessageKind.PRE_ARRIVAL,
        PARTNER,
        "RS-SEED-1",
    )
    kept = store.exchange_message("in", PARTNER, "RS-SEED-1")
    assert kept is not None and kept.row_id == received.row_id and kept.status == "accepted"
    [candidate] = store.pre_arrival_candidates(
        MovementKeys.of(means=["34ABC123"]), departed_after=NOW - timedelta(days=1)
    )
    assert candidate.pre_arrival == message and candidate.matched_declaration is None
    assert store.alerts() == []


def test_a_consignment_warning_becomes_a_watch_and_an_alert(store: Store, rs: PartnerKeys) -> None:
    message = consignment_warning(header("RS-RW-1", NOW), container="MSCU1234565")
    _receive(store, signed(message, rs))

    [watch] = store.watches_matching(MovementKeys.of(containers=["mscu 123456-5"]), on=NOW.date())
    assert watch.watch.warning_message_id == "RS-RW-1"
    assert watch.watch.channel.value == "red"
    [alert] = store.alerts()
    assert (alert.kind, alert.subject) == ("risk-warning", "RS/RS-RW-1")
    assert alert.detail == {"requested_action": "red"}


def test_a_profile_warning_becomes_one_testing_profile(store: Store, rs: PartnerKeys) -> None:
    registry = DatabaseRegistry(store)
    message = profile_warning(header("RS-RW-2", NOW))
    first = signed(message, rs)
    received = _receive(store, first, registry=registry)

    assert received.profile_id == warning_profile_id(message.header)
    profile = registry.get(received.profile_id)
    assert profile.status is ProfileStatus.TESTING
    assert profile.when.commodity == ("2402",) and profile.when.origin == ("AE",)
    [alert] = store.alerts()
    assert alert.kind == "risk-warning"

    # The same warning delivered again, signed anew (other bytes): a replay, no second profile.
    again = signed(message, rs)
    assert again != first  # an ECDSA signature differs each time
    _refused(store, again, "replayed", "Header/MessageID")
    assert len(registry.versions(received.profile_id)) == 1


def _we_warned(store: Store, message_id: str, *, kind: str = "warning") -> None:
    """Record a message of ours to the partner, as :meth:`Liaison.send` would."""
    head = header(message_id, NOW - timedelta(hours=6), sender=OURS, receiver=PARTNER)
    ours = (
        consignment_warning(head, container="TGHU7654321")
        if kind == "warning"
        else pre_arrival(head)
    )
    store.record_outbound(to_bytes(ours), ours, partner=PARTNER, at=head.created_at, actor="jtc:a")


def test_feedback_on_a_warning_we_sent_is_accepted(store: Store, rs: PartnerKeys) -> None:
    _we_warned(store, "GB-RW-9")
    received = _receive(store, signed(feedback(header("RS-FB-1", NOW, refers_to=["GB-RW-9"])), rs))
    kept = store.exchange_message("in", PARTNER, "RS-FB-1")
    assert kept is not None and kept.refers_to == ("GB-RW-9",)
    assert received.kind is MessageKind.RISK_FEEDBACK


def test_feedback_on_a_warning_we_never_sent_is_refused(store: Store, rs: PartnerKeys) -> None:
    _we_warned(store, "GB-SEED-3", kind="pre-arrival")  # ours, but not a warning
    for ref in ("GB-RW-404", "GB-SEED-3"):
        message = feedback(header(f"RS-FB-{ref}", NOW, refers_to=[ref]))
        refused = _refused(
            store, signed(message, rs), "unknown-reference", "Header/ReferenceMessageID"
        )
        assert ref in str(refused)


def test_a_seizure_report_raises_an_alert(store: Store, rs: PartnerKeys) -> None:
    _receive(store, signed(seizure(header("RS-SZ-1", NOW)), rs))
    [alert] = store.alerts()
    assert (alert.kind, alert.subject) == ("seizure-report", "RS/RS-SZ-1")
    assert "120000 NAR of cigarettes, undeclared" in alert.summary


def test_full_aeo_lists_record_and_revoke_the_partners_certificates(
    store: Store, rs: PartnerKeys
) -> None:
    kept, dropped = (
        aeo_entry("RS100200300", "Auto Export d.o.o."),
        aeo_entry("RS900800700", "Beogradski Transport a.d."),
    )
    _receive(store, signed(full_aeo_list(header("RS-AEO-1", NOW), kept, dropped), rs))
    held = {c.operator: c for c in store.aeo_certificates(issued_by=PARTNER)}
    assert {o: (c.name, c.status) for o, c in held.items()} == {
        "RS100200300": ("Auto Export d.o.o.", AeoStatus.GRANTED),
        "RS900800700": ("Beogradski Transport a.d.", AeoStatus.GRANTED),
    }

    later = NOW + timedelta(hours=1)
    _receive(store, signed(full_aeo_list(header("RS-AEO-2", later), kept), rs), now=later)
    held = {c.operator: c for c in store.aeo_certificates(issued_by=PARTNER)}
    assert held["RS100200300"].status is AeoStatus.GRANTED
    assert held["RS900800700"].status is AeoStatus.REVOKED
    assert [a.message_id for a in store.partner_aeo_lists(PARTNER)] == ["RS-AEO-2", "RS-AEO-1"]


# ---------------------------------------------------------------- refused


def _seed(message_id: str = "RS-SEED-R", created: datetime = NOW, **kw: object) -> bytes:
    return to_bytes(pre_arrival(header(message_id, created, **kw)))  # type: ignore[arg-type]


def test_malformed_xml_is_refused(store: Store) -> None:
    refused = _refused(
        store, b"<PreArrival><Header></PreArrival>", "malformed", "line 1, column 34"
    )
    assert refused.where is not None


def test_a_doctype_with_entities_is_refused_unread(store: Store, rs: PartnerKeys) -> None:
    raw = signed(pre_arrival(header("RS-DTD", NOW)), rs)
    hostile = raw.replace(
        b"?>\n",
        b'?>\n<!DOCTYPE PreArrival [<!ENTITY e "RS-DTD">]>\n',
        1,
    )
    assert b"<!DOCTYPE" in hostile
    _refused(store, hostile, "malformed", "line 2")
    [refusal] = store.exchange_refusals()
    assert refusal.partner is None  # nothing of it was read


def test_a_message_for_another_administration_is_refused(store: Store, rs: PartnerKeys) -> None:
    raw = signed(pre_arrival(header("RS-FR", NOW, receiver="FR")), rs)
    _refused(store, raw, "wrong-receiver", "Header/ReceiverID")
    [refusal] = store.exchange_refusals()
    assert (refusal.partner, refusal.message_id, refusal.kind) == (PARTNER, "RS-FR", "pre-arrival")


def test_a_sender_that_is_no_partner_is_refused(store: Store, stranger: PartnerKeys) -> None:
    raw = signed(pre_arrival(header("QZ-1", NOW, sender="QZ")), stranger)
    _refused(store, raw, "unknown-sender", "Header/SenderID")


def test_an_unsigned_message_is_refused(store: Store) -> None:
    _refused(store, _seed(), "unsigned", "Signature")


def test_a_message_signed_with_a_key_not_configured_is_refused(
    store: Store, stranger: PartnerKeys
) -> None:
    raw = signed(pre_arrival(header("RS-STRANGER", NOW)), stranger)
    _refused(store, raw, "unknown-certificate", "Signature")


def test_a_certificate_expired_when_the_message_was_created_is_refused(
    store: Store, tmp_path: Path
) -> None:
    old = partner_keys(PARTNER, tmp_path, valid_from=NOW - timedelta(days=10), days=2)
    store.record_partner(partner_of(old), actor="admin:ops", at=NOW)
    raw = signed(pre_arrival(header("RS-OLD-KEY", NOW)), old)
    _refused(store, raw, "expired-certificate", "Signature")


def test_content_changed_after_signing_is_refused(store: Store, rs: PartnerKeys) -> None:
    raw = signed(pre_arrival(header("RS-ALTERED", NOW)), rs)
    altered = raw.replace(b">19800<", b">9800<")
    assert altered != raw
    _refused(store, altered, "altered", "Signature")


def test_a_kind_the_agreement_does_not_cover_is_refused(store: Store, rs: PartnerKeys) -> None:
    store.record_partner(
        partner_of(rs, receives=[MessageKind.PRE_ARRIVAL]), actor="admin:ops", at=NOW
    )
    raw = signed(consignment_warning(header("RS-RW-NA", NOW)), rs)
    refused = _refused(store, raw, "not-agreed", "RiskWarning")
    assert "does not cover risk-warning from RS" in str(refused)


def test_assistance_not_yet_in_force_is_refused(store: Store, rs: PartnerKeys) -> None:
    tomorrow = NOW.date() + timedelta(days=1)
    store.record_partner(partner_of(rs, assistance_from=tomorrow), actor="admin:ops", at=NOW)
    refused = _refused(
        store, signed(pre_arrival(header("RS-EARLY", NOW)), rs), "not-agreed", "PreArrival"
    )
    assert "not in force" in str(refused)


def test_an_aeo_list_without_an_mra_is_refused(store: Store, rs: PartnerKeys) -> None:
    store.record_partner(partner_of(rs, mra=False), actor="admin:ops", at=NOW)
    message = full_aeo_list(header("RS-AEO-X", NOW), aeo_entry("RS1", "One"))
    refused = _refused(store, signed(message, rs), "not-agreed", "AeoList")
    assert "mutual recognition" in str(refused)


def test_a_message_older_than_the_window_is_refused(store: Store, rs: PartnerKeys) -> None:
    raw = signed(pre_arrival(header("RS-STALE", NOW - timedelta(days=1, minutes=1))), rs)
    _refused(store, raw, "outside-window", "Header/CreationDateTime")


def test_a_message_from_the_future_is_refused(store: Store, rs: PartnerKeys) -> None:
    raw = signed(pre_arrival(header("RS-AHEAD", NOW + timedelta(minutes=6))), rs)
    refused = _refused(store, raw, "outside-window", "Header/CreationDateTime")
    assert "ahead of this hub's clock" in str(refused)
    assert _receive(store, signed(pre_arrival(header("RS-SKEW", NOW + timedelta(minutes=4))), rs))


def test_a_replayed_message_id_is_refused_same_bytes_or_not(store: Store, rs: PartnerKeys) -> None:
    first = signed(pre_arrival(header("RS-REPLAY", NOW)), rs)
    _receive(store, first)
    _refused(store, first, "replayed", "Header/MessageID")
    other = signed(pre_arrival(header("RS-REPLAY", NOW), gross_mass=Decimal("1")), rs)
    _refused(store, other, "replayed", "Header/MessageID")
    [kept] = store.exchange_messages(partner=PARTNER)
    assert kept.raw == first


def test_signed_content_the_schema_refuses_is_refused(store: Store, rs: PartnerKeys) -> None:
    element = to_element(pre_arrival(header("RS-SCHEMA", NOW)))
    etree.SubElement(element, f"{{{NAMESPACE}}}Smuggled").text = "not in the schema"
    refused = _refused(store, signed(element, rs), "schema", "line 1, /PreArrival/Smuggled")
    assert "Smuggled" in str(refused)


# ---------------------------------------------------------------- races and tampering


def _receive_in_child(url: str, raw: bytes, barrier: Barrier, results: object) -> None:
    with Store.open(url) as store:
        barrier.wait(timeout=20)
        try:
            outcome = _receive(store, raw).message_id
        except ExchangeRefused as exc:
            outcome = exc.reason
        results.put(outcome)  # type: ignore[attr-defined]


def test_two_copies_arriving_at_once_are_accepted_once(
    database_url: str,  # noqa: F811
    rs: PartnerKeys,
) -> None:
    raw = signed(pre_arrival(header("RS-RACE", NOW)), rs)
    with Store.open(database_url, migrate=True) as store:
        store.record_partner(partner_of(rs), actor="admin:ops", at=NOW)
        mp = multiprocessing.get_context("fork")
        barrier, results = mp.Barrier(2), mp.Queue()
        children = [
            mp.Process(target=_receive_in_child, args=(database_url, raw, barrier, results))
            for _ in range(2)
        ]
        for child in children:
            child.start()
        outcomes = sorted(results.get(timeout=30) for _ in children)
        for child in children:
            child.join(timeout=30)
            assert child.exitcode == 0
        results.close()

        assert outcomes == ["RS-RACE", "replayed"]
        counts = _counts(store)
        assert counts["exchange_messages"] == counts["pre_arrivals"] == 1
        assert [r.reason for r in store.exchange_refusals()] == ["replayed"]


@pytest.fixture(scope="module")
def tamper_store(
    tmp_path_factory: pytest.TempPathFactory, rs: PartnerKeys
) -> Iterator[tuple[Store, bytes, RiskWarning]]:
    """A store that already accepted one signed warning: the bytes to tamper with."""
    folder = tmp_path_factory.mktemp("tamper")
    message = consignment_warning(header("RS-RW-T", NOW), container="MSCU1234565")
    raw = signed(message, rs)
    with Store.open(f"sqlite:///{folder / 'hub.db'}", migrate=True) as store:
        store.record_partner(partner_of(rs), actor="admin:ops", at=NOW)
        _receive(store, raw)
        yield store, raw, message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_single_byte_flip_is_accepted(
    tamper_store: tuple[Store, bytes, RiskWarning], data: st.DataObject
) -> None:
    store, raw, message = tamper_store
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    near = st.sampled_from([raw[position] ^ 0x01, raw[position] ^ 0x20, *b" \t\n*"])
    value = data.draw((st.integers(0, 255) | near).filter(lambda b: b != raw[position]), "byte")
    flipped = raw[:position] + bytes([value]) + raw[position + 1 :]

    try:
        trusted = check(flipped, store.partner, POLICY, NOW)
    except ExchangeRefused:
        pass
    else:  # an insignificant byte (inside a tag, the XML declaration): the very same message
        assert trusted.message == message
    with pytest.raises(ExchangeRefused):  # and never accepted a second time
        _receive(store, flipped)
    assert len(store.exchange_messages()) == 1


def test_every_byte_changed_in_turn_is_refused_or_changes_nothing(
    tamper_store: tuple[Store, bytes, RiskWarning],
) -> None:
    """Exhaustive over the positions: a flipped certificate byte once escaped as a
    ``ValueError`` (or ``InvalidVersion``) instead of a refusal."""
    store, raw, message = tamper_store
    partner = store.partner(PARTNER)
    reasons: set[str] = set()
    same = 0
    for position, byte in enumerate(raw):
        for value in {byte ^ 0x01, ord(" ")} - {byte}:
            flipped = raw[:position] + bytes([value]) + raw[position + 1 :]
            try:
                trusted = check(flipped, lambda code: partner, POLICY, NOW)
            except ExchangeRefused as refused:
                reasons.add(refused.reason)
            else:
                assert trusted.message == message, (position, value)
                same += 1
    assert {"malformed", "altered", "unknown-certificate", "schema"} <= reasons
    assert same > 0  # whitespace inside tags, the XML declaration: the very same message
