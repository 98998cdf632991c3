"""Exchange with partner administrations: signed pre-arrival, risk and AEO/MRA messages.

Pure parts: :mod:`~hub.exchange.messages` (the five kinds of message),
:mod:`~hub.exchange.partners` (partners and the agreements in force),
:mod:`~hub.exchange.wire` (their XML), :mod:`~hub.exchange.signing` and
:mod:`~hub.exchange.keys` (XML signatures over X.509 keys),
:mod:`~hub.exchange.matching` (pre-arrival data against a declaration),
:mod:`~hub.exchange.watches` (consignments partners warned of),
:mod:`~hub.exchange.risk` (warnings in and out),
:mod:`~hub.exchange.aeo_lists` (AEO lists in and out). At the edges:
:mod:`~hub.exchange.reception` (trust, or refuse, and keep),
:mod:`~hub.exchange.dispatch` (sign and deliver),
:mod:`~hub.exchange.amqp_inbox` (partners' messages from the broker),
:mod:`~hub.exchange.journal` (what was exchanged, as the API and CLI list it) and
:mod:`~hub.exchange.liaison` (all of it for the running hub).
"""

from hub.exchange.messages import ExchangeMessage, Header, MessageKind
from hub.exchange.partners import MutualAssistance, MutualRecognition, Partner

__all__ = [
    "ExchangeMessage",
    "Header",
    "MessageKind",
    "MutualAssistance",
    "MutualRecognition",
    "Partner",
]
