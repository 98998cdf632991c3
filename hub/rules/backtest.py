"""Back-testing: what a set of profiles would have selected in past declarations.

Before a profile selects real goods, it is run over historical declarations
(WCO risk management cycle, step 7): how many declarations and items it hits,
what share of the traffic that is, where (office) and on what (commodity), and
which channels the profiles together would have asked for. The hit rate (how
many of the controls it caused found something) and the value recovered need
control outcomes (:mod:`hub.rules.outcomes`); where they are not given they
are reported as unknown, never estimated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from hub.agency import AgencySpec
from hub.model.declaration import Declaration
from hub.model.finding import Finding, RequestedChannel
from hub.routing import route, view_for
from hub.rules.lifecycle import rules_hash
from hub.rules.outcomes import Outcome
from hub.rules.profile import ProfileStatus, RiskProfile, Validity
from hub.rules.reference import ReferenceData
from hub.rules.ruleset import RuleSet

__all__ = ["BacktestResult", "ProfileHits", "backtest"]

# A validity window covering all time, for back-tests that ignore windows.
_ALWAYS = Validity.model_validate({"from": datetime.min.replace(tzinfo=UTC)})
_SEVERITY = {RequestedChannel.YELLOW: 1, RequestedChannel.ORANGE: 2, RequestedChannel.RED: 3}
_GOODS_CHANNELS = ("green", "yellow", "orange", "red")
_UNKNOWN = "unknown"


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _share(part: int, whole: int) -> float:
    return 0.0 if whole == 0 else part / whole


def _ranked(counts: Counter[str]) -> dict[str, int]:
    """Largest count first, then by key: the order an officer reads a table in."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class ProfileHits(_Result):
    """What one profile version selected in the declarations back-tested.

    ``rules_hash`` ties the figures to the rules evaluated, so a registry can
    refuse to count this back-test for a version with other rules.
    ``hit_rate`` is detections / controls over the hit declarations whose
    control outcome is known; ``None`` when none is known. ``value_recovered``
    adds up what those controls recovered. ``hit_ids`` names the declarations
    hit, so two profiles can be compared on the same history.
    """

    profile_id: str
    version: int
    rules_hash: str
    owner: str
    channel: RequestedChannel
    declarations: int  # declarations with at least one hit
    items: int  # goods items hit
    hit_share: float  # declarations hit / declarations evaluated
    item_share: float  # items hit / items evaluated
    by_office: dict[str, int]  # declarations hit, per office
    by_commodity: dict[str, int]  # items hit, per commodity code as declared
    controls_known: int  # hit declarations whose control outcome is known
    detections: int  # of those, controls that found an offence
    hit_rate: float | None  # None: unknown
    value_recovered: Decimal = Decimal(0)  # over hit declarations with a known outcome
    hit_ids: tuple[str, ...] = ()  # the declarations hit, in the order back-tested

    @property
    def hit_rate_text(self) -> str:
        """The hit rate as an officer reads it: a percentage, or "unknown"."""
        if self.hit_rate is None:
            return "unknown"
        return f"{self.hit_rate:.1%} ({self.detections}/{self.controls_known})"


class BacktestResult(_Result):
    """The outcome of one back-test run, serialisable so a registry can record it.

    ``channel_mix`` counts declarations by the most severe goods channel the
    profiles together ask for (``green`` when none hits); ``audit`` counts the
    declarations also flagged blue (post-clearance audit). It is the mix these
    profiles alone would cause: random selection and AEO benefits come later.
    ``at`` is the moment validity windows were judged at (``None``: ignored).
    """

    at: AwareDatetime | None
    declarations: int
    items: int
    by_office: dict[str, int]  # declarations evaluated, per office
    by_commodity: dict[str, int]  # items evaluated, per commodity code
    channel_mix: dict[str, int]
    audit: int
    outcomes_known: int  # declarations with a known control outcome
    profiles: tuple[ProfileHits, ...]

    def hits(self, profile_id: str) -> ProfileHits | None:
        """The figures of ``profile_id``, or ``None`` when it was not back-tested here."""
        return next((p for p in self.profiles if p.profile_id == profile_id), None)

    def lines(self, top: int = 10) -> list[str]:
        """The result as an officer reads it; per-office and per-commodity rows cut at ``top``."""
        out = [f"{self.declarations} declaration(s), {self.items} goods item(s)"]
        for h in self.profiles:
            out.append(
                f"{h.profile_id} v{h.version} ({h.owner}, {h.channel.value}):"
                f" {h.declarations} declaration(s) hit ({h.hit_share:.1%}),"
                f" {h.items} item(s) ({h.item_share:.1%}), hit rate {h.hit_rate_text}"
                + (f", value recovered {h.value_recovered:,.2f}" if h.controls_known else "")
            )
            out.append(f"  per office:    {_table(h.by_office, top)}")
            out.append(f"  per commodity: {_table(h.by_commodity, top)}")
        mix = ", ".join(f"{channel} {n}" for channel, n in self.channel_mix.items())
        out.append(f"channel mix of these profiles alone: {mix}; blue (audit) {self.audit}")
        return out


def _table(counts: dict[str, int], top: int) -> str:
    if not counts:
        return "-"
    shown = ", ".join(f"{key} {n}" for key, n in list(counts.items())[:top])
    more = len(counts) - top
    return shown + (f", ... (+{more} more)" if more > 0 else "")


@dataclass
class _Tally:
    declarations: int = 0
    items: int = 0
    by_office: Counter[str] = field(default_factory=Counter)
    by_commodity: Counter[str] = field(default_factory=Counter)
    controls: int = 0
    detections: int = 0
    value: Decimal = Decimal(0)
    ids: list[str] = field(default_factory=list)


def _office_of(declaration: Declaration) -> str:
    """The office a declaration is counted at: of declaration, else entry, exit,
    destination, else the goods location (as profiles' ``office`` reads them)."""
    t = declaration.transport
    location = t.goods_location.id if t.goods_location else None
    for office in (
        t.office_of_declaration,
        t.office_of_entry,
        t.office_of_exit,
        t.office_of_destination,
        location,
    ):
        if office:
            return office
    return _UNKNOWN


def _moment(declaration: Declaration) -> datetime:
    for moment in (declaration.accepted_at, declaration.issued_at):
        if moment is not None and moment.tzinfo is not None:
            return moment
    return _ALWAYS.from_


def backtest(
    profiles: Sequence[RiskProfile],
    declarations: Iterable[Declaration],
    references: ReferenceData,
    *,
    at: datetime | None = None,
    outcomes: Mapping[str, Outcome | bool] | None = None,
    owner_outcomes: Mapping[str, Mapping[str, Outcome | bool]] | None = None,
    agencies: Mapping[str, AgencySpec] | None = None,
) -> BacktestResult:
    """Run ``profiles`` (whatever their status) over ``declarations`` and count what they hit.

    ``at``: judge validity windows at that moment; ``None`` (the default)
    ignores them, since a back-test asks what the rules select, and a new
    profile's window usually starts after the history it is tested on.
    ``outcomes`` maps a declaration id to what its control found (an
    :class:`Outcome`, or just whether it found an offence); ``owner_outcomes``
    does so per owning agency, and a profile whose owner is a key of it reads
    that map instead (an agency's own controls judge its profiles). Hit rate
    and value recovered are computed only over hit declarations whose outcome
    is given. A finding on the
    declaration as a whole counts every goods item of it. ``agencies``: when
    given, each profile sees only what routing would show its owner (the
    owner's goods items, nothing for a declaration not routed to it), exactly
    as in live assessment; without it, every profile sees every declaration
    whole. Raises ``InvalidProfile`` when a profile does not compile against
    ``references``.
    """
    runnable = (
        list(profiles)
        if at is not None
        else [p.model_copy(update={"validity": _ALWAYS}) for p in profiles]
    )
    by_owner: dict[str, list[RiskProfile]] = {}
    for profile in runnable:
        if agencies is not None and profile.owner not in agencies:
            raise ValueError(f"{profile.id} is owned by {profile.owner!r}, which is no agency here")
        by_owner.setdefault(profile.owner if agencies is not None else "", []).append(profile)
    rules = {
        owner: RuleSet.compile(owned, references, statuses=tuple(ProfileStatus))
        for owner, owned in by_owner.items()
    }
    tallies = {p.key: _Tally() for p in profiles}
    known = {p.key: _known(p.owner, outcomes, owner_outcomes) for p in profiles}
    n_declarations = n_items = n_outcomes = audit = 0
    offices: Counter[str] = Counter()
    commodities: Counter[str] = Counter()
    mix: Counter[str] = Counter(dict.fromkeys(_GOODS_CHANNELS, 0))
    for declaration in declarations:
        n_declarations += 1
        n_items += len(declaration.goods_items)
        office = _office_of(declaration)
        offices[office] += 1
        code = {i.sequence: i.commodity_code or _UNKNOWN for i in declaration.goods_items}
        commodities.update(code.values())
        n_outcomes += any(declaration.id in k for k in known.values())
        worst, blue, counted = 0, False, set()
        for finding in _findings(rules, declaration, agencies, at or _moment(declaration)):
            key = (finding.profile_id or "", finding.profile_version or 0)
            tally = tallies.get(key)
            if tally is None or key in counted:
                continue
            counted.add(key)
            sequences = finding.item_sequences or tuple(code)
            tally.declarations += 1
            tally.items += len(sequences)
            tally.by_office[office] += 1
            tally.by_commodity.update(code.get(s, _UNKNOWN) for s in sequences)
            tally.ids.append(declaration.id)
            outcome = known[key].get(declaration.id)
            if outcome is not None:
                tally.controls += 1
                tally.detections += outcome.found
                tally.value += outcome.value_recovered
            blue |= finding.channel is RequestedChannel.BLUE
            worst = max(worst, _SEVERITY.get(finding.channel, 0))
        mix[_GOODS_CHANNELS[worst]] += 1
        audit += blue
    return BacktestResult(
        at=at,
        declarations=n_declarations,
        items=n_items,
        by_office=_ranked(offices),
        by_commodity=_ranked(commodities),
        channel_mix=dict(mix),
        audit=audit,
        outcomes_known=n_outcomes,
        profiles=tuple(
            _hits(profile, tallies[profile.key], n_declarations, n_items) for profile in profiles
        ),
    )


def _known(
    owner: str,
    outcomes: Mapping[str, Outcome | bool] | None,
    owner_outcomes: Mapping[str, Mapping[str, Outcome | bool]] | None,
) -> dict[str, Outcome]:
    given = (owner_outcomes or {}).get(owner, outcomes) or {}
    return {d: o if isinstance(o, Outcome) else Outcome(found=o) for d, o in given.items()}


def _findings(
    rules: Mapping[str, RuleSet],
    declaration: Declaration,
    agencies: Mapping[str, AgencySpec] | None,
    at: datetime,
) -> list[Finding]:
    """Every finding of the back-tested profiles, on the views live routing would give."""
    if agencies is None:
        return rules[""].evaluate(declaration, at=at)
    findings: list[Finding] = []
    for path in route(declaration, [agencies[owner] for owner in rules if owner in agencies]):
        findings.extend(rules[path.agency].evaluate(view_for(declaration, path), at=at))
    return findings


def _hits(profile: RiskProfile, tally: _Tally, declarations: int, items: int) -> ProfileHits:
    return ProfileHits(
        profile_id=profile.id,
        version=profile.version,
        rules_hash=rules_hash(profile),
        owner=profile.owner,
        channel=profile.channel,
        declarations=tally.declarations,
        items=tally.items,
        hit_share=_share(tally.declarations, declarations),
        item_share=_share(tally.items, items),
        by_office=_ranked(tally.by_office),
        by_commodity=_ranked(tally.by_commodity),
        controls_known=tally.controls,
        detections=tally.detections,
        hit_rate=_share(tally.detections, tally.controls) if tally.controls else None,
        value_recovered=tally.value,
        hit_ids=tuple(tally.ids),
    )
