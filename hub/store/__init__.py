"""The hub's durable state: SQLite embedded, PostgreSQL in production, one schema.

:class:`Store` is the whole API; :mod:`hub.store.schema` the tables, applied
only through the Alembic migrations in ``migrations/`` (:func:`upgrade`, or
``hub db upgrade``).

:class:`Store` (:mod:`hub.store.store`: opening, closing, and why every
method is one idempotent transaction) inherits its methods from one private
module per concept, each a mixin over :class:`~hub.store._transactions.Transactions`:

- ``_declarations``: accepting a message with its declaration, outbox
  entries and routes; reading them back (``accept``, ``declaration``,
  ``raw_message``, ``declarations_by_reference``, ``routes``);
- ``_aeo``: the AEO register (``record_aeo``, ``record_aeo_in``,
  ``aeo_certificates``, ``aeo_history``);
- ``_answers``: agencies' answers (``record_answer``, ``answers``, ``has_answer``);
- ``_decisions``: decision versions (``decide``, ``save_decision``,
  ``latest_decision``, ``decided_among``, ``decision_history``,
  ``latest_decisions``);
- ``_examinations``: the examinations index (``capacity``, ``examinations_on``;
  ``book`` keeps it in step with each new version);
- ``_officers``: control results, re-routings, examination moves
  (``record_control_result``, ``control_results``, ``request_raise``,
  ``raise_requests``, ``reroute``, ``revise``);
- ``_audit_trail``: the hash chain (``audit``, ``audit_trail``, and the
  append every audited write makes in its own transaction);
- ``_outbox``: what is still to publish (``unpublished``, ``undecided``,
  ``mark_published``, ``bump_attempts``);
- ``_exchange``: partner administrations and the messages exchanged with
  them, replay-guarded and kept byte for byte, with their deliveries and
  refusals (``record_partner``, ``partners``, ``accept_exchange``,
  ``record_refusal``, ``record_outbound``, ``record_delivery``,
  ``undelivered``, ``exchange_messages``, ... listed in
  :class:`~hub.store._exchange.ExchangeMixin`);
- ``_partner_data``: what accepted messages leave behind: pre-arrival data,
  watches, partner findings, partners' AEO lists, JTC alerts
  (``add_pre_arrival``, ``pre_arrival_candidates``, ``watches_matching``,
  ``add_partner_findings``, ``add_partner_aeo_list``, ``raise_alert``,
  ``acknowledge_alert``, ... listed in
  :class:`~hub.store._partner_data.PartnerDataMixin`); both write their rows
  once on their natural key through ``_rows``;
- ``_ratings``: behavioural ratings run after run and the histories they are
  read from (``record_ratings``, ``latest_ratings``, ``previous_ratings``, ``rating_history``,
  ``rating_scores``, ``ratings_generation``, ``last_rated_at``,
  ``trader_histories``);
- ``_reports``: what the reports (:mod:`hub.kpi`) read about a period, in a
  fixed number of queries (``period_records``);
- ``_statements``: the tables and every statement built once at import;
  ``_transactions``: the engine and the read-write and read-only transactions.

:mod:`hub.store.profile_registry` keeps the risk profiles' record in the same
database, beside the store.
"""

from hub.store.migrate import upgrade
from hub.store.records import (
    Accepted,
    Answer,
    Decided,
    DecisionBasis,
    Delivery,
    ExchangeRefusal,
    JtcAlert,
    NewAnswer,
    OutboxEntry,
    OutboxRow,
    PartnerAeoList,
    RawMessage,
    StoredExchangeMessage,
    StoredPreArrival,
    StoredWatch,
)
from hub.store.settings import DEFAULT_DATABASE_URL, database_url, normalise_url
from hub.store.store import Store

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Accepted",
    "Answer",
    "Decided",
    "DecisionBasis",
    "Delivery",
    "ExchangeRefusal",
    "JtcAlert",
    "NewAnswer",
    "OutboxEntry",
    "OutboxRow",
    "PartnerAeoList",
    "RawMessage",
    "Store",
    "StoredExchangeMessage",
    "StoredPreArrival",
    "StoredWatch",
    "database_url",
    "normalise_url",
    "upgrade",
]
