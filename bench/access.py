"""What need-to-know costs: token checks, the audit chain, and a decision read through the API.

In one run and one process, on an embedded hub (SQLite in a temporary folder):

* ``token``     verifying a bearer token (Ed25519 JWT), per request;
* ``audit``     appending one audit record in its own transaction, and
                ``hub audit verify``'s walk of the chain, records per second;
* ``api``       ``GET /v1/declarations/{id}/decision`` through the real app
                (FastAPI TestClient: no network), as the JTC (full view, a
                confidential read audited when shown) and as the trader
                (trader's view), next to the store's own read of the
                decision and ``GET /healthz`` through the same app (what the
                framework costs alone): the rest is what need-to-know costs.

No targets in the issue; the figures say what each guarantee costs.

    python bench/access.py [--json] [--records N] [--reads N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

if not __package__:  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.access import Principal, Role, SigningKey
from hub.api import create_api
from hub.audit import verify
from hub.orchestrator import load_wiring, open_hub
from hub.settings import Settings
from hub.store import Store

ROOT = Path(__file__).resolve().parents[1]
CHICKEN = ROOT.parent / "shared/corpus/wco-dec-dms/declarations/TT_IM026a/TT_IM026a.xml"
TRADER = "XI553202734852"  # the declarant of CHICKEN


def _per_call(fn: Callable[[], object], n: int) -> float:
    """Best of three rounds of ``n`` calls: microseconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


def measure(records: int, reads: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hub-access-") as folder:
        key = SigningKey.load(Path(folder) / "key.pem", create=True)
        token = key.issue(Principal("analyst", Role.JTC))
        result: dict[str, Any] = {
            "benchmark": "access",
            "token_verify_us": round(_per_call(lambda: key.verify(token), 2000), 1),
        }

        with Store.embedded(Path(folder) / "audit.db") as store:
            start = time.perf_counter()
            for i in range(records):
                store.audit(
                    actor="jtc:analyst",
                    action="read.confidential",
                    subject=f"DEC-{i}",
                    detail={"version": 1, "findings": 1},
                    at=datetime.now(UTC),
                )
            appended = time.perf_counter() - start
            start = time.perf_counter()
            checked = verify(store.audit_trail())
            walked = time.perf_counter() - start
        result["audit_append_per_second"] = round(records / appended)
        result["audit_verify_records_per_second"] = round(checked.checked / walked)

        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'hub.db'}")
        with (
            open_hub(settings, load_wiring()) as hub,
            TestClient(create_api(hub, signing_key=key)) as client,
        ):
            trader = key.issue(Principal("trader", Role.TRADER, parties=(TRADER,)))
            submitted = client.post(
                "/v1/declarations",
                content=CHICKEN.read_bytes(),
                headers={"content-type": "application/xml", "authorization": f"Bearer {trader}"},
            )
            declaration_id = submitted.json()["declaration_id"]
            if hub.wait_for_decision(declaration_id, 30) is None:
                raise RuntimeError("no decision within 30 s")
            url = f"/v1/declarations/{declaration_id}/decision"

            def read_as(bearer: str) -> Callable[[], object]:
                headers = {"authorization": f"Bearer {bearer}"}
                return lambda: client.get(url, headers=headers).raise_for_status()

            baseline = _per_call(lambda: hub.decision(declaration_id), reads)
            floor = _per_call(lambda: client.get("/healthz").raise_for_status(), reads)
            as_jtc = _per_call(read_as(token), reads)
            as_trader = _per_call(read_as(trader), reads)
        result.update(
            {
                "decision_read_store_us": round(baseline, 1),
                "healthz_api_us": round(floor, 1),
                "decision_read_api_jtc_us": round(as_jtc, 1),
                "decision_read_api_trader_us": round(as_trader, 1),
                "need_to_know_us": round(
                    statistics.fmean([as_jtc, as_trader]) - floor - baseline, 1
                ),
                "audit_records": records,
                "reads": reads,
            }
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--records", type=int, default=3000, help="audit records to append")
    parser.add_argument("--reads", type=int, default=300, help="API reads per round")
    args = parser.parse_args()
    result = measure(args.records, args.reads)
    if args.json:
        print(json.dumps(result))
        return
    print(f"token verify:            {result['token_verify_us']:>8.1f} us")
    print(f"audit append:            {result['audit_append_per_second']:>8} records/s")
    print(f"audit verify:            {result['audit_verify_records_per_second']:>8} records/s")
    print(f"decision read, store:    {result['decision_read_store_us']:>8.1f} us")
    print(f"decision read, API, JTC: {result['decision_read_api_jtc_us']:>8.1f} us")
    print(f"decision read, API, trader: {result['decision_read_api_trader_us']:>5.1f} us")
    print(
        f"GET /healthz through the app: {result['healthz_api_us']:>6.1f} us (the framework's floor)"
    )
    print(
        f"need to know (token, visibility, routes, view) per read: "
        f"{result['need_to_know_us']:.1f} us beyond the floor and the store read"
    )


if __name__ == "__main__":
    main()
