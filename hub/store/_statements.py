"""The store's tables and the statements it runs, built once at import.

Why once: the ORM's session and per-call statement building cost more than
the queries themselves (see :mod:`hub.store.store`). A statement that depends
on a caller's filters (the lists across declarations) is built where it is run.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select, update

from hub.store.schema import (
    AeoCertificateRecord,
    AnswerRecord,
    AuditRecord,
    Base,
    ControlResultRecord,
    DecisionRecord,
    DeclarationRecord,
    ExaminationRecord,
    MessageRecord,
    OutboxRecord,
    ReroutingApprovalRecord,
    ReroutingRequestRecord,
    RouteRecord,
)

__all__ = [
    "AEO",
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
    "EXAMINATIONS",
    "INSERT_AUDIT",
    "LAST_AUDIT",
    "LATEST_DECISION",
    "LATEST_VERSION",
    "LOCK_AUDIT",
    "LOCK_DECLARATION",
    "LOCK_OFFICE",
    "MARK_PUBLISHED",
    "MESSAGES",
    "OUTBOX",
    "RAW_MESSAGE",
    "REQUESTS",
    "RESULTS",
    "ROUTES",
    "STORED_FINDINGS",
    "UNBOOK",
    "WAITING_SCORES",
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
