"""The bundled agencies' risk modules, run in the hub's own process.

An agency whose profiles live in ``agencies/<name>/`` needs no service of its
own: its rule set is compiled when the adapter is built, and each view is
evaluated directly. It honours the same protocol as the remote adapters, so
the orchestrator cannot tell them apart.

Officers change profiles while the hub is clearing goods, by editing the
agency folder or through the profile registry (``hub profiles``, the API), so
the adapter watches both: the folder's file names, sizes and modification
times, and the registry's generation, looked at no more often than
``reload_interval_s``; when either changed it recompiles, without a restart,
the folder's profiles overlaid by the registry's
(:meth:`hub.agency.Agency.overlaid`), over the folder's reference lists. A
change that does not load cleanly never replaces the working set: a new
broken profile file or registry version, or an agency that no longer loads,
leaves the previous rules in force and the reason in :attr:`error`; a
registry that cannot be read for a moment is asked again at the next look.

The behavioural ratings the hub computes (``ratings``, the store) are watched
the same way, by their generation: a new rating run recompiles the rules over
the reference lists with the computed ratings winning over the ``ratings``
lists' (:meth:`hub.rules.reference.ReferenceData.with_ratings`), so the
``trader_rating`` a profile reads is the latest run's in every process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from adapters.base import remaining_seconds
from hub.agency import Agency, load_agency
from hub.errors import HubError
from hub.model import Declaration
from hub.model.finding import Finding
from hub.orchestrator import RatingSource
from hub.rules import ProfileStatus, RuleSet
from hub.rules.registry import ProfileRegistry

__all__ = ["InProcessAdapter", "utc_now"]

log = logging.getLogger(__name__)

_Fingerprint = tuple[tuple[str, int, int], ...]


def utc_now() -> datetime:
    """The current moment, aware, in UTC: the default clock of an in-process adapter."""
    return datetime.now(UTC)


def _fingerprint(folder: Path) -> _Fingerprint:
    """Every file of the agency folder with its size and modification time."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


class InProcessAdapter:
    """Evaluates ``agency``'s compiled rule set on each view, reloading it when it changes.

    The rule language needs the moment of assessment (``at``: which profiles
    are valid, how old a certificate is) while the protocol carries only a
    deadline, so the adapter asks ``clock`` when it assesses. The default is
    the wall clock, as for live traffic; tests, replays and back-tests pass a
    fixed clock so the same view always gives the same findings. ``statuses``
    chooses the profiles that select goods (active ones; add testing for a
    shadow run). ``registry``, when given, is laid over the folder and is
    what officers' activations and retirements change. ``reload_interval_s``
    bounds how often the folder and the registry are looked at; ``None``
    never reloads. ``ratings``, when given, overlay the agency's ``ratings``
    reference lists and are reloaded when their generation changes.

    A view whose deadline has passed is not assessed
    (:class:`~hub.errors.AdapterTimeout`), like on every other transport.
    Evaluation itself raises nothing but bugs: a profile that cannot be
    evaluated was refused when the agency loaded.
    """

    def __init__(
        self,
        agency: Agency,
        *,
        clock: Callable[[], datetime] = utc_now,
        statuses: Collection[ProfileStatus] = (ProfileStatus.ACTIVE,),
        reload_interval_s: float | None = 1.0,
        registry: ProfileRegistry | None = None,
        ratings: RatingSource | None = None,
    ) -> None:
        self.agency = agency.name
        self.error: HubError | None = None
        self._clock = clock
        self._statuses = tuple(statuses)
        self._folder = agency.folder
        self._registry = registry
        self._interval = reload_interval_s
        self._seen = _fingerprint(self._folder) if reload_interval_s is not None else ()
        # Read before the profiles: a change recorded in between is then seen at the next look.
        self._generation = registry.generation() if registry is not None else 0
        self._ratings = ratings
        self._rated = ratings.ratings_generation() if ratings is not None else 0
        self._loaded = agency
        in_force = self._rated_over(agency.overlaid(registry) if registry is not None else agency)
        self._rejected = {error.file for error in in_force.rejected}
        self._rules = in_force.compile(statuses=self._statuses)
        refused = [e for e in in_force.rejected if e not in agency.rejected]
        if refused:
            self.error = refused[0]
            log.warning("%s: registry profiles left out: %s", self.agency, refused)
        self._looked_at = time.monotonic()
        self._lock = threading.Lock()

    @property
    def rules(self) -> RuleSet:
        """The rule set in force, reloaded first if the agency folder or the registry changed."""
        if self._interval is not None and time.monotonic() - self._looked_at >= self._interval:
            with self._lock:
                self._reload_if_changed()
        return self._rules

    def assess(self, view: Declaration, deadline: datetime) -> list[Finding]:
        remaining_seconds(deadline, agency=self.agency)
        return self.rules.evaluate(view, at=self._clock())

    def close(self) -> None:
        """Nothing to release: the rule set is plain memory."""

    def _reload_if_changed(self) -> None:
        self._looked_at = time.monotonic()
        seen = _fingerprint(self._folder)
        try:
            generation = self._registry.generation() if self._registry is not None else 0
            rated = self._ratings.ratings_generation() if self._ratings is not None else 0
        except Exception as exc:  # the database, unreachable for a moment: look again next time
            self._keep(HubError(f"the profile registry cannot be read: {exc}"))
            return
        if seen == self._seen and generation == self._generation and rated == self._rated:
            return
        try:
            agency = self._loaded if seen == self._seen else load_agency(self._folder)
            in_force = agency.overlaid(self._registry) if self._registry is not None else agency
            in_force = self._rated_over(in_force)
            new = [error for error in in_force.rejected if error.file not in self._rejected]
            if new:
                raise new[0]
            rules = in_force.compile(statuses=self._statuses)
        except HubError as exc:
            # A broken change is not retried until something changes again.
            self._seen, self._generation = seen, generation
            self._keep(exc)
            return
        except Exception as exc:  # the registry failed mid-read: nothing advances, retried
            self._keep(HubError(f"the profile registry cannot be read: {exc}"))
            return
        self._seen, self._generation, self._loaded = seen, generation, agency
        self._rated = rated
        self._rules, self.error = rules, None
        self._rejected = {error.file for error in in_force.rejected}
        log.info("%s: rules reloaded (%d profiles)", self.agency, len(rules))

    def _rated_over(self, agency: Agency) -> Agency:
        """``agency`` with the computed ratings winning over its ``ratings`` lists."""
        if self._ratings is None:
            return agency
        return replace(
            agency, references=agency.references.with_ratings(self._ratings.rating_scores())
        )

    def _keep(self, error: HubError) -> None:
        self.error = error
        log.warning("%s: change not applied, the previous rules stay: %s", self.agency, error)
