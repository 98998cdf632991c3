"""How the hub talks to an agency's risk module: in-process, HTTP or AMQP.

Every adapter implements one small protocol, ``assess(view, deadline)``; the
orchestration (deadlines, fail-safe findings, retries) stays in ``hub``.
Adapters import only public ``hub`` names, and turn their transport's errors
into :class:`~hub.errors.AdapterError` in one place each.
"""

from adapters.amqp import AmqpAdapter
from adapters.base import Adapter, FunctionAdapter, remaining_seconds
from adapters.build import ADAPTER_KINDS, adapter_for
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
    "ADAPTER_KINDS",
    "CONTRACT_VERSION",
    "Adapter",
    "AmqpAdapter",
    "AssessmentErrorReply",
    "AssessmentRequest",
    "AssessmentResponse",
    "ErrorDetail",
    "FunctionAdapter",
    "HttpAdapter",
    "InProcessAdapter",
    "PreparedRequest",
    "adapter_for",
    "prepare",
    "remaining_seconds",
    "request_id",
]
