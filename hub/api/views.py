"""The reads REST and GraphQL share: a declaration or decision as one principal may see it.

A declaration the principal may not read is answered exactly as one that
does not exist (:class:`NotVisible`, a 404): guessing ids tells nothing.
Showing a confidential finding appends ``read.confidential`` to the audit
trail before the answer leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.access import DecisionView, Principal, decision_view, may_read_declaration
from hub.decision import Decision
from hub.errors import HubError
from hub.model import Declaration
from hub.orchestrator import Hub

__all__ = ["NotVisible", "Visible", "visible_decision", "visible_declaration", "visible_history"]


class NotVisible(HubError):
    """No declaration by that id that this principal may read (it may exist for others)."""


@dataclass(frozen=True)
class Visible:
    """A declaration the principal may read, with what the policy needed to know."""

    declaration: Declaration
    routed: tuple[str, ...]
    office: str | None


def visible_declaration(hub: Hub, principal: Principal, declaration_id: str) -> Visible:
    """The declaration, if ``principal`` may read it; :class:`NotVisible` otherwise."""
    declaration = hub.store.declaration(declaration_id)
    if declaration is None:
        raise NotVisible(f"no declaration {declaration_id}")
    # The routes kept at acceptance: who was asked then, whatever agency.yaml says now.
    kept = hub.store.routes(declaration_id)
    routes = kept if kept is not None else hub.orchestrator.routes_of(declaration)
    routed = tuple(r.agency for r in routes)
    office = hub.orchestrator.calendar_office(declaration)
    if not may_read_declaration(principal, declaration, routed, office):
        raise NotVisible(f"no declaration {declaration_id}")
    return Visible(declaration, routed, office)


def visible_decision(
    hub: Hub, principal: Principal, visible: Visible, decision: Decision
) -> dict[str, Any]:
    """``decision`` as ``principal`` may see it; a confidential finding shown is audited."""
    view = decision_view(
        principal,
        decision,
        _specs(hub),
        functional_reference=visible.declaration.functional_reference,
    )
    _audit_confidential(hub, principal, decision, view)
    return view.body


def visible_history(
    hub: Hub, principal: Principal, visible: Visible, decisions: list[Decision]
) -> list[dict[str, Any]]:
    """Every version, each as :func:`visible_decision` shows it."""
    return [visible_decision(hub, principal, visible, d) for d in decisions]


def _specs(hub: Hub) -> dict[str, Any]:
    return {name: a.spec for name, a in hub.orchestrator.agencies.items()}


def _audit_confidential(
    hub: Hub, principal: Principal, decision: Decision, view: DecisionView
) -> None:
    if not view.confidential:
        return
    hub.store.audit(
        actor=principal.actor,
        action="read.confidential",
        subject=decision.declaration_id,
        detail={"version": decision.version, "findings": view.confidential},
        at=datetime.now(UTC),
    )
