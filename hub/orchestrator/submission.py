"""The hub as the API and the command line use it: submit once, read the decision.

:meth:`Hub.submit` reads the message (an :class:`~hub.errors.IngestError`
propagates with its ``where``), refuses a declaration an assessment cannot
use (:class:`~hub.errors.IncompleteDeclaration`), stores it together with its
outbox entry in one transaction, and only then publishes, itself, right
after the accept; the relay sends what is still unpublished every
``relay_interval_s``, so a broker outage delays decisions but loses none.

:func:`open_hub` is the composition: settings -> store, agencies, registers,
profile registry, Celery app, orchestrator, and in embedded mode a worker
thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType

from celery import Celery

from hub.agency import Agency, load_agencies
from hub.decision import (
    Decision,
    DecisionContext,
    RandomSelection,
    load_aeo_register,
    load_mra,
    load_offices,
    load_random_table,
)
from hub.errors import IncompleteDeclaration, ReferenceInUse
from hub.exchange.dispatch import EXCHANGE_QUEUE
from hub.exchange.liaison import Liaison, open_liaison
from hub.ingest import read_with_warnings
from hub.model import Declaration, DeclarationFunction, missing_for_assessment
from hub.orchestrator.app import CeleryPublisher, EmbeddedWorker, create_app
from hub.orchestrator.runtime import (
    DECIDE_QUEUE,
    Orchestrator,
    Publisher,
    assessment_queue,
    utc_now,
)
from hub.orchestrator.tasks import register_exchange_tasks, register_tasks
from hub.orchestrator.wiring import AgencyAdapter, ProfileSource, Wiring
from hub.rating import RatingSchedule, load_rating_weights
from hub.rules.registry import ProfileRegistry
from hub.settings import Settings
from hub.store import OutboxEntry, Store
from hub.store.profile_registry import DatabaseRegistry
from hub.store.store import HUB_ACTOR

__all__ = ["Hub", "Submitted", "decision_context", "open_hub", "registers_from_store"]

log = logging.getLogger(__name__)

# How often published outbox entries are marked (one transaction for all) and
# passed deadlines fired: the most a pending decision comes after its deadline.
TICK_S = 0.05


@dataclass(frozen=True)
class Submitted:
    """A stored submission: ``created`` is false when the same bytes were already accepted."""

    declaration_id: str
    created: bool


def decision_context(settings: Settings, agencies: Mapping[str, Agency]) -> DecisionContext:
    """The registers (``HUB_REGISTERS_DIR``) and random seed the merge reads, as ``hub assess``."""
    folder = settings.registers_dir

    def at(name: str) -> Path | None:
        return None if folder is None else folder / name

    return DecisionContext(
        {name: agency.spec for name, agency in agencies.items()},
        aeo=load_aeo_register(at("aeo.yaml")),
        mra=load_mra(at("mra.yaml")),
        random=(
            RandomSelection(load_random_table(at("random.yaml")), settings.random_seed.encode())
            if settings.random_seed
            else None
        ),
        offices=load_offices(at("offices.yaml")),
    )


def registers_from_store(store: Store, context: DecisionContext, now: datetime) -> DecisionContext:
    """``context`` with the AEO certificates the store holds, seeded from the register file.

    The file (``registers/aeo.yaml``) seeds certificates the store does not
    know yet; from then on the store is the register (history kept, changes
    audited), so editing the file never undoes a suspension recorded since.
    """
    if context.aeo is None:
        return context
    store.record_aeo(
        context.aeo.certificates,
        source="register-file",
        actor="hub:registers",
        at=now,
        only_new=True,
    )
    held = store.aeo_certificates()
    return replace(context, aeo=context.aeo.model_copy(update={"certificates": held}))


class Hub:
    """Submission and decisions over one orchestrator (and, embedded, its worker thread)."""

    def __init__(
        self,
        orchestrator: Orchestrator,
        *,
        app: Celery | None = None,
        worker: EmbeddedWorker | None = None,
        relay_interval_s: float | None = None,
        liaison: Liaison | None = None,
        rating: RatingSchedule | None = None,
    ) -> None:
        self.orchestrator = orchestrator
        self.rating = rating
        self.store = orchestrator.store
        self.app = app
        self.liaison = liaison
        self._worker = worker
        self._stop = threading.Event()
        self._relay = threading.Thread(
            target=self._relay_loop, args=(relay_interval_s,), name="hub-relay", daemon=True
        )
        self._relay.start()

    def submit(
        self,
        raw: bytes,
        *,
        actor: str = HUB_ACTOR,
        check: Callable[[Declaration], None] | None = None,
    ) -> Submitted:
        """Read, check, store (with its outbox entry), then publish; see the module docstring.

        ``check`` sees the declaration before anything is stored (the API
        refuses a trader submitting for a party it does not act for);
        ``actor`` is who the audit trail says submitted it. The same bytes
        again are the same declaration. A new message under a functional
        reference the submitter already used is refused
        (:class:`~hub.errors.ReferenceInUse`) unless it says it amends or
        cancels.
        """
        declaration = read_with_warnings(raw).declaration
        if check is not None:
            check(declaration)
        missing = missing_for_assessment(declaration)
        if missing:
            raise IncompleteDeclaration(missing)
        self._refuse_reused_reference(declaration)
        cancelled = declaration.function is DeclarationFunction.CANCELLATION
        work = [] if cancelled else [OutboxEntry("assess", {"declaration_id": declaration.id})]
        partners_say = (
            self.liaison.screen(declaration) if self.liaison is not None and not cancelled else None
        )
        accepted = self.store.accept(
            raw,
            declaration,
            wire_format=declaration.source_format.value,
            received_at=self.orchestrator.clock(),
            outbox=work,
            actor=actor,
            routes=self.orchestrator.routes_of(declaration),
            effects=partners_say,
        )
        if accepted.created:
            self.orchestrator.publish_accepted(accepted.declaration_id, accepted.outbox_ids)
        return Submitted(accepted.declaration_id, accepted.created)

    def _refuse_reused_reference(self, declaration: Declaration) -> None:
        reference = declaration.functional_reference
        if reference is None or declaration.function in (
            DeclarationFunction.AMENDMENT,
            DeclarationFunction.CANCELLATION,
        ):
            return
        existing = self.store.declarations_by_reference(declaration.submitter, reference)
        if existing and declaration.id not in existing:  # not the same bytes sent again
            raise ReferenceInUse(
                f"functional reference {reference} is already declaration {existing[0]}; "
                "send an amendment (or a cancellation) to change it",
                existing=existing,
            )

    def relay_once(self) -> int:
        """Publish what the outbox still owes, then the exchange's round (alerts to the JTC,
        deliveries to publish again) and the rating run when one is due; never raises (what
        is owed stays owed)."""
        try:
            done = self.orchestrator.relay_once()
        except Exception as exc:  # the store itself may be briefly unreachable
            log.warning("outbox relay failed, will retry: %s", exc)
            return 0
        if self.liaison is not None:
            try:
                self.liaison.sweep()
            except Exception as exc:
                log.warning("exchange sweep failed, will retry: %s", exc)
        if self.rating is not None:
            self.rating.run_if_due()  # when the latest run is older than HUB_RATING_INTERVAL_H
        return done

    def exists(self, declaration_id: str) -> bool:
        """Whether a declaration with this id was accepted."""
        return self.store.declaration(declaration_id) is not None

    def decision(self, declaration_id: str) -> Decision | None:
        """The latest decision version, or ``None`` while none is made."""
        return self.store.latest_decision(declaration_id)

    def history(self, declaration_id: str) -> list[Decision]:
        """Every decision version, first to latest."""
        return self.store.decision_history(declaration_id)

    def wait_for_decision(
        self, declaration_id: str, timeout: float, *, poll_s: float = 0.02
    ) -> Decision | None:
        """The decision once every routed agency has answered or been marked pending.

        A decision is only saved in that state, so this polls the store for
        the first version; ``None`` when ``timeout`` seconds pass first.
        """
        end = time.monotonic() + timeout
        while True:
            decision = self.decision(declaration_id)
            if decision is not None or time.monotonic() >= end:
                return decision
            time.sleep(poll_s)

    def _relay_loop(self, interval: float | None) -> None:
        """Every ``TICK_S``: mark what was published, fire passed deadlines; every
        ``interval`` (``None``: never, for tests that relay by hand): relay and sweep."""
        next_relay = time.monotonic() + (interval or 0)
        while not self._stop.wait(TICK_S):
            self.orchestrator.flush_published()
            try:
                self.orchestrator.fire_deadlines()
            except Exception as exc:  # the broker: the sweep will find them
                log.warning("deadlines not fired: %s", exc)
            if interval and time.monotonic() >= next_relay:
                self.relay_once()
                next_relay = time.monotonic() + interval

    def close(self) -> None:
        """Stop the relay and the embedded worker, close adapters, the broker pool and the store."""
        self._stop.set()
        self._relay.join(10)
        self.orchestrator.flush_published()
        try:
            if self._worker is not None:
                self._worker.stop()
        finally:
            self.orchestrator.close()
            if self.app is not None:
                self.app.close()
            self.store.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_hub(
    settings: Settings,
    wiring: Wiring,
    *,
    agencies: Mapping[str, Agency] | None = None,
    adapters: Mapping[str, AgencyAdapter] | None = None,
    publisher: Publisher | None = None,
    clock: Callable[[], datetime] = utc_now,
    migrate: bool = False,
    embedded_worker: bool | None = None,
    relay: bool = True,
    registry: ProfileRegistry | None = None,
) -> Hub:
    """Compose a hub from ``settings``: the API's, ``hub serve``'s and the tests' entry.

    Embedded (``memory://``) also starts a worker thread on every queue, and
    migrates the store. ``publisher`` replaces Celery publishing (tests of
    the outbox inject a failing one). The profiles in force are the agency
    folders' overlaid by ``registry`` (default: the one in the hub's
    database, which ``hub profiles`` and the API change), looked at again
    every ``settings.profile_reload_s``: every process of a distributed hub
    opens the same database, so each follows an activation without a restart.
    """
    loaded = dict(agencies) if agencies is not None else load_agencies(settings.agencies_dir)
    context = decision_context(settings, loaded)
    weights = load_rating_weights(
        settings.registers_dir / "rating.yaml" if settings.registers_dir else None
    )
    store = Store.open(settings.database_url, migrate=migrate or settings.embedded)
    try:
        context = registers_from_store(store, context, clock())
    except BaseException:
        store.close()
        raise
    app: Celery | None = None
    worker: EmbeddedWorker | None = None
    try:
        queues = [assessment_queue(settings.queue_prefix, a.spec.queue) for a in loaded.values()]
        queues.append(settings.queue_prefix + DECIDE_QUEUE)
        queues.append(settings.queue_prefix + EXCHANGE_QUEUE)
        app = create_app(settings, queues)
        orchestrator = Orchestrator(
            store=store,
            agencies=loaded,
            context=context,
            wiring=wiring,
            settings=settings,
            publisher=publisher or CeleryPublisher(app),
            clock=clock,
            adapters=adapters,
            profiles=ProfileSource(
                registry if registry is not None else DatabaseRegistry(store),
                settings.profile_reload_s,
                ratings=store,
            ),
        )
        register_tasks(app, orchestrator)
        liaison = open_liaison(
            store,
            settings,
            aeo=context.aeo,
            publisher=orchestrator.publisher,
            registry=orchestrator.profiles.registry if orchestrator.profiles else None,
            clock=clock,
        )
        register_exchange_tasks(app, liaison)
        orchestrator.after_first_decision = liaison.share_findings
        if settings.embedded if embedded_worker is None else embedded_worker:
            worker = EmbeddedWorker(app, [*orchestrator.queues, liaison.queue])
            worker.start()
            # The in-process broker forgot whatever was queued when the last
            # process stopped: start those declarations again.
            orchestrator.recover()
    except BaseException:
        if app is not None:
            app.close()
        store.close()
        raise
    return Hub(
        orchestrator,
        app=app,
        worker=worker,
        relay_interval_s=settings.relay_interval_s if relay else None,
        liaison=liaison,
        rating=RatingSchedule(store, weights, settings.rating_interval_h, clock),
    )
