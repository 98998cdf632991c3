"""What an assessment needs that a readable declaration may still lack.

Schemas are permissive on purpose (the DEC-DMS XSD makes ``GoodsShipment``
optional, and an amendment may carry only its changed parts), so "valid" does
not mean "assessable". ``hub check`` prints these sentences as warnings and the
assessment refuses a declaration with the very same words.
"""

from __future__ import annotations

from hub.model.declaration import Declaration, DeclarationFunction, DeclarationKind

__all__ = ["missing_for_assessment"]


def missing_for_assessment(declaration: Declaration) -> tuple[str, ...]:
    """The sentences naming each piece of data an assessment needs but lacks.

    A cancellation needs only its reference: nothing is assessed for it.
    """
    missing: list[str] = []
    if not declaration.functional_reference:
        missing.append("functional reference (LRN) is missing")
    if declaration.function is DeclarationFunction.CANCELLATION:
        return tuple(missing)
    if declaration.kind is None:
        missing.append(f"declaration kind cannot be told from type code {declaration.type_code!r}")
    if not declaration.goods_items:
        missing.append("no goods items: GoodsShipment/GovernmentAgencyGoodsItem is missing")
    for item in declaration.goods_items:
        where = f"goods item {item.sequence}"
        if not item.commodity_code:
            missing.append(f"{where}: commodity code is missing")
        if item.origin_country is None and declaration.kind is DeclarationKind.IMPORT:
            missing.append(f"{where}: country of origin is missing")
    return tuple(missing)
