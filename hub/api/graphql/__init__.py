"""GraphQL for the joint targeting centre (JTC) at ``/graphql``, with Strawberry.

The REST API answers one declaration at a time; the JTC works across them:
what is still held, which examinations an office has on a day, how profiles
perform. Everything here goes through the same policy as REST
(:mod:`hub.access`, :mod:`hub.api.views`), so both answer alike:

- Authentication: the REST bearer token, checked before the query is even
  parsed. A missing or invalid token is the same 401 problem as on ``/v1``;
  on a WebSocket (subscriptions) the handshake is closed with 1008.
- Need to know: a declaration the reader may not read is ``null``, exactly
  like an unknown id, wherever it would appear (a field, a list, an event),
  and a mutation on it fails as on an unknown id (``NOT_FOUND``). Decisions
  are projected from :func:`~hub.access.decision_view`'s body, so a field the
  policy leaves out (a trader's findings, another agency's unshared ones)
  cannot appear; showing findings goes through
  :func:`~hub.api.views.visible_decision`, which audits confidential reads,
  when and only when ``agencies`` is selected.
- Cost: at most :data:`MAX_DEPTH` levels, :data:`MAX_TOKENS` tokens and
  :data:`MAX_ALIASES` aliases per document; lists stop at :data:`MAX_LIST`.
  No IDE page and no queries over GET: every request is a POST with a token.

Queries: ``awaiting`` (declarations not released: assessing or held for a
control; by office, agency, channel, acceptance time), ``declaration``,
``examinations`` (an office's controls on a day, joint ones or all), and
the period's figures (:mod:`hub.api.graphql.reports`): ``kpi``,
``profilePerformance`` and ``effectivenessReview``. Mutations: ``raiseChannel``,
``approveRerouting``, ``recordControlResult`` and ``scheduleExamination`` (as their REST routes:
a move to another slot of the office's calendar, or a queued selection given
its slot, is the decision's next version, audited as ``examination.moved``).
The subscription ``decisionChanges`` polls the store every :data:`POLL_S`.

Errors carry ``extensions.code``: ``NOT_FOUND``, ``FORBIDDEN``, ``REFUSED``
(a refused re-routing or move), ``CONFLICT``, ``BAD_USER_INPUT``,
``HUB_ERROR``.
"""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.fastapi import GraphQLRouter

from hub.api.graphql.context import MAX_LIST, Context, context_of
from hub.api.graphql.mutations import Mutation
from hub.api.graphql.queries import Query
from hub.api.graphql.subscription import POLL_S, Subscription

__all__ = [
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_LIST",
    "MAX_TOKENS",
    "POLL_S",
    "Context",
    "graphql_router",
    "schema",
]

MAX_DEPTH = 8
"""Deepest selection allowed: the schema's back-links (decision -> declaration) could
otherwise make one small document read without end."""
MAX_TOKENS = 2000
MAX_ALIASES = 15


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
    ],
)
"""The JTC's schema; see the module docstring."""


def graphql_router() -> GraphQLRouter[Context, None]:
    """The ``/graphql`` route (POST and WebSocket), authenticated like ``/v1``."""
    return GraphQLRouter(
        schema,
        path="/graphql",
        context_getter=context_of,
        graphql_ide=None,
        allow_queries_via_get=False,
    )
