"""Rules throughput: microseconds per goods item as the number of active profiles grows.

In one run and one process:

* ``hub``          ``RuleSet.evaluate`` (indexed, compiled once) with 100, 1,000 and
                   10,000 generated active profiles, over generated declarations
                   and the DEC-DMS corpus declarations;
* ``rule-engine``  the same 1,000 profiles as one ``rule_engine.Rule`` each,
                   every rule evaluated for every item, no index (a naive
                   engine), over a subset of the same items;
* ``cel``          one compiled 3-condition CEL expression, per evaluation.

Rounds are interleaved and the best round of each is kept. Targets from the
issue: <= 50 us per item at 1,000 profiles; 10,000 vs 100 profiles <= 3x;
hub >= 20x faster than rule-engine at 1,000 profiles.

    python bench/rules.py [--json] [--rounds N] [--declarations N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rule_engine  # type: ignore[import-untyped]

if not __package__:  # run as a script: make the sibling data module importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._rules_data import EXPRESSIONS, PEST_ORIGINS, declarations, profiles, references
from hub.ingest import read
from hub.model.declaration import Declaration, GoodsItem
from hub.rules import CelEnvironment, ReferenceData, RiskProfile, RuleSet
from hub.rules._views import item_view

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "wco-dec-dms" / "declarations"
AT = datetime(2025, 6, 1, tzinfo=UTC)
SIZES = (100, 1_000, 10_000)

_RULE_ENGINE_EXPRESSIONS = {
    EXPRESSIONS[0]: "unit_value != null and floor != null and unit_value < floor",
    EXPRESSIONS[1]: "net_mass != null and gross_mass != null and gross_mass > net_mass * 1.5",
    EXPRESSIONS[2]: 'origin in pest_origins and not ("N851" in documents)',
    EXPRESSIONS[3]: "customs_value != null and customs_value > 50000",
    EXPRESSIONS[4]: 'mode == "road" and net_mass != null and net_mass > 20000',
    EXPRESSIONS[5]: "rating != null and rating < 40",
}


def _texts(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def rule_engine_text(profile: RiskProfile) -> str:
    """The profile as one rule-engine expression over a flat dict per item."""
    w = profile.when
    parts = []
    if w.commodity:
        parts.append(f'commodity_code != null and commodity_code =~ "^({"|".join(w.commodity)})"')
    if w.origin:
        parts.append(f"origin in {_texts(w.origin)}")
    if w.procedure:
        parts.append(f'procedure != null and procedure =~ "^({"|".join(w.procedure)})"')
    if w.documents_present:
        parts.append("(" + " or ".join(f'"{d}" in documents' for d in w.documents_present) + ")")
    parts.extend(f'not ("{d}" in documents)' for d in w.documents_missing)
    if w.dispatch:
        parts.append(f"dispatch in {_texts(w.dispatch)}")
    if w.transport_mode:
        parts.append(f"mode in {_texts(tuple(m.value for m in w.transport_mode))}")
    if w.expression:
        parts.append(_RULE_ENGINE_EXPRESSIONS[w.expression])
    return " and ".join(f"({p})" for p in parts)


def _thing(decl: Declaration, item: GoodsItem, refs: ReferenceData) -> dict[str, Any]:
    view = item_view(item)
    floor = refs.valuation_floor(item.commodity_code) if item.commodity_code else None
    importer = next((p.id for p in decl.parties if p.id), None)
    return {
        "commodity_code": item.commodity_code,
        "origin": item.origin_country,
        "procedure": item.procedure.code if item.procedure else None,
        "documents": [d.code for d in (*decl.documents, *item.documents)],
        "dispatch": decl.transport.dispatch_country,
        "mode": decl.transport.mode.value if decl.transport.mode else None,
        "net_mass": view.get("net_mass"),
        "gross_mass": view.get("gross_mass"),
        "customs_value": view.get("customs_value"),
        "unit_value": (view["customs_value"] / view["net_mass"])
        if "customs_value" in view and view.get("net_mass")
        else None,
        "floor": float(floor) if floor is not None else None,
        "pest_origins": PEST_ORIGINS,
        "rating": refs.rating(importer) if importer else None,
    }


def _corpus() -> list[Declaration]:
    found = []
    for path in sorted(CORPUS.rglob("*.xml")):
        found.append(read(path.read_bytes()))
    return found


def measure(rounds: int, generated: int) -> dict[str, Any]:
    refs = references()
    decls = declarations(generated) + _corpus()
    items = sum(len(d.goods_items) for d in decls)
    all_profiles = profiles(max(SIZES))
    compile_ms: dict[str, float] = {}
    rulesets: dict[int, RuleSet] = {}
    for size in SIZES:
        start = time.perf_counter()
        rulesets[size] = RuleSet.compile(all_profiles[:size], refs)
        compile_ms[str(size)] = round((time.perf_counter() - start) * 1e3, 1)
    findings = {str(s): sum(len(rulesets[s].evaluate(d, at=AT)) for d in decls) for s in SIZES}

    start = time.perf_counter()
    context = rule_engine.Context(default_value=None)
    naive_rules = [
        rule_engine.Rule(rule_engine_text(p), context=context) for p in all_profiles[:1000]
    ]
    rule_engine_compile_ms = round((time.perf_counter() - start) * 1e3, 1)
    naive_pairs = [(d, i) for d in decls[:8] for i in d.goods_items][:24]

    def hub_run(size: int) -> Callable[[], None]:
        evaluate = rulesets[size].evaluate

        def run() -> None:
            for decl in decls:
                evaluate(decl, at=AT)

        return run

    def naive_run() -> None:
        for decl, item in naive_pairs:
            thing = _thing(decl, item, refs)
            for rule in naive_rules:
                rule.matches(thing)

    env = CelEnvironment(refs)
    program = env.compile(
        "item.origin in ['CN', 'VN'] && has(item.net_mass) && item.net_mass > 100.0"
    )
    activation = env.activation({}, {"origin": "CN", "net_mass": 120.0})

    def cel_run() -> None:
        for _ in range(2000):
            program.holds(activation)

    runs: dict[str, tuple[Callable[[], None], int]] = {
        **{str(size): (hub_run(size), items) for size in SIZES},
        "rule-engine": (naive_run, len(naive_pairs)),
        "cel": (cel_run, 2000),
    }
    for fn, _ in runs.values():
        fn()
    best = {name: float("inf") for name in runs}
    for _ in range(rounds):
        for name, (fn, count) in runs.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], (time.perf_counter() - start) / count * 1e6)
    per_item = {str(s): round(best[str(s)], 2) for s in SIZES}
    return {
        "benchmark": "rules",
        "declarations": len(decls),
        "items": items,
        "rounds": rounds,
        "compile_ms": compile_ms,
        "findings": findings,
        "microseconds_per_item": per_item,
        "rule_engine_microseconds_per_item_1000": round(best["rule-engine"], 1),
        "rule_engine_compile_ms_1000": rule_engine_compile_ms,
        "rule_engine_items": len(naive_pairs),
        "cel_microseconds_per_evaluation": round(best["cel"], 2),
        "ratio_10000_to_100": round(best["10000"] / best["100"], 2),
        "ratio_rule_engine_to_hub_1000": round(best["rule-engine"] / best["1000"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--declarations", type=int, default=400, help="generated declarations")
    args = parser.parse_args()
    result = measure(args.rounds, args.declarations)
    if args.json:
        print(json.dumps(result))
        return
    us = result["microseconds_per_item"]
    print(
        f"{result['declarations']} declarations, {result['items']} goods items "
        f"(generated + DEC-DMS corpus), best of {result['rounds']} rounds"
    )
    for size in SIZES:
        print(
            f"  hub, {size:>6,} profiles: {us[str(size)]:>8.2f} us/item"
            f"  (compile {result['compile_ms'][str(size)]:,.0f} ms,"
            f" {result['findings'][str(size)]} findings)"
        )
    naive = result["rule_engine_microseconds_per_item_1000"]
    print(
        f"  rule-engine, 1,000 rules, no index: {naive:,.1f} us/item"
        f" over {result['rule_engine_items']} items"
    )
    print(
        f"  one CEL 3-condition expression: {result['cel_microseconds_per_evaluation']:.2f} us/eval"
    )
    print(f"  1,000 profiles: {us['1000']:.2f} us/item (target <= 50)")
    print(f"  10,000 vs 100 profiles: {result['ratio_10000_to_100']:.2f}x (target <= 3x)")
    ratio = result["ratio_rule_engine_to_hub_1000"]
    print(f"  rule-engine / hub at 1,000: {ratio:,.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
