"""Assessment without a broker: route a declaration and run each concerned agency's rules.

This is the in-process path ``hub assess`` takes, and the reference the
orchestrated path (one queue per agency, deadlines, fail-safe findings) must
agree with: every agency's rule set is compiled once, then each declaration is
checked for completeness, routed, and each route's view evaluated by its
agency's rule set alone. Merging the findings into one coordinated decision is
the decision module's work (:meth:`Assessment.decide` hands them to it).

Pure apart from the rule sets it holds: the moment ``at`` is passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.agency import Agency
from hub.decision import Decision, DecisionContext, merge
from hub.errors import IncompleteDeclaration
from hub.model import Declaration, DeclarationFunction, missing_for_assessment
from hub.model.finding import Finding
from hub.routing import Route, route, view_for
from hub.rules.profile import ProfileStatus
from hub.rules.ruleset import RuleSet

__all__ = ["AgencyAssessment", "Assessment", "Assessor"]


@dataclass(frozen=True)
class AgencyAssessment:
    """One agency's route (items and reasons) and the findings of its profiles."""

    route: Route
    findings: tuple[Finding, ...]

    @property
    def agency(self) -> str:
        return self.route.agency


@dataclass(frozen=True)
class Assessment:
    """Every concerned agency's findings on one declaration, in routing order.

    ``agencies`` is empty for a cancellation: nothing is assessed for it.
    """

    declaration: Declaration
    agencies: tuple[AgencyAssessment, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for a in self.agencies for f in a.findings)

    def decide(self, context: DecisionContext, *, now: datetime) -> Decision | None:
        """The coordinated decision on these findings, every agency having answered in time.

        ``None`` for a cancellation: nothing was assessed, nothing is decided.
        """
        if not self.agencies:
            return None
        found = {a.agency: a.findings for a in self.agencies}
        return merge(self.declaration, found, context=context, now=now)

    def to_dict(self, decision: Decision | None = None) -> dict[str, Any]:
        """JSON-ready: routes with their reasons, findings by agency, and the decision if given."""
        d = self.declaration
        extra = {"decision": decision.to_contract()} if decision is not None else {}
        return {
            "declaration": {
                "id": d.id,
                "functional_reference": d.functional_reference,
                "type_code": d.type_code,
                "kind": d.kind.value if d.kind else None,
                "function": d.function.value if d.function else None,
            },
            "routes": [a.route.model_dump(mode="json") for a in self.agencies],
            "findings": {
                a.agency: [f.model_dump(mode="json", exclude_defaults=True) for f in a.findings]
                for a in self.agencies
            },
            **extra,
        }

    def lines(self) -> list[str]:
        """The assessment in words, agency by agency, as an officer reads it."""
        if self.declaration.function is DeclarationFunction.CANCELLATION:
            return ["cancellation: nothing to assess"]
        out: list[str] = []
        for a in self.agencies:
            items = ", ".join(str(s) for s in a.route.item_sequences) or "none"
            out.append(f"{a.agency} (items {items})")
            out.extend(f"  why: {reason}" for reason in a.route.reasons)
            if not a.findings:
                out.append("  no findings")
            for f in a.findings:
                out.extend(_finding_lines(f))
        return out


def _finding_lines(f: Finding) -> list[str]:
    flags = [f.rating.value if f.rating else None, f"score {f.score}"]
    if f.mandatory:
        flags.append("mandatory")
    head = f"  {f.channel.value.upper():6} {f.profile_id} v{f.profile_version} {f.title}"
    if f.confidential:
        head = f"  {f.channel.value.upper():6} CONFIDENTIAL {f.profile_id} v{f.profile_version}"
        head += f" {f.title}"
    items = ", ".join(str(s) for s in f.item_sequences) or "the declaration"
    lines = [f"{head} [{', '.join(x for x in flags if x)}] on {items}"]
    lines.extend(f"         - {indicator}" for indicator in f.indicators)
    if f.instructions:
        lines.append(f"         check: {f.instructions}")
    return lines


class Assessor:
    """The agencies of one run with their rule sets, compiled once.

    ``statuses`` chooses which profiles select goods: active ones for real
    traffic; adding testing gives a shadow run.
    """

    def __init__(
        self,
        agencies: Mapping[str, Agency],
        *,
        statuses: Collection[ProfileStatus] = (ProfileStatus.ACTIVE,),
    ) -> None:
        self.agencies = dict(agencies)
        self._specs = {name: agency.spec for name, agency in self.agencies.items()}
        self._rules: dict[str, RuleSet] = {
            name: agency.compile(statuses=statuses) for name, agency in self.agencies.items()
        }

    def assess(self, declaration: Declaration, *, at: datetime) -> Assessment:
        """Route ``declaration`` and evaluate each route's view with its agency's rules.

        Raises :class:`~hub.errors.IncompleteDeclaration` with the sentences
        ``hub check`` warns with when the declaration lacks what an
        assessment needs.
        """
        missing = missing_for_assessment(declaration)
        if missing:
            raise IncompleteDeclaration(missing)
        if declaration.function is DeclarationFunction.CANCELLATION:
            return Assessment(declaration, ())
        results = tuple(
            AgencyAssessment(
                r, tuple(self._rules[r.agency].evaluate(view_for(declaration, r), at=at))
            )
            for r in route(declaration, self._specs)
        )
        return Assessment(declaration, results)
