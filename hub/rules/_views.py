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


def item_view(item: GoodsItem) -> View:
    """The ``item`` variable: see the module docstring for the conventions."""
    # Straight-line on purpose: this runs once per item that meets a CEL profile.
    view: View = {"sequence": item.sequence}
    if item.commodity_code:
        view["commodity_code"] = item.commodity_code
    origin = item.origin
    if origin is not None:
        if origin.country:
            view["origin"] = origin.country
        if origin.preference_code:
            view["preference"] = origin.preference_code
    if item.gross_mass is not None:
        view["gross_mass"] = float(item.gross_mass)
    if item.net_mass is not None:
        view["net_mass"] = float(item.net_mass)
    currency = None
    for key, money in (
        ("statistical_value", item.statistical_value),
        ("customs_value", item.customs_value),
        ("item_price", item.item_price),
    ):
        if money is not None:
            view[key] = float(money.amount)
            currency = money.currency  # the last one wins: the one unit_value uses
    if currency:
        view["currency"] = currency
    procedure = item.procedure
    if procedure is not None:
        if procedure.current:
            view["procedure"] = procedure.code
        if procedure.additional:
            view["additional_procedures"] = list(procedure.additional)
    if item.documents:
        view["documents"] = [doc.code for doc in item.documents]
    if item.description:
        view["description"] = item.description
    if item.quantity is not None:
        view["quantity"] = float(item.quantity.value)
        if item.quantity.unit:
            view["quantity_unit"] = item.quantity.unit
    if item.dangerous_goods_code:
        view["dangerous_goods_code"] = item.dangerous_goods_code
    if item.valuation_method:
        view["valuation_method"] = item.valuation_method
    if item.parties:
        view["parties"] = [_party(p) for p in item.parties]
    return view


def declaration_view(declaration: Declaration) -> View:
    """The ``decl`` variable: header data, plus item codes and origins for declaration scope."""
    d = declaration
    view: View = {"item_count": len(d.goods_items)}
    _put(view, "type_code", d.type_code)
    _put(view, "kind", d.kind.value if d.kind else None)
    _put(view, "function", d.function.value if d.function else None)
    _put(view, "submitter", d.submitter)
    _put(view, "responsible_country", d.responsible_country)
    _put(view, "specific_circumstances", d.specific_circumstances)
    _put(view, "accepted_at", d.accepted_at)
    _put(view, "parties", [_party(p) for p in d.parties])
    roles: View = {}
    for party in reversed(d.parties):  # the first party in a role wins
        if party.id:
            roles[party.role.value] = party.id
    _put(view, "party_id", roles or None)
    _put(view, "authorisations", [a.type_code for a in d.authorisations])
    _put(view, "documents", [doc.code for doc in d.documents])
    _put(view, "commodity_codes", [i.commodity_code for i in d.goods_items if i.commodity_code])
    _put(view, "origins", sorted({c for i in d.goods_items if (c := i.origin_country)}))
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
    view["transport"] = transport
    totals: View = {}
    if d.totals.invoice_amount is not None:
        totals["invoice_amount"] = float(d.totals.invoice_amount.amount)
        _put(totals, "invoice_currency", d.totals.invoice_amount.currency)
    _put(totals, "item_count", d.totals.item_count)
    _put(totals, "package_count", d.totals.package_count)
    _put(totals, "gross_mass", d.totals.gross_mass)
    view["totals"] = totals
    return view
