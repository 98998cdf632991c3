"""The CEL environment risk profiles write their expressions in.

Implementation: ``cel-expr-python`` (Google's C++ CEL behind pybind11). It
type-checks at compile time, declares custom functions with typed overloads
implemented in Python, turns a Python exception in such a function into a CEL
error value (so ``||`` and ``&&`` absorb it as CEL specifies), and evaluates
a compiled 3-condition rule in 3.0-3.5 us here (``bench/rules.py``; about
5-10 us when the per-item activation is built too), where the Rust binding
(common-expression-language) took about 14 us and cel-python about 750 us.
CEL is not Turing complete and has no I/O; nothing here uses Python ``eval``.

An expression sees two read-only maps; an absent value is an absent key, so
test it with ``has(item.net_mass)`` (reading it is an error: no match).

``item``  sequence, commodity_code, origin, preference, gross_mass, net_mass,
          customs_value, item_price, statistical_value (doubles), currency,
          procedure (4 digits), additional_procedures, documents (codes),
          description, quantity, quantity_unit, dangerous_goods_code,
          valuation_method, parties [{role, id, name, country}].
``decl``  item_count, type_code, kind, function, submitter,
          responsible_country, specific_circumstances, accepted_at, parties,
          party_id {role: id}, authorisations, documents, commodity_codes,
          origins, transport {mode, inland_mode, border_means, arrival_means,
          departure_means {id, id_type, nationality, mode, name}, containers,
          office_of_*, goods_location, dispatch_country, destination_country,
          loading_place, unloading_place, expected_arrival}, totals
          {invoice_amount, invoice_currency, item_count, package_count,
          gross_mass}.

And these hub functions:

``in_list(list, value) -> bool``
    ``value`` is in the ``codes`` reference list named ``list``; an unknown
    list is an error (and rule sets refuse literal unknown names at compile).
``unit_value(item) -> double``
    value per kg of net mass: ``item_price``, else ``customs_value``, else
    ``statistical_value``, divided by ``net_mass``. Unknown (no value, no or
    zero net mass) is an *error*, never 0, so ``unit_value(item) < floor``
    does not select an item merely because it lacks data.
``valuation_floor(commodity_code) -> double`` and ``valuation_floor(commodity_code, currency)``
    the floor per kg of the longest matching prefix across the valuation
    lists (only floors in ``currency`` for the second form), or ``-1.0`` when
    there is none, so ``unit_value(item) < valuation_floor(...)`` never holds.
``trader_rating(party_id) -> int``
    the behavioural rating, 0 (worst record) to 100 (fully compliant), from
    the ``ratings`` lists; an unrated party is an error, so a low-rating rule
    does not select unknown traders; ``rated(party_id) -> bool`` asks first.

An expression whose evaluation ends in an error does not match.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

import cel_expr_python.cel as cel

from hub.rules._views import DECLARATION_FIELDS, ITEM_FIELDS, VALUE_FIELDS
from hub.rules.reference import ReferenceData

__all__ = [
    "HUB_FUNCTIONS",
    "CelEnvironment",
    "CelProgram",
    "ExpressionError",
    "check_expression",
    "list_names",
]

HUB_FUNCTIONS = ("in_list", "unit_value", "valuation_floor", "trader_rating", "rated")

_T = cel.Type
_VIEW = _T.Map(_T.STRING, _T.DYN)
_ERROR_AT = re.compile(r"<input>:(\d+):(\d+): (.*?)(?: \[[A-Z_]+\])?(?:\n|$)")
_UNIT_VALUE_OF_ITEM = re.compile(r"\bunit_value\s*\(\s*item\s*\)")
_IN_LIST = re.compile(r"""\bin_list\(\s*(?:'([^'\\]*)'|"([^"\\]*)")""")


class ExpressionError(ValueError):
    """A CEL expression that does not compile; ``line``/``column`` are 1-based, in the text."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message if line is None else f"{line}:{column}: {message}")


def fields_read(source: str, variable: str, known: Collection[str]) -> frozenset[str] | None:
    """The keys of ``variable`` (``item`` or ``decl``) an expression can read; ``None``: any.

    ``item.net_mass`` and ``has(item.net_mass)`` name their key; ``item``
    passed to ``unit_value`` reads the value and mass keys; any other use of
    the variable as a whole (``item['x']``, ``size(decl)``, a comprehension
    variable of that name) may read anything.
    """
    fields = set(re.findall(rf"\b{variable}\s*\.\s*(\w+)", source)) & set(known)
    whole = len(re.findall(rf"\b{variable}\b(?!\s*\.)", source))
    if whole:
        if variable != "item" or whole != len(_UNIT_VALUE_OF_ITEM.findall(source)):
            return None
        fields |= VALUE_FIELDS
    return frozenset(fields)


def list_names(source: str) -> set[str]:
    """The reference list names an expression passes literally to ``in_list``."""
    return {a or b for a, b in _IN_LIST.findall(source)}


class CelProgram:
    """One compiled expression; ``holds`` is true only for a boolean ``true`` result."""

    __slots__ = ("_expression", "decl_fields", "item_fields", "source", "uses")

    def __init__(self, source: str, expression: cel.Expression) -> None:
        self.source = source
        self._expression = expression
        self.uses = frozenset(name for name in HUB_FUNCTIONS if name + "(" in source)
        # The keys the text can read: converting a view into CEL values is most
        # of the cost of an evaluation, so views hold only these (None: all).
        self.item_fields = fields_read(source, "item", ITEM_FIELDS.keys())
        self.decl_fields = fields_read(source, "decl", DECLARATION_FIELDS.keys())

    def holds(self, activation: cel.Activation) -> bool:
        result = self._expression.eval(activation)
        return result.value() is True and result.type() == _T.BOOL


class CelEnvironment:
    """A CEL environment whose hub functions read ``references``.

    Build one per rule set (the functions close over its reference data);
    compile each expression once with :meth:`compile`; per item, build one
    activation with :meth:`activation` and evaluate every program on it.
    """

    def __init__(self, references: ReferenceData) -> None:
        self.references = references
        self._env = cel.NewEnv(
            variables={"decl": _VIEW, "item": _VIEW}, functions=_decls(references)
        )

    def compile(self, source: str) -> CelProgram:
        """Compile and type-check ``source``; it must give a bool. Raises ExpressionError."""
        try:
            expression = self._env.compile(source)
        except RuntimeError as exc:
            raise _located(str(exc)) from None
        result = expression.return_type()
        if not (result == _T.BOOL or result == _T.DYN):
            raise ExpressionError(f"the expression gives {result.name()}, not a bool")
        return CelProgram(source, expression)

    def activation(self, decl: Mapping[str, Any], item: Mapping[str, Any]) -> cel.Activation:
        return self._env.Activation({"decl": decl, "item": item})


def _located(text: str) -> ExpressionError:
    found = _ERROR_AT.search(text)
    if found is None:
        return ExpressionError(text.strip())
    return ExpressionError(found.group(3), line=int(found.group(1)), column=int(found.group(2)))


def _decls(refs: ReferenceData) -> list[cel.FunctionDecl]:
    def in_list(name: str, value: str) -> bool:
        return refs.contains(name, value)

    def unit_value(item: Mapping[str, Any]) -> float:
        value = item.get("item_price", item.get("customs_value", item.get("statistical_value")))
        mass = item.get("net_mass")
        if value is None or not mass or mass <= 0:
            raise ValueError("unit value unknown: the item lacks a value or a net mass")
        return float(value) / float(mass)

    def floor(code: str) -> float:
        entry = refs.valuation(code)
        return float(entry.floor) if entry is not None else -1.0

    def floor_in(code: str, currency: str) -> float:
        entry = refs.valuation(code, currency)
        return float(entry.floor) if entry is not None else -1.0

    def rating(party_id: str) -> int:
        found = refs.rating(party_id)
        if found is None:
            raise ValueError(f"no behavioural rating for {party_id}")
        return found

    def rated(party_id: str) -> bool:
        return refs.rating(party_id) is not None

    def fn(name: str, *overloads: tuple[str, cel.Type, list[cel.Type], Any]) -> cel.FunctionDecl:
        return cel.FunctionDecl(
            name,
            [
                cel.Overload(o, return_type=r, parameters=p, impl=impl)
                for o, r, p, impl in overloads
            ],
        )

    s = _T.STRING
    return [
        fn("in_list", ("in_list_string_string", _T.BOOL, [s, s], in_list)),
        fn("unit_value", ("unit_value_map", _T.DOUBLE, [_VIEW], unit_value)),
        fn(
            "valuation_floor",
            ("valuation_floor_string", _T.DOUBLE, [s], floor),
            ("valuation_floor_string_string", _T.DOUBLE, [s, s], floor_in),
        ),
        fn("trader_rating", ("trader_rating_string", _T.INT, [s], rating)),
        fn("rated", ("rated_string", _T.BOOL, [s], rated)),
    ]


@cache
def _checker() -> CelEnvironment:
    return CelEnvironment(ReferenceData())


def check_expression(source: str) -> None:
    """Compile ``source`` in an environment without reference data; raise ExpressionError."""
    _checker().compile(source)
