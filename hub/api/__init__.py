"""The hub's REST API (FastAPI): submit a declaration once, read the coordinated decision.

Bearer tokens name the principal; the need-to-know policy (:mod:`hub.access`)
narrows every read. See :mod:`hub.api.app` for the errors and
:mod:`hub.api.declarations` for the routes.
"""

from hub.api.app import RESPONSE_SENDER, create_api
from hub.api.declarations import EDIFACT, negotiate
from hub.api.problems import PROBLEM_JSON, problem

__all__ = ["EDIFACT", "PROBLEM_JSON", "RESPONSE_SENDER", "create_api", "negotiate", "problem"]
