"""Need to know: what each principal may read and do, and the view of a decision it gets.

Pure functions of the principal, the thing asked for and the agencies'
``agency.yaml`` (``findings_visible_to``, ``confidential_visible_to``). The
REST and GraphQL edges call them for every read and every action, so both
answer alike; they audit what :class:`DecisionView` says was confidential.

Who reads a declaration (:func:`may_read_declaration`):

- a trader: one it submitted or is a party to (any of its ``parties``);
- an officer: one routed to its agency, at one of its offices if it has any;
- the JTC: all of them; partners and administrators: none.

What a decision looks like to each (:func:`decision_view`):

- trader: status, channel, release, the audit flag, and where and when the
  goods are examined; no agency, finding, reason or profile name;
- officer: the whole decision, but another agency's findings only where
  that agency shares them with the officer's agency, and a confidential
  finding only where its agency names the officer's in
  ``confidential_visible_to`` (by default only the JTC); the examination's
  instructions only for its own agency;
- JTC: everything.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.access.principal import Principal, Role
from hub.agency import AgencySpec
from hub.decision import Decision, trader_view
from hub.decision.joint import instructions_of
from hub.model import Declaration
from hub.model.finding import Finding

__all__ = [
    "Action",
    "DecisionView",
    "decision_view",
    "finding_visible",
    "may",
    "may_read_declaration",
]


class Action(StrEnum):
    """What a principal may ask the hub to do, beyond reading."""

    SUBMIT = "submit"  # a declaration, for one of its parties
    RECORD_RESULT = "record-result"  # what a control found
    RAISE_CHANNEL = "raise-channel"  # ask for more control, with a reason
    APPROVE_REROUTING = "approve-rerouting"  # a second officer approves a raise
    LOWER_FINDING = "lower-finding"  # the owning agency revises its own finding
    READ_PROFILES = "read-profiles"
    MANAGE_PROFILES = "manage-profiles"  # create, activate, retire, back-test
    SCHEDULE_EXAMINATION = "schedule-examination"
    OPERATE = "operate"  # metrics, audit verification
    MANAGE_PARTNERS = "manage-partners"  # partner administrations, their keys and agreements
    READ_EXCHANGE = "read-exchange"  # messages exchanged with partners, alerts they raise
    SEND_EXCHANGE = "send-exchange"  # warnings, feedback, AEO lists to partners
    READ_REPORTS = "read-reports"  # KPIs, profile performance, effectiveness review, ratings


def may_read_declaration(
    principal: Principal,
    declaration: Declaration,
    routed: Collection[str],
    office: str | None = None,
) -> bool:
    """Whether ``principal`` may read ``declaration``, routed to ``routed``, at ``office``."""
    role = principal.role
    if role is Role.JTC:
        return True
    if role is Role.TRADER:
        ours = set(principal.parties)
        if declaration.submitter in ours:
            return True
        return any(p.id in ours for p in declaration.parties if p.id)
    if role is Role.OFFICER:
        if principal.agency not in routed:
            return False
        return not principal.offices or office in principal.offices
    return False


def may(
    principal: Principal,
    action: Action,
    *,
    agency: str | None = None,
    routed: Collection[str] = (),
    parties: Collection[str] = (),
) -> bool:
    """Whether ``principal`` may do ``action``.

    ``agency`` is the agency acted for or on (a profile's owner, the finding
    lowered, the agency whose result is recorded); ``routed`` the agencies a
    declaration went to; ``parties`` the identifiers a submission is made for.
    Reading the declaration itself is checked apart (:func:`may_read_declaration`).
    """
    role = principal.role
    if action is Action.SUBMIT:
        return role is Role.TRADER and bool(parties) and set(parties) <= set(principal.parties)
    if action in {Action.OPERATE, Action.MANAGE_PARTNERS}:
        return role is Role.ADMIN
    if role is Role.JTC:
        return action in {
            Action.READ_EXCHANGE,
            Action.SEND_EXCHANGE,
            Action.RAISE_CHANNEL,
            Action.APPROVE_REROUTING,
            Action.RECORD_RESULT,
            Action.SCHEDULE_EXAMINATION,
            Action.READ_PROFILES,
            Action.READ_REPORTS,
        }
    if role is not Role.OFFICER:
        return False
    own = principal.agency
    if action in {Action.READ_PROFILES, Action.MANAGE_PROFILES, Action.READ_REPORTS}:
        return agency == own
    if action is Action.LOWER_FINDING:
        return agency == own and own in routed
    if action is Action.RECORD_RESULT:
        return agency == own and own in routed
    if action in {Action.RAISE_CHANNEL, Action.APPROVE_REROUTING, Action.SCHEDULE_EXAMINATION}:
        return own in routed
    return False


@dataclass(frozen=True)
class DecisionView:
    """A decision as one principal may see it; ``confidential`` counts the confidential
    findings it shows, for the edge to audit the read."""

    body: dict[str, Any]
    confidential: int = 0


def decision_view(
    principal: Principal,
    decision: Decision,
    specs: Mapping[str, AgencySpec],
    *,
    functional_reference: str | None = None,
) -> DecisionView:
    """``decision`` as ``principal`` may see it (see the module docstring)."""
    if principal.role is Role.TRADER:
        return DecisionView(_trader_body(decision, functional_reference))
    if principal.role is Role.JTC:
        body = decision.to_contract()
        body["reasons"] = list(decision.reasons)
        body["note"] = decision.note
        shown = sum(f.confidential for a in decision.agencies.values() for f in a.findings)
        return DecisionView(body, shown)
    if principal.role is not Role.OFFICER or principal.agency is None:
        raise PermissionError(f"a {principal.role.value} has no view of a decision")
    reader = principal.agency
    body = decision.to_contract()
    shown = 0
    for name, entry in body["agencies"].items():
        visible = [
            f.model_dump(mode="json", exclude_defaults=True)
            for f in decision.agencies[name].findings
            if _may_see(reader, name, f, specs)
        ]
        shown += sum(
            f.confidential
            for f in decision.agencies[name].findings
            if f.confidential and _may_see(reader, name, f, specs)
        )
        entry["findings"] = visible
        if name != reader and len(visible) < len(decision.agencies[name].findings):
            entry["findings_withheld"] = True
    body["reasons"] = list(decision.reasons)
    body["note"] = decision.note
    if decision.examination is not None and reader in decision.examination.agencies:
        # Rebuilt from what the reader may see: the stored instructions may
        # quote a confidential finding of its own agency.
        mine = decision.agencies[reader].findings if reader in decision.agencies else ()
        visible_own = tuple(f for f in mine if _may_see(reader, reader, f, specs))
        body["instructions"] = list(instructions_of(visible_own))
    return DecisionView(body, shown)


def finding_visible(
    principal: Principal, finding: Finding, specs: Mapping[str, AgencySpec]
) -> bool:
    """Whether ``principal`` may see ``finding`` (in a decision or counted in a report)."""
    if principal.role is Role.JTC:
        return True
    if principal.role is not Role.OFFICER or principal.agency is None:
        return False
    return _may_see(principal.agency, finding.agency, finding, specs)


def _may_see(reader: str, owner: str, finding: Finding, specs: Mapping[str, AgencySpec]) -> bool:
    spec = specs.get(owner)
    if finding.confidential:
        return spec is not None and reader in spec.confidential_visible_to
    if reader == owner:
        return True
    return spec is not None and reader in spec.findings_visible_to


def _trader_body(decision: Decision, functional_reference: str | None) -> dict[str, Any]:
    response = trader_view(
        decision,
        message_id=f"RSP-{decision.declaration_id}-{decision.version}",
        sender="HUB",
        functional_reference=functional_reference,
    )
    return {
        "declaration_id": decision.declaration_id,
        "version": decision.version,
        "status": response.status.value,
        "channel": decision.channel.value,
        "released": decision.released,
        "post_clearance_audit": decision.post_clearance_audit,
        "examination": (
            None
            if response.examination_place is None
            else {
                "place": response.examination_place,
                "time": response.examination_time.isoformat()
                if response.examination_time
                else None,
            }
        ),
    }
