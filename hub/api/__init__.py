"""The hub's REST API (FastAPI): submit a declaration once, read the coordinated decision.

No authentication yet: issue 5 (API and auth) adds it, with the per-reader
narrowing of decisions; until then the API serves the officers' contract and
must not be exposed beyond a trusted network.
"""

from hub.api.app import EDIFACT, PROBLEM_JSON, create_api, negotiate, problem

__all__ = ["EDIFACT", "PROBLEM_JSON", "create_api", "negotiate", "problem"]
