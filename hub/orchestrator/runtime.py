"""The orchestration itself, independent of Celery: assess one agency, decide, relay.

Celery tasks (:mod:`hub.orchestrator.tasks`) are thin wrappers around
:class:`Orchestrator`, so the rules below are the same embedded and
distributed, and tests can drive them directly.

- **Start.** The accepting process publishes one ``assess`` per routed
  agency and notes when the longest of their deadlines passes. Deadlines
  run from that moment (``started_at``), so a broker outage before
  publishing delays decisions without spending the agencies' time.
- **Assess.** Idempotent: the request id (the agency contract's key) of an
  answer already recorded means the agency is not asked again. An answer is
  recorded ``late`` when it comes after the deadline. A retryable
  :class:`~hub.errors.AdapterError` is retried with exponential backoff while
  the deadline has not passed; otherwise the task gives up and the fail-safe
  applies at the deadline.
- **Decide.** In the transaction that records an answer
  (:meth:`~hub.store.Store.decide`, one declaration at a time): the last
  routed agency to answer makes version 1; an answer from an agency left
  pending amends the latest version. An agency not answered is ``pending``
  (its fail-safe finding stands in) only once its deadline has passed:
  :meth:`Orchestrator.fire_deadlines` publishes a *final* ``decide`` for each
  declaration still undecided then, and :meth:`Orchestrator.sweep_overdue`
  does the same for declarations whose starting process died. Versions are
  insert-only: a :class:`~hub.errors.ConflictingRecord` (another writer saved
  that version first) means deciding again on what it saved.

Measured with bench/e2e.py before settling on this shape: a decide task per
answer and a delayed decide per declaration cost 16.5 store transactions
and 5.5 task messages per declaration; now about 4 and 2.3.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from hub.agency import Agency
from hub.decision import Decision, DecisionContext, amend, merge
from hub.decision.random import office_of
from hub.errors import AdapterError, ConflictingRecord
from hub.exchange.partners import with_partner_arrangements
from hub.model import Declaration
from hub.orchestrator.wiring import AgencyAdapter, ProfileSource, Wiring
from hub.routing import Route, route, view_for
from hub.settings import Settings
from hub.store import DecisionBasis, NewAnswer, Store

__all__ = [
    "ASSESS_QUEUE_PREFIX",
    "ASSESS_TASK",
    "DECIDE_QUEUE",
    "DECIDE_TASK",
    "Orchestrator",
    "Publisher",
    "assessment_queue",
    "utc_now",
]

ASSESS_TASK = "hub.assess"
DECIDE_TASK = "hub.decide"
DECIDE_QUEUE = "hub.decide"
# The hub's own Celery queue for an agency's assessments is named after, but
# distinct from, the agency's queue in agency.yaml: an AMQP agency consumes
# that one itself, and must never receive the hub's Celery task messages.
ASSESS_QUEUE_PREFIX = "hub.assess."
# How long the relay leaves a fresh outbox entry to the process that accepted it.
RELAY_GRACE_S = 5.0
# How far back sweep_overdue looks for declarations left undecided.
SWEEP_WINDOW_S = 3600.0


def assessment_queue(queue_prefix: str, agency_queue: str) -> str:
    """The Celery queue carrying the hub's assessment tasks for one agency."""
    return queue_prefix + ASSESS_QUEUE_PREFIX + agency_queue


log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The hub's clock: an aware UTC moment."""
    return datetime.now(UTC)


class Publisher(Protocol):
    """Sends a task by name to a queue, optionally due ``countdown`` seconds from now."""

    def publish(
        self, task: str, kwargs: dict[str, Any], *, queue: str, countdown: float | None = None
    ) -> None: ...


class Orchestrator:
    """The orchestration of one hub: its store, agencies, decision context and adapters.

    Adapters are built for every agency at construction, so a wrong adapter
    setting stops the process at start (:class:`~hub.errors.InvalidAdapter`).
    ``profiles`` (kept as :attr:`profiles`) is handed to each: the registry
    officers change, so an in-process agency selects with what is in force
    there; ``None`` leaves the agency folders alone in charge.
    """

    def __init__(
        self,
        *,
        store: Store,
        agencies: Mapping[str, Agency],
        context: DecisionContext,
        wiring: Wiring,
        settings: Settings,
        publisher: Publisher,
        clock: Callable[[], datetime] = utc_now,
        adapters: Mapping[str, AgencyAdapter] | None = None,
        profiles: ProfileSource | None = None,
    ) -> None:
        self.store = store
        self.profiles = profiles
        self.agencies = dict(agencies)
        self.context = context
        self._registered_mra = context.mra  # registers/mra.yaml; partners' MRAs replace theirs
        # What else a first decision sets off (sharing marked findings with partners).
        self.after_first_decision: Callable[[Declaration, Decision], object] | None = None
        self.settings = settings
        self.publisher = publisher
        self.clock = clock
        self._request_id = wiring.request_id
        self._specs = {name: a.spec for name, a in self.agencies.items()}
        self._relay_lock = threading.Lock()
        self._marks_lock = threading.Lock()
        self._published: list[int] = []  # outbox entries published, marked in batches
        self._flush_lock = threading.Lock()
        self._deadlines_lock = threading.Lock()
        # (longest deadline passes, declaration id, started_at) of the declarations started here
        self._deadlines: list[tuple[datetime, str, str]] = []
        built: dict[str, AgencyAdapter] = {}
        try:
            for name, agency in self.agencies.items():
                given = adapters.get(name) if adapters else None
                built[name] = given if given is not None else wiring.adapter_for(agency, profiles)
        except BaseException:
            for adapter in built.values():
                adapter.close()
            raise
        self.adapters = built

    def close(self) -> None:
        """Close every adapter (the store belongs to the caller)."""
        for adapter in self.adapters.values():
            adapter.close()

    def queue_of(self, agency: str) -> str:
        """The Celery queue of ``agency``'s assessments (see :func:`assessment_queue`)."""
        return assessment_queue(self.settings.queue_prefix, self._specs[agency].queue)

    @property
    def decide_queue(self) -> str:
        """The queue of ``decide`` tasks."""
        return self.settings.queue_prefix + DECIDE_QUEUE

    @property
    def queues(self) -> list[str]:
        """Every queue of this hub: one per agency, then the decide queue."""
        return [*(self.queue_of(name) for name in self.agencies), self.decide_queue]

    # Starting work: the outbox relay

    def publish_accepted(self, declaration_id: str, outbox_ids: Sequence[int]) -> bool:
        """Publish a declaration's work right after its accept; whether it went out.

        The submitting process does not wait for the relay's next round. On
        a failure the entries count an attempt and the relay takes them at
        its next round; nothing is lost. Entries published are marked in
        batches (:meth:`flush_published`, a transaction per batch rather
        than per declaration); a process that dies before marking them has
        them published again, which the idempotent tasks absorb.
        """
        if not outbox_ids:
            return True
        try:
            self.start(declaration_id)
        except Exception as exc:
            self.store.bump_attempts(outbox_ids)
            log.warning("%s not published, the relay will retry: %s", declaration_id, exc)
            return False
        with self._marks_lock:
            self._published.extend(outbox_ids)
        return True

    def flush_published(self) -> int:
        """Mark the entries :meth:`publish_accepted` published; how many were marked.

        Flushes run one at a time: when this returns, every entry published
        before the call is marked, even one another thread's flush (the
        relay's tick) had taken. Never raises: on a store failure the ids are
        kept for the next flush.
        """
        with self._flush_lock:
            with self._marks_lock:
                ids, self._published = self._published, []
            if not ids:
                return 0
            try:
                return self.store.mark_published(ids, self.clock())
            except Exception as exc:
                with self._marks_lock:
                    self._published[:0] = ids
                log.warning("%d outbox entries not marked, will retry: %s", len(ids), exc)
                return 0

    def relay_once(self, limit: int = 100) -> int:
        """Publish unpublished outbox entries and mark them; how many were published.

        Entries never tried and younger than ``RELAY_GRACE_S`` are left to
        the process that accepted them (:meth:`publish_accepted`), so a busy
        hub does not publish each declaration twice. A publish failure counts
        an attempt and stops this round: the entry stays unpublished and the
        next round tries again, so nothing is lost.
        """
        self.flush_published()
        with self._relay_lock:
            done = 0
            settled = self.clock() - timedelta(seconds=RELAY_GRACE_S)
            for row in self.store.unpublished(limit, settled_before=settled):
                try:
                    if row.topic == "assess":
                        self.start(row.declaration_id)
                except Exception as exc:
                    self.store.bump_attempts([row.id])
                    log.warning("outbox %s not published, will retry: %s", row.id, exc)
                    break
                self.store.mark_published([row.id], self.clock())
                done += 1
            self.sweep_overdue()
            self.refresh_aeo()
            return done

    def recover(self, limit: int = 1000) -> int:
        """Start again each declaration published but never decided; how many.

        Embedded, queued tasks live in memory and die with the process; the
        store knows which declarations were published and not decided. The
        assessments are idempotent, so an agency that answered is not asked
        again, and deadlines run afresh from this publication.
        """
        undecided = self.store.undecided(limit)
        for declaration_id in undecided:
            self.start(declaration_id)
        return len(undecided)

    def start(self, declaration_id: str) -> None:
        """Publish an assessment per routed agency; the last to answer makes the decision."""
        declaration = self.store.declaration(declaration_id)
        if declaration is None:
            return
        routes = route(declaration, self._specs)
        if not routes:
            return
        now = self.clock()
        started_at = now.isoformat()
        for r in routes:
            self.publisher.publish(
                ASSESS_TASK,
                {"declaration_id": declaration_id, "agency": r.agency, "started_at": started_at},
                queue=self.queue_of(r.agency),
            )
        longest = max(self._specs[r.agency].deadline_s for r in routes)
        with self._deadlines_lock:
            heapq.heappush(
                self._deadlines, (now + timedelta(seconds=longest), declaration_id, started_at)
            )

    def refresh_aeo(self) -> bool:
        """Read the AEO certificates and the partners' MRAs from the store again; whether
        either changed.

        Run every relay round, so a certificate suspended, a partner's list
        imported or an MRA configured reaches the decisions of every process
        within a round.
        """
        if self.context.aeo is None:
            return False
        held = self.store.aeo_certificates()
        mra = with_partner_arrangements(self._registered_mra, self.store.partners())
        if held == self.context.aeo.certificates and mra == self.context.mra:
            return False
        aeo = self.context.aeo.model_copy(update={"certificates": held})
        self.context = replace(self.context, aeo=aeo, mra=mra)
        return True

    def fire_deadlines(self) -> int:
        """Publish the final decide of each declaration started here whose deadlines all passed
        without a decision; how many.

        :meth:`start` notes when the longest deadline of the routed agencies
        passes; most declarations are decided by their answers long before,
        which one query over the batch tells, so only the others cost a
        task. (One delayed task per declaration, the first design, cost a
        tenth of the embedded throughput and most of its p99.)
        """
        now = self.clock()
        due: list[tuple[str, str]] = []
        with self._deadlines_lock:
            while self._deadlines and self._deadlines[0][0] <= now:
                _, declaration_id, started_at = heapq.heappop(self._deadlines)
                due.append((declaration_id, started_at))
        if not due:
            return 0
        try:
            decided = self.store.decided_among([d for d, _ in due])
        except Exception as exc:
            with self._deadlines_lock:
                for declaration_id, started_at in due:
                    heapq.heappush(self._deadlines, (now, declaration_id, started_at))
            log.warning("deadlines not checked, will retry: %s", exc)
            return 0
        fired = 0
        for declaration_id, started_at in due:
            if declaration_id in decided:
                continue
            self.publisher.publish(
                DECIDE_TASK,
                {"declaration_id": declaration_id, "started_at": started_at, "final": True},
                queue=self.decide_queue,
            )
            fired += 1
        return fired

    def sweep_overdue(self, limit: int = 100) -> int:
        """Decide each declaration whose every deadline passed without a decision; how many.

        The safety net for a task lost without a trace (a broker that
        dropped it, a worker stopped between acknowledging and deciding):
        declarations published between an hour and the longest deadline
        (plus ``RELAY_GRACE_S``) ago and still undecided get their final
        decide now. A declaration older than that is :meth:`recover`'s.
        """
        if not self._specs:
            return 0
        now = self.clock()
        longest = max(spec.deadline_s for spec in self._specs.values())
        overdue = self.store.undecided(
            limit,
            published_before=now - timedelta(seconds=longest + RELAY_GRACE_S),
            published_after=now - timedelta(seconds=SWEEP_WINDOW_S),
        )
        for declaration_id in overdue:
            self.publisher.publish(
                DECIDE_TASK,
                {
                    "declaration_id": declaration_id,
                    "started_at": (now - timedelta(seconds=longest)).isoformat(),
                    "final": True,
                },
                queue=self.decide_queue,
            )
        return len(overdue)

    # One agency's assessment

    def assess(
        self, declaration_id: str, agency: str, started_at: str, attempt: int = 0, reask: int = 0
    ) -> float | None:
        """Ask ``agency`` about its view and record the answer; a retry countdown, or ``None``.

        The answer is recorded in the same transaction as whatever decision
        it makes possible (:meth:`Store.decide`): the last agency to answer
        makes the decision, a late answer amends it. ``reask`` counts the
        times an agency left pending has been asked again (0: the first ask);
        each that fails schedules the next, one deadline later, up to
        ``settings.max_reasks``.
        """
        declaration = self.store.declaration(declaration_id)
        if declaration is None or agency not in self._specs:
            log.warning("assess %s for %s: unknown declaration or agency", declaration_id, agency)
            return None
        mine = [r for r in route(declaration, self._specs) if r.agency == agency]
        if not mine:
            return None
        view = view_for(declaration, mine[0])
        rid = self._request_id(view, agency)
        if self.store.has_answer(declaration_id, agency, rid):
            return None  # a redelivery: that answer and what it decided are stored
        deadline = _moment(started_at) + timedelta(seconds=self._specs[agency].deadline_s)
        try:
            # Adapters measure what is left on the wall clock; the hub's clock may be
            # another (a test's, the demo's simulated days): hand them the time left.
            findings = self.adapters[agency].assess(view, utc_now() + (deadline - self.clock()))
        except AdapterError as exc:
            now = self.clock()
            if exc.retryable and attempt < self.settings.max_retries and now < deadline:
                backoff: float = self.settings.retry_backoff_s * 2.0**attempt
                return max(0.0, min(backoff, (deadline - now).total_seconds()))
            log.warning("%s gave no answer on %s: %s", agency, declaration_id, exc)
            if reask:
                self._reask(declaration_id, agency, reask + 1)
            return None
        answered_at = self.clock()
        answer = NewAnswer(agency, rid, tuple(findings), answered_at, answered_at > deadline)
        self._decide(declaration, _moment(started_at), final=False, answer=answer)
        return None

    def _reask(self, declaration_id: str, agency: str, n: int) -> None:
        """Ask a pending ``agency`` again (the ``n``-th time), after a pause of one deadline.

        The request id is the same, so an agency that is slow rather than
        gone answers once; its answer is recorded and amends the decision.
        """
        if n > self.settings.max_reasks:
            return
        delay = 0.0 if n == 1 else self._specs[agency].deadline_s
        self.publisher.publish(
            ASSESS_TASK,
            {
                "declaration_id": declaration_id,
                "agency": agency,
                "started_at": (self.clock() + timedelta(seconds=delay)).isoformat(),
                "reask": n,
            },
            queue=self.queue_of(agency),
            countdown=delay or None,
        )

    # The decision

    def decide(self, declaration_id: str, started_at: str, final: bool) -> Decision | None:
        """Decide from recorded answers (module docstring); the latest decision, or ``None``.

        The ``final`` decide, due once every deadline has passed, has nothing
        to do when the answers already made a decision without a pending
        agency: that is checked by a read before any write.
        """
        latest = self.store.latest_decision(declaration_id)
        if latest is not None and not latest.pending:
            return latest
        declaration = self.store.declaration(declaration_id)
        if declaration is None:
            return None
        return self._decide(declaration, _moment(started_at), final=final)

    def _decide(
        self,
        declaration: Declaration,
        started_at: datetime,
        *,
        final: bool,
        answer: NewAnswer | None = None,
    ) -> Decision | None:
        names = [r.agency for r in route(declaration, self._specs)]
        if not names:
            return None
        now = self.clock()

        def make(basis: DecisionBasis) -> list[Decision]:
            return self._next_versions(declaration, names, basis, started_at, now, final)

        office = self.calendar_office(declaration)
        since = now.date() - timedelta(days=1)  # an office's local day may start before UTC's
        try:
            decided = self.store.decide(
                declaration.id, make, answer=answer, office=office, since=since
            )
        except ConflictingRecord:
            # Another writer got there first (a decide saved without the row
            # lock, e.g. an officer's re-routing): decide again on what it saved.
            decided = self.store.decide(
                declaration.id, make, answer=answer, office=office, since=since
            )
        first = next((d for d in decided.saved if d.version == 1), None)
        if first is not None:
            for name in first.pending:  # their answer may still come: it will amend
                self._reask(declaration.id, name, 1)
            if self.after_first_decision is not None:
                try:
                    self.after_first_decision(declaration, first)
                except Exception:  # the decision stands; what follows it is logged
                    log.exception("after the first decision on %s", declaration.id)
        return decided.latest

    def routes_of(self, declaration: Declaration) -> tuple[Route, ...]:
        """The agencies that must assess ``declaration``, with their items and reasons."""
        return route(declaration, self._specs)

    def calendar_office(self, declaration: Declaration) -> str | None:
        """The office whose calendar books the declaration's examination (the default one
        for an office the register lacks), or ``None`` without calendars."""
        if self.context.offices is None:
            return None
        return self.context.offices.get(office_of(declaration)).code

    def _next_versions(
        self,
        declaration: Declaration,
        names: list[str],
        basis: DecisionBasis,
        started_at: datetime,
        now: datetime,
        final: bool,
    ) -> list[Decision]:
        """The versions the recorded answers call for: none, the first, or amendments.

        The first decision waits until every routed agency answered, or its
        deadline has passed (``final``: they all have). Afterwards, each
        answer from an agency still pending amends the latest version.
        """
        answered = {a.agency: a for a in basis.answers}
        previous = basis.latest
        if previous is None:
            missing = [n for n in names if n not in answered]
            overdue = [
                n
                for n in missing
                if final or started_at + timedelta(seconds=self._specs[n].deadline_s) <= now
            ]
            if len(overdue) < len(missing):
                return []
            findings = {n: answered[n].findings for n in names if n in answered}
            return [
                self._booked(
                    basis,
                    partial(
                        merge,
                        declaration,
                        findings,
                        now=now,
                        pending=missing,
                        partner_findings=basis.partner_findings,
                    ),
                )
            ]
        versions: list[Decision] = []
        current = previous
        for name in previous.pending:
            if name in answered:
                current = self._booked(
                    basis,
                    partial(amend, current, declaration, name, answered[name].findings, now=now),
                )
                versions.append(current)
        return versions

    def _booked(self, basis: DecisionBasis, decide: Callable[..., Decision]) -> Decision:
        """``decide``, with the office's capacity read only when the decision needs a lane.

        Most decisions are green and book nothing: they skip the capacity
        read (and on PostgreSQL the office lock). One that does book is made
        again with what the office has booked and queued.
        """
        unbooked = decide(context=self.context)
        if unbooked.examination is None and not unbooked.queued:
            return unbooked
        return decide(context=replace(self.context, capacity=basis.capacity()))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
