"""A compiled, indexed set of risk profiles: what targeting runs on every declaration.

``RuleSet.compile`` turns each profile (of the statuses asked for, active by
default) into closures once, compiles its CEL expression once, prepares its
watchlist matcher once, checks every reference list it names, and indexes
the profiles (see ``hub.rules._index``): item-scope ones by commodity prefix,
then by party, origin or country of dispatch, then by a required document;
declaration-scope ones by party, dispatch, transport mode or kind. An item
is tested only against the profiles its keys reach.
``RuleSet.evaluate`` is a pure function of the declaration and the moment
``at``: no clock, no I/O.

Findings: one per matching profile and declaration. An item-scope profile
that matches several goods items gives one finding listing every item
sequence, with the indicators of all of them (each distinct sentence once, in
the order found); a declaration-scope profile gives a finding with no item
sequences. Findings come in the order the profiles were given to ``compile``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from hub.model.declaration import Declaration
from hub.model.finding import Finding
from hub.rules._compile import CompiledProfile, Compiler
from hub.rules._facts import DeclFacts, ItemFacts, party_key
from hub.rules._index import DeclarationIndex, ProfileIndex
from hub.rules.cel import CelEnvironment
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.reference import ReferenceData

__all__ = ["RuleSet"]

_Hit = tuple[CompiledProfile, list[int], dict[str, None]]


class RuleSet:
    """Profiles compiled against reference data, ready to evaluate declarations."""

    __slots__ = (
        "_compiled",
        "_declaration_index",
        "_env",
        "_index",
        "_valid_from",
        "_valid_to",
        "profiles",
        "references",
    )

    def __init__(
        self,
        compiled: list[CompiledProfile],
        references: ReferenceData,
        env: CelEnvironment,
    ) -> None:
        self._compiled = compiled
        self._env = env
        self.references = references
        self.profiles: tuple[RiskProfile, ...] = tuple(c.profile for c in compiled)
        self._index = ProfileIndex(c for c in compiled if c.scope_item)
        self._declaration_index = DeclarationIndex(c for c in compiled if not c.scope_item)
        # The window in which every profile of the set is valid (empty if none is).
        self._valid_from = max((c.valid_from for c in compiled), default=0.0)
        self._valid_to = min((c.valid_to for c in compiled), default=0.0)

    @classmethod
    def compile(
        cls,
        profiles: Iterable[RiskProfile],
        references: ReferenceData,
        *,
        statuses: Collection[ProfileStatus] = (ProfileStatus.ACTIVE,),
    ) -> RuleSet:
        """Compile the profiles whose status is in ``statuses``.

        Raises :class:`~hub.errors.InvalidProfile` (``file`` is then the
        profile's id and version) for an expression that does not compile, a
        reference list or watchlist that ``references`` lacks, an unknown
        screening target, or the same id and version twice.
        """
        env = CelEnvironment(references)
        compiler = Compiler(env, references)
        compiled: list[CompiledProfile] = []
        seen: set[tuple[str, int]] = set()
        for profile in profiles:
            if profile.status not in statuses:
                continue
            if profile.key in seen:
                raise compiler.refuse(profile, "the same id and version twice", "id")
            seen.add(profile.key)
            compiled.append(CompiledProfile(profile, len(compiled), compiler))
        return cls(compiled, references, env)

    def __len__(self) -> int:
        return len(self._compiled)

    def evaluate(self, declaration: Declaration, *, at: datetime) -> list[Finding]:
        """The findings of every profile valid at ``at`` that matches ``declaration``."""
        return self._evaluate(declaration, at, indexed=True)

    def _evaluate(self, declaration: Declaration, at: datetime, *, indexed: bool) -> list[Finding]:
        if at.tzinfo is None:
            raise ValueError("evaluate needs an aware datetime for 'at'")
        moment = at.timestamp()
        d = DeclFacts(declaration, self._env, at)
        hits: dict[int, _Hit] = {}
        if indexed:
            scoped = [c for c in self._declaration_index.candidates(d) if c.passes(d, None)]
        else:
            scoped = [c for c in self._compiled if not c.scope_item]
        for compiled in scoped:
            if compiled.valid_from <= moment < compiled.valid_to:
                words = compiled.explain(d, None)
                if words is not None:
                    hits[compiled.ordinal] = (compiled, [], dict.fromkeys(words))
        every = [] if indexed else [c for c in self._compiled if c.scope_item]
        for item in declaration.goods_items:
            i = ItemFacts(item, d)
            for compiled in self._matches(d, i, moment) if indexed else every:
                if not compiled.valid_from <= moment < compiled.valid_to:
                    continue
                words = compiled.explain(d, i)
                if words is None:
                    continue
                hit = hits.get(compiled.ordinal)
                if hit is None:
                    hits[compiled.ordinal] = (compiled, [item.sequence], dict.fromkeys(words))
                else:
                    hit[1].append(item.sequence)
                    hit[2].update(dict.fromkeys(words))
        return [
            compiled.finding(tuple(sequences), words)
            for _, (compiled, sequences, words) in sorted(hits.items())
        ]

    def _matches(self, d: DeclFacts, i: ItemFacts, moment: float) -> list[CompiledProfile]:
        """Item-scope profiles valid at ``moment`` whose tests pass on item ``i``.

        The hot loop of the hub: ``CompiledProfile.passes`` inlined, and the
        validity test skipped when every profile of the set is valid then.
        """
        index = self._index
        if not index.by_party:
            parties: list[str] = []
        elif i.party_ids is d.party_ids:  # the item names no parties of its own
            parties = d.party_keys
        else:
            parties = [party_key(p) for p in i.party_ids]
        pool = index.candidates(i.code, i.origin, d.dispatch_key, parties, i.docs)
        always = self._valid_from <= moment < self._valid_to
        matched = []
        for compiled in pool:
            if not (always or compiled.valid_from <= moment < compiled.valid_to):
                continue
            for get, predicate in compiled.decl_tests:
                if not predicate(get(d)):
                    break
            else:
                for get, predicate in compiled.item_tests:
                    if not predicate(get(i)):
                        break
                else:
                    for predicate in compiled.both_tests:
                        if not predicate(d, i):
                            break
                    else:
                        matched.append(compiled)
        return matched
