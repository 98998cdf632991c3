"""The read-only views of a declaration and a goods item that CEL expressions see.

Plain dicts of CEL-friendly values, built once per declaration and once per
item. Conventions, stated once for every profile author:

* decimals (masses, values) are doubles; counts and sequences are ints;
  enums are their lower-case string values ('import', 'sea');
* a value the message did not carry is *absent* from the map, never null or
  zero: guard with ``has(item.net_mass)``; reading an absent key is an error,
  and an expression that ends in an error does not match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from hub.model.declaration import (
    Declaration,
    GoodsItem,
    Money,
    Party,
    TransportMeans,
)

View = dict[str, Any]


def _put(view: View, key: str, value: object) -> None:
    if value is None or value == () or value == []:
        return
    if isinstance(value, Decimal):
        value = float(value)
    view[key] = value


def _party(party: Party) -> View:
    view: View = {"role": party.role.value}
    _put(view, "id", party.id)
    _put(view, "name", party.name)
    _put(view, "country", party.country)
    return view


def _means(means: TransportMeans | None) -> View | None:
    if means is None:
        return None
    view: View = {}
    _put(view, "id", means.id)
    _put(view, "id_type", means.id_type)
    _put(view, "nationality", means.nationality)
    _put(view, "mode", means.mode.value if means.mode else None)
    _put(view, "name", means.name)
    return view or None


def valued_money(item: GoodsItem) -> Money | None:
    """The value a unit value is computed from: item price, else customs, else statistical."""
    return item.item_price or item.customs_value or item.statistical_value


def unit_value_of(item: GoodsItem) -> tuple[Decimal, str | None] | None:
    """Value per kilogram of net mass and its currency, or ``None`` when either is unknown."""
    money = valued_money(item)
    if money is None or item.net_mass is None or item.net_mass <= 0:
        return None
    return money.amount / item.net_mass, money.currency


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _amount(money: Money | None) -> float | None:
    return None if money is None else float(money.amount)


def _currency(item: GoodsItem) -> str | None:
    money = valued_money(item)
    return money.currency if money else None


def _procedure(item: GoodsItem) -> str | None:
    return item.procedure.code if item.procedure else None


def _list(values: list[Any]) -> list[Any] | None:
    return values or None


# One getter per key of the ``item`` view; a missing value gives None and no key.
ITEM_FIELDS: dict[str, Callable[[GoodsItem], Any]] = {
    "sequence": lambda i: i.sequence,
    "commodity_code": lambda i: i.commodity_code,
    "origin": lambda i: i.origin.country if i.origin else None,
    "preference": lambda i: i.origin.preference_code if i.origin else None,
    "gross_mass": lambda i: _float(i.gross_mass),
    "net_mass": lambda i: _float(i.net_mass),
    "customs_value": lambda i: _amount(i.customs_value),
    "item_price": lambda i: _amount(i.item_price),
    "statistical_value": lambda i: _amount(i.statistical_value),
    "currency": _currency,
    "procedure": _procedure,
    "additional_procedures": lambda i: _list(list(i.procedure.additional)) if i.procedure else None,
    "documents": lambda i: _list([doc.code for doc in i.documents]),
    # code -> status (e.g. {'N853': 'XW'}: waived), for rules on how a document is used
    "document_status": lambda i: {d.code: d.status for d in i.documents if d.status} or None,
    "description": lambda i: i.description,
    "quantity": lambda i: float(i.quantity.value) if i.quantity else None,
    "quantity_unit": lambda i: i.quantity.unit if i.quantity else None,
    "dangerous_goods_code": lambda i: i.dangerous_goods_code,
    "valuation_method": lambda i: i.valuation_method,
    "parties": lambda i: _list([_party(p) for p in i.parties]),
}
# What ``unit_value(item)`` reads.
VALUE_FIELDS = frozenset({"item_price", "customs_value", "statistical_value", "net_mass"})


def item_view(item: GoodsItem, fields: Iterable[str] | None = None) -> View:
    """The ``item`` variable, or only ``fields`` of it (the keys the expressions name).

    An item view is built for every item that meets a CEL profile, so a rule
    set asks only for the keys its expressions read.
    """
    view: View = {}
    for key in ITEM_FIELDS if fields is None else fields:
        value = ITEM_FIELDS[key](item)
        if value is not None and value != "":
            view[key] = value
    return view


def _roles(d: Declaration) -> View | None:
    roles: View = {}
    for party in reversed(d.parties):  # the first party in a role wins
        if party.id:
            roles[party.role.value] = party.id
    return roles or None


def _transport(d: Declaration) -> View:
    t = d.transport
    transport: View = {}
    _put(transport, "mode", t.mode.value if t.mode else None)
    _put(transport, "inland_mode", t.inland_mode.value if t.inland_mode else None)
    _put(transport, "border_means", _means(t.border_means))
    _put(transport, "arrival_means", _means(t.arrival_means))
    _put(transport, "departure_means", _means(t.departure_means))
    _put(transport, "containers", [c.id for c in t.containers])
    for key in (
        "office_of_declaration",
        "office_of_entry",
        "office_of_destination",
        "office_of_exit",
        "dispatch_country",
        "destination_country",
        "loading_place",
        "unloading_place",
        "expected_arrival",
    ):
        _put(transport, key, getattr(t, key))
    if t.goods_location is not None:
        _put(transport, "goods_location", t.goods_location.id)
    return transport


def _totals(d: Declaration) -> View:
    totals: View = {}
    if d.totals.invoice_amount is not None:
        totals["invoice_amount"] = float(d.totals.invoice_amount.amount)
        _put(totals, "invoice_currency", d.totals.invoice_amount.currency)
    _put(totals, "item_count", d.totals.item_count)
    _put(totals, "package_count", d.totals.package_count)
    _put(totals, "gross_mass", d.totals.gross_mass)
    return totals


# One getter per key of the ``decl`` view; ``transport`` and ``totals`` are always maps.
DECLARATION_FIELDS: dict[str, Callable[[Declaration], Any]] = {
    "item_count": lambda d: len(d.goods_items),
    "type_code": lambda d: d.type_code,
    "kind": lambda d: d.kind.value if d.kind else None,
    "function": lambda d: d.function.value if d.function else None,
    "submitter": lambda d: d.submitter,
    "responsible_country": lambda d: d.responsible_country,
    "specific_circumstances": lambda d: d.specific_circumstances,
    "accepted_at": lambda d: d.accepted_at,
    "parties": lambda d: _list([_party(p) for p in d.parties]),
    "party_id": _roles,
    "authorisations": lambda d: _list([a.type_code for a in d.authorisations]),
    "documents": lambda d: _list([doc.code for doc in d.documents]),
    "commodity_codes": lambda d: _list([c for i in d.goods_items if (c := i.commodity_code)]),
    "origins": lambda d: _list(sorted({c for i in d.goods_items if (c := i.origin_country)})),
    "transport": _transport,
    "totals": _totals,
}


def declaration_view(declaration: Declaration, fields: Iterable[str] | None = None) -> View:
    """The ``decl`` variable (or only ``fields`` of it): header data, plus the items'
    commodity codes and origins for declaration-scope expressions."""
    view: View = {}
    for key in DECLARATION_FIELDS if fields is None else fields:
        value = DECLARATION_FIELDS[key](declaration)
        if value is not None and value != "":
            view[key] = value
    return view
