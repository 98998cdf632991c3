"""Which agencies must assess a declaration, with which goods items, and why.

Routing reads only the declaration and each agency's ``concerns`` from its
``agency.yaml``; it knows no agency by name. Customs and police say
``always: true`` and receive every item; phytosanitary and veterinary say
which commodity code prefixes, documents (e.g. N851, N853) and procedure code
prefixes concern them, and receive only the items that match.

Every route carries its reasons in words, because an officer (or a trader's
complaint) will ask why an agency held the goods, and the answer must not need
the code. An agency with no concerned item gets no route at all, so it never
sees goods that are none of its business (need to know, see DESIGN.md).

Routing is pure: no files, no clock; the same declaration and agencies always
give the same routes, in the order the agencies were given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from hub._hs import chapter_title
from hub.agency import AgencySpec, Concerns
from hub.model.declaration import Declaration, GoodsItem

__all__ = ["Route", "route", "view_for"]


class Route(BaseModel):
    """One agency's share of a declaration: the items it must assess and why.

    ``item_sequences`` is empty only for a declaration without goods items
    routed to an agency concerned with every declaration (its parties and
    means of transport still need screening).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str
    item_sequences: tuple[int, ...]
    reasons: tuple[str, ...]


def route(
    declaration: Declaration, agencies: Mapping[str, AgencySpec] | Iterable[AgencySpec]
) -> tuple[Route, ...]:
    """The routes of ``declaration``: one per concerned agency, in the agencies' order."""
    specs = agencies.values() if isinstance(agencies, Mapping) else agencies
    routes = (_route_one(declaration, spec) for spec in specs)
    return tuple(r for r in routes if r is not None)


def view_for(declaration: Declaration, route: Route) -> Declaration:
    """The declaration as ``route``'s agency sees it: only the goods items routed to it.

    Header data (parties, transport, documents) stays: an agency needs it to
    judge its items. Totals stay as declared, so a view can still be compared
    with what the trader declared for the whole consignment.
    """
    wanted = set(route.item_sequences)
    items = tuple(item for item in declaration.goods_items if item.sequence in wanted)
    return declaration.model_copy(update={"goods_items": items})


def _route_one(declaration: Declaration, spec: AgencySpec) -> Route | None:
    concerns = spec.concerns
    # An unknown kind does not exclude: routing too much is safe, too little is not.
    if concerns.kinds and declaration.kind is not None and declaration.kind not in concerns.kinds:
        return None
    every = tuple(item.sequence for item in declaration.goods_items)
    if concerns.always:
        return Route(
            agency=spec.name,
            item_sequences=every,
            reasons=(f"{spec.name}: concerned with every declaration",),
        )
    header_docs = sorted({d.code for d in declaration.documents} & set(concerns.documents))
    if header_docs and every:
        reasons = tuple(
            f"{spec.name}: the declaration carries document {code} (covers every item)"
            for code in header_docs
        )
        return Route(agency=spec.name, item_sequences=every, reasons=reasons)
    sequences: list[int] = []
    reasons_: list[str] = []
    for item in declaration.goods_items:
        item_reasons = _item_reasons(item, concerns)
        if item_reasons:
            sequences.append(item.sequence)
            reasons_.extend(f"{spec.name}: item {item.sequence} {why}" for why in item_reasons)
    if not sequences:
        return None
    return Route(agency=spec.name, item_sequences=tuple(sequences), reasons=tuple(reasons_))


def _item_reasons(item: GoodsItem, concerns: Concerns) -> list[str]:
    reasons: list[str] = []
    code = item.commodity_code
    if code:
        matching = [p for p in concerns.commodity if code.startswith(p)]
        if matching:
            reasons.append(f"commodity {code} {_where_in_hs(max(matching, key=len))}")
    for doc in sorted(item.document_codes & set(concerns.documents)):
        reasons.append(f"carries document {doc}")
    procedure = item.procedure.code if item.procedure else None
    if procedure:
        matching = [p for p in concerns.procedures if procedure.startswith(p)]
        if matching:
            reasons.append(f"procedure {procedure} under {max(matching, key=len)}")
    return reasons


def _where_in_hs(prefix: str) -> str:
    title = chapter_title(prefix)
    if len(prefix) == 2:
        return f"in chapter {prefix}" + (f" ({title})" if title else "")
    kind = "heading" if len(prefix) == 4 else "subheading"
    chapter = f" (chapter {prefix[:2]}, {title})" if title else ""
    return f"under {kind} {prefix}{chapter}"
