"""How the hub talks to an agency's risk module: in-process, HTTP or AMQP.

Every adapter implements one small protocol, ``assess(view, deadline)``; the
orchestration (deadlines, fail-safe findings, retries) stays in ``hub``.
Adapters import only public ``hub`` names, and turn their transport's errors
into :class:`~hub.errors.AdapterError` in one place each.
"""

from adapters.base import Adapter, FunctionAdapter, remaining_seconds
from adapters.contract import (
    CONTRACT_VERSION,
    AssessmentErrorReply,
    AssessmentRequest,
    AssessmentResponse,
    ErrorDetail,
    PreparedRequest,
    prepare,
    request_id,
)
from adapters.http import HttpAdapter
from adapters.in_process import InProcessAdapter

__all__ = [
    "CONTRACT_VERSION",
    "Adapter",
    "AssessmentErrorReply",
    "AssessmentRequest",
    "AssessmentResponse",
    "ErrorDetail",
    "FunctionAdapter",
    "HttpAdapter",
    "InProcessAdapter",
    "PreparedRequest",
    "prepare",
    "remaining_seconds",
    "request_id",
]
