"""The CEL environment: hub functions, the view conventions, compile-once, located errors."""

from __future__ import annotations

from typing import Any

import pytest

from hub.ingest import read
from hub.rules import CelEnvironment, ExpressionError, RuleSet, check_expression
from hub.rules._views import DECLARATION_FIELDS, ITEM_FIELDS, declaration_view, item_view
from hub.rules.cel import fields_read, list_names
from tests.conftest import CORPUS
from tests.rules.builders import AT, declaration, item, profile, references


@pytest.fixture(scope="module")
def env() -> CelEnvironment:
    return CelEnvironment(references())


def holds(
    env: CelEnvironment, source: str, item_: dict[str, Any], decl: dict[str, Any] | None = None
) -> bool:
    return env.compile(source).holds(env.activation(decl or {}, item_))


def test_in_list_reads_a_codes_list(env: CelEnvironment) -> None:
    assert holds(env, "in_list('pest_origins', item.origin)", {"origin": "CN"})
    assert not holds(env, "in_list('pest_origins', item.origin)", {"origin": "IL"})


def test_in_list_of_an_unknown_list_does_not_match(env: CelEnvironment) -> None:
    assert not holds(env, "in_list('nowhere', item.origin)", {"origin": "CN"})
    assert list_names("in_list('a', x) || in_list(\"b\", y)") == {"a", "b"}


def test_unit_value_prefers_item_price_then_customs_then_statistical(env: CelEnvironment) -> None:
    both = {"item_price": 10.0, "customs_value": 100.0, "net_mass": 10.0}
    assert holds(env, "unit_value(item) == 1.0", both)
    assert holds(env, "unit_value(item) == 5.0", {"statistical_value": 50.0, "net_mass": 10.0})


def test_an_unknown_unit_value_is_an_error_not_zero(env: CelEnvironment) -> None:
    no_mass = {"customs_value": 100.0}
    zero_mass = {"customs_value": 100.0, "net_mass": 0.0}
    for view in (no_mass, zero_mass, {"net_mass": 3.0}):
        assert not holds(env, "unit_value(item) < 1000.0", view)
        assert not holds(env, "!(unit_value(item) < 1000.0)", view)
    # CEL's commutative || absorbs the error when the other side holds.
    assert holds(env, "unit_value(item) < 1.0 || true", no_mass)


def test_valuation_floor_longest_prefix_else_minus_one(env: CelEnvironment) -> None:
    assert holds(env, "valuation_floor('07032000') == 1.1", {})
    assert holds(env, "valuation_floor('07099990') == 0.5", {})
    assert holds(env, "valuation_floor('85171200') == -1.0", {})
    assert holds(env, "valuation_floor('07032000', 'GBP') == 1.1", {})
    assert holds(env, "valuation_floor('07032000', 'USD') == -1.0", {})


def test_the_valuation_rule_reads_naturally(env: CelEnvironment) -> None:
    rule = "unit_value(item) < valuation_floor(item.commodity_code, item.currency)"
    cheap = item_view(item(value="100", net_mass="200"))  # 0.50 GBP/kg under 1.10
    fair = item_view(item(value="300", net_mass="200"))
    assert holds(env, rule, cheap)
    assert not holds(env, rule, fair)
    assert not holds(env, rule, item_view(item(code="85171200", value="1", net_mass="200")))


def test_trader_rating_and_rated(env: CelEnvironment) -> None:
    decl = declaration_view(declaration())
    assert holds(env, "trader_rating(decl.party_id.importer) < 40", {}, decl)
    assert holds(env, "rated('GB123456789000') && !rated('GB999')", {})
    # An unrated trader is not a low-rated one.
    assert not holds(env, "trader_rating('GB999') < 40", {})


def test_absent_values_are_absent_keys(env: CelEnvironment) -> None:
    view = item_view(item(net_mass=None, origin=None))
    assert "net_mass" not in view and "origin" not in view
    assert holds(env, "!has(item.net_mass)", view)
    assert not holds(env, "item.net_mass > 1.0", view)  # an error: no match


def test_views_of_a_corpus_declaration_are_plain_cel_values(env: CelEnvironment) -> None:
    path = CORPUS / "wco-dec-dms" / "declarations"
    decl = read(
        next(p for p in sorted(path.rglob("*.xml")) if "N853" in p.read_text()).read_bytes()
    )
    view = declaration_view(decl)
    goods = item_view(decl.goods_items[0])
    assert holds(env, "decl.kind == 'import' && 'N853' in item.documents", goods, view)
    assert holds(env, "decl.item_count >= 1 && size(decl.commodity_codes) >= 1", goods, view)


def test_expression_errors_name_line_and_column() -> None:
    with pytest.raises(ExpressionError) as caught:
        check_expression("has(item.net_mass) &&\n  item.net_mass + 'kg' > 1.0")
    assert (caught.value.line, caught.value.column) == (2, 24)
    with pytest.raises(ExpressionError, match="not a bool"):
        check_expression("item.sequence + 1")
    with pytest.raises(ExpressionError, match="undeclared reference"):
        check_expression("open('/etc/passwd')")


def test_each_expression_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    original = CelEnvironment.compile

    def counting(self: CelEnvironment, source: str) -> Any:
        compiled.append(source)
        return original(self, source)

    monkeypatch.setattr(CelEnvironment, "compile", counting)
    rules = RuleSet.compile(
        [profile(when={"commodity": ["07"], "expression": "has(item.net_mass)"})], references()
    )
    for _ in range(3):
        assert rules.evaluate(declaration(item(1), item(2)), at=AT)
    assert compiled == ["has(item.net_mass)"]


def test_views_hold_only_the_keys_an_expression_can_read() -> None:
    item_keys = ITEM_FIELDS.keys()
    assert fields_read("item.origin == 'CN' && has(item.net_mass)", "item", item_keys) == {
        "origin",
        "net_mass",
    }
    valued = fields_read("unit_value(item) < 1.0", "item", item_keys)
    assert valued == {"item_price", "customs_value", "statistical_value", "net_mass"}
    assert fields_read("size(item) > 2", "item", item_keys) is None
    assert fields_read("decl.parties.exists(item, item.id == 'x')", "item", item_keys) is None
    assert fields_read("decl.transport.mode == 'road'", "decl", DECLARATION_FIELDS.keys()) == {
        "transport"
    }
    assert item_view(item(), {"origin"}) == {"origin": "CN"}
