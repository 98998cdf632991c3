"""Who is asking, and what they may see: principals, signed tokens, the need-to-know policy.

- :mod:`hub.access.principal`: :class:`Principal` and its :class:`Role`.
- :mod:`hub.access.tokens`: bearer tokens (JWT signed with Ed25519) naming a
  principal; the signing key comes from a file, never from the code.
- :mod:`hub.access.policy`: pure functions deciding what a principal may
  read or do, and the view of a decision each role gets.

The API and GraphQL call the policy; nothing below them knows about roles.
"""

from hub.access.policy import (
    Action,
    DecisionView,
    decision_view,
    finding_visible,
    may,
    may_read_declaration,
)
from hub.access.principal import Principal, Role
from hub.access.tokens import (
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    SigningKey,
    TokenError,
    token_key_path,
)

__all__ = [
    "TOKEN_AUDIENCE",
    "TOKEN_ISSUER",
    "Action",
    "DecisionView",
    "Principal",
    "Role",
    "SigningKey",
    "TokenError",
    "decision_view",
    "finding_visible",
    "may",
    "may_read_declaration",
    "token_key_path",
]
