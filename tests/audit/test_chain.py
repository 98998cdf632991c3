"""The hash chain, as pure functions: any change to any record is caught at that record."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.audit import GENESIS, AuditEntry, seal, verify

START = datetime(2026, 11, 26, 8, tzinfo=UTC)

_texts = st.text(min_size=1, max_size=20)
_details = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(st.integers(), st.text(max_size=12), st.booleans(), st.none()),
    max_size=4,
)
Record = tuple[str, str, str | None, dict[str, object]]
_records = st.lists(
    st.tuples(_texts, _texts, st.one_of(st.none(), _texts), _details), min_size=1, max_size=12
)


def _chain(records: list[Record]) -> list[AuditEntry]:
    chain: list[AuditEntry] = []
    previous = GENESIS
    for seq, (actor, action, subject, detail) in enumerate(records, start=1):
        at = START + timedelta(seconds=seq)
        digest = seal(
            previous, seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail
        )
        chain.append(AuditEntry(seq, at, actor, action, subject, detail, previous, digest))
        previous = digest
    return chain


@given(_records)
def test_an_untouched_chain_verifies(
    records: list[Record],
) -> None:
    chain = _chain(records)
    result = verify(chain)
    assert result.intact and result.checked == len(chain)
    assert result.last_hash == chain[-1].hash


@given(_records, st.data())
def test_changing_any_field_of_any_record_breaks_the_chain_there(
    records: list[Record], data: st.DataObject
) -> None:
    chain = _chain(records)
    index = data.draw(st.integers(0, len(chain) - 1))
    target = chain[index]
    field = data.draw(st.sampled_from(["actor", "action", "subject", "detail", "at"]))
    changed = {
        "actor": dataclasses.replace(target, actor=target.actor + "x"),
        "action": dataclasses.replace(target, action=target.action + "x"),
        "subject": dataclasses.replace(target, subject=(target.subject or "") + "x"),
        "detail": dataclasses.replace(target, detail={**target.detail, "tampered": True}),
        "at": dataclasses.replace(target, at=target.at + timedelta(microseconds=1)),
    }
    chain[index] = changed[field]
    result = verify(chain)
    assert result.broken_at == target.seq
    assert result.checked == index


@given(_records.filter(lambda r: len(r) >= 2), st.data())
def test_removing_or_reordering_records_breaks_the_chain(
    records: list[Record], data: st.DataObject
) -> None:
    chain = _chain(records)
    index = data.draw(st.integers(0, len(chain) - 2))
    without = chain[:index] + chain[index + 1 :]
    assert verify(without).broken_at == chain[index + 1].seq
    swapped = list(chain)
    swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
    assert verify(swapped).broken_at == swapped[index].seq
