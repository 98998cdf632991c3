"""The store: what the hub accepted, what agencies answered, what it decided, what is owed.

Every method is one transaction, so a caller never sees half of a write.
Writes are insert-only and idempotent: the orchestrator's tasks may run twice
(``acks_late``, retries, a relay that publishes twice), and running one again
must neither duplicate a row nor overwrite history. A repeated write with the
same content returns ``False``; a different one under the same key raises
:class:`~hub.errors.ConflictingRecord`.

Concurrency rests on constraints, not on locks taken here: when two processes
write the same key at once, the database lets one commit and gives the other
an ``IntegrityError``, after which the store reads what the winner wrote and
answers as for a repeat. :meth:`Store.decide` adds one row lock, so that of
several answers arriving at once exactly one makes the decision. See
:mod:`hub.store.engine` for the PostgreSQL and SQLite settings this relies on.

SQLAlchemy Core, with every statement built once at import: the ORM's
session and per-call statement building cost more than the queries
themselves (bench/e2e.py measured ~11 ms of a declaration's 11 ms in them
before), and rows never leave the store anyway.

Open a store after forking: a store holds an engine whose connections must
not be shared between processes (with Celery's prefork pool, open it in
``worker_process_init``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.audit.chain import GENESIS, AuditEntry, seal
from hub.decision.aeo import AeoCertificate, AeoStatus, AeoType
from hub.decision.capacity import CapacityState
from hub.decision.model import Decision, Lane
from hub.decision.rerouting import RaiseRequest
from hub.errors import ConflictingRecord, StoreError, VersionGap
from hub.feedback.result import ControlResult
from hub.model.declaration import Declaration
from hub.model.finding import Finding
from hub.routing import Route
from hub.store.engine import DURABLE, READ_ONLY, open_engine
from hub.store.migrate import upgrade
from hub.store.records import (
    Accepted,
    Answer,
    Decided,
    DecisionBasis,
    NewAnswer,
    OutboxEntry,
    OutboxRow,
    RawMessage,
)
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
from hub.store.settings import database_url

__all__ = ["Store"]

_DECLARATION_CACHE = 10_000  # declarations kept in memory per process

_FINDINGS = TypeAdapter(tuple[Finding, ...])

_TABLES = Base.metadata.tables
_MESSAGES = _TABLES[MessageRecord.__tablename__]
_DECLARATIONS = _TABLES[DeclarationRecord.__tablename__]
_DECISIONS = _TABLES[DecisionRecord.__tablename__]
_ANSWERS = _TABLES[AnswerRecord.__tablename__]
_OUTBOX = _TABLES[OutboxRecord.__tablename__]
_EXAMINATIONS = _TABLES[ExaminationRecord.__tablename__]
_AUDIT = _TABLES[AuditRecord.__tablename__]
_ROUTES = _TABLES[RouteRecord.__tablename__]
_AEO = _TABLES[AeoCertificateRecord.__tablename__]
_RESULTS = _TABLES[ControlResultRecord.__tablename__]
_REQUESTS = _TABLES[ReroutingRequestRecord.__tablename__]
_APPROVALS = _TABLES[ReroutingApprovalRecord.__tablename__]
HUB_ACTOR = "hub"  # how the audit trail names the hub's own acts (decisions)

# The statements, built once (see the module docstring).
_DECLARATION_OF_MESSAGE = select(_DECLARATIONS.c.id).where(
    _DECLARATIONS.c.message_sha256 == bindparam("sha256")
)
_DECLARATION_JSON = select(_DECLARATIONS.c.declaration_json).where(
    _DECLARATIONS.c.id == bindparam("id")
)
_LOCK_DECLARATION = (
    select(_DECLARATIONS.c.id).where(_DECLARATIONS.c.id == bindparam("id")).with_for_update()
)
_RAW_MESSAGE = (
    select(_MESSAGES)
    .join(_DECLARATIONS, _DECLARATIONS.c.message_sha256 == _MESSAGES.c.sha256)
    .where(_DECLARATIONS.c.id == bindparam("id"))
)
_STORED_FINDINGS = select(_ANSWERS.c.findings_json).where(
    _ANSWERS.c.declaration_id == bindparam("declaration_id"),
    _ANSWERS.c.agency == bindparam("agency"),
    _ANSWERS.c.request_id == bindparam("request_id"),
)
_ANSWERS_OF = (
    select(
        _ANSWERS.c.agency,
        _ANSWERS.c.request_id,
        _ANSWERS.c.findings_json,
        _ANSWERS.c.answered_at,
        _ANSWERS.c.late,
    )
    .where(_ANSWERS.c.declaration_id == bindparam("declaration_id"))
    .order_by(_ANSWERS.c.answered_at, _ANSWERS.c.agency, _ANSWERS.c.request_id)
)
_LATEST_DECISION = (
    select(_DECISIONS.c.decision_json)
    .where(_DECISIONS.c.declaration_id == bindparam("declaration_id"))
    .order_by(_DECISIONS.c.version.desc())
    .limit(1)
)
_LATEST_VERSION = select(func.max(_DECISIONS.c.version)).where(
    _DECISIONS.c.declaration_id == bindparam("declaration_id")
)
_DECISION_OF_VERSION = select(_DECISIONS.c.decision_json).where(
    _DECISIONS.c.declaration_id == bindparam("declaration_id"),
    _DECISIONS.c.version == bindparam("version"),
)
_DECISION_HISTORY = (
    select(_DECISIONS.c.decision_json)
    .where(_DECISIONS.c.declaration_id == bindparam("declaration_id"))
    .order_by(_DECISIONS.c.version)
)
_UNBOOK = delete(_EXAMINATIONS).where(_EXAMINATIONS.c.declaration_id == bindparam("declaration_id"))
_DECIDED_AMONG = (
    select(_DECISIONS.c.declaration_id)
    .where(_DECISIONS.c.declaration_id.in_(bindparam("ids", expanding=True)))
    .distinct()
)
_LAST_AUDIT = select(_AUDIT.c.seq, _AUDIT.c.hash).order_by(_AUDIT.c.seq.desc()).limit(1)
_INSERT_AUDIT = insert(_AUDIT)
_LOCK_AUDIT = select(func.pg_advisory_xact_lock(func.hashtext("hub audit chain")))
_EXAMINED_AT = (
    _EXAMINATIONS.c.office == bindparam("office"),
    _EXAMINATIONS.c.day >= bindparam("since"),
    _EXAMINATIONS.c.declaration_id != bindparam("leave_out"),
)
_BOOKED_PER_DAY = (
    select(_EXAMINATIONS.c.lane, _EXAMINATIONS.c.day, func.count())
    .where(*_EXAMINED_AT, _EXAMINATIONS.c.state == "booked")
    .group_by(_EXAMINATIONS.c.lane, _EXAMINATIONS.c.day)
)
_WAITING_SCORES = select(_EXAMINATIONS.c.lane, _EXAMINATIONS.c.day, _EXAMINATIONS.c.score).where(
    *_EXAMINED_AT, _EXAMINATIONS.c.state == "waiting"
)
_BY_REFERENCE = (
    select(_DECLARATIONS.c.id)
    .where(
        _DECLARATIONS.c.submitter == bindparam("submitter"),
        _DECLARATIONS.c.functional_reference == bindparam("reference"),
    )
    .order_by(_DECLARATIONS.c.accepted_at, _DECLARATIONS.c.id)
)
_BY_REFERENCE_NO_SUBMITTER = (
    select(_DECLARATIONS.c.id)
    .where(
        _DECLARATIONS.c.submitter.is_(None),
        _DECLARATIONS.c.functional_reference == bindparam("reference"),
    )
    .order_by(_DECLARATIONS.c.accepted_at, _DECLARATIONS.c.id)
)
_LOCK_OFFICE = select(func.pg_advisory_xact_lock(func.hashtext(bindparam("key"))))
_MARK_PUBLISHED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.published_at.is_(None))
    .values(published_at=bindparam("at"))
)
_BUMP_ATTEMPTS = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(attempts=_OUTBOX.c.attempts + 1)
)


class Store:
    """The hub's durable state, over one engine (SQLite file or PostgreSQL).

    Build one with :meth:`open` (a URL, ``HUB_DATABASE_URL`` by default) or
    :meth:`embedded` (a SQLite file, migrated on start); :meth:`close` it, or
    use it as a context manager.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Threads of this process queue on a
        # lock rather than in SQLite's busy handler, which sleeps in steps of
        # up to 100 ms and so turned contention into seconds of latency
        # (bench/e2e.py). Other processes still meet ``busy_timeout``.
        self._writer: AbstractContextManager[object] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        self._postgres = engine.dialect.name == "postgresql"
        # A stored declaration never changes: read it once per process.
        self._declarations: dict[str, Declaration] = {}

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = False) -> Store:
        """A store at ``url`` (default: :func:`~hub.store.settings.database_url`).

        ``migrate`` applies pending migrations first; production runs
        ``hub db upgrade`` once instead, before starting API and workers.
        """
        store = cls(open_engine(url or database_url()))
        if migrate:
            try:
                upgrade(store.engine)
            except BaseException:
                store.close()
                raise
        return store

    @classmethod
    def embedded(cls, path: str | Path = "hub.db") -> Store:
        """The embedded store: a SQLite file at ``path``, created and migrated on first start."""
        return cls.open(f"sqlite:///{Path(path)}", migrate=True)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self, *, durable: bool = False) -> Iterator[Connection]:
        """A read-write transaction (on SQLite: BEGIN IMMEDIATE, see hub.store.engine).

        ``durable``: on disk before it returns, even through a power cut
        (see :data:`~hub.store.engine.DURABLE`); what the hub can derive again
        need not be.
        """
        with self._writer, self.engine.connect() as conn:
            if durable:
                conn = conn.execution_options(**{DURABLE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A read-only transaction: on SQLite a deferred BEGIN, which WAL never blocks."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

    # Messages and declarations

    def accept(
        self,
        raw: bytes,
        declaration: Declaration,
        *,
        wire_format: str,
        received_at: datetime,
        outbox: Sequence[OutboxEntry] = (),
        actor: str = HUB_ACTOR,
        routes: Sequence[Route] = (),
    ) -> Accepted:
        """Keep the message as received, its declaration and the work it causes, all or nothing.

        The submission is audited in the same transaction, under ``actor``;
        ``routes`` (who must assess it, and why) are kept as they are now.

        Durable before it returns (the trader is told it is accepted). The same
        bytes again (a retry, a replayed upload) return the declaration
        already stored with ``created=False`` and add no outbox entry, so the
        caller can acknowledge a submission as soon as this returns.
        ``outbox_ids`` name the entries made, for the caller to publish.
        Raises :class:`~hub.errors.StoreError` when ``declaration`` was not read
        from ``raw`` or a row breaks a constraint (nothing is kept).
        """
        digest = hashlib.sha256(raw).hexdigest()
        if declaration.message_hash != digest:
            raise StoreError(
                f"declaration {declaration.id} was read from message {declaration.message_hash},"
                f" not from these bytes ({digest})"
            )
        try:
            with self._transaction(durable=True) as conn:
                existing = conn.scalar(_DECLARATION_OF_MESSAGE, {"sha256": digest})
                if existing is not None:
                    return Accepted(existing, created=False)
                conn.execute(
                    insert(_MESSAGES),
                    {
                        "sha256": digest,
                        "raw": raw,
                        "wire_format": str(wire_format),
                        "submitter": declaration.submitter,
                        "functional_reference": declaration.functional_reference,
                        "received_at": received_at,
                    },
                )
                conn.execute(
                    insert(_DECLARATIONS),
                    {
                        "id": declaration.id,
                        "message_sha256": digest,
                        "functional_reference": declaration.functional_reference,
                        "submitter": declaration.submitter,
                        "function": declaration.function.value if declaration.function else None,
                        "declaration_json": declaration.model_dump_json(),
                        "accepted_at": received_at,
                    },
                )
                ids = tuple(
                    conn.scalar(
                        insert(_OUTBOX).returning(_OUTBOX.c.id),
                        {
                            "declaration_id": declaration.id,
                            "topic": entry.topic,
                            "payload": entry.payload,
                            "created_at": received_at,
                            "published_at": None,
                            "attempts": 0,
                        },
                    )
                    for entry in outbox
                )
                if routes:
                    conn.execute(
                        insert(_ROUTES),
                        [
                            {
                                "declaration_id": declaration.id,
                                "agency": r.agency,
                                "item_sequences_json": json.dumps(list(r.item_sequences)),
                                "reasons_json": json.dumps(list(r.reasons)),
                            }
                            for r in routes
                        ],
                    )
                self._append_audit(
                    conn,
                    actor=actor,
                    action="submission",
                    subject=declaration.id,
                    detail={
                        "message_sha256": digest,
                        "wire_format": str(wire_format),
                        "functional_reference": declaration.functional_reference,
                    },
                    at=received_at,
                )
            self._remember(declaration)
            return Accepted(declaration.id, True, tuple(int(i) for i in ids))
        except IntegrityError as exc:
            with self._reading() as conn:
                existing = conn.scalar(_DECLARATION_OF_MESSAGE, {"sha256": digest})
            if existing is not None:  # another process accepted the same bytes first
                return Accepted(existing, created=False)
            raise StoreError(f"declaration {declaration.id} not stored: {exc.orig}") from exc

    def declaration(self, declaration_id: str) -> Declaration | None:
        """The canonical declaration as accepted, or ``None``."""
        cached = self._declarations.get(declaration_id)
        if cached is not None:
            return cached
        with self._reading() as conn:
            text = conn.scalar(_DECLARATION_JSON, {"id": declaration_id})
        if text is None:
            return None
        declaration = Declaration.model_validate_json(text)
        self._remember(declaration)
        return declaration

    def _remember(self, declaration: Declaration) -> None:
        if len(self._declarations) >= _DECLARATION_CACHE:
            self._declarations.pop(next(iter(self._declarations)), None)
        self._declarations[declaration.id] = declaration

    def raw_message(self, declaration_id: str) -> RawMessage | None:
        """The message a declaration was read from, byte for byte, or ``None``."""
        with self._reading() as conn:
            row = conn.execute(_RAW_MESSAGE, {"id": declaration_id}).mappings().first()
        if row is None:
            return None
        return RawMessage(
            data=row["raw"],
            sha256=row["sha256"],
            wire_format=row["wire_format"],
            submitter=row["submitter"],
            functional_reference=row["functional_reference"],
            received_at=row["received_at"],
        )

    def declarations_by_reference(self, submitter: str | None, reference: str) -> list[str]:
        """Ids of the declarations a submitter sent under a functional reference, oldest first.

        For the API's rule that the same reference with other content is an
        amendment only when the message says so.
        """
        query = _BY_REFERENCE_NO_SUBMITTER if submitter is None else _BY_REFERENCE
        with self._reading() as conn:
            return list(conn.scalars(query, {"submitter": submitter, "reference": reference}))

    def routes(self, declaration_id: str) -> tuple[Route, ...] | None:
        """The routes kept when the declaration was accepted; ``None`` if none were kept."""
        query = (
            select(_ROUTES.c.agency, _ROUTES.c.item_sequences_json, _ROUTES.c.reasons_json)
            .where(_ROUTES.c.declaration_id == declaration_id)
            .order_by(_ROUTES.c.agency)
        )
        with self._reading() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return None
        return tuple(
            Route(
                agency=agency,
                item_sequences=tuple(json.loads(items)),
                reasons=tuple(json.loads(reasons)),
            )
            for agency, items, reasons in rows
        )

    # AEO certificates

    def record_aeo(
        self,
        certificates: Sequence[AeoCertificate],
        *,
        source: str,
        actor: str,
        at: datetime,
        only_new: bool = False,
    ) -> int:
        """Keep each certificate whose state differs from its current one; how many.

        A certificate is identified by issuing administration, operator and
        type; a new state is a new row (history kept), audited as
        ``aeo.recorded``. The same state again records nothing. With
        ``only_new``, certificates already known are left as they are (a
        seed file must not undo a suspension recorded since).
        """
        current = {_aeo_key(c): c for c in self.aeo_certificates()}
        changed = [
            c
            for c in certificates
            if (_aeo_key(c) not in current if only_new else current.get(_aeo_key(c)) != c)
        ]
        if not changed:
            return 0
        with self._transaction() as conn:
            for c in changed:
                conn.execute(
                    insert(_AEO),
                    {
                        "issued_by": c.issued_by,
                        "operator": c.operator,
                        "type": c.type.value,
                        "status": c.status.value,
                        "valid_from": c.valid_from,
                        "valid_to": c.valid_to,
                        "reference": c.reference,
                        "source": source,
                        "recorded_at": at,
                    },
                )
            self._append_audit(
                conn,
                actor=actor,
                action="aeo.recorded",
                subject=None,
                detail={
                    "source": source,
                    "certificates": [f"{c.issued_by}/{c.operator}/{c.type.value}" for c in changed],
                },
                at=at,
            )
        return len(changed)

    def aeo_certificates(self, *, issued_by: str | None = None) -> tuple[AeoCertificate, ...]:
        """Each certificate's current state (its latest row), optionally of one administration."""
        c = _AEO.c
        latest = select(func.max(c.id)).group_by(c.issued_by, c.operator, c.type).scalar_subquery()
        query = select(_AEO).where(c.id.in_(latest)).order_by(c.issued_by, c.operator, c.type)
        if issued_by is not None:
            query = query.where(c.issued_by == issued_by)
        with self._reading() as conn:
            rows = conn.execute(query).mappings().all()
        return tuple(
            AeoCertificate(
                operator=row["operator"],
                type=AeoType(row["type"]),
                status=AeoStatus(row["status"]),
                valid_from=row["valid_from"],
                valid_to=row["valid_to"],
                issued_by=row["issued_by"],
                reference=row["reference"],
            )
            for row in rows
        )

    # Agencies' answers

    def record_answer(
        self,
        declaration_id: str,
        agency: str,
        request_id: str,
        findings: Sequence[Finding],
        *,
        answered_at: datetime,
        late: bool,
    ) -> bool:
        """Keep an agency's answer to request ``request_id``; ``False`` if already kept.

        An answer is identified by its findings: the same findings again (a
        redelivered reply) are a no-op whatever ``answered_at`` says, and the
        first ``answered_at``/``late`` stand. Different findings for the same
        request raise :class:`~hub.errors.ConflictingRecord`.
        """
        answer = NewAnswer(agency, request_id, tuple(findings), answered_at, late)
        try:
            with self._transaction() as conn:
                return _record_answer(conn, declaration_id, answer)
        except IntegrityError as exc:
            with self._reading() as conn:
                stored = _stored_findings(conn, declaration_id, agency, request_id)
            if stored is None:
                raise StoreError(
                    f"{declaration_id} {agency}/{request_id}: answer not stored: {exc.orig}"
                ) from exc
            if stored != answer.findings:
                raise ConflictingRecord(
                    "another answer is already recorded for this request",
                    key=f"{declaration_id} {agency}/{request_id}",
                ) from exc
            return False

    def answers(self, declaration_id: str) -> list[Answer]:
        """Every answer recorded for a declaration, in the order they came."""
        with self._reading() as conn:
            return _answers(conn, declaration_id)

    def has_answer(self, declaration_id: str, agency: str, request_id: str) -> bool:
        """Whether ``agency``'s answer to ``request_id`` is recorded (ask it again or not)."""
        with self._reading() as conn:
            return _stored_findings(conn, declaration_id, agency, request_id) is not None

    # Decisions

    def decide(
        self,
        declaration_id: str,
        make: Callable[[DecisionBasis], Sequence[Decision]],
        *,
        answer: NewAnswer | None = None,
        office: str | None = None,
        since: date | None = None,
    ) -> Decided:
        """Record ``answer`` and the versions ``make`` derives from it, in one transaction.

        ``make`` is given the :class:`~hub.store.records.DecisionBasis` as it
        stands inside the transaction: every answer (``answer`` included),
        the latest version and ``office``'s capacity from ``since`` on. It
        returns the next versions in order (none: nothing to decide yet);
        they are stored, and the examination the last one books replaces the
        declaration's previous one. ``make`` must be pure: on a conflict
        nothing is kept and the caller may simply call again.

        One declaration's calls are serialised (a row lock on PostgreSQL,
        SQLite's single writer), so of several agencies answering at once
        exactly the last sees every answer and makes the decision; an office's
        bookings are serialised likewise, so two decisions never take the
        same last place in a lane.

        Raises :class:`~hub.errors.StoreError` for an unknown declaration,
        :class:`~hub.errors.ConflictingRecord` for other findings under the
        same request, :class:`~hub.errors.VersionGap` for a version that does
        not follow the latest.
        """
        with self._transaction() as conn:
            if conn.scalar(_LOCK_DECLARATION, {"id": declaration_id}) is None:
                raise StoreError(f"{declaration_id}: no such declaration")
            created = False
            if answer is not None:
                created = _record_answer(conn, declaration_id, answer)

            def capacity() -> CapacityState:
                if office is not None and self._postgres:
                    conn.execute(_LOCK_OFFICE, {"key": f"office {office}"})
                return _capacity(conn, office, since, declaration_id)

            latest = _latest_decision(conn, declaration_id)
            basis = DecisionBasis(
                answers=tuple(_answers(conn, declaration_id)), latest=latest, capacity=capacity
            )
            made = tuple(make(basis))
            previous = basis.latest
            for decision in made:
                if decision.declaration_id != declaration_id:
                    raise StoreError(
                        f"a decision on {decision.declaration_id} given for {declaration_id}"
                    )
                _check_follows(decision, previous.version if previous else 0)
                conn.execute(insert(_DECISIONS), _decision_row(decision))
                self._audit_decision(conn, decision)
                previous = decision
            if made:
                _book(conn, made[-1], booked_before=_books(latest))
            return Decided(answer_created=created, saved=made, latest=previous)

    def save_decision(self, decision: Decision) -> bool:
        """Store a decision version; ``False`` if this very version is already stored.

        Versions are gapless: the first is 1, each next one is the latest
        stored plus one and ``supersedes`` it; anything else raises
        :class:`~hub.errors.VersionGap`. Another decision under the same
        ``(declaration_id, version)`` raises :class:`~hub.errors.ConflictingRecord`
        (usually: another worker made that version first).
        """
        key = f"{decision.declaration_id} v{decision.version}"
        try:
            with self._transaction() as conn:
                # The latest version first: under READ COMMITTED a later statement
                # may see a version another process just committed, never lose one.
                latest = conn.scalar(_LATEST_VERSION, {"declaration_id": decision.declaration_id})
                if 1 <= decision.version <= (latest or 0):
                    stored = _stored_decision(conn, decision.declaration_id, decision.version)
                else:
                    _check_follows(decision, latest or 0)
                    conn.execute(insert(_DECISIONS), _decision_row(decision))
                    _book(conn, decision, booked_before=True)
                    self._audit_decision(conn, decision)
                    return True
        except IntegrityError as exc:
            with self._reading() as conn:
                stored = _stored_decision(conn, decision.declaration_id, decision.version)
            if stored is None:
                raise StoreError(f"{key}: decision not stored: {exc.orig}") from exc
        if stored != decision:
            raise ConflictingRecord("another decision is already stored as this version", key=key)
        return False

    def latest_decision(self, declaration_id: str) -> Decision | None:
        """The current decision on a declaration: its highest version, or ``None``."""
        with self._reading() as conn:
            return _latest_decision(conn, declaration_id)

    def decided_among(self, declaration_ids: Sequence[str]) -> set[str]:
        """Those of ``declaration_ids`` that have a decision."""
        if not declaration_ids:
            return set()
        with self._reading() as conn:
            return set(conn.scalars(_DECIDED_AMONG, {"ids": list(declaration_ids)}))

    def capacity(self, office: str, since: date | None = None) -> CapacityState:
        """What ``office`` has booked and queued, per lane and day (from ``since`` on)."""
        with self._reading() as conn:
            return _capacity(conn, office, since, None)

    def decision_history(self, declaration_id: str) -> list[Decision]:
        """Every version of the decision on a declaration, first to latest."""
        with self._reading() as conn:
            texts = conn.scalars(_DECISION_HISTORY, {"declaration_id": declaration_id}).all()
        return [Decision.model_validate_json(t) for t in texts]

    # Officers: control results and re-routings

    def record_control_result(self, result: ControlResult, *, actor: str) -> int:
        """Keep what a control found (insert-only, audited); its id."""
        row = {
            "declaration_id": result.declaration_id,
            "decision_version": result.decision_version,
            "agency": result.agency,
            "outcome": result.outcome.value,
            "result_json": result.model_dump_json(),
            "recorded_at": result.recorded_at,
        }
        with self._transaction() as conn:
            if conn.scalar(_LOCK_DECLARATION, {"id": result.declaration_id}) is None:
                raise StoreError(f"{result.declaration_id}: no such declaration")
            latest = conn.scalar(_LATEST_VERSION, {"declaration_id": result.declaration_id})
            if latest is None or result.decision_version > latest:
                raise StoreError(
                    f"{result.declaration_id} has no decision version {result.decision_version}"
                )
            result_id = int(conn.scalar(insert(_RESULTS).returning(_RESULTS.c.id), row))
            self._append_audit(
                conn,
                actor=actor,
                action="control-result",
                subject=result.declaration_id,
                detail={"id": result_id, "agency": result.agency, "outcome": result.outcome.value},
                at=result.recorded_at,
            )
        return result_id

    def control_results(self, declaration_id: str) -> list[ControlResult]:
        """Every control result recorded on a declaration, oldest first."""
        query = (
            select(_RESULTS.c.result_json)
            .where(_RESULTS.c.declaration_id == declaration_id)
            .order_by(_RESULTS.c.id)
        )
        with self._reading() as conn:
            return [ControlResult.model_validate_json(t) for t in conn.scalars(query)]

    def request_raise(self, request: RaiseRequest, *, actor: str) -> int:
        """Keep a raise request until a second officer approves it (audited); its id."""
        with self._transaction() as conn:
            if conn.scalar(_LOCK_DECLARATION, {"id": request.declaration_id}) is None:
                raise StoreError(f"{request.declaration_id}: no such declaration")
            request_id = int(
                conn.scalar(
                    insert(_REQUESTS).returning(_REQUESTS.c.id),
                    {
                        "declaration_id": request.declaration_id,
                        "request_json": request.model_dump_json(),
                        "requested_at": request.requested_at,
                    },
                )
            )
            self._append_audit(
                conn,
                actor=actor,
                action="rerouting.requested",
                subject=request.declaration_id,
                detail={
                    "request": request_id,
                    "agency": request.agency,
                    "to": request.to_channel.value,
                    "reason": request.reason,
                },
                at=request.requested_at,
            )
        return request_id

    def raise_requests(self, declaration_id: str) -> list[tuple[int, RaiseRequest, int | None]]:
        """A declaration's raise requests: (id, request, version its approval made or None)."""
        query = (
            select(_REQUESTS.c.id, _REQUESTS.c.request_json, _APPROVALS.c.decision_version)
            .outerjoin(_APPROVALS, _APPROVALS.c.request_id == _REQUESTS.c.id)
            .where(_REQUESTS.c.declaration_id == declaration_id)
            .order_by(_REQUESTS.c.id)
        )
        with self._reading() as conn:
            return [
                (int(i), RaiseRequest.model_validate_json(text), version)
                for i, text, version in conn.execute(query)
            ]

    def reroute(
        self,
        declaration_id: str,
        make: Callable[[Decision], Decision],
        *,
        actor: str,
        approving: int | None = None,
        approver: str | None = None,
    ) -> Decision:
        """Store the version an officer's re-routing makes from the latest one, audited.

        ``make`` gets the latest version inside the transaction (so a late
        answer saved meanwhile is not lost) and returns the next.
        ``approving`` names the raise request this approves: approved once
        only (:class:`~hub.errors.ConflictingRecord` the second time).
        """
        with self._transaction() as conn:

            def once(latest: Decision, _capacity: Callable[[], CapacityState]) -> Decision:
                # Checked under the declaration's lock: two approvals of one
                # request meet here, and the second is told, not stored.
                if approving is not None:
                    done = conn.scalar(
                        select(_APPROVALS.c.decision_version).where(
                            _APPROVALS.c.request_id == approving
                        )
                    )
                    if done is not None:
                        raise ConflictingRecord(
                            f"already approved: it made version {done}",
                            key=f"request {approving}",
                        )
                return make(latest)

            decision = self._next_version(conn, declaration_id, once)
            record = decision.reroutings[-1] if decision.reroutings else None
            if approving is not None:
                conn.execute(
                    insert(_APPROVALS),
                    {
                        "request_id": approving,
                        "approved_by": approver or actor,
                        "decision_version": decision.version,
                        "approved_at": decision.made_at,
                    },
                )
            self._append_audit(
                conn,
                actor=actor,
                action="rerouting.approved" if approving is not None else "rerouting.lowered",
                subject=declaration_id,
                detail={
                    "version": decision.version,
                    "request": approving,
                    "agency": record.agency if record else None,
                    "reason": record.reason if record else None,
                    "channel": decision.channel.value,
                },
                at=decision.made_at,
            )
            return decision

    def revise(
        self,
        declaration_id: str,
        make: Callable[[Decision, Callable[[], CapacityState]], Decision],
        *,
        actor: str,
        action: str,
        office: str | None = None,
        since: date | None = None,
        detail: Callable[[Decision], dict[str, Any]] | None = None,
    ) -> Decision:
        """Store the version an officer's act makes from the latest one, audited as ``action``.

        ``make`` gets the latest version and a reader of ``office``'s capacity
        from ``since`` on, without this declaration's own booking (the one a
        move replaces), both inside the transaction: the office's bookings
        are serialised as in :meth:`decide`, so two moves never take the
        same last place in a lane. The examinations index follows the new
        version. The audit record's detail is the version and ``detail`` of
        the new version. Raises :class:`~hub.errors.StoreError` for an
        unknown or undecided declaration; whatever ``make`` raises leaves
        nothing stored.
        """
        with self._transaction() as conn:
            decision = self._next_version(conn, declaration_id, make, office=office, since=since)
            self._append_audit(
                conn,
                actor=actor,
                action=action,
                subject=declaration_id,
                detail={"version": decision.version, **(detail(decision) if detail else {})},
                at=decision.made_at,
            )
            return decision

    def _next_version(
        self,
        conn: Connection,
        declaration_id: str,
        make: Callable[[Decision, Callable[[], CapacityState]], Decision],
        *,
        office: str | None = None,
        since: date | None = None,
    ) -> Decision:
        """Inside ``conn``: lock the declaration, make the next version from the latest,
        store it and let the examinations index follow it."""
        if conn.scalar(_LOCK_DECLARATION, {"id": declaration_id}) is None:
            raise StoreError(f"{declaration_id}: no such declaration")
        latest = _latest_decision(conn, declaration_id)
        if latest is None:
            raise StoreError(f"{declaration_id} has no decision to revise yet")

        def capacity() -> CapacityState:
            if office is not None and self._postgres:
                conn.execute(_LOCK_OFFICE, {"key": f"office {office}"})
            return _capacity(conn, office, since, declaration_id)

        decision = make(latest, capacity)
        if decision.declaration_id != declaration_id:
            raise StoreError(f"a decision on {decision.declaration_id} given for {declaration_id}")
        _check_follows(decision, latest.version)
        conn.execute(insert(_DECISIONS), _decision_row(decision))
        _book(conn, decision, booked_before=_books(latest))
        return decision

    # The audit trail

    def audit(
        self,
        *,
        actor: str,
        action: str,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime,
    ) -> AuditEntry:
        """Append a record of its own (a read of a confidential finding, a token's use)."""
        with self._transaction() as conn:
            return self._append_audit(
                conn, actor=actor, action=action, subject=subject, detail=detail or {}, at=at
            )

    def audit_trail(self, *, after: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every record after ``after``, in order, read ``batch`` at a time."""
        c = _AUDIT.c
        while True:
            query = select(_AUDIT).where(c.seq > after).order_by(c.seq).limit(batch)
            with self._reading() as conn:
                rows = conn.execute(query).mappings().all()
            for row in rows:
                yield AuditEntry(
                    seq=row["seq"],
                    at=row["at"],
                    actor=row["actor"],
                    action=row["action"],
                    subject=row["subject"],
                    detail=json.loads(row["detail_json"]),
                    prev_hash=row["prev_hash"],
                    hash=row["hash"],
                )
            if len(rows) < batch:
                return
            after = rows[-1]["seq"]

    def _append_audit(
        self,
        conn: Connection,
        *,
        actor: str,
        action: str,
        subject: str | None,
        detail: dict[str, Any],
        at: datetime,
    ) -> AuditEntry:
        """Append to the chain inside ``conn``'s transaction: one writer at a time.

        On PostgreSQL a transaction-scoped advisory lock serialises appends
        (SQLite's writer is alone anyway), held until the fact it records
        commits with it. The detail is stored as the JSON it was sealed over.
        """
        if self._postgres:
            conn.execute(_LOCK_AUDIT)
        last = conn.execute(_LAST_AUDIT).first()
        seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
        detail = json.loads(json.dumps(detail, default=str))
        digest = seal(
            prev, seq=seq, at=at, actor=actor, action=action, subject=subject, detail=detail
        )
        conn.execute(
            _INSERT_AUDIT,
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "detail_json": json.dumps(detail, sort_keys=True),
                "prev_hash": prev,
                "hash": digest,
            },
        )
        return AuditEntry(seq, at, actor, action, subject, detail, prev, digest)

    def _audit_decision(self, conn: Connection, decision: Decision) -> None:
        self._append_audit(
            conn,
            actor=HUB_ACTOR,
            action="decision",
            subject=decision.declaration_id,
            detail={
                "version": decision.version,
                "channel": decision.channel.value,
                "released": decision.released,
                "pending": list(decision.pending),
            },
            at=decision.made_at,
        )

    # The outbox

    def unpublished(
        self, limit: int = 100, *, settled_before: datetime | None = None
    ) -> list[OutboxRow]:
        """Up to ``limit`` entries not yet published, oldest first.

        With ``settled_before``, only entries already tried or created before
        that moment: younger ones are still being published by the process
        that accepted them.

        Publishing is at least once: an entry stays here until
        :meth:`mark_published`, so a relay that dies between publishing and
        marking publishes it again, and consumers must be idempotent (the
        store's writes are).
        """
        c = _OUTBOX.c
        query = select(_OUTBOX).where(c.published_at.is_(None))
        if settled_before is not None:
            query = query.where((c.attempts > 0) | (c.created_at < settled_before))
        with self._reading() as conn:
            rows = conn.execute(query.order_by(c.id).limit(limit)).mappings().all()
        return [
            OutboxRow(
                id=row["id"],
                declaration_id=row["declaration_id"],
                topic=row["topic"],
                payload=row["payload"],
                created_at=row["created_at"],
                published_at=row["published_at"],
                attempts=row["attempts"],
            )
            for row in rows
        ]

    def undecided(
        self,
        limit: int = 100,
        *,
        published_before: datetime | None = None,
        published_after: datetime | None = None,
    ) -> list[str]:
        """Declarations whose assessment was published but that have no decision yet.

        An embedded hub keeps its queued tasks in memory; after a restart these
        declarations would wait for ever, so the hub starts them again (the
        assessments are idempotent: agencies that answered are not asked twice).
        The bounds select those published in a window (the overdue sweep).
        """
        c = _OUTBOX.c
        decided = select(_DECISIONS.c.declaration_id).where(
            _DECISIONS.c.declaration_id == c.declaration_id
        )
        query = (
            select(c.declaration_id)
            .where(c.topic == "assess", c.published_at.is_not(None), ~decided.exists())
            .order_by(c.id)
            .limit(limit)
        )
        if published_before is not None:
            query = query.where(c.published_at < published_before)
        if published_after is not None:
            query = query.where(c.published_at > published_after)
        with self._reading() as conn:
            rows = conn.scalars(query).all()
        return list(dict.fromkeys(rows))

    def mark_published(self, ids: Sequence[int], at: datetime) -> int:
        """Record that these entries were published at ``at``; how many were still unpublished.

        An entry already marked keeps its first ``published_at``.
        """
        if not ids:
            return 0
        with self._transaction() as conn:
            result = conn.execute(_MARK_PUBLISHED, {"ids": list(ids), "at": at})
            return int(result.rowcount)

    def bump_attempts(self, ids: Sequence[int]) -> None:
        """Count one more failed publishing attempt for each entry (for backoff and alerts)."""
        if not ids:
            return
        with self._transaction() as conn:
            conn.execute(_BUMP_ATTEMPTS, {"ids": list(ids)})

    # Lists for the joint targeting centre (hub.api.graphql)

    def latest_decisions(
        self,
        *,
        unreleased: bool = False,
        channel: str | None = None,
        accepted_from: datetime | None = None,
        accepted_until: datetime | None = None,
        decided_since: datetime | None = None,
        limit: int = 100,
    ) -> list[tuple[str, Decision | None]]:
        """Declarations with their latest decision (``None`` while assessing), newest first.

        For lists across declarations, which the per-declaration reads cannot
        give without one query each. ``unreleased`` keeps those still
        assessing or not released; ``channel`` those whose latest decision
        has it; ``accepted_from``/``accepted_until`` bound the acceptance
        (``until`` excluded); ``decided_since`` keeps those whose latest
        version was made then or later. No access policy here: the caller
        filters what its reader may see.
        """
        d, v = _DECLARATIONS.c, _DECISIONS.c
        latest = (
            select(v.declaration_id, func.max(v.version).label("version"))
            .group_by(v.declaration_id)
            .subquery()
        )
        query = (
            select(d.id, v.decision_json)
            .outerjoin(latest, latest.c.declaration_id == d.id)
            .outerjoin(_DECISIONS, (v.declaration_id == d.id) & (v.version == latest.c.version))
            .order_by(d.accepted_at.desc(), d.id)
            .limit(limit)
        )
        if unreleased:
            query = query.where(v.released.is_not(True))
        if channel is not None:
            query = query.where(v.channel == channel)
        if accepted_from is not None:
            query = query.where(d.accepted_at >= accepted_from)
        if accepted_until is not None:
            query = query.where(d.accepted_at < accepted_until)
        if decided_since is not None:
            query = query.where(v.made_at >= decided_since)
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [
            (str(i), None if text is None else Decision.model_validate_json(text))
            for i, text in rows
        ]

    def examinations_on(self, office: str, day: date) -> list[tuple[str, bool]]:
        """The declarations with a control at ``office`` on ``day``: (id, booked), booked
        ones by slot first, then those waiting for capacity by score (best first).

        Read from the examinations index, which follows each declaration's
        latest decision version.
        """
        c = _EXAMINATIONS.c
        query = (
            select(c.declaration_id, c.state)
            .where(c.office == office, c.day == day)
            .order_by(c.state, c.slot_start, c.score.desc(), c.declaration_id)
        )
        with self._reading() as conn:
            return [(str(i), state == "booked") for i, state in conn.execute(query)]


def _aeo_key(certificate: AeoCertificate) -> tuple[str, str, str]:
    return (certificate.issued_by, certificate.operator, certificate.type.value)


def _stored_findings(
    conn: Connection, declaration_id: str, agency: str, request_id: str
) -> tuple[Finding, ...] | None:
    text = conn.scalar(
        _STORED_FINDINGS,
        {"declaration_id": declaration_id, "agency": agency, "request_id": request_id},
    )
    return None if text is None else _FINDINGS.validate_json(text)


def _stored_decision(conn: Connection, declaration_id: str, version: int) -> Decision | None:
    text = conn.scalar(_DECISION_OF_VERSION, {"declaration_id": declaration_id, "version": version})
    return None if text is None else Decision.model_validate_json(text)


def _check_follows(decision: Decision, latest: int) -> None:
    expected = latest + 1
    key = f"{decision.declaration_id} v{decision.version}"
    if decision.version != expected:
        raise VersionGap(
            f"{key}: the latest stored version is {latest or 'none'}, so the next must be"
            f" {expected}"
        )
    supersedes = decision.version - 1 if decision.version > 1 else None
    if decision.supersedes != supersedes:
        raise VersionGap(f"{key} must supersede {supersedes}, not {decision.supersedes}")


def _record_answer(conn: Connection, declaration_id: str, answer: NewAnswer) -> bool:
    stored = _stored_findings(conn, declaration_id, answer.agency, answer.request_id)
    if stored is None:
        conn.execute(
            insert(_ANSWERS),
            {
                "declaration_id": declaration_id,
                "agency": answer.agency,
                "request_id": answer.request_id,
                "findings_json": _FINDINGS.dump_json(answer.findings).decode(),
                "answered_at": answer.answered_at,
                "late": answer.late,
            },
        )
        return True
    if stored != tuple(answer.findings):
        raise ConflictingRecord(
            "another answer is already recorded for this request",
            key=f"{declaration_id} {answer.agency}/{answer.request_id}",
        )
    return False


def _answers(conn: Connection, declaration_id: str) -> list[Answer]:
    rows = conn.execute(_ANSWERS_OF, {"declaration_id": declaration_id}).all()
    return [
        Answer(
            declaration_id=declaration_id,
            agency=agency,
            request_id=request_id,
            findings=_FINDINGS.validate_json(findings),
            answered_at=answered_at,
            late=late,
        )
        for agency, request_id, findings, answered_at, late in rows
    ]


def _latest_decision(conn: Connection, declaration_id: str) -> Decision | None:
    text = conn.scalar(_LATEST_DECISION, {"declaration_id": declaration_id})
    return None if text is None else Decision.model_validate_json(text)


def _decision_row(decision: Decision) -> dict[str, Any]:
    return {
        "declaration_id": decision.declaration_id,
        "version": decision.version,
        "supersedes": decision.supersedes,
        "channel": decision.channel.value,
        "released": decision.released,
        "decision_json": decision.model_dump_json(),
        "made_at": decision.made_at,
    }


def _capacity(
    conn: Connection, office: str | None, since: date | None, leave_out: str | None
) -> CapacityState:
    """Bookings counted by the database (an office books thousands a day), and the
    scores of the selections waiting, per lane and day."""
    if office is None:
        return CapacityState()
    params = {"office": office, "since": since or date.min, "leave_out": leave_out or ""}
    booked = {
        (office, Lane(lane), day): int(count)
        for lane, day, count in conn.execute(_BOOKED_PER_DAY, params)
    }
    waiting: defaultdict[tuple[str, Lane, date], list[int]] = defaultdict(list)
    for lane, day, score in conn.execute(_WAITING_SCORES, params):
        waiting[(office, Lane(lane), day)].append(score)
    return CapacityState(booked=booked, waiting=dict(waiting))


def _books(decision: Decision | None) -> bool:
    return decision is not None and (decision.examination is not None or bool(decision.queued))


def _book(conn: Connection, decision: Decision, *, booked_before: bool) -> None:
    """Make the declaration's examination row say what ``decision`` booked or queued."""
    if booked_before:
        conn.execute(_UNBOOK, {"declaration_id": decision.declaration_id})
    row: dict[str, Any] | None = None
    if decision.examination is not None:
        e = decision.examination
        row = {
            "office": e.office,
            "lane": e.lane.value,
            "day": e.slot.start.date(),
            "state": "booked",
            "score": 0,
            "slot_start": e.slot.start,
            "over_capacity": e.over_capacity,
        }
    elif decision.queued:
        q = decision.queued[0]
        row = {
            "office": q.office,
            "lane": q.lane.value,
            "day": q.day,
            "state": "waiting",
            "score": q.score,
            "slot_start": None,
            "over_capacity": False,
        }
    if row is not None:
        conn.execute(
            insert(_EXAMINATIONS),
            {
                "declaration_id": decision.declaration_id,
                "decision_version": decision.version,
                **row,
            },
        )
