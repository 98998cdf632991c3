"""What a rule set reads from a declaration and an item, extracted once per evaluation.

The compiled checks of every candidate profile read these plain attributes
instead of walking the pydantic model again; the CEL views and activations
are built lazily, only when a candidate profile has an expression.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import cel_expr_python.cel as cel

from hub.model.declaration import Declaration, GoodsItem
from hub.rules._views import declaration_view, item_view
from hub.rules.cel import CelEnvironment


class DeclFacts:
    """The header facts of one declaration, and caches shared by all its items."""

    __slots__ = (
        "_activation",
        "_view",
        "all_docs",
        "all_party_ids",
        "at",
        "codes",
        "declaration",
        "destination",
        "dispatch",
        "env",
        "header_docs",
        "kind",
        "mode",
        "offices",
        "origins",
        "party_ids",
        "procedures",
        "screening",
    )

    def __init__(self, declaration: Declaration, env: CelEnvironment, at: datetime) -> None:
        d = declaration
        t = d.transport
        self.declaration = d
        self.env = env
        self.at = at
        self.kind = d.kind.value if d.kind else None
        mode = t.mode or (t.border_means.mode if t.border_means else None)
        self.mode = mode.value if mode else None
        self.dispatch = t.dispatch_country
        self.destination = t.destination_country
        offices = (
            t.office_of_declaration,
            t.office_of_entry,
            t.office_of_exit,
            t.goods_location.id if t.goods_location else None,
        )
        self.offices = tuple(dict.fromkeys(o for o in offices if o))
        self.header_docs = frozenset(doc.code for doc in d.documents)
        self.party_ids = frozenset(p.id for p in d.parties if p.id)
        items = d.goods_items
        self.codes = tuple((i.sequence, i.commodity_code) for i in items if i.commodity_code)
        self.origins = tuple((i.sequence, c) for i in items if (c := i.origin_country))
        self.procedures = tuple(
            (i.sequence, code) for i in items if i.procedure and (code := i.procedure.code)
        )
        docs = set(self.header_docs)
        party_ids = set(self.party_ids)
        for i in items:
            docs.update(doc.code for doc in i.documents)
            party_ids.update(p.id for p in i.parties if p.id)
        self.all_docs = frozenset(docs)
        self.all_party_ids = frozenset(party_ids)
        self.screening: dict[int, Any] = {}
        self._view: dict[str, Any] | None = None
        self._activation: cel.Activation | None = None

    @property
    def view(self) -> dict[str, Any]:
        if self._view is None:
            self._view = declaration_view(self.declaration)
        return self._view

    @property
    def activation(self) -> cel.Activation:
        """For declaration-scope expressions: ``item`` is an empty map."""
        if self._activation is None:
            self._activation = self.env.activation(self.view, {})
        return self._activation


class ItemFacts:
    """The facts of one goods item, with the header facts it is read with."""

    __slots__ = ("_activation", "code", "docs", "item", "origin", "party_ids", "procedure")

    def __init__(self, item: GoodsItem, decl: DeclFacts) -> None:
        self.item = item
        self.code = item.commodity_code
        self.origin = item.origin.country if item.origin else None
        self.procedure = item.procedure.code if item.procedure else None
        docs = item.documents
        self.docs = decl.header_docs | {doc.code for doc in docs} if docs else decl.header_docs
        parties = item.parties
        self.party_ids = (
            decl.party_ids | {p.id for p in parties if p.id} if parties else decl.party_ids
        )
        self._activation: cel.Activation | None = None

    def activation(self, decl: DeclFacts) -> cel.Activation:
        if self._activation is None:
            self._activation = decl.env.activation(decl.view, item_view(self.item))
        return self._activation
