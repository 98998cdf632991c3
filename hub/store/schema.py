"""The tables of the store, as typed SQLAlchemy ORM classes.

Why the ORM's declarative classes rather than bare Core tables: ``Mapped[...]``
columns are checked by mypy strict, and one ``Base.metadata`` is what the
migration is compared against in the tests. Nothing else of the ORM is used:
no relationships (so no lazy loads behind a method's back), every read is an
explicit ``select`` and rows never leave :class:`~hub.store.Store` (callers get
frozen values from :mod:`hub.store.records` and pydantic models).

History is kept by shape, not by discipline: messages, declarations,
decisions and answers are insert-only and keyed so a second writer collides
on a constraint instead of overwriting. A decision row references the version
it supersedes, so the database itself refuses a gap in the versions. Only the
outbox has columns that change (``published_at``, ``attempts``): it is a
queue, not history. So are the examinations: the current appointment (or
place in a queue) of each declaration, an index of what its latest decision
version booked, read to know an office's capacity left; the decisions keep
the history.

Canonical bodies (declaration, decision, findings) are kept as the exact JSON
text pydantic wrote, not as JSON/JSONB, so reading one back gives the same
model (decimals stay decimals) and two bodies compare as text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AeoCertificateRecord",
    "AnswerRecord",
    "AuditRecord",
    "Base",
    "ControlResultRecord",
    "DecisionRecord",
    "DeclarationRecord",
    "ExaminationRecord",
    "ExchangeDeliveryRecord",
    "ExchangeMessageRecord",
    "ExchangeRefusalRecord",
    "JtcAlertRecord",
    "MessageRecord",
    "OutboxRecord",
    "PartnerAeoListRecord",
    "PartnerFindingRecord",
    "PartnerRecord",
    "PreArrivalRecord",
    "ProfileBacktestRecord",
    "ProfileChangeRecord",
    "ProfileVersionRecord",
    "ReroutingApprovalRecord",
    "ReroutingRequestRecord",
    "RouteRecord",
    "TraderRatingRecord",
    "UTCDateTime",
    "WatchRecord",
]

# Explicit constraint names, the same on SQLite and PostgreSQL, so migrations
# can name what they alter and the comparison with the models is exact.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back zone-aware.

    SQLite keeps no offset, so a naive value read back would silently change
    meaning; a naive value written is refused instead of guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r}")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_JSON = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """The one metadata of the store; the migration must equal it."""

    metadata = MetaData(naming_convention=NAMING)


class MessageRecord(Base):
    """A message exactly as received; its sha256 is its identity."""

    __tablename__ = "messages"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    wire_format: Mapped[str] = mapped_column(String(16))
    submitter: Mapped[str | None] = mapped_column(String(64))
    functional_reference: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeclarationRecord(Base):
    """The canonical declaration read from one message."""

    __tablename__ = "declarations"
    __table_args__ = (
        Index(None, "submitter", "functional_reference"),
        # Reports, ratings and back-tests over history read a period's declarations.
        Index(None, "accepted_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_sha256: Mapped[str] = mapped_column(ForeignKey("messages.sha256"), unique=True)
    functional_reference: Mapped[str | None] = mapped_column(String(128))
    submitter: Mapped[str | None] = mapped_column(String(64))
    function: Mapped[str | None] = mapped_column(String(16))
    declaration_json: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DecisionRecord(Base):
    """One version of the coordinated decision; never updated.

    ``(declaration_id, supersedes)`` references ``(declaration_id, version)``:
    version n cannot be stored before version n-1 exists.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "(version = 1 AND supersedes IS NULL) OR supersedes = version - 1",
            name="supersedes_previous",
        ),
        ForeignKeyConstraint(
            ["declaration_id", "supersedes"], ["decisions.declaration_id", "decisions.version"]
        ),
        # Metrics and the JTC's lists read the decisions of the last hour or day.
        Index(None, "made_at"),
    )

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    supersedes: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    released: Mapped[bool]
    decision_json: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnswerRecord(Base):
    """An agency's answer (its findings) to one assessment request; never updated."""

    __tablename__ = "findings"

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    findings_json: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late: Mapped[bool]


class OutboxRecord(Base):
    """Work promised in the same transaction as the fact that caused it, until published."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("length(topic) > 0", name="topic_not_empty"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index(None, "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(_JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ExaminationRecord(Base):
    """What a declaration's latest decision booked: a slot in a lane, or a place in its queue.

    One row per declaration, replaced when a newer decision version books
    otherwise and deleted when one books nothing; counting the ``booked``
    rows of an office, lane and day is the capacity already used.
    """

    __tablename__ = "examinations"
    __table_args__ = (
        CheckConstraint("state IN ('booked', 'waiting')", name="state_known"),
        Index(None, "office", "day", "lane"),
    )

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    decision_version: Mapped[int] = mapped_column(Integer)
    office: Mapped[str] = mapped_column(String(32))
    lane: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    slot_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    over_capacity: Mapped[bool]


class AuditRecord(Base):
    """One record of the audit trail (:mod:`hub.audit`); never updated.

    ``seq`` is assigned by the store, one after the last, under a lock, so
    the trail is one chain; ``hash`` seals the record to the one before.
    """

    __tablename__ = "audit_records"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(128))
    detail_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ControlResultRecord(Base):
    """What an agency's control of a decision version found (:mod:`hub.feedback`); never updated."""

    __tablename__ = "control_results"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('no-finding', 'discrepancy', 'seizure', 'detention')",
            name="outcome_known",
        ),
        Index(None, "agency", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), index=True)
    decision_version: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    result_json: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReroutingRequestRecord(Base):
    """An officer's request to raise a channel, waiting for a second officer; never updated.

    Its approval is a row of ``rerouting_approvals`` and a new decision version.
    """

    __tablename__ = "rerouting_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), index=True)
    request_json: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReroutingApprovalRecord(Base):
    """The approval of a raise request: who, when, and the decision version it made."""

    __tablename__ = "rerouting_approvals"

    request_id: Mapped[int] = mapped_column(ForeignKey("rerouting_requests.id"), primary_key=True)
    approved_by: Mapped[str] = mapped_column(String(200))
    decision_version: Mapped[int] = mapped_column(Integer)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RouteRecord(Base):
    """Which agency a declaration was routed to, with its items and reasons, when accepted.

    Kept because the agencies' ``concerns`` change over time: who was asked,
    and why, must be read back as it was, not recomputed.
    """

    __tablename__ = "routes"

    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_sequences_json: Mapped[str] = mapped_column(Text)
    reasons_json: Mapped[str] = mapped_column(Text)


class AeoCertificateRecord(Base):
    """One recorded state of an AEO certificate; never updated.

    The current state of a certificate (issuing administration, operator,
    type) is its latest row; earlier rows are its history (granted, then
    suspended, ...). ``source`` says where it came from: the national
    register file, a partner's list, an officer. ``name`` is the operator's
    name as the AEO/MRA exchange carries it; a new name is a new state.
    """

    __tablename__ = "aeo_certificates"
    __table_args__ = (
        CheckConstraint("type IN ('AEOC', 'AEOS', 'AEOF')", name="type_known"),
        CheckConstraint("status IN ('granted', 'suspended', 'revoked')", name="status_known"),
        Index(None, "issued_by", "operator", "type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issued_by: Mapped[str] = mapped_column(String(2))
    operator: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProfileVersionRecord(Base):
    """One version of a risk profile (:mod:`hub.rules.registry`); never updated.

    Findings cite a profile by id and version, so a version, once recorded,
    is the same forever: a status change is a new row, and a second writer of
    the same version collides on the primary key. ``body_json`` is the
    profile as pydantic wrote it; ``owner``, ``status`` and ``rules_hash``
    are copied out of it to be read without parsing.
    """

    __tablename__ = "profile_versions"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("status IN ('draft', 'testing', 'active', 'retired')", name="status_known"),
    )

    profile_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    rules_hash: Mapped[str] = mapped_column(String(64))
    body_json: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProfileChangeRecord(Base):
    """One line of the profiles' change log: who did what to which version; never updated.

    ``id`` orders the log; the number of rows is the registry's generation,
    which only grows because rows are only ever added.
    """

    __tablename__ = "profile_changes"
    __table_args__ = (
        CheckConstraint("action IN ('publish', 'status', 'backtest')", name="action_known"),
        ForeignKeyConstraint(
            ["profile_id", "version"], ["profile_versions.profile_id", "profile_versions.version"]
        ),
        Index(None, "profile_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProfileBacktestRecord(Base):
    """A back-test kept as evidence for activating the rules of one version; never updated."""

    __tablename__ = "profile_backtests"
    __table_args__ = (
        ForeignKeyConstraint(
            ["profile_id", "version"], ["profile_versions.profile_id", "profile_versions.version"]
        ),
        Index(None, "profile_id", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    rules_hash: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The exchange with partner administrations (hub.store._exchange, hub.store._partner_data).


class PartnerRecord(Base):
    """A partner administration and its agreements, as :class:`hub.exchange.Partner` JSON.

    Replaced when changed, like the examinations: the audit trail keeps what
    each change was (``partner.recorded``).
    """

    __tablename__ = "partners"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeMessageRecord(Base):
    """A message accepted from a partner, or sent to one, byte for byte as signed.

    ``(direction, partner, message_id)`` is unique: a partner's message id
    accepted once is a replay the second time. Only an outbound row changes:
    its ``status`` (queued, then delivered or failed) and ``delivered_at``;
    the attempts are ``exchange_deliveries``.
    """

    __tablename__ = "exchange_messages"
    __table_args__ = (
        CheckConstraint(
            "(direction = 'in' AND status = 'accepted')"
            " OR (direction = 'out' AND status IN ('queued', 'delivered', 'failed'))",
            name="status_known",
        ),
        CheckConstraint(
            "kind IN ('pre-arrival', 'risk-warning', 'risk-feedback', 'seizure-report',"
            " 'aeo-list')",
            name="kind_known",
        ),
        UniqueConstraint("direction", "partner", "message_id"),
        # The relay reads what is still queued, oldest first.
        Index(None, "status", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(3))
    partner: Mapped[str] = mapped_column(String(2))
    message_id: Mapped[str] = mapped_column(String(70))
    kind: Mapped[str] = mapped_column(String(16))
    refers_to: Mapped[list[str]] = mapped_column(_JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What an outbound message came from (a profile id, a declaration id), so a
    # partner's feedback on a warning leads back to the profile that raised it.
    subject: Mapped[str | None] = mapped_column(String(70), index=True)


class ExchangeDeliveryRecord(Base):
    """One attempt to deliver an outbound message, and its outcome; never updated."""

    __tablename__ = "exchange_deliveries"
    __table_args__ = (
        CheckConstraint("outcome IN ('delivered', 'failed', 'retrying')", name="outcome_known"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_row_id: Mapped[int] = mapped_column(ForeignKey("exchange_messages.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeRefusalRecord(Base):
    """A receipt refused (bad signature, no agreement, a replay, ...); never updated.

    What the sender claimed is kept as far as it could be read, clipped to
    the columns, with the hash of the bytes; the message itself is never
    stored as accepted.
    """

    __tablename__ = "exchange_refusals"
    __table_args__ = (Index(None, "refused_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PreArrivalRecord(Base):
    """Pre-arrival data a partner sent (SEED), waiting for its import declaration.

    ``means_id`` and ``declaration_reference`` are normalised
    (:func:`hub.rules.screening.normalise_identifier`) to be matched; ``document`` is
    the :class:`~hub.exchange.messages.PreArrival` as received. Only the
    match (``matched_declaration``, ``matched_at``) and the JTC alert for an
    unmatched one (``alerted_at``) are ever set afterwards.
    """

    __tablename__ = "pre_arrivals"
    __table_args__ = (
        UniqueConstraint("partner", "message_id"),
        Index(None, "means_id", "departed_at"),
        Index(None, "declaration_reference"),
        Index(None, "departed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(2))
    message_id: Mapped[str] = mapped_column(String(70))
    declaration_reference: Mapped[str] = mapped_column(String(128))
    means_id: Mapped[str] = mapped_column(String(64))
    departed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    matched_declaration: Mapped[str | None] = mapped_column(
        ForeignKey("declarations.id"), index=True
    )
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WatchRecord(Base):
    """A consignment a partner's warning asks to be watched; never updated.

    ``document`` is the :class:`hub.exchange.watches.Watch` as kept; each
    identifier is copied out normalised and indexed, so a declaration is
    checked against all of them in one query, and ``valid_to`` to skip the
    expired.
    """

    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("partner", "warning_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(2))
    warning_message_id: Mapped[str] = mapped_column(String(70))
    means_id: Mapped[str | None] = mapped_column(String(64), index=True)
    container: Mapped[str | None] = mapped_column(String(64), index=True)
    transport_document: Mapped[str | None] = mapped_column(String(128), index=True)
    declaration_reference: Mapped[str | None] = mapped_column(String(128), index=True)
    party_id: Mapped[str | None] = mapped_column(String(64), index=True)
    valid_to: Mapped[date | None] = mapped_column(Date)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerFindingRecord(Base):
    """Findings the exchange adds to a declaration, on one basis; never updated.

    ``basis`` names where they come from (``"pre-arrival XK/MSG-1"``,
    ``"watch XK/MSG-7"``); one row per declaration and basis, so running the
    same match again adds nothing. Read inside the decision's transaction.
    """

    __tablename__ = "partner_findings"
    __table_args__ = (UniqueConstraint("declaration_id", "basis"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("declarations.id"))
    basis: Mapped[str] = mapped_column(String(128))
    findings_json: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerAeoListRecord(Base):
    """An AEO list (full or delta) a partner sent under an MRA, as received; never updated."""

    __tablename__ = "partner_aeo_lists"
    __table_args__ = (UniqueConstraint("partner", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(2))
    message_id: Mapped[str] = mapped_column(String(70))
    scope: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[date] = mapped_column(Date)
    since: Mapped[date | None] = mapped_column(Date)
    entries_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JtcAlertRecord(Base):
    """Something for the joint targeting centre to look at; one per kind and subject.

    Only the acknowledgement (``acknowledged_at``, ``acknowledged_by``) is
    set afterwards, and audited.
    """

    __tablename__ = "jtc_alerts"
    __table_args__ = (
        UniqueConstraint("kind", "subject"),
        Index(None, "acknowledged_at", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(_JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))


class TraderRatingRecord(Base):
    """One party's behavioural rating from one run (:mod:`hub.rating`); never updated.

    A party's current rating is its latest row; earlier rows are the history
    a fall is read from. ``reasons`` are the sentences an officer reads,
    ``basis`` the counts behind them. Rows are only added, so the largest
    ``id`` is the ratings' generation, which a running hub watches to reload
    the ratings its rules read.
    """

    __tablename__ = "trader_ratings"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("band IN ('high', 'medium', 'low')", name="band_known"),
        Index(None, "party", "id"),
        Index(None, "rated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(_JSON)
    basis: Mapped[dict[str, Any]] = mapped_column(_JSON)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())
