"""Ingest throughput: DEC-DMS bytes -> canonical declaration, next to its baselines.

Three pipelines over the same corpus files, in the same process and run:

* ``hub``       the hub's reader: hardened parse + lxml XSD validation + mapping
                into the canonical ``Declaration`` (what submission does);
* ``lxml``      raw ``lxml.etree.fromstring`` + ``XMLSchema.validate``, nothing else;
* ``xmlschema`` ``xmlschema.XMLSchema.to_dict`` of the same bytes (schema-aware decode).

Rounds of the three are interleaved and the best round of each is kept, so a
burst of load on the machine hurts all three alike. Targets from the issue:
hub >= 50 % of raw lxml, hub >= 10x xmlschema.

    python bench/ingest.py [--json] [--rounds N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import xmlschema
from lxml import etree

from hub.ingest import read
from hub.ingest.schemas import SchemaSet

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "wco-dec-dms"


def _best_seconds(fn: Callable[[bytes], object], messages: list[bytes], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for message in messages:
            fn(message)
    return (time.perf_counter() - start) / repeat


def measure(corpus: Path, rounds: int) -> dict[str, object]:
    files = sorted(p for p in (corpus / "declarations").rglob("*") if p.suffix.lower() == ".xml")
    messages = [p.read_bytes() for p in files]
    entry = corpus / "schemas" / "LOCAL_all_dms.xsd"

    hub_schemas = SchemaSet.from_path(corpus / "schemas")
    raw_schema = etree.XMLSchema(etree.parse(str(entry)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoder = xmlschema.XMLSchema(str(entry))

    def hub(message: bytes) -> object:
        return read(message, schemas=hub_schemas)

    def raw(message: bytes) -> object:
        return raw_schema.validate(etree.fromstring(message))

    def slow(message: bytes) -> object:
        return decoder.to_dict(message.decode("utf-8"))

    pipelines: dict[str, tuple[Callable[[bytes], object], int]] = {
        "hub": (hub, 5),
        "lxml": (raw, 5),
        "xmlschema": (slow, 1),
    }
    for fn, _ in pipelines.values():  # warm caches, compile schemas
        fn(messages[0])
    best = {name: float("inf") for name in pipelines}
    for _ in range(rounds):
        for name, (fn, repeat) in pipelines.items():
            best[name] = min(best[name], _best_seconds(fn, messages, repeat))
    per_second = {name: len(messages) / seconds for name, seconds in best.items()}
    return {
        "benchmark": "ingest",
        "messages": len(messages),
        "bytes_mean": sum(map(len, messages)) // len(messages),
        "rounds": rounds,
        "messages_per_second": {k: round(v, 1) for k, v in per_second.items()},
        "microseconds_per_message": {
            k: round(seconds / len(messages) * 1e6, 1) for k, seconds in best.items()
        },
        "ratio_hub_to_lxml": round(per_second["hub"] / per_second["lxml"], 3),
        "ratio_hub_to_xmlschema": round(per_second["hub"] / per_second["xmlschema"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    result = measure(args.corpus, args.rounds)
    if args.json:
        print(json.dumps(result))
        return
    mps = result["messages_per_second"]
    us = result["microseconds_per_message"]
    assert isinstance(mps, dict) and isinstance(us, dict)
    print(f"DEC-DMS corpus: {result['messages']} messages, {result['bytes_mean']} bytes mean")
    for name in ("hub", "lxml", "xmlschema"):
        print(f"  {name:<10} {mps[name]:>9.1f} msg/s  {us[name]:>8.1f} us/msg")
    print(f"  hub / raw lxml parse+validate: {result['ratio_hub_to_lxml']:.2f} (target >= 0.50)")
    print(f"  hub / xmlschema decode: {result['ratio_hub_to_xmlschema']:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
