"""The store's tables and the statements it runs, built once at import.

Why once: the ORM's session and per-call statement building cost more than
the queries themselves (see :mod:`hub.store.store`). A statement that depends
on a caller's filters (the lists across declarations) is built where it is run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Executable,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from hub.store.schema import (
    AeoCertificateRecord,
    AnswerRecord,
    AuditRecord,
    Base,
    ControlResultRecord,
    DecisionRecord,
    DeclarationRecord,
    ExaminationRecord,
    ExchangeDeliveryRecord,
    ExchangeMessageRecord,
    ExchangeRefusalRecord,
    JtcAlertRecord,
    MessageRecord,
    OutboxRecord,
    PartnerAeoListRecord,
    PartnerFindingRecord,
    PartnerRecord,
    PreArrivalRecord,
    ReroutingApprovalRecord,
    ReroutingRequestRecord,
    RouteRecord,
    WatchRecord,
)

__all__ = [
    "ACKNOWLEDGE_ALERT",
    "AEO",
    "AEO_HISTORY",
    "AEO_LISTS",
    "AEO_LISTS_OF",
    "ALERTS",
    "ALERT_OF",
    "ANSWERS",
    "ANSWERS_OF",
    "APPROVALS",
    "AUDIT",
    "BOOKED_PER_DAY",
    "BUMP_ATTEMPTS",
    "BY_REFERENCE",
    "BY_REFERENCE_NO_SUBMITTER",
    "DECIDED_AMONG",
    "DECISIONS",
    "DECISION_HISTORY",
    "DECISION_OF_VERSION",
    "DECLARATIONS",
    "DECLARATION_JSON",
    "DECLARATION_OF_MESSAGE",
    "DELIVERIES",
    "DELIVERIES_OF",
    "EXAMINATIONS",
    "EXCHANGE_MESSAGES",
    "EXCHANGE_MESSAGE_BY_ID",
    "EXCHANGE_MESSAGE_BY_KEY",
    "INSERT_AUDIT",
    "INSERT_ONCE",
    "LAST_AUDIT",
    "LATEST_DECISION",
    "LATEST_VERSION",
    "LOCK_AUDIT",
    "LOCK_DECLARATION",
    "LOCK_OFFICE",
    "MARK_PRE_ARRIVALS_ALERTED",
    "MARK_PRE_ARRIVAL_MATCHED",
    "MARK_PUBLISHED",
    "MESSAGES",
    "OUTBOX",
    "PARTNERS",
    "PARTNER_FINDINGS",
    "PARTNER_FINDINGS_OF",
    "PARTNER_FINDINGS_ON",
    "PRE_ARRIVALS",
    "PRE_ARRIVAL_CANDIDATES",
    "RAW_MESSAGE",
    "REFUSALS",
    "REQUESTS",
    "RESULTS",
    "ROUTES",
    "SET_OUTBOUND_STATUS",
    "STORED_FINDINGS",
    "UNBOOK",
    "UNDELIVERED",
    "UNMATCHED_PRE_ARRIVALS",
    "UNMATCHED_PRE_ARRIVALS_NOT_ALERTED",
    "UPSERT_PARTNER",
    "WAITING_SCORES",
    "WATCHES",
    "WATCHES_MATCHING",
]

_TABLES = Base.metadata.tables
MESSAGES = _TABLES[MessageRecord.__tablename__]
DECLARATIONS = _TABLES[DeclarationRecord.__tablename__]
DECISIONS = _TABLES[DecisionRecord.__tablename__]
ANSWERS = _TABLES[AnswerRecord.__tablename__]
OUTBOX = _TABLES[OutboxRecord.__tablename__]
EXAMINATIONS = _TABLES[ExaminationRecord.__tablename__]
AUDIT = _TABLES[AuditRecord.__tablename__]
ROUTES = _TABLES[RouteRecord.__tablename__]
AEO = _TABLES[AeoCertificateRecord.__tablename__]
RESULTS = _TABLES[ControlResultRecord.__tablename__]
REQUESTS = _TABLES[ReroutingRequestRecord.__tablename__]
APPROVALS = _TABLES[ReroutingApprovalRecord.__tablename__]
PARTNERS = _TABLES[PartnerRecord.__tablename__]
EXCHANGE_MESSAGES = _TABLES[ExchangeMessageRecord.__tablename__]
DELIVERIES = _TABLES[ExchangeDeliveryRecord.__tablename__]
REFUSALS = _TABLES[ExchangeRefusalRecord.__tablename__]
PRE_ARRIVALS = _TABLES[PreArrivalRecord.__tablename__]
WATCHES = _TABLES[WatchRecord.__tablename__]
PARTNER_FINDINGS = _TABLES[PartnerFindingRecord.__tablename__]
AEO_LISTS = _TABLES[PartnerAeoListRecord.__tablename__]
ALERTS = _TABLES[JtcAlertRecord.__tablename__]

DECLARATION_OF_MESSAGE = select(DECLARATIONS.c.id).where(
    DECLARATIONS.c.message_sha256 == bindparam("sha256")
)
DECLARATION_JSON = select(DECLARATIONS.c.declaration_json).where(
    DECLARATIONS.c.id == bindparam("id")
)
LOCK_DECLARATION = (
    select(DECLARATIONS.c.id).where(DECLARATIONS.c.id == bindparam("id")).with_for_update()
)
RAW_MESSAGE = (
    select(MESSAGES)
    .join(DECLARATIONS, DECLARATIONS.c.message_sha256 == MESSAGES.c.sha256)
    .where(DECLARATIONS.c.id == bindparam("id"))
)
STORED_FINDINGS = select(ANSWERS.c.findings_json).where(
    ANSWERS.c.declaration_id == bindparam("declaration_id"),
    ANSWERS.c.agency == bindparam("agency"),
    ANSWERS.c.request_id == bindparam("request_id"),
)
ANSWERS_OF = (
    select(
        ANSWERS.c.agency,
        ANSWERS.c.request_id,
        ANSWERS.c.findings_json,
        ANSWERS.c.answered_at,
        ANSWERS.c.late,
    )
    .where(ANSWERS.c.declaration_id == bindparam("declaration_id"))
    .order_by(ANSWERS.c.answered_at, ANSWERS.c.agency, ANSWERS.c.request_id)
)
LATEST_DECISION = (
    select(DECISIONS.c.decision_json)
    .where(DECISIONS.c.declaration_id == bindparam("declaration_id"))
    .order_by(DECISIONS.c.version.desc())
    .limit(1)
)
LATEST_VERSION = select(func.max(DECISIONS.c.version)).where(
    DECISIONS.c.declaration_id == bindparam("declaration_id")
)
DECISION_OF_VERSION = select(DECISIONS.c.decision_json).where(
    DECISIONS.c.declaration_id == bindparam("declaration_id"),
    DECISIONS.c.version == bindparam("version"),
)
DECISION_HISTORY = (
    select(DECISIONS.c.decision_json)
    .where(DECISIONS.c.declaration_id == bindparam("declaration_id"))
    .order_by(DECISIONS.c.version)
)
UNBOOK = delete(EXAMINATIONS).where(EXAMINATIONS.c.declaration_id == bindparam("declaration_id"))
DECIDED_AMONG = (
    select(DECISIONS.c.declaration_id)
    .where(DECISIONS.c.declaration_id.in_(bindparam("ids", expanding=True)))
    .distinct()
)
LAST_AUDIT = select(AUDIT.c.seq, AUDIT.c.hash).order_by(AUDIT.c.seq.desc()).limit(1)
INSERT_AUDIT = insert(AUDIT)
LOCK_AUDIT = select(func.pg_advisory_xact_lock(func.hashtext("hub audit chain")))
_EXAMINED_AT = (
    EXAMINATIONS.c.office == bindparam("office"),
    EXAMINATIONS.c.day >= bindparam("since"),
    EXAMINATIONS.c.declaration_id != bindparam("leave_out"),
)
BOOKED_PER_DAY = (
    select(EXAMINATIONS.c.lane, EXAMINATIONS.c.day, func.count())
    .where(*_EXAMINED_AT, EXAMINATIONS.c.state == "booked")
    .group_by(EXAMINATIONS.c.lane, EXAMINATIONS.c.day)
)
WAITING_SCORES = select(EXAMINATIONS.c.lane, EXAMINATIONS.c.day, EXAMINATIONS.c.score).where(
    *_EXAMINED_AT, EXAMINATIONS.c.state == "waiting"
)
BY_REFERENCE = (
    select(DECLARATIONS.c.id)
    .where(
        DECLARATIONS.c.submitter == bindparam("submitter"),
        DECLARATIONS.c.functional_reference == bindparam("reference"),
    )
    .order_by(DECLARATIONS.c.accepted_at, DECLARATIONS.c.id)
)
BY_REFERENCE_NO_SUBMITTER = (
    select(DECLARATIONS.c.id)
    .where(
        DECLARATIONS.c.submitter.is_(None),
        DECLARATIONS.c.functional_reference == bindparam("reference"),
    )
    .order_by(DECLARATIONS.c.accepted_at, DECLARATIONS.c.id)
)
LOCK_OFFICE = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("key"))))
MARK_PUBLISHED = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(bindparam("ids", expanding=True)), OUTBOX.c.published_at.is_(None))
    .values(published_at=bindparam("at"))
)
BUMP_ATTEMPTS = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(attempts=OUTBOX.c.attempts + 1)
)

AEO_HISTORY = (
    select(AEO)
    .where(AEO.c.issued_by == bindparam("issued_by"), AEO.c.recorded_at >= bindparam("since"))
    .order_by(AEO.c.recorded_at, AEO.c.id)
)


def _insert_once(table: Table, *key: str) -> dict[str, Executable]:
    """``INSERT .. ON CONFLICT (key) DO NOTHING RETURNING id``, per dialect.

    Usable inside a caller's transaction: a duplicate returns no row instead
    of an error that would abort the transaction (PostgreSQL), and a
    concurrent writer of the same key waits for the first to commit.
    """
    pg = postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))
    lite = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
    return {
        "postgresql": pg.returning(table.c.id),
        "sqlite": lite.returning(table.c.id),
    }


# Insert-once statements of the exchange's tables, by table name, then dialect.
INSERT_ONCE = {
    EXCHANGE_MESSAGES.name: _insert_once(EXCHANGE_MESSAGES, "direction", "partner", "message_id"),
    PRE_ARRIVALS.name: _insert_once(PRE_ARRIVALS, "partner", "message_id"),
    WATCHES.name: _insert_once(WATCHES, "partner", "warning_message_id"),
    PARTNER_FINDINGS.name: _insert_once(PARTNER_FINDINGS, "declaration_id", "basis"),
    AEO_LISTS.name: _insert_once(AEO_LISTS, "partner", "message_id"),
    ALERTS.name: _insert_once(ALERTS, "kind", "subject"),
}
_PG_PARTNER, _LITE_PARTNER = postgresql.insert(PARTNERS), sqlite.insert(PARTNERS)
UPSERT_PARTNER = {
    "postgresql": _PG_PARTNER.on_conflict_do_update(
        index_elements=["code"],
        set_={c: _PG_PARTNER.excluded[c] for c in ("name", "document", "updated_at")},
    ),
    "sqlite": _LITE_PARTNER.on_conflict_do_update(
        index_elements=["code"],
        set_={c: _LITE_PARTNER.excluded[c] for c in ("name", "document", "updated_at")},
    ),
}
_X = EXCHANGE_MESSAGES.c
EXCHANGE_MESSAGE_BY_KEY = select(EXCHANGE_MESSAGES).where(
    _X.direction == bindparam("direction"),
    _X.partner == bindparam("partner"),
    _X.message_id == bindparam("message_id"),
)
EXCHANGE_MESSAGE_BY_ID = select(EXCHANGE_MESSAGES).where(_X.id == bindparam("id"))
SET_OUTBOUND_STATUS = (
    update(EXCHANGE_MESSAGES)
    .where(
        _X.id == bindparam("row_id"),
        _X.direction == "out",
        _X.status.in_(bindparam("from_status", expanding=True)),
    )
    .values(status=bindparam("to_status"), delivered_at=bindparam("at"))
)
UNDELIVERED = (
    select(EXCHANGE_MESSAGES)
    .where(_X.status == "queued", _X.recorded_at < bindparam("older_than"))
    .order_by(_X.recorded_at, _X.id)
    .limit(bindparam("limit"))
)
DELIVERIES_OF = (
    select(DELIVERIES)
    .where(DELIVERIES.c.message_row_id == bindparam("id"))
    .order_by(DELIVERIES.c.attempt, DELIVERIES.c.id)
)
_P = PRE_ARRIVALS.c
_MOVEMENT = (
    (_P.matched_declaration.is_(None))
    & (_P.means_id.in_(bindparam("means_ids", expanding=True)))
    & (_P.departed_at > bindparam("departed_after"))
)
_CITED = _P.declaration_reference.in_(bindparam("references", expanding=True))
_AMENDED = _P.matched_declaration.in_(bindparam("matched_to", expanding=True))


def _candidates(*branches: ColumnElement[bool]) -> Select[Any]:
    return select(PRE_ARRIVALS).where(or_(*branches)).order_by(_P.departed_at.desc(), _P.id)


# Pre-arrival candidates by (means of transport given, an amendment's earlier
# declarations given). Only the branches with values: with no means the
# movement branch's 'matched_declaration IS NULL' would lead SQLite to walk
# the index of unmatched rows, every one of them.
PRE_ARRIVAL_CANDIDATES = {
    (True, False): _candidates(_MOVEMENT, _CITED),
    (False, False): _candidates(_CITED),
    (True, True): _candidates(_MOVEMENT, _CITED, _AMENDED),
    (False, True): _candidates(_CITED, _AMENDED),
}
UNMATCHED_PRE_ARRIVALS = (
    select(PRE_ARRIVALS)
    .where(_P.matched_declaration.is_(None), _P.departed_at < bindparam("departed_before"))
    .order_by(_P.departed_at, _P.id)
)
UNMATCHED_PRE_ARRIVALS_NOT_ALERTED = UNMATCHED_PRE_ARRIVALS.where(_P.alerted_at.is_(None))
MARK_PRE_ARRIVAL_MATCHED = (
    update(PRE_ARRIVALS)
    .where(_P.id == bindparam("row_id"), _P.matched_declaration.is_(None))
    .values(matched_declaration=bindparam("declaration_id"), matched_at=bindparam("at"))
)
MARK_PRE_ARRIVALS_ALERTED = (
    update(PRE_ARRIVALS)
    .where(_P.id.in_(bindparam("ids", expanding=True)), _P.alerted_at.is_(None))
    .values(alerted_at=bindparam("at"))
)
_W = WATCHES.c
_WATCHED: tuple[tuple[Column[str | None], str], ...] = (
    (_W.means_id, "means_ids"),
    (_W.container, "containers"),
    (_W.transport_document, "transport_documents"),
    (_W.declaration_reference, "references"),
    (_W.party_id, "party_ids"),
)
WATCHES_MATCHING = (
    select(WATCHES)
    .where(
        or_(*(column.in_(bindparam(name, expanding=True)) for column, name in _WATCHED)),
        _W.valid_to.is_(None) | (_W.valid_to >= bindparam("on")),
    )
    .order_by(_W.id)
)
PARTNER_FINDINGS_OF = (
    select(PARTNER_FINDINGS.c.findings_json)
    .where(PARTNER_FINDINGS.c.declaration_id == bindparam("declaration_id"))
    .order_by(PARTNER_FINDINGS.c.id)
)
PARTNER_FINDINGS_ON = select(PARTNER_FINDINGS.c.findings_json).where(
    PARTNER_FINDINGS.c.declaration_id == bindparam("declaration_id"),
    PARTNER_FINDINGS.c.basis == bindparam("basis"),
)
AEO_LISTS_OF = (
    select(AEO_LISTS)
    .where(AEO_LISTS.c.partner == bindparam("partner"))
    .order_by(AEO_LISTS.c.received_at.desc(), AEO_LISTS.c.id.desc())
)
ALERT_OF = select(ALERTS).where(ALERTS.c.id == bindparam("id"))
ACKNOWLEDGE_ALERT = (
    update(ALERTS)
    .where(ALERTS.c.id == bindparam("row_id"), ALERTS.c.acknowledged_at.is_(None))
    .values(acknowledged_at=bindparam("at"), acknowledged_by=bindparam("by"))
)
