"""Messages and declarations: what the hub accepted, byte for byte, and who must assess it.

Acceptance is the one durable write (the trader is told): the message, its
declaration, the outbox entries it causes, its routes and the submission's
audit record, all or nothing. The same bytes again are the same declaration.
A stored declaration never changes, so each process reads one once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from hub.errors import StoreError
from hub.model.declaration import Declaration
from hub.routing import Route
from hub.store._audit_trail import HUB_ACTOR, AuditTrailMixin
from hub.store._statements import (
    BY_REFERENCE,
    BY_REFERENCE_NO_SUBMITTER,
    DECLARATION_JSON,
    DECLARATION_OF_MESSAGE,
    DECLARATIONS,
    MESSAGES,
    OUTBOX,
    RAW_MESSAGE,
    ROUTES,
)
from hub.store.records import Accepted, OutboxEntry, RawMessage

__all__ = ["DeclarationsMixin"]

_DECLARATION_CACHE = 10_000  # declarations kept in memory per process


class DeclarationsMixin(AuditTrailMixin):
    """Accepting a message with its declaration, and reading them (and their routes) back."""

    _declarations: dict[str, Declaration]

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
        effects: Callable[[Connection], None] | None = None,
    ) -> Accepted:
        """Keep the message as received, its declaration and the work it causes, all or nothing.

        The submission is audited in the same transaction, under ``actor``;
        ``routes`` (who must assess it, and why) are kept as they are now;
        ``effects`` writes what else the accept causes (the findings partners'
        data gives it, the pre-arrival data it matched) in that transaction too.

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
                existing = conn.scalar(DECLARATION_OF_MESSAGE, {"sha256": digest})
                if existing is not None:
                    return Accepted(existing, created=False)
                conn.execute(
                    insert(MESSAGES),
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
                    insert(DECLARATIONS),
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
                        insert(OUTBOX).returning(OUTBOX.c.id),
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
                        insert(ROUTES),
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
                if effects is not None:
                    effects(conn)
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
                existing = conn.scalar(DECLARATION_OF_MESSAGE, {"sha256": digest})
            if existing is not None:  # another process accepted the same bytes first
                return Accepted(existing, created=False)
            raise StoreError(f"declaration {declaration.id} not stored: {exc.orig}") from exc

    def declaration(self, declaration_id: str) -> Declaration | None:
        """The canonical declaration as accepted, or ``None``."""
        cached = self._declarations.get(declaration_id)
        if cached is not None:
            return cached
        with self._reading() as conn:
            text = conn.scalar(DECLARATION_JSON, {"id": declaration_id})
        if text is None:
            return None
        declaration = Declaration.model_validate_json(text)
        self._remember(declaration)
        return declaration

    def declarations_accepted(self, start: datetime, end: datetime) -> list[Declaration]:
        """The declarations accepted in ``[start, end)``, in the order accepted (back-tests)."""
        query = (
            select(DECLARATIONS.c.declaration_json)
            .where(DECLARATIONS.c.accepted_at >= start, DECLARATIONS.c.accepted_at < end)
            .order_by(DECLARATIONS.c.accepted_at, DECLARATIONS.c.id)
        )
        with self._reading() as conn:
            return [Declaration.model_validate_json(text) for text in conn.scalars(query)]

    def _remember(self, declaration: Declaration) -> None:
        if len(self._declarations) >= _DECLARATION_CACHE:
            self._declarations.pop(next(iter(self._declarations)), None)
        self._declarations[declaration.id] = declaration

    def raw_message(self, declaration_id: str) -> RawMessage | None:
        """The message a declaration was read from, byte for byte, or ``None``."""
        with self._reading() as conn:
            row = conn.execute(RAW_MESSAGE, {"id": declaration_id}).mappings().first()
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
        query = BY_REFERENCE_NO_SUBMITTER if submitter is None else BY_REFERENCE
        with self._reading() as conn:
            return list(conn.scalars(query, {"submitter": submitter, "reference": reference}))

    def routes(self, declaration_id: str) -> tuple[Route, ...] | None:
        """The routes kept when the declaration was accepted; ``None`` if none were kept."""
        query = (
            select(ROUTES.c.agency, ROUTES.c.item_sequences_json, ROUTES.c.reasons_json)
            .where(ROUTES.c.declaration_id == declaration_id)
            .order_by(ROUTES.c.agency)
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
