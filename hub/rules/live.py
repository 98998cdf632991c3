"""The rule set a running process holds, reloaded from the registry without a restart.

An officer activates or retires a profile while the hub is clearing goods;
the next evaluation must use the new set, and a set that cannot be compiled
must never replace a working one (a broken profile never takes a running set
down). :class:`LiveRuleSet` checks the registry's generation, a cheap number,
before each use, and recompiles only when it changed.
"""

from __future__ import annotations

import threading
from datetime import datetime

from hub.errors import HubError
from hub.model.declaration import Declaration
from hub.model.finding import Finding
from hub.rules.reference import ReferenceData
from hub.rules.registry import ProfileRegistry
from hub.rules.ruleset import RuleSet

__all__ = ["LiveRuleSet"]


class LiveRuleSet:
    """The active profiles of ``registry`` (of one ``owner``, or all), compiled.

    The first compilation happens in the constructor and its errors propagate:
    a process that cannot build its rules must not start clearing goods. Later
    failures keep the previous set and are kept in :attr:`error` until a
    later change compiles again. Safe to share between threads.
    """

    def __init__(
        self, registry: ProfileRegistry, references: ReferenceData, *, owner: str | None = None
    ) -> None:
        self._registry = registry
        self._references = references
        self._owner = owner
        self._lock = threading.Lock()
        self.error: Exception | None = None
        self.generation = registry.generation()
        self._rules = self._compile()

    def _compile(self) -> RuleSet:
        return RuleSet.compile(self._registry.current(owner=self._owner), self._references)

    def rules(self) -> RuleSet:
        """The current compiled set; recompiled first if the registry has changed."""
        if self._registry.generation() != self.generation:
            with self._lock:
                generation = self._registry.generation()
                if generation != self.generation:
                    try:
                        self._rules = self._compile()
                        self.error = None
                    except (HubError, ValueError, OSError) as exc:
                        self.error = exc
                    self.generation = generation
        return self._rules

    def evaluate(self, declaration: Declaration, *, at: datetime) -> list[Finding]:
        """``RuleSet.evaluate`` on the current set."""
        return self.rules().evaluate(declaration, at=at)
