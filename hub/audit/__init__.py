"""The audit trail: append-only records, each sealed with the hash of the one before.

:mod:`hub.audit.chain` is the pure part (how a record is sealed, how a
trail is checked); the store appends records in the same transaction as the
fact they record (a submission, a decision, a re-routing) and
``hub audit verify`` walks the trail.
"""

from hub.audit.chain import GENESIS, AuditEntry, Verification, seal, verify

__all__ = ["GENESIS", "AuditEntry", "Verification", "seal", "verify"]
