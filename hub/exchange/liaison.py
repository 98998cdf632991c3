"""The running hub's liaison with partner administrations: receive, send, match, remind.

:class:`Liaison` puts the pure parts of :mod:`hub.exchange` together with the
store, the signing identity and the task queue, for the API, the CLI and the
workers:

- :meth:`Liaison.receive` a partner's signed message (:mod:`hub.exchange.reception`);
- :meth:`Liaison.send` one of ours: checked against the agreement, signed,
  recorded as queued, then delivered by the ``hub.exchange.deliver`` task
  (:meth:`Liaison.deliver`, idempotent, retried with backoff);
- :meth:`Liaison.screen` an accepted declaration against what partners sent
  before it: the pre-arrival data of the same movement (a mismatch becomes a
  customs finding, the differences in words) and the consignments partners
  asked us to watch; written in the transaction that accepts it;
- :meth:`Liaison.share_findings` of a first decision: a finding marked
  ``share_with`` (its profile's mark) becomes a consignment warning to each
  partner named, where an agreement covers warnings;
- :meth:`Liaison.sweep`, every relay round: pre-arrival data no declaration
  followed within ``HUB_PRE_ARRIVAL_ALERT_H`` raises an alert to the joint
  targeting centre, messages still queued are published again, and a
  profile newly in force marked ``share_with`` goes to its partners as a
  profile warning;
- :meth:`Liaison.answers_to`: the partners' feedback and seizure reports on
  the warnings a profile (or a declaration) made: what the partner found.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from hub.decision import Decision
from hub.decision.aeo import AeoRegister, load_aeo_register
from hub.errors import ExchangeRefused, HubError, IngestError
from hub.exchange.aeo_lists import delta_list, full_list
from hub.exchange.dispatch import DELIVER_TASK, EXCHANGE_QUEUE, Attempt, deliver, prepare
from hub.exchange.keys import SigningIdentity, keygen
from hub.exchange.matching import (
    MatchTolerance,
    best_match,
    differences,
    mismatch_finding,
    movement_keys,
)
from hub.exchange.messages import AeoList, ExchangeMessage, Header, MessageKind
from hub.exchange.reception import Received, ReceptionPolicy, receive
from hub.exchange.risk import findings_to_share, warning_from_finding, warning_from_profile
from hub.exchange.watches import watch_findings
from hub.exchange.wire import from_bytes
from hub.model.declaration import Declaration, DeclarationFunction, DeclarationKind
from hub.model.finding import Finding
from hub.rules.registry import ProfileRegistry
from hub.settings import Settings
from hub.store import Store
from hub.store.records import StoredExchangeMessage

if TYPE_CHECKING:  # the orchestrator composes a liaison; only its publisher's shape is needed
    from hub.orchestrator.runtime import Publisher

__all__ = ["Liaison", "open_liaison", "own_identity"]

log = logging.getLogger(__name__)

SHARING_ACTOR = "hub:exchange"  # who the audit trail says sent what a mark on a profile shared

# How long a queued outbound message may wait before the sweep publishes its
# delivery again (its task was lost with a broker or a process).
REDELIVER_AFTER = timedelta(minutes=5)


def own_identity(settings: Settings, administration: str) -> SigningIdentity | None:
    """The key and certificate this hub signs with: the configured files, or, embedded,
    a development pair beside the SQLite file (made on first start); else ``None``."""
    if settings.exchange_key_file and settings.exchange_cert_file:
        return SigningIdentity.load(settings.exchange_key_file, settings.exchange_cert_file)
    if settings.exchange_key_file or settings.exchange_cert_file:
        raise HubError("set both HUB_EXCHANGE_KEY_FILE and HUB_EXCHANGE_CERT_FILE, or neither")
    folder = _embedded_folder(settings)
    if folder is None:
        return None
    key = folder / f"{administration}-exchange-key.pem"
    cert = folder / f"{administration}-exchange-cert.pem"
    if not key.exists():
        keygen(administration, folder)
    return SigningIdentity.load(key, cert)


def open_liaison(
    store: Store,
    settings: Settings,
    *,
    aeo: AeoRegister | None = None,
    publisher: Publisher | None = None,
    registry: ProfileRegistry | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Liaison:
    """The exchange with partners, as this administration (``HUB_ADMINISTRATION``, else the
    AEO register's) signing with its own key (:func:`own_identity`).

    The running hub passes its publisher (deliveries become tasks); the
    command line passes none and delivers at once (:meth:`Liaison.deliver`).
    """
    register = aeo if aeo is not None else load_aeo_register(_register_file(settings))
    administration = settings.administration or register.administration
    return Liaison(
        store,
        settings,
        administration=administration,
        identity=own_identity(settings, administration),
        publisher=publisher,
        registry=registry,
        clock=clock,
        agency=register.programme_owner,
    )


def _register_file(settings: Settings) -> Path | None:
    return settings.registers_dir / "aeo.yaml" if settings.registers_dir else None


def _embedded_folder(settings: Settings) -> Path | None:
    prefix = "sqlite:///"
    if not settings.embedded or not settings.database_url.startswith(prefix):
        return None
    path = settings.database_url[len(prefix) :]
    if not path or path == ":memory:":
        return None
    return Path(path).resolve().parent


class Liaison:
    """Partner exchange for one hub (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        administration: str,
        identity: SigningIdentity | None,
        publisher: Publisher | None,
        registry: ProfileRegistry | None,
        clock: Callable[[], datetime],
        agency: str = "customs",
    ) -> None:
        self.store = store
        self.settings = settings
        self.administration = administration
        self.identity = identity
        self.publisher = publisher
        self.registry = registry
        self.clock = clock
        self.agency = agency
        self.policy = ReceptionPolicy(
            administration=administration,
            max_age=timedelta(seconds=settings.exchange_max_age_s),
            max_skew=timedelta(seconds=settings.exchange_max_skew_s),
            agency=agency,
        )
        self.tolerance = MatchTolerance(
            gross_mass_percent=Decimal(str(settings.pre_arrival_tolerance_percent))
        )
        self.queue = settings.queue_prefix + EXCHANGE_QUEUE
        self._shared_generation: int | None = None

    # Inbound

    def receive(self, raw: bytes) -> Received:
        """Accept a partner's signed message, or raise :class:`~hub.errors.ExchangeRefused`."""
        return receive(
            raw, store=self.store, policy=self.policy, now=self.clock(), registry=self.registry
        )

    # Outbound

    def header(self, receiver: str, *, refers_to: Sequence[str] = ()) -> Header:
        """A new header from this administration to ``receiver``, with a fresh message id."""
        return Header(
            message_id=f"{self.administration}-{uuid.uuid4().hex[:24]}",
            sender=self.administration,
            receiver=receiver,
            created_at=self.clock(),
            refers_to=tuple(refers_to),
        )

    def send(self, message: ExchangeMessage, *, actor: str, subject: str | None = None) -> int:
        """Sign and record ``message``, then publish its delivery; the outbound row id.

        ``subject`` names what the message came from (a profile id, a
        declaration id), so a partner's feedback can be traced back to it.
        """
        if self.identity is None:
            raise ExchangeRefused(
                "no-identity",
                "this hub has no exchange key: set HUB_EXCHANGE_KEY_FILE and "
                "HUB_EXCHANGE_CERT_FILE (hub partner keygen makes a development pair)",
            )
        partner = self.store.partner(message.header.receiver)
        if partner is None:
            raise ExchangeRefused(
                "unknown-receiver",
                f"{message.header.receiver} is not a configured partner administration",
                where="Header/ReceiverID",
            )
        now = self.clock()
        raw = prepare(
            message, partner, self.identity, administration=self.administration, on=now.date()
        )
        row_id = self.store.record_outbound(
            raw, message, partner=partner.code, at=now, actor=actor, subject=subject
        )
        self._publish(row_id)
        return row_id

    def send_xml(self, raw: bytes, *, actor: str, subject: str | None = None) -> tuple[int, str]:
        """Send a message written as unsigned XML (``hub_exchange.xsd``); its row and id.

        The XML is read as strictly as a partner's (schema, models), then
        :meth:`send` checks the agreement and signs it.
        """
        try:
            message = from_bytes(raw)
        except IngestError as exc:
            raise ExchangeRefused("schema", exc.message, where=exc.where) from exc
        return self.send(message, actor=actor, subject=subject), message.header.message_id

    def _publish(self, row_id: int, *, attempt: int = 0, countdown: float | None = None) -> None:
        if self.publisher is None:
            return  # delivered by a process that has a broker (the sweep republishes)
        self.publisher.publish(
            DELIVER_TASK,
            {"row_id": row_id, "attempt": attempt},
            queue=self.queue,
            countdown=countdown,
        )

    def deliver(self, row_id: int, attempt: int) -> Attempt | None:
        """One delivery attempt of an outbound message, recorded; ``None`` if nothing to do.

        Idempotent: a message already delivered or failed is left alone. A
        retryable failure is published again after ``backoff * 2**attempt``
        seconds until ``HUB_EXCHANGE_MAX_RETRIES``, then marked failed.
        """
        sent = self.store.outbound(row_id)
        if sent is None or sent.status != "queued":
            return None
        partner = self.store.partner(sent.partner)
        if partner is None:
            result = Attempt("failed", f"{sent.partner} is no longer a configured partner")
        else:
            result = deliver(sent.raw, partner)
        if result.outcome == "retrying" and attempt >= self.settings.exchange_max_retries:
            result = Attempt("failed", f"gave up after {attempt + 1} attempts: {result.detail}")
        self.store.record_delivery(
            row_id,
            attempt=attempt + 1,
            at=self.clock(),
            outcome=result.outcome,
            detail=result.detail,
        )
        if result.outcome == "retrying":
            backoff = self.settings.exchange_backoff_s * 2.0**attempt
            self._publish(row_id, attempt=attempt + 1, countdown=backoff)
        return result

    def aeo_list(self, receiver: str, *, since: date | None = None) -> AeoList:
        """Our AEO register for an MRA partner: all of it, or what changed since ``since``."""
        header = self.header(receiver)
        created = header.created_at
        if since is None:
            return full_list(
                self.store.aeo_certificates(issued_by=self.administration),
                administration=self.administration,
                receiver=receiver,
                message_id=header.message_id,
                created_at=created,
                as_of=created.date(),
            )
        start = datetime.combine(since, time.min, tzinfo=created.tzinfo)
        return delta_list(
            self.store.aeo_history(self.administration, start),
            since=since,
            administration=self.administration,
            receiver=receiver,
            message_id=header.message_id,
            created_at=created,
            as_of=created.date(),
        )

    # Declarations meeting partners' data

    def screen(self, declaration: Declaration) -> Callable[[Connection], None] | None:
        """What partners' data says about ``declaration``, to write as it is accepted.

        An import (or pre-arrival) declaration is matched with the unmatched
        pre-arrival data of its movement (an amendment also with what the
        declaration it amends matched); any declaration is looked up among
        the consignments partners asked us to watch. ``None`` when neither
        finds anything (the accept writes nothing more).
        """
        keys = movement_keys(declaration)
        now = self.clock()
        findings: list[Finding] = []
        matched: tuple[int, str] | None = None
        if declaration.kind in (DeclarationKind.IMPORT, DeclarationKind.PRE_ARRIVAL, None):
            candidates = self.store.pre_arrival_candidates(
                keys,
                departed_after=now - self.tolerance.window,
                matched_to=self._amended(declaration),
            )
            pre = best_match(
                declaration, [c.pre_arrival for c in candidates], self.tolerance, keys=keys
            )
            if pre is not None:
                stored = next(c for c in candidates if c.pre_arrival is pre)
                matched = (stored.row_id, stored.partner)
                found = differences(pre, declaration, self.tolerance)
                if found:
                    findings.append(
                        mismatch_finding(pre, stored.partner, found, agency=self.agency)
                    )
        watches = self.store.watches_matching(keys, on=now.date())
        findings += watch_findings(
            declaration, [w.watch for w in watches], agency=self.agency, on=now.date(), keys=keys
        )
        if matched is None and not findings:
            return None

        def write(conn: Connection) -> None:
            if matched is not None:
                self.store.mark_pre_arrival_matched(conn, matched[0], declaration.id, now)
            if findings:
                basis = f"pre-arrival {matched[1]}" if matched else "partner watch"
                self.store.add_partner_findings(conn, declaration.id, findings, basis, now)

        return write

    # Sharing with partners

    def share_findings(self, declaration: Declaration, decision: Decision) -> int:
        """Warn each partner a finding of ``decision`` is marked for; how many warnings went.

        Once per partner and finding (the outbound row's subject says which),
        so deciding again never warns twice; a partner without an agreement
        in force covering warnings is skipped (logged), as is every partner
        when this hub has no exchange key.
        """
        findings = [f for a in decision.agencies.values() for f in a.findings]
        sent = 0
        for code, finding in findings_to_share(findings):
            subject = f"{declaration.id}/{finding.profile_id or finding.agency}"
            if not self._shareable(code, subject):
                continue
            header = self.header(code)
            try:
                warning = warning_from_finding(
                    declaration,
                    finding,
                    sender=self.administration,
                    receiver=code,
                    message_id=header.message_id,
                    created_at=header.created_at,
                )
                self.send(warning, actor=SHARING_ACTOR, subject=subject)
            except (HubError, ValueError) as exc:
                log.warning("finding on %s not shared with %s: %s", declaration.id, code, exc)
                continue
            sent += 1
        return sent

    def share_profiles(self) -> int:
        """Send each profile in force marked ``share_with`` to its partners, once per version.

        Looked at only when the registry changed (its generation), so a relay
        round costs one cheap read otherwise.
        """
        if self.registry is None:
            return 0
        generation = self.registry.generation()
        if generation == self._shared_generation:
            return 0
        sent = 0
        for profile in self.registry.current():
            for code in profile.share_with:
                subject = f"profile:{profile.id}:v{profile.version}"
                if not self._shareable(code, subject):
                    continue
                header = self.header(code)
                warning = warning_from_profile(
                    profile,
                    sender=self.administration,
                    receiver=code,
                    message_id=header.message_id,
                    created_at=header.created_at,
                )
                try:
                    self.send(warning, actor=SHARING_ACTOR, subject=subject)
                except HubError as exc:
                    log.warning("profile %s not shared with %s: %s", profile.id, code, exc)
                    continue
                sent += 1
        self._shared_generation = generation
        return sent

    def _shareable(self, code: str, subject: str) -> bool:
        """Not yet sent to ``code`` about ``subject``, and agreed with it today."""
        if self.store.exchange_messages(partner=code, direction="out", subject=subject, limit=1):
            return False
        partner = self.store.partner(code)
        refused = (
            f"{code} is not a configured partner"
            if partner is None
            else partner.allows(MessageKind.RISK_WARNING, "send", self.clock().date())
        )
        if refused is not None:
            log.info("not shared with %s (%s): %s", code, subject, refused)
            return False
        return True

    def answers_to(self, subject_prefix: str) -> list[StoredExchangeMessage]:
        """Partners' feedback and seizure reports on the warnings we sent about ``subject_prefix``
        (``profile:ID:`` for a profile's, a declaration id for its findings')."""
        ours = {
            (m.partner, m.message_id)
            for m in self.store.exchange_messages(
                direction="out", kind=MessageKind.RISK_WARNING.value, subject_prefix=subject_prefix
            )
        }
        if not ours:
            return []
        return [
            m
            for kind in (MessageKind.RISK_FEEDBACK, MessageKind.SEIZURE_REPORT)
            for m in self.store.exchange_messages(direction="in", kind=kind.value, limit=500)
            if any((m.partner, ref) in ours for ref in m.refers_to)
        ]

    def _amended(self, declaration: Declaration) -> list[str]:
        """The declarations an amendment amends (same submitter and reference), whose
        pre-arrival data it must still be compared with; none for an original."""
        reference = declaration.functional_reference
        if declaration.function is not DeclarationFunction.AMENDMENT or reference is None:
            return []
        earlier = self.store.declarations_by_reference(declaration.submitter, reference)
        return [d for d in earlier if d != declaration.id]

    # Every relay round

    def sweep(self) -> int:
        """Alert the JTC to overdue pre-arrival data, republish stuck deliveries, send newly
        active shared profiles; how many of all three."""
        now = self.clock()
        overdue = self.store.unmatched_pre_arrivals(
            departed_before=now - timedelta(hours=self.settings.pre_arrival_alert_h)
        )
        for stored in overdue:
            pre = stored.pre_arrival
            self.store.raise_alert(
                None,
                kind="pre-arrival-unmatched",
                subject=f"{stored.partner}/{pre.header.message_id}",
                summary=(
                    f"{stored.partner} declaration {pre.declaration_reference}: "
                    f"{pre.means_id} left {pre.departure_office} at "
                    f"{pre.departed_at.isoformat()}, no declaration has followed"
                ),
                detail={"means_id": pre.means_id, "gross_mass": str(pre.gross_mass)},
                at=now,
            )
        if overdue:
            self.store.mark_pre_arrival_alerted([s.row_id for s in overdue], now)
        stuck = self.store.undelivered(older_than=now - REDELIVER_AFTER)
        for sent in stuck:
            self._publish(sent.row_id)
        shared = self.share_profiles()
        return len(overdue) + len(stuck) + shared
