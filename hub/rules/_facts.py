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
from hub.rules.cel import CelEnvironment, CelProgram

Fields = frozenset[str] | None  # the keys of a view an expression reads; None: all
_EMPTY: dict[str, Any] = {}


def party_key(party_id: str) -> str:
    """Index keys: each family but origin is named, so keys of families never collide."""
    return "party " + party_id


def dispatch_key(country: str) -> str:
    return "dispatch " + country


def mode_key(mode: str) -> str:
    return "mode " + mode


def kind_key(kind: str) -> str:
    return "kind " + kind


class DeclFacts:
    """The header facts of one declaration, and caches shared by all its items."""

    __slots__ = (
        "_activations",
        "_all_docs",
        "_all_party_ids",
        "_codes",
        "_origins",
        "_procedures",
        "_views",
        "at",
        "declaration",
        "destination",
        "dispatch",
        "dispatch_key",
        "env",
        "expression_results",
        "header_docs",
        "kind",
        "mode",
        "offices",
        "party_ids",
        "party_keys",
        "screening",
    )

    def __init__(
        self,
        declaration: Declaration,
        env: CelEnvironment,
        at: datetime,
    ) -> None:
        d = declaration
        self.expression_results: dict[int, bool] = {}
        t = d.transport
        self.declaration = d
        self.env = env
        self.at = at
        self.kind = d.kind.value if d.kind else None
        mode = t.mode or (t.border_means.mode if t.border_means else None)
        self.mode = mode.value if mode else None
        self.dispatch = t.dispatch_country
        self.dispatch_key = dispatch_key(t.dispatch_country) if t.dispatch_country else None
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
        self.party_keys = [party_key(p) for p in sorted(self.party_ids)]
        self._codes: tuple[tuple[int, str], ...] | None = None
        self._origins: tuple[tuple[int, str], ...] | None = None
        self._procedures: tuple[tuple[int, str], ...] | None = None
        self._all_docs: frozenset[str] | None = None
        self._all_party_ids: frozenset[str] | None = None
        self.screening: dict[object, str] = {}
        self._views: dict[Fields, dict[str, Any]] = {}
        self._activations: dict[Fields, cel.Activation] = {}

    # What declaration-scope profiles read across items: each computed on first use.

    @property
    def codes(self) -> tuple[tuple[int, str], ...]:
        """(sequence, commodity code) of every item that has one."""
        if self._codes is None:
            items = self.declaration.goods_items
            self._codes = tuple((i.sequence, c) for i in items if (c := i.commodity_code))
        return self._codes

    @property
    def origins(self) -> tuple[tuple[int, str], ...]:
        if self._origins is None:
            items = self.declaration.goods_items
            self._origins = tuple((i.sequence, c) for i in items if (c := i.origin_country))
        return self._origins

    @property
    def procedures(self) -> tuple[tuple[int, str], ...]:
        if self._procedures is None:
            self._procedures = tuple(
                (i.sequence, code)
                for i in self.declaration.goods_items
                if i.procedure and (code := i.procedure.code)
            )
        return self._procedures

    @property
    def all_docs(self) -> frozenset[str]:
        """Document codes of the header and of every item."""
        if self._all_docs is None:
            docs = set(self.header_docs)
            for i in self.declaration.goods_items:
                docs.update(doc.code for doc in i.documents)
            self._all_docs = frozenset(docs)
        return self._all_docs

    @property
    def all_party_ids(self) -> frozenset[str]:
        """Identifiers of the header's parties and of every item's."""
        if self._all_party_ids is None:
            ids = self.party_ids
            for i in self.declaration.goods_items:
                if i.parties:
                    ids = ids | {p.id for p in i.parties if p.id}
            self._all_party_ids = ids
        return self._all_party_ids

    def view(self, fields: Fields) -> dict[str, Any]:
        """The ``decl`` view with ``fields`` (``None``: all), built once per declaration."""
        found = self._views.get(fields)
        if found is None:
            found = self._views[fields] = declaration_view(self.declaration, fields)
        return found

    def activation(self, program: CelProgram) -> cel.Activation:
        """For declaration-scope expressions: ``item`` is an empty map."""
        found = self._activations.get(program.decl_fields)
        if found is None:
            found = self.env.activation(self.view(program.decl_fields), _EMPTY)
            self._activations[program.decl_fields] = found
        return found


class ItemFacts:
    """The facts of one goods item, with the header facts it is read with.

    ``code`` and ``procedure`` are empty strings when the message lacks them,
    so prefix tests need no ``None`` check.
    """

    __slots__ = (
        "_activations",
        "code",
        "docs",
        "expression_results",
        "item",
        "origin",
        "party_ids",
        "procedure",
    )

    def __init__(self, item: GoodsItem, decl: DeclFacts) -> None:
        self.item = item
        self.code = item.commodity_code or ""
        self.origin = item.origin.country if item.origin else None
        self.procedure = (item.procedure.code if item.procedure else None) or ""
        docs = item.documents
        self.docs = decl.header_docs | {doc.code for doc in docs} if docs else decl.header_docs
        parties = item.parties
        self.party_ids = (
            decl.party_ids | {p.id for p in parties if p.id} if parties else decl.party_ids
        )
        self._activations: dict[tuple[Fields, Fields], cel.Activation] = {}
        self.expression_results: dict[int, bool] = {}

    def activation(self, decl: DeclFacts, program: CelProgram) -> cel.Activation:
        """An activation holding the keys ``program`` reads, no more.

        Converting views into CEL values is most of the cost of an
        evaluation, so each distinct set of keys gets its own small views.
        """
        key = (program.decl_fields, program.item_fields)
        found = self._activations.get(key)
        if found is None:
            found = decl.env.activation(
                decl.view(program.decl_fields), item_view(self.item, program.item_fields)
            )
            self._activations[key] = found
        return found
