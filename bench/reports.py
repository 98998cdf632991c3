"""Reports: what the KPI and profile reports cost as the store grows.

One store per size (a SQLite file in a temporary folder; PostgreSQL in a
scratch schema when it answers), filled with 1,000 and 10,000 declarations
accepted over 30 days, each with a first decision (a customs profile's
finding on every one, random selection on one in twenty, a pending vet on one
in fifty, a joint examination on one in ten), a released second version on
half of them, and a control result on one in five. Rows are written straight
into the store's tables (the bench measures reading, not accepting).

Measured per size, best of a few rounds: the KPI report over the 30 days
(``Store.period_records`` then :func:`hub.kpi.kpi_report`, what
``hub report kpi`` and ``/v1/reports/kpi`` do) and the profile report with its
review (:func:`hub.kpi.performance_report`). The ratio 10k / 1k says whether
a report grows with the declarations it covers (10 is linear) rather than
with round trips. No targets: the figures hold for one run on one machine.

    python bench/reports.py [--json] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hub.decision import (  # noqa: E402
    AgencyDecision,
    AgencyStatus,
    Decision,
    JointExamination,
    Lane,
    Officer,
    Slot,
)
from hub.feedback import ControlOutcome, ControlResult  # noqa: E402
from hub.kpi import ReviewThresholds, kpi_report, performance_report  # noqa: E402
from hub.model.finding import Finding, FindingSource, RequestedChannel  # noqa: E402
from hub.model.response import Channel  # noqa: E402
from hub.store import Store  # noqa: E402
from hub.store._statements import (  # noqa: E402
    DECISIONS,
    DECLARATIONS,
    MESSAGES,
    RESULTS,
    ROUTES,
)
from tests.postgres import scratch_schema  # noqa: E402

POSTGRES_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SAMPLE = ROOT.parent / "shared/corpus/wco-dec-dms/declarations/TT_IM026a/TT_IM026a.xml"
END = date(2026, 11, 25)
DAYS = 30
FULL, QUICK = (1_000, 10_000), (200, 2_000)
ROUNDS = 3
_CHUNK = 2_000


def _declaration_json() -> tuple[str, str]:
    """A real declaration's stored JSON and its id, to be copied under other ids."""
    from hub.ingest import read

    declaration = read(SAMPLE.read_bytes())
    return declaration.model_dump_json(), declaration.id


def _decision(n: int, declaration_id: str, made_at: datetime) -> list[Decision]:
    customs = [
        Finding(
            agency="customs",
            profile_id=f"CUS-B-{n % 7}",
            profile_version=1 + n % 2,
            channel=RequestedChannel.YELLOW,
        )
    ]
    if n % 20 == 0:
        customs.append(
            Finding(agency="customs", source=FindingSource.RANDOM, channel=RequestedChannel.YELLOW)
        )
    agencies = {
        "customs": AgencyDecision(
            agency="customs",
            status=AgencyStatus.DOCUMENTARY_CHECK,
            channel=Channel.YELLOW,
            findings=tuple(customs),
        ),
        "vet": AgencyDecision(
            agency="vet",
            status=AgencyStatus.PENDING if n % 50 == 0 else AgencyStatus.MAY_PROCEED,
            channel=Channel.YELLOW if n % 50 == 0 else Channel.GREEN,
        ),
    }
    slot = Slot(start=made_at + timedelta(hours=20), end=made_at + timedelta(hours=21))
    exam = JointExamination(
        agencies=("customs", "vet") if n % 10 == 0 else ("customs",),
        office="GB000051",
        place="Felixstowe",
        lane=Lane.DOCUMENTARY,
        slot=slot,
    )
    first = Decision(
        declaration_id=declaration_id,
        made_at=made_at,
        channel=Channel.YELLOW,
        released=False,
        random_selection=n % 20 == 0,
        post_clearance_audit=n % 30 == 0,
        agencies=agencies,
        examination=exam,
    )
    if n % 2:
        return [first]
    released = first.model_copy(
        update={
            "version": 2,
            "supersedes": 1,
            "released": True,
            "made_at": made_at + timedelta(hours=22),
        }
    )
    return [first, released]


def _result(n: int, declaration_id: str, at: datetime) -> ControlResult:
    found = n % 3 == 0
    return ControlResult(
        declaration_id=declaration_id,
        decision_version=1,
        agency="customs",
        officer=Officer(id="officer-1", agency="customs"),
        checked="documents",
        outcome=ControlOutcome.DISCREPANCY if found else ControlOutcome.NO_FINDING,
        duty_at_stake=Decimal("120.00") if found else None,
        findings=(f"CUS-B-{n % 7}", *(("random",) if n % 20 == 0 else ())),
        recorded_at=at + timedelta(hours=21),
    )


def fill(store: Store, count: int) -> None:
    """``count`` declarations with decisions, routes and results, straight into the tables."""
    body, sample_id = _declaration_json()
    start = datetime.combine(END - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    step = timedelta(days=DAYS) / count
    rows: dict[str, list[dict[str, Any]]] = {"m": [], "d": [], "v": [], "r": [], "c": []}

    def flush() -> None:
        with store.engine.begin() as conn:
            for key, table in (
                ("m", MESSAGES),
                ("d", DECLARATIONS),
                ("v", DECISIONS),
                ("r", ROUTES),
                ("c", RESULTS),
            ):
                if rows[key]:
                    conn.execute(insert(table), rows[key])
                rows[key].clear()

    for n in range(count):
        declaration_id = f"DEC-BENCH-{n:08d}"
        sha = f"{n:064x}"
        at = start + step * n
        rows["m"].append(
            {"sha256": sha, "raw": b"<bench/>", "wire_format": "xml", "received_at": at}
        )
        rows["d"].append(
            {
                "id": declaration_id,
                "message_sha256": sha,
                "functional_reference": f"REF-{n}",
                "submitter": "XI553202734852",
                "function": "original",
                "declaration_json": body.replace(sample_id, declaration_id),
                "accepted_at": at,
            }
        )
        for decision in _decision(n, declaration_id, at + timedelta(seconds=2 + n % 40)):
            rows["v"].append(
                {
                    "declaration_id": declaration_id,
                    "version": decision.version,
                    "supersedes": decision.supersedes,
                    "channel": decision.channel.value,
                    "released": decision.released,
                    "decision_json": decision.model_dump_json(),
                    "made_at": decision.made_at,
                }
            )
        for agency in ("customs", "vet"):
            rows["r"].append(
                {
                    "declaration_id": declaration_id,
                    "agency": agency,
                    "item_sequences_json": "[1]",
                    "reasons_json": "[]",
                }
            )
        if n % 5 == 0:
            result = _result(n, declaration_id, at)
            rows["c"].append(
                {
                    "declaration_id": declaration_id,
                    "decision_version": 1,
                    "agency": "customs",
                    "outcome": result.outcome.value,
                    "result_json": result.model_dump_json(),
                    "recorded_at": result.recorded_at,
                }
            )
        if len(rows["d"]) >= _CHUNK:
            flush()
    flush()
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def _best(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best


def _measure_store(store: Store, count: int) -> dict[str, Any]:
    fill(store, count)
    start = END - timedelta(days=DAYS - 1)
    thresholds = ReviewThresholds()
    kpi = kpi_report(store.period_records(start, END))
    assert kpi.declarations == count, (kpi.declarations, count)
    return {
        "declarations": count,
        "kpi_s": _best(lambda: kpi_report(store.period_records(start, END))),
        "profiles_s": _best(
            lambda: performance_report(store.period_records(start, END), thresholds)
        ),
        "read_s": _best(lambda: store.period_records(start, END)),
    }


@contextlib.contextmanager
def _sqlite() -> Iterator[Callable[[], Store]]:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as folder:
        made = iter(range(100))

        def open_store() -> Store:
            return Store.embedded(Path(folder) / f"hub-{next(made)}.db")

        yield open_store


@contextlib.contextmanager
def _postgres() -> Iterator[Callable[[], Store]]:
    with contextlib.ExitStack() as schemas:

        def open_store() -> Store:
            url = schemas.enter_context(scratch_schema(POSTGRES_URL, "bench_reports"))
            return Store.open(url, migrate=True)

        yield open_store


def measure(sizes: tuple[int, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"days": DAYS, "rounds": ROUNDS}
    backends: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Any]]]] = [
        ("sqlite", _sqlite),
        ("postgresql", _postgres),
    ]
    for name, backend in backends:
        try:
            with backend() as open_store:
                figures = []
                for count in sizes:
                    with open_store() as store:
                        figures.append(_measure_store(store, count))
        except SQLAlchemyError as exc:  # PostgreSQL may not be reachable
            if name == "sqlite":
                raise
            result[name] = {"skipped": f"{type(exc).__name__}: {exc}"[:200]}
            continue
        small, large = figures
        result[name] = {
            "sizes": figures,
            "kpi_ratio": large["kpi_s"] / small["kpi_s"],
            "profiles_ratio": large["profiles_s"] / small["profiles_s"],
        }
    return result


def _print(result: dict[str, Any]) -> None:
    print(f"Reports over {result['days']} days, best of {result['rounds']} rounds")
    for name in ("sqlite", "postgresql"):
        figures = result[name]
        if "skipped" in figures:
            print(f"  {name}: skipped ({figures['skipped']})")
            continue
        for size in figures["sizes"]:
            print(
                f"  {name:<10} {size['declarations']:>6,} declarations:"
                f" KPI report {size['kpi_s']:.3f} s, profile report {size['profiles_s']:.3f} s"
                f" (of which the period read {size['read_s']:.3f} s)"
            )
        small, large = (s["declarations"] for s in figures["sizes"])
        print(
            f"  {name:<10} {large:,} / {small:,}: KPI x{figures['kpi_ratio']:.1f},"
            f" profiles x{figures['profiles_ratio']:.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="a smaller run")
    args = parser.parse_args()
    result = measure(QUICK if args.quick else FULL)
    if args.json:
        print(json.dumps(result))
        return
    _print(result)


if __name__ == "__main__":
    main()
