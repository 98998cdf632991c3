"""The exchange's journal as its readers get it: messages received and sent, and alerts.

One JSON form for the API (``GET /v1/exchange/messages``, ``GET /v1/alerts``)
and the command line (``hub exchange messages|alerts --json``): who, what,
when and in which state, never a message's content.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.store.records import Delivery, JtcAlert, StoredExchangeMessage

__all__ = ["alert_record", "message_record"]


def message_record(row: StoredExchangeMessage, deliveries: Sequence[Delivery]) -> dict[str, Any]:
    """A message as the journal lists it, with each delivery attempt (outbound)."""
    return {
        "id": row.row_id,
        "direction": row.direction,
        "partner": row.partner,
        "message_id": row.message_id,
        "kind": row.kind,
        "refers_to": list(row.refers_to),
        "created_at": row.created_at.isoformat(),
        "recorded_at": row.recorded_at.isoformat(),
        "sha256": row.sha256,
        "status": row.status,
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "subject": row.subject,
        "deliveries": [
            {
                "attempt": d.attempt,
                "outcome": d.outcome,
                "detail": d.detail,
                "at": d.attempted_at.isoformat(),
            }
            for d in deliveries
        ],
    }


def alert_record(alert: JtcAlert) -> dict[str, Any]:
    """An alert to the joint targeting centre, open or acknowledged."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "subject": alert.subject,
        "summary": alert.summary,
        "detail": alert.detail,
        "raised_at": alert.raised_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by,
    }
