"""Routes as accepted and the AEO register, kept in the store on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from hub.decision import AeoCertificate, AeoStatus, AeoType
from hub.ingest import read
from hub.routing import Route
from hub.store import Store
from tests.decision.support import CHICKEN, DECLARATIONS, NOW

RAW = (DECLARATIONS / "TT_IM026a/TT_IM026a.xml").read_bytes()
ROUTES = (
    Route(agency="customs", item_sequences=(1,), reasons=("customs assesses every declaration",)),
    Route(agency="vet", item_sequences=(1,), reasons=("document N853 on item 1",)),
)
GRANTED = AeoCertificate(
    operator="GB553202734852",
    type=AeoType.AEOC,
    status=AeoStatus.GRANTED,
    valid_from=date(2019, 6, 1),
    issued_by="GB",
)


def test_the_routes_of_a_declaration_are_kept_as_accepted(store: Store) -> None:
    store.accept(RAW, read(RAW), wire_format="xml", received_at=NOW, routes=ROUTES)
    assert store.routes(CHICKEN.id) == ROUTES
    assert store.routes("DEC-UNKNOWN") is None


def test_an_aeo_certificate_keeps_its_history_and_reads_as_its_latest_state(store: Store) -> None:
    assert store.record_aeo([GRANTED], source="register-file", actor="hub", at=NOW) == 1
    assert store.record_aeo([GRANTED], source="register-file", actor="hub", at=NOW) == 0
    suspended = GRANTED.model_copy(update={"status": AeoStatus.SUSPENDED})
    later = NOW + timedelta(days=1)
    assert (
        store.record_aeo([suspended], source="officer", actor="officer:customs:o1", at=later) == 1
    )
    assert store.aeo_certificates() == (suspended,)
    assert store.aeo_certificates(issued_by="JP") == ()
    # A seed file only adds what the store does not know: it never undoes the suspension.
    assert (
        store.record_aeo([GRANTED], source="register-file", actor="hub", at=later, only_new=True)
        == 0
    )
    assert store.aeo_certificates() == (suspended,)
    recorded = [e for e in store.audit_trail() if e.action == "aeo.recorded"]
    assert [e.detail["source"] for e in recorded] == ["register-file", "officer"]
    assert recorded[1].detail["certificates"] == ["GB/GB553202734852/AEOC"]
