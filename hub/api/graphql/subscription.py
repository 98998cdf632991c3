"""``decisionChanges``: new held declarations and new decision versions, read from the
store every :data:`POLL_S` and streamed to a reader that may see them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from functools import partial

import strawberry
from strawberry.types import Info

from hub.api.graphql.context import MAX_LIST, Context, described, run, visible_or_none
from hub.api.graphql.types import Decision, DecisionEvent, DecisionEventKind, Declaration

__all__ = ["POLL_S", "Subscription"]

POLL_S = 0.5
"""How often the subscription reads the store for new decision versions."""
_REREAD = timedelta(seconds=5)
"""How far back each poll reads again: a version made just before the last poll may
commit just after it; versions already sent are remembered over this window."""


def _poll(
    context: Context, cursor: datetime, sent: dict[tuple[str, int], datetime], *, prime: bool
) -> tuple[list[DecisionEvent], datetime]:
    """New latest versions since ``cursor`` (less :data:`_REREAD`) the reader may see.

    ``sent`` remembers what was sent within the re-read window. ``prime``
    only remembers: a subscription streams what is decided after it starts.
    Only each declaration's latest version is read, so two versions made
    within one poll are sent as the later one.
    """
    principal, hub = context.principal, context.hub
    since = cursor - _REREAD
    events: list[DecisionEvent] = []
    latest = cursor
    for declaration_id, decision in hub.store.latest_decisions(decided_since=since, limit=MAX_LIST):
        if decision is None or (declaration_id, decision.version) in sent:
            continue
        sent[(declaration_id, decision.version)] = decision.made_at
        latest = max(latest, decision.made_at)
        if prime:
            continue
        if decision.version > 1:
            kind = DecisionEventKind.CHANGED
        elif not decision.released:
            kind = DecisionEventKind.NEW_HELD
        else:
            continue
        visible = visible_or_none(hub, principal, declaration_id)
        if visible is None:
            continue
        events.append(
            DecisionEvent(
                kind=kind,
                declaration=Declaration.of(visible, principal),
                decision=Decision.of(principal, hub, visible, decision),
            )
        )
    for key in [k for k, made in sent.items() if made < since]:
        del sent[key]
    return sorted(events, key=lambda e: e.decision.made_at), latest


@strawberry.type
class Subscription:
    @described(
        strawberry.subscription,
        "New held declarations and new decision versions the reader may see, "
        f"read from the store every {POLL_S} s from the moment of subscribing.",
    )
    async def decision_changes(
        self, info: Info[Context, None], held_only: bool = False
    ) -> AsyncGenerator[DecisionEvent, None]:
        context = info.context
        sent: dict[tuple[str, int], datetime] = {}
        cursor = datetime.now(UTC)
        _, cursor = await run(partial(_poll, context, cursor, sent, prime=True))
        while True:
            await asyncio.sleep(POLL_S)
            events, cursor = await run(partial(_poll, context, cursor, sent, prime=False))
            for event in events:
                if held_only and event.decision.released:
                    continue
                yield event
