"""Risk information in and out: a partner's warning becomes our profile or watch, ours theirs.

A partner's *profile warning* (EU Risk Information Form, WCO CENcomm) is
turned into a temporary risk profile of the receiving agency, built only
from the indicators a rule can test (commodity prefixes, origins, countries
of dispatch, operator identifiers); the indicators in words travel in its
rationale for the officers. It starts in ``testing``: an analyst back-tests
and activates it like any profile, because a partner's view of a risk is
not yet ours. A *consignment warning* becomes a :class:`~hub.exchange.watches.Watch`.

Going out, a finding on one declaration becomes a consignment warning (the
declaration's identifiers), and a profile the structured indicators of a
profile warning. A profile marked ``share_with`` is sent to those partners
when it is in force, and its findings (each carries the mark) too
(:func:`findings_to_share`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from hub.exchange.matching import normalise_identifier
from hub.exchange.messages import (
    Header,
    RiskWarning,
    SuspectConsignment,
    WarnedProfile,
)
from hub.exchange.watches import Watch
from hub.model.declaration import Declaration, PartyRole
from hub.model.finding import Finding, FindingSource, RequestedChannel
from hub.rules.profile import (
    Assessment,
    Conditions,
    Likelihood,
    ProfileStatus,
    RiskProfile,
    Scope,
    Validity,
)

__all__ = [
    "consignment_watch",
    "findings_to_share",
    "share_targets",
    "warning_from_finding",
    "warning_from_profile",
    "warning_profile",
    "warning_profile_id",
]

# The weight a partner's requested control carries in our profile: the channel asked
# for sets the WCO assessment and the score (a red request is a high-high risk).
_WEIGHT = {
    RequestedChannel.RED: (Likelihood.HIGH, Likelihood.HIGH, 80),
    RequestedChannel.ORANGE: (Likelihood.HIGH, Likelihood.MEDIUM, 65),
    RequestedChannel.YELLOW: (Likelihood.MEDIUM, Likelihood.MEDIUM, 45),
    RequestedChannel.BLUE: (Likelihood.LOW, Likelihood.MEDIUM, 30),
}
_WORDS = re.compile(r"[A-Za-z0-9]+")


def warning_profile_id(header: Header) -> str:
    """``RIF-<sender>-<message id in capitals>-<digest>``: the same warning, the same profile.

    The readable part keeps the message id's letters and digits (at most 40
    characters); the six-character digest of sender and message id keeps
    two ids that differ only in punctuation apart. A valid profile id.
    """
    readable = "-".join(w.upper() for w in _WORDS.findall(header.message_id))[:40].strip("-")
    digest = hashlib.sha256(f"{header.sender}\n{header.message_id}".encode()).hexdigest()
    return f"RIF-{header.sender}-{readable}-{digest[:6].upper()}"


def _is_identifier(party: str) -> bool:
    """An operator identifier (EORI, TIN) has more digits than letters; a name does not."""
    text = normalise_identifier(party)
    digits = sum(c.isdigit() for c in text)
    return digits > len(text) - digits


def _prefix(code: str) -> str | None:
    digits = "".join(c for c in code if c.isdigit())
    return digits if 2 <= len(digits) <= 10 else None


def _end_of(day: date) -> datetime:
    """A profile's validity ends (exclusive) at midnight UTC after the last day it covers."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _last_day(until: datetime) -> date:
    return (until.astimezone(UTC) - timedelta(microseconds=1)).date()


def warning_profile(warning: RiskWarning, *, agency: str = "customs") -> RiskProfile:
    """The temporary profile of ``agency`` that a partner's profile warning becomes.

    - id :func:`warning_profile_id`, version 1, status ``testing``;
    - conditions only from the structured indicators: HS prefixes
      (``commodity``), origins, routes (``dispatch``: the country of
      dispatch), and parties that are identifiers (``party``); item scope
      when goods are named (prefixes or origins), else declaration scope;
    - the risk area and channel of the warning (the profile's own risk area
      first), its assessment and score from the channel (``_WEIGHT``);
    - valid from the warning's creation to the end of its ``valid_to`` day
      (the profile's or the warning's, the earlier), open-ended without;
    - the free-text indicators, party names and unusable codes in the
      rationale, for the officers; confidential if the warning is.

    Raises ``ValueError`` for a consignment warning (it becomes a watch), a
    warning without any indicator a rule can test, or one that expired
    before it was created.
    """
    warned = warning.profile
    if warned is None:
        raise ValueError("a consignment warning becomes a watch (consignment_watch), not a profile")
    prefixes = [(code, _prefix(code)) for code in warned.hs_prefixes]
    parties = [(p, _is_identifier(p)) for p in warned.parties]
    commodity = tuple(dict.fromkeys(p for _, p in prefixes if p))
    when = {
        "commodity": commodity,
        "origin": tuple(dict.fromkeys(c.upper() for c in warned.origins)),
        "dispatch": tuple(dict.fromkeys(c.upper() for c in warned.routes)),
        "party": tuple(dict.fromkeys(normalise_identifier(p) for p, ident in parties if ident)),
    }
    if not any(when.values()):
        raise ValueError(
            f"warning {warning.header.message_id} names no indicator a rule can test "
            "(HS prefixes, origins, routes or party identifiers)"
        )
    notes = [*warned.indicators]
    notes += [f"party named: {p}" for p, ident in parties if not ident]
    notes += [f"commodity code not usable as a prefix: {code}" for code, p in prefixes if not p]
    h = warning.header
    rationale = (
        f"Risk information from {h.sender} (warning {h.message_id}, "
        f"{h.created_at:%Y-%m-%d}): {warning.summary}"
    )
    if notes:
        rationale += " Indicators in words: " + "; ".join(notes) + "."
    ends = [d for d in (warned.valid_to, warning.valid_to) if d is not None]
    until = _end_of(min(ends)) if ends else None
    if until is not None and until <= h.created_at:
        raise ValueError(f"warning {h.message_id} expired before it was created")
    probability, consequence, score = _WEIGHT[warning.requested_action]
    goods = bool(when["commodity"] or when["origin"])
    return RiskProfile(
        id=warning_profile_id(h),
        version=1,
        owner=agency,
        title=f"{h.sender} risk information: {warned.title}",
        rationale=rationale,
        risk_area=warned.risk_area or warning.risk_area,
        assessment=Assessment(probability=probability, consequence=consequence),
        when=Conditions(**when),
        scope=Scope.ITEM if goods else Scope.DECLARATION,
        score=score,
        channel=warning.requested_action,
        instructions=(
            f"Control as {h.sender} asks ({warning.requested_action.value}) and send "
            f"{h.sender} feedback on warning {h.message_id} for each consignment controlled."
        ),
        confidential=warning.confidential,
        validity=Validity(from_=h.created_at, to=until),
        status=ProfileStatus.TESTING,
    )


def consignment_watch(warning: RiskWarning) -> Watch:
    """The watch a partner's consignment warning becomes, until the warning's ``valid_to``."""
    suspect = warning.consignment
    if suspect is None:
        raise ValueError("a profile warning becomes a profile (warning_profile), not a watch")
    return Watch(
        partner=warning.header.sender,
        warning_message_id=warning.header.message_id,
        channel=warning.requested_action,
        risk_area=warning.risk_area,
        summary=warning.summary,
        means_id=suspect.means_id,
        container=suspect.container,
        transport_document=suspect.transport_document,
        declaration_reference=suspect.declaration_reference,
        party_id=suspect.party_id,
        expected_arrival=suspect.expected_arrival,
        valid_to=warning.valid_to,
        confidential=warning.confidential,
    )


_PARTY_ORDER = (
    PartyRole.IMPORTER,
    PartyRole.CONSIGNEE,
    PartyRole.EXPORTER,
    PartyRole.CONSIGNOR,
    PartyRole.DECLARANT,
)


def _suspect(declaration: Declaration) -> SuspectConsignment:
    t = declaration.transport
    means = next(
        (m.id for m in (t.border_means, t.arrival_means, t.departure_means) if m and m.id), None
    )
    party = next(
        (p.id for role in _PARTY_ORDER for p in declaration.parties if p.role is role and p.id),
        None,
    )
    try:
        return SuspectConsignment(
            means_id=means,
            container=t.containers[0].id if t.containers else None,
            transport_document=t.transport_documents[0] if t.transport_documents else None,
            declaration_reference=declaration.functional_reference,
            party_id=party,
            expected_arrival=t.expected_arrival.date() if t.expected_arrival else None,
        )
    except ValueError as error:
        raise ValueError(
            f"declaration {declaration.id} carries no identifier a partner could watch"
        ) from error


def warning_from_finding(
    declaration: Declaration,
    finding: Finding,
    *,
    sender: str,
    receiver: str,
    message_id: str,
    created_at: datetime,
    requested_action: RequestedChannel | None = None,
) -> RiskWarning:
    """A consignment warning about ``declaration``, for the partner to act on ``finding``.

    The suspect consignment carries the declaration's identifiers: the
    first means of transport, container and transport document, its
    reference (LRN/MRN), the first party identifier (importer, consignee,
    exporter, consignor, declarant) and expected arrival. The action asked
    is ``requested_action`` or the finding's channel; a confidential finding
    makes a confidential warning (the partner shows it to its JTC only).
    """
    summary = finding.title or f"{finding.agency} finding"
    if finding.indicators:
        summary += ": " + "; ".join(finding.indicators)
    return RiskWarning(
        header=Header(
            message_id=message_id, sender=sender, receiver=receiver, created_at=created_at
        ),
        risk_area=finding.risk_area or "unspecified",
        summary=summary,
        requested_action=requested_action or finding.channel,
        consignment=_suspect(declaration),
        confidential=finding.confidential,
    )


def _in_words(when: Conditions) -> list[str]:
    """The conditions a partner cannot take over as structured indicators, in words."""
    words: list[str] = []
    if when.destination:
        words.append("destination " + ", ".join(when.destination))
    if when.procedure:
        words.append("procedure " + ", ".join(when.procedure))
    if when.kind:
        words.append("declaration kind " + ", ".join(k.value for k in when.kind))
    if when.transport_mode:
        words.append("transport by " + ", ".join(m.value for m in when.transport_mode))
    if when.documents_present:
        words.append("one of the documents " + ", ".join(when.documents_present) + " present")
    if when.documents_missing:
        words.append("documents " + ", ".join(when.documents_missing) + " missing")
    if when.expression:
        words.append(when.expression_says or when.expression)
    return words


def warning_from_profile(
    profile: RiskProfile,
    *,
    sender: str,
    receiver: str,
    message_id: str,
    created_at: datetime,
) -> RiskWarning:
    """A profile warning that gives the partner ``profile``'s indicators.

    Structured: commodity prefixes, origins, countries of dispatch (routes)
    and party identifiers, as the profile lists them. The other conditions
    (destination, procedure, kind, transport mode, documents, the CEL
    expression in its officer's words) travel as indicators in words;
    offices and watchlist screening stay home (they name our offices and
    lists). The profile's validity end becomes ``valid_to`` (its last day).
    """
    when = profile.when
    valid_to = _last_day(profile.validity.to) if profile.validity.to else None
    return RiskWarning(
        header=Header(
            message_id=message_id, sender=sender, receiver=receiver, created_at=created_at
        ),
        risk_area=profile.risk_area,
        summary=f"{profile.title}. {profile.rationale}",
        requested_action=profile.channel,
        profile=WarnedProfile(
            title=profile.title,
            risk_area=profile.risk_area,
            hs_prefixes=when.commodity,
            origins=when.origin,
            routes=when.dispatch,
            parties=when.party,
            indicators=tuple(_in_words(when)),
            valid_to=valid_to,
        ),
        valid_to=valid_to,
        confidential=profile.confidential,
    )


def share_targets(profile: RiskProfile) -> tuple[str, ...]:
    """The partner administrations ``profile``'s findings go to (its ``share_with``)."""
    return profile.share_with


def findings_to_share(findings: Sequence[Finding]) -> list[tuple[str, Finding]]:
    """Each (partner, finding) to send: the findings marked ``share_with`` (by their profile,
    or by the agency's own engine).

    Never what the hub made (a fail-safe, a random selection) or what came
    from partners (a pre-arrival mismatch, a watch): they say nothing a
    partner can act on, or are the partner's own.
    """
    return [
        (partner, finding)
        for finding in findings
        if finding.source in (FindingSource.PROFILE, FindingSource.MISMATCH)
        for partner in finding.share_with
    ]
