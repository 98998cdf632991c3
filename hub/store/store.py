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
answers as for a repeat. See :mod:`hub.store.engine` for the PostgreSQL and
SQLite settings this relies on.

Open a store after forking: a store holds an engine whose connections must
not be shared between processes (with Celery's prefork pool, open it in
``worker_process_init``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType

from pydantic import TypeAdapter
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.decision.model import Decision
from hub.errors import ConflictingRecord, StoreError, VersionGap
from hub.model.declaration import Declaration
from hub.model.finding import Finding
from hub.store.engine import READ_ONLY, open_engine
from hub.store.migrate import upgrade
from hub.store.records import Accepted, Answer, OutboxEntry, OutboxRow, RawMessage
from hub.store.schema import (
    AnswerRecord,
    DecisionRecord,
    DeclarationRecord,
    MessageRecord,
    OutboxRecord,
)
from hub.store.settings import database_url

__all__ = ["Store"]

_DECLARATION_CACHE = 10_000  # declarations kept in memory per process

_FINDINGS = TypeAdapter(tuple[Finding, ...])


class Store:
    """The hub's durable state, over one engine (SQLite file or PostgreSQL).

    Build one with :meth:`open` (a URL, ``HUB_DATABASE_URL`` by default) or
    :meth:`embedded` (a SQLite file, migrated on start); :meth:`close` it, or
    use it as a context manager.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
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
    def _transaction(self) -> Iterator[Session]:
        """A read-write transaction (on SQLite: BEGIN IMMEDIATE, see hub.store.engine)."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A read-only transaction: on SQLite a deferred BEGIN, which WAL never blocks."""
        with self._sessions.begin() as session:
            session.connection(execution_options={READ_ONLY: True})
            yield session

    # Messages and declarations

    def accept(
        self,
        raw: bytes,
        declaration: Declaration,
        *,
        wire_format: str,
        received_at: datetime,
        outbox: Sequence[OutboxEntry] = (),
    ) -> Accepted:
        """Keep the message as received, its declaration and the work it causes, all or nothing.

        The same bytes again (a retry, a replayed upload) return the declaration
        already stored with ``created=False`` and add no outbox entry, so the
        caller can acknowledge a submission as soon as this returns.
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
            with self._transaction() as session:
                existing = _declaration_of_message(session, digest)
                if existing is not None:
                    return Accepted(existing, created=False)
                session.add(
                    MessageRecord(
                        sha256=digest,
                        raw=raw,
                        wire_format=str(wire_format),
                        submitter=declaration.submitter,
                        functional_reference=declaration.functional_reference,
                        received_at=received_at,
                    )
                )
                session.flush()
                session.add(
                    DeclarationRecord(
                        id=declaration.id,
                        message_sha256=digest,
                        functional_reference=declaration.functional_reference,
                        submitter=declaration.submitter,
                        function=declaration.function.value if declaration.function else None,
                        declaration_json=declaration.model_dump_json(),
                        accepted_at=received_at,
                    )
                )
                session.flush()
                session.add_all(
                    OutboxRecord(
                        declaration_id=declaration.id,
                        topic=entry.topic,
                        payload=entry.payload,
                        created_at=received_at,
                        published_at=None,
                        attempts=0,
                    )
                    for entry in outbox
                )
                session.flush()
                return Accepted(declaration.id, created=True)
        except IntegrityError as exc:
            with self._transaction() as session:
                existing = _declaration_of_message(session, digest)
            if existing is not None:  # another process accepted the same bytes first
                return Accepted(existing, created=False)
            raise StoreError(f"declaration {declaration.id} not stored: {exc.orig}") from exc

    def declaration(self, declaration_id: str) -> Declaration | None:
        """The canonical declaration as accepted, or ``None``."""
        cached = self._declarations.get(declaration_id)
        if cached is not None:
            return cached
        with self._reading() as session:
            text = session.scalar(
                select(DeclarationRecord.declaration_json).where(
                    DeclarationRecord.id == declaration_id
                )
            )
        if text is None:
            return None
        declaration = Declaration.model_validate_json(text)
        if len(self._declarations) >= _DECLARATION_CACHE:
            self._declarations.pop(next(iter(self._declarations)))
        self._declarations[declaration_id] = declaration
        return declaration

    def raw_message(self, declaration_id: str) -> RawMessage | None:
        """The message a declaration was read from, byte for byte, or ``None``."""
        with self._reading() as session:
            row = session.scalar(
                select(MessageRecord)
                .join(DeclarationRecord, DeclarationRecord.message_sha256 == MessageRecord.sha256)
                .where(DeclarationRecord.id == declaration_id)
            )
            if row is None:
                return None
            return RawMessage(
                data=row.raw,
                sha256=row.sha256,
                wire_format=row.wire_format,
                submitter=row.submitter,
                functional_reference=row.functional_reference,
                received_at=row.received_at,
            )

    def declarations_by_reference(self, submitter: str | None, reference: str) -> list[str]:
        """Ids of the declarations a submitter sent under a functional reference, oldest first.

        For the API's rule that the same reference with other content is an
        amendment only when the message says so.
        """
        with self._reading() as session:
            return list(
                session.scalars(
                    select(DeclarationRecord.id)
                    .where(
                        DeclarationRecord.submitter.is_(None)
                        if submitter is None
                        else DeclarationRecord.submitter == submitter,
                        DeclarationRecord.functional_reference == reference,
                    )
                    .order_by(DeclarationRecord.accepted_at, DeclarationRecord.id)
                )
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
        found = tuple(findings)
        key = f"{declaration_id} {agency}/{request_id}"
        try:
            with self._transaction() as session:
                stored = _stored_findings(session, declaration_id, agency, request_id)
                if stored is None:
                    session.add(
                        AnswerRecord(
                            declaration_id=declaration_id,
                            agency=agency,
                            request_id=request_id,
                            findings_json=_FINDINGS.dump_json(found).decode(),
                            answered_at=answered_at,
                            late=late,
                        )
                    )
                    session.flush()
                    return True
        except IntegrityError as exc:
            with self._transaction() as session:
                stored = _stored_findings(session, declaration_id, agency, request_id)
            if stored is None:
                raise StoreError(f"{key}: answer not stored: {exc.orig}") from exc
        if stored != found:
            raise ConflictingRecord("another answer is already recorded for this request", key=key)
        return False

    def answers(self, declaration_id: str) -> list[Answer]:
        """Every answer recorded for a declaration, in the order they came."""
        with self._reading() as session:
            rows = session.scalars(
                select(AnswerRecord)
                .where(AnswerRecord.declaration_id == declaration_id)
                .order_by(AnswerRecord.answered_at, AnswerRecord.agency, AnswerRecord.request_id)
            ).all()
            return [
                Answer(
                    declaration_id=row.declaration_id,
                    agency=row.agency,
                    request_id=row.request_id,
                    findings=_FINDINGS.validate_json(row.findings_json),
                    answered_at=row.answered_at,
                    late=row.late,
                )
                for row in rows
            ]

    # Decisions

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
            with self._transaction() as session:
                # The latest version first: under READ COMMITTED a later statement
                # may see a version another process just committed, never lose one.
                latest = session.scalar(
                    select(func.max(DecisionRecord.version)).where(
                        DecisionRecord.declaration_id == decision.declaration_id
                    )
                )
                if 1 <= decision.version <= (latest or 0):
                    stored = _stored_decision(session, decision.declaration_id, decision.version)
                else:
                    _check_follows(decision, latest or 0)
                    session.add(
                        DecisionRecord(
                            declaration_id=decision.declaration_id,
                            version=decision.version,
                            supersedes=decision.supersedes,
                            channel=decision.channel.value,
                            released=decision.released,
                            decision_json=decision.model_dump_json(),
                            made_at=decision.made_at,
                        )
                    )
                    session.flush()
                    return True
        except IntegrityError as exc:
            with self._transaction() as session:
                stored = _stored_decision(session, decision.declaration_id, decision.version)
            if stored is None:
                raise StoreError(f"{key}: decision not stored: {exc.orig}") from exc
        if stored != decision:
            raise ConflictingRecord("another decision is already stored as this version", key=key)
        return False

    def latest_decision(self, declaration_id: str) -> Decision | None:
        """The current decision on a declaration: its highest version, or ``None``."""
        with self._reading() as session:
            text = session.scalar(
                select(DecisionRecord.decision_json)
                .where(DecisionRecord.declaration_id == declaration_id)
                .order_by(DecisionRecord.version.desc())
                .limit(1)
            )
        return None if text is None else Decision.model_validate_json(text)

    def decision_history(self, declaration_id: str) -> list[Decision]:
        """Every version of the decision on a declaration, first to latest."""
        with self._reading() as session:
            texts = session.scalars(
                select(DecisionRecord.decision_json)
                .where(DecisionRecord.declaration_id == declaration_id)
                .order_by(DecisionRecord.version)
            ).all()
        return [Decision.model_validate_json(t) for t in texts]

    # The outbox

    def unpublished(self, limit: int = 100) -> list[OutboxRow]:
        """Up to ``limit`` entries not yet published, oldest first.

        Publishing is at least once: an entry stays here until
        :meth:`mark_published`, so a relay that dies between publishing and
        marking publishes it again, and consumers must be idempotent (the
        store's writes are).
        """
        with self._reading() as session:
            rows = session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.published_at.is_(None))
                .order_by(OutboxRecord.id)
                .limit(limit)
            ).all()
            return [
                OutboxRow(
                    id=row.id,
                    declaration_id=row.declaration_id,
                    topic=row.topic,
                    payload=row.payload,
                    created_at=row.created_at,
                    published_at=row.published_at,
                    attempts=row.attempts,
                )
                for row in rows
            ]

    def undecided(self, limit: int = 100) -> list[str]:
        """Declarations whose assessment was published but that have no decision yet.

        An embedded hub keeps its queued tasks in memory; after a restart these
        declarations would wait for ever, so the hub starts them again (the
        assessments are idempotent: agencies that answered are not asked twice).
        """
        with self._reading() as session:
            decided = select(DecisionRecord.declaration_id).where(
                DecisionRecord.declaration_id == OutboxRecord.declaration_id
            )
            rows = session.scalars(
                select(OutboxRecord.declaration_id)
                .where(OutboxRecord.topic == "assess")
                .where(OutboxRecord.published_at.is_not(None))
                .where(~decided.exists())
                .order_by(OutboxRecord.id)
                .limit(limit)
            ).all()
            return list(dict.fromkeys(rows))

    def mark_published(self, ids: Sequence[int], at: datetime) -> int:
        """Record that these entries were published at ``at``; how many were still unpublished.

        An entry already marked keeps its first ``published_at``.
        """
        if not ids:
            return 0
        with self._transaction() as session:
            result = session.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id.in_(ids), OutboxRecord.published_at.is_(None))
                .values(published_at=at)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def bump_attempts(self, ids: Sequence[int]) -> None:
        """Count one more failed publishing attempt for each entry (for backoff and alerts)."""
        if not ids:
            return
        with self._transaction() as session:
            session.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id.in_(ids))
                .values(attempts=OutboxRecord.attempts + 1)
                .execution_options(synchronize_session=False)
            )


def _declaration_of_message(session: Session, digest: str) -> str | None:
    return session.scalar(
        select(DeclarationRecord.id).where(DeclarationRecord.message_sha256 == digest)
    )


def _stored_findings(
    session: Session, declaration_id: str, agency: str, request_id: str
) -> tuple[Finding, ...] | None:
    text = session.scalar(
        select(AnswerRecord.findings_json).where(
            AnswerRecord.declaration_id == declaration_id,
            AnswerRecord.agency == agency,
            AnswerRecord.request_id == request_id,
        )
    )
    return None if text is None else _FINDINGS.validate_json(text)


def _stored_decision(session: Session, declaration_id: str, version: int) -> Decision | None:
    text = session.scalar(
        select(DecisionRecord.decision_json).where(
            DecisionRecord.declaration_id == declaration_id, DecisionRecord.version == version
        )
    )
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
