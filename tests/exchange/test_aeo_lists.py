"""AEO lists out (full, delta) and in (what a partner's list makes us record)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.exchange.aeo_lists import certificate_key, delta_list, full_list, imported_certificates

AS_OF = date(2026, 6, 1)
SENT = datetime(2026, 6, 1, 6, tzinfo=UTC)


def cert(operator: str, issued_by: str = "ME", **changes: object) -> AeoCertificate:
    data: dict[str, object] = {
        "operator": operator,
        "type": AeoType.AEOF,
        "name": f"Operator {operator}",
        "status": AeoStatus.GRANTED,
        "valid_from": date(2024, 1, 1),
        "issued_by": issued_by,
        "reference": f"{issued_by} AEOF {operator}",
    }
    data.update(changes)
    return AeoCertificate.model_validate(data)


@st.composite
def registers(draw: st.DrawFn) -> list[AeoCertificate]:
    keys = draw(
        st.lists(
            st.tuples(st.from_regex(r"ME[0-9]{6}", fullmatch=True), st.sampled_from(AeoType)),
            unique=True,
            max_size=8,
        )
    )
    out = []
    for operator, kind in keys:
        start = draw(st.dates(date(2015, 1, 1), date(2026, 1, 1)))
        end = draw(st.none() | st.dates(start, date(2030, 1, 1)))
        out.append(
            cert(
                operator,
                type=kind,
                status=draw(st.sampled_from(AeoStatus)),
                valid_from=start,
                valid_to=end,
                name=draw(st.none() | st.just(f"Trader {operator}")),
            )
        )
    return out


@given(registers())
def test_a_full_list_exported_then_imported_reproduces_the_register(
    register: list[AeoCertificate],
) -> None:
    aeo_list = full_list(
        register, administration="ME", receiver="RS", message_id="M1", created_at=SENT, as_of=AS_OF
    )
    imported = imported_certificates(aeo_list, held=())
    named = [c if c.name else c.model_copy(update={"name": c.operator}) for c in register]
    assert list(imported) == named
    # Held already: the same list withdraws nothing.
    assert list(imported_certificates(aeo_list, held=register)) == named


def test_a_full_list_sends_only_our_own_certificates_and_names_each() -> None:
    ours = cert("ME000001", name=None)
    theirs = cert("RS000001", issued_by="RS")
    aeo_list = full_list(
        [ours, theirs],
        administration="ME",
        receiver="RS",
        message_id="M1",
        created_at=SENT,
        as_of=AS_OF,
    )
    assert aeo_list.scope == "full" and aeo_list.since is None
    (entry,) = aeo_list.entries
    assert entry.operator == "ME000001" and entry.name == "ME000001"


def test_a_delta_lists_the_latest_state_of_what_changed_since() -> None:
    day = datetime(2026, 5, 1, 9, tzinfo=UTC)
    granted = cert("ME000001")
    suspended = cert("ME000001", status=AeoStatus.SUSPENDED)
    revoked = cert("ME000001", status=AeoStatus.REVOKED, valid_to=date(2026, 5, 20))
    unchanged = cert("ME000002")
    newcomer = cert("ME000003", valid_from=date(2026, 5, 10))
    partners = cert("RS000001", issued_by="RS")
    future = cert("ME000004")
    history = [
        (day + timedelta(days=19), revoked),
        (day - timedelta(days=400), granted),
        (day + timedelta(days=2), suspended),
        (day - timedelta(days=90), unchanged),
        (day + timedelta(days=9), newcomer),
        (day + timedelta(days=1), partners),
        (datetime(2026, 6, 2, tzinfo=UTC), future),
    ]
    aeo_list = delta_list(
        history,
        since=date(2026, 5, 1),
        administration="ME",
        receiver="RS",
        message_id="AEO-DELTA-5",
        created_at=SENT,
        as_of=AS_OF,
    )
    assert aeo_list.scope == "delta" and aeo_list.since == date(2026, 5, 1)
    assert [(e.operator, e.status) for e in aeo_list.entries] == [
        ("ME000003", AeoStatus.GRANTED),
        ("ME000001", AeoStatus.REVOKED),
    ]


def test_a_full_list_revokes_what_the_partner_no_longer_lists() -> None:
    kept = cert("RS000001", issued_by="RS")
    dropped = cert("RS000002", issued_by="RS")
    not_begun = cert("RS000003", issued_by="RS", valid_from=date(2026, 7, 1))
    already_revoked = cert("RS000004", issued_by="RS", status=AeoStatus.REVOKED)
    other_partner = cert("BA000001", issued_by="BA")
    ours = cert("ME000001")
    aeo_list = full_list(
        [kept], administration="RS", receiver="ME", message_id="R1", created_at=SENT, as_of=AS_OF
    )
    recorded = imported_certificates(
        aeo_list, held=[kept, dropped, not_begun, already_revoked, other_partner, ours]
    )
    assert recorded == (
        kept,
        dropped.model_copy(update={"status": AeoStatus.REVOKED, "valid_to": AS_OF}),
        not_begun.model_copy(update={"status": AeoStatus.REVOKED, "valid_to": date(2026, 7, 1)}),
    )
    assert all(not c.valid_on(AS_OF) for c in recorded[1:])


def test_a_delta_touches_only_what_it_names() -> None:
    held = [cert("RS000001", issued_by="RS"), cert("RS000002", issued_by="RS")]
    suspended = cert("RS000002", issued_by="RS", status=AeoStatus.SUSPENDED)
    aeo_list = delta_list(
        [(SENT - timedelta(days=1), suspended)],
        since=date(2026, 5, 1),
        administration="RS",
        receiver="ME",
        message_id="R2",
        created_at=SENT,
        as_of=AS_OF,
    )
    assert imported_certificates(aeo_list, held) == (suspended,)


def test_a_certificate_is_known_by_issuer_operator_and_type() -> None:
    assert certificate_key(cert("ME1")) == certificate_key(cert("ME1", status=AeoStatus.REVOKED))
    assert certificate_key(cert("ME1")) != certificate_key(cert("ME1", type=AeoType.AEOC))
    assert certificate_key(cert("ME1")) != certificate_key(cert("ME1", issued_by="RS"))
