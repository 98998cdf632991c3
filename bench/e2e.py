"""End to end: declarations per second and latency from submission to final decision.

The four bundled agencies with ~1,000 active profiles (the bundled ones plus
``bench._rules_data`` profiles spread over the four owners, written into a
copy of ``agencies/`` in a temporary folder), fed DEC-DMS corpus declarations
complete enough for assessment, each made distinct by a new LRN (identical
bytes would be the same declaration):

* ``embedded``     ``open_hub`` on a SQLite file in a temporary folder, the
                   ``memory://`` broker and the in-process worker thread;
* ``distributed``  the real RabbitMQ and a fresh PostgreSQL schema, two
                   ``hub worker`` processes: one consuming the four agency
                   queues, one ``--decide``; this process submits and relays;
* ``trivial``      next to it, in the same run: a trivial ``add`` Celery task
                   round trip (``rpc://`` results) over the same RabbitMQ, one
                   worker process with the same concurrency and task settings
                   (late acks, prefetch 1), in batches of N.

Per mode and round: a *burst* (N submissions back to back; declarations per
second = N / time from the first submission to the last decision stored),
then a *paced* run at min(300/s, half the burst rate) for latency, p50 / p99
from the start of ``submit`` to the decision's ``made_at`` (the decision
becomes readable right after, at its commit); the burst ends at the last
``made_at``, read once all are stored (polling a count, not the rows, so the
measuring takes little of the hub's CPU). Distributed and trivial rounds
are interleaved; the best rate of each is kept. Targets from the issue:
embedded >= 300 declarations/s with p99 <= 50 ms; distributed >= 50 % of the
trivial task rate. ``--profile`` adds where an embedded burst spends its time.

    python bench/e2e.py [--json] [--declarations N] [--mode embedded|distributed|both]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from celery import Celery
from kombu.connection import Connection
from kombu.entity import Queue
from sqlalchemy import event, text

if not __package__:  # run as a script: make the sibling data module importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._rules_data import profile_data
from hub.agency import load_agencies
from hub.ingest import read
from hub.model import DeclarationFunction, missing_for_assessment
from hub.orchestrator import Hub, load_wiring, open_hub
from hub.settings import Settings
from tests.postgres import scratch_schema
from tests.services import wait_for_consumers

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "wco-dec-dms" / "declarations"
HUB = Path(sys.executable).parent / "hub"
BROKER_URL = os.environ.get("HUB_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PROFILES = 1_000
CONCURRENCY = 4  # threads per worker, embedded and distributed alike
TARGET_RATE = 300.0
LRN = re.compile(rb"(<FunctionalReferenceID>)([^<]*)(</FunctionalReferenceID>)")
# Which generated expressions an owner's reference lists can answer.
_NEEDS_CUSTOMS = ("valuation_floor", "trader_rating", "rated(")


# The agencies and the messages


def build_agencies(folder: Path, total: int = PROFILES) -> tuple[Path, int]:
    """A copy of ``agencies/`` topped up to ``total`` active profiles; (folder, active count)."""
    target = folder / "agencies"
    shutil.copytree(ROOT / "agencies", target, ignore=shutil.ignore_patterns("__pycache__"))
    bundled = sum(
        p.status.value == "active" for a in load_agencies(target).values() for p in a.profiles
    )
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for data in profile_data(total - bundled, random.Random(7)):
        expression = data["when"].get("expression", "")
        if "pest_origins" in expression:  # phyto's list of that name
            data["when"]["expression"] = expression.replace("pest_origins", "fruit_pest_origins")
        if any(n in expression for n in _NEEDS_CUSTOMS) and data["owner"] != "customs":
            del data["when"]["expression"]
            if len(data["when"]) < 2:
                data["when"]["documents_present"] = ["C505"]
        if "fruit_pest_origins" in data["when"].get("expression", "") and data["owner"] != "phyto":
            data["when"]["expression"] = "has(item.customs_value) && item.customs_value > 50000.0"
        by_owner[data["owner"]].append(data)
    for owner, entries in by_owner.items():
        (target / owner / "profiles" / "GEN-bench.yaml").write_text(
            yaml.safe_dump(entries, sort_keys=False), encoding="utf-8"
        )
    loaded = load_agencies(target)
    refused = [str(e) for a in loaded.values() for e in a.rejected]
    if refused:
        raise RuntimeError(f"generated profiles refused: {refused}")
    active = sum(p.status.value == "active" for a in loaded.values() for p in a.profiles)
    return target, active


def corpus_messages() -> list[bytes]:
    """Corpus declarations an assessment can use (not cancellations, nothing missing)."""
    found = []
    for path in sorted(CORPUS.rglob("*.xml")):
        raw = path.read_bytes()
        try:
            declaration = read(raw)
        except Exception:
            continue
        if declaration.function is DeclarationFunction.CANCELLATION:
            continue
        if not missing_for_assessment(declaration) and LRN.search(raw):
            found.append(raw)
    return found


class Messages:
    """Distinct messages: corpus declarations in turn, each with a new LRN."""

    def __init__(self, corpus: list[bytes]) -> None:
        self.corpus = corpus
        self.tag = uuid.uuid4().hex[:6].upper()
        self.count = 0

    def take(self, n: int) -> list[bytes]:
        out = []
        for _ in range(n):
            raw = self.corpus[self.count % len(self.corpus)]
            lrn = f"B{self.tag}{self.count:08d}".encode()
            out.append(LRN.sub(rb"\g<1>" + lrn + rb"\g<3>", raw, count=1))
            self.count += 1
        return out


# Running and timing


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _made_at(hub: Hub, ids: set[str], since: datetime, timeout: float) -> dict[str, datetime]:
    """First decisions' ``made_at`` for ``ids``, once all exist.

    Polls a count (cheap, in the database) every 50 ms rather than reading
    the rows: the reads would take the hub's CPU under measurement. The
    declarations of a batch are the only ones decided after ``since``.
    """
    end = time.monotonic() + timeout
    count = text("SELECT count(*) FROM decisions WHERE version = 1 AND made_at >= :since")
    stored_since = (
        since if hub.store.engine.dialect.name != "sqlite" else since.replace(tzinfo=None)
    )
    while True:
        with hub.store.engine.connect() as conn:
            done = conn.execute(count, {"since": stored_since}).scalar_one()
        if done >= len(ids):
            break
        if time.monotonic() > end:
            raise RuntimeError(f"{len(ids) - done} of {len(ids)} decisions not made")
        time.sleep(0.05)
    query = text(
        "SELECT declaration_id, made_at FROM decisions WHERE version = 1 AND made_at >= :since"
    )
    with hub.store.engine.connect() as conn:
        rows = {r[0]: r[1] for r in conn.execute(query, {"since": stored_since}) if r[0] in ids}
    made = {}
    for key, value in rows.items():
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        made[key] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return made


def run_batch(
    hub: Hub, messages: list[bytes], rate: float | None, submitters: int
) -> dict[str, float]:
    """Submit ``messages`` from ``submitters`` threads, back to back or at ``rate`` per second.

    Declarations per second and latencies (submission start to ``made_at``).
    """
    submitted: dict[str, datetime] = {}
    start = time.perf_counter()
    started = datetime.now(UTC)

    def one(i: int, raw: bytes) -> None:
        if rate:
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        at = datetime.now(UTC)
        result = hub.submit(raw)
        assert result.created, "a message was deduplicated: the LRN was not changed"
        submitted[result.declaration_id] = at

    with ThreadPoolExecutor(submitters, thread_name_prefix="bench-submit") as pool:
        for future in [pool.submit(one, i, raw) for i, raw in enumerate(messages)]:
            future.result()
    submit_s = time.perf_counter() - start
    made = _made_at(hub, set(submitted), started, timeout=60 + len(messages) / 5)
    latencies = [(made[k] - at).total_seconds() * 1e3 for k, at in submitted.items()]
    last = max(made.values())
    return {
        "per_second": len(messages) / (last - started).total_seconds(),
        "submit_per_second": len(messages) / submit_s,
        "p50_ms": _percentile(latencies, 0.50),
        "p99_ms": _percentile(latencies, 0.99),
        "mean_ms": statistics.fmean(latencies),
    }


def measure_hub(
    hub: Hub,
    messages: Messages,
    n: int,
    rounds: int,
    submitters: int,
    between: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Warm up, then ``rounds`` bursts (best kept) and one paced run for latency."""
    run_batch(hub, messages.take(min(n, 20)), None, submitters)
    bursts = []
    for _ in range(rounds):
        if between is not None:
            between()
        bursts.append(run_batch(hub, messages.take(n), None, submitters))
    best = max(bursts, key=lambda b: b["per_second"])
    offered = min(TARGET_RATE, best["per_second"] / 2)
    paced = run_batch(hub, messages.take(n), offered, submitters)
    return {
        "declarations_per_second": round(best["per_second"], 1),
        "submit_per_second": round(best["submit_per_second"], 1),
        "burst_p50_ms": round(best["p50_ms"], 1),
        "burst_p99_ms": round(best["p99_ms"], 1),
        "paced_rate": round(offered, 1),
        "paced_achieved": round(paced["per_second"], 1),
        "p50_ms": round(paced["p50_ms"], 1),
        "p99_ms": round(paced["p99_ms"], 1),
    }


# Embedded


def _timed(owner: Any, name: str, totals: dict[str, list[float]], label: str) -> None:
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            totals[label].append(time.perf_counter() - start)

    setattr(owner, name, wrapper)


def profile_embedded(hub: Hub, messages: Messages, n: int, submitters: int) -> dict[str, Any]:
    """Wall time per declaration in the store, the rules and publishing, over one burst."""
    totals: dict[str, list[float]] = defaultdict(list)
    store = hub.store
    for name in (
        "accept",
        "declaration",
        "answers",
        "record_answer",
        "decide",
        "has_answer",
        "latest_decision",
        "save_decision",
        "unpublished",
        "mark_published",
    ):
        _timed(store, name, totals, f"store.{name}")
    for agency, adapter in hub.orchestrator.adapters.items():
        _timed(adapter, "assess", totals, f"rules.{agency}")
    _timed(hub.orchestrator.publisher, "publish", totals, "broker.publish")
    commits = [0]

    def count(*_: Any) -> None:
        commits[0] += 1

    event.listen(store.engine, "commit", count)
    start = time.perf_counter()
    run_batch(hub, messages.take(n), None, submitters)
    elapsed = time.perf_counter() - start
    event.remove(store.engine, "commit", count)
    return {
        "declarations": n,
        "wall_ms_per_declaration": round(elapsed / n * 1e3, 2),
        "transactions_per_declaration": round(commits[0] / n, 1),
        "ms_per_declaration": {
            k: round(sum(v) / n * 1e3, 2)
            for k, v in sorted(totals.items(), key=lambda kv: -sum(kv[1]))
        },
        "calls_per_declaration": {k: round(len(v) / n, 1) for k, v in totals.items()},
    }


def embedded(
    agencies: Path, messages: Messages, n: int, rounds: int, submitters: int, profile: bool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hub-e2e-") as folder:
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'hub.db'}", agencies_dir=agencies
        )
        with open_hub(settings, load_wiring()) as hub:
            result = measure_hub(hub, messages, n, rounds, submitters)
            if profile:
                result["profile"] = profile_embedded(hub, messages, n, submitters)
    return result


# Distributed


def postgres_schema() -> contextlib.AbstractContextManager[str]:
    """A fresh schema in the test database, dropped afterwards whatever happens."""
    return scratch_schema(POSTGRES_URL, "bench")


@contextlib.contextmanager
def processes(commands: list[tuple[list[str], dict[str, str]]], logs: Path) -> Iterator[list[Any]]:
    """Started subprocesses, terminated (then killed) afterwards whatever happens."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for i, (argv, env) in enumerate(commands):
            with (logs / f"worker{i}.log").open("wb") as out:
                started.append(
                    subprocess.Popen(
                        argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
                    )
                )
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def delete_queues(queues: list[str]) -> None:
    with Connection(BROKER_URL, connect_timeout=5) as conn:
        for queue in queues:
            channel = conn.channel()
            try:
                channel.queue_delete(queue)
            except Exception:
                pass
            finally:
                with contextlib.suppress(Exception):
                    channel.close()


def trivial_app(queue: str) -> Celery:
    """A Celery app with one trivial task, configured as the hub's (late acks, prefetch 1)."""
    app = Celery("trivial", broker=BROKER_URL, backend="rpc://", set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_queues=[Queue(queue, routing_key=queue)],
        task_default_queue=queue,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
    )

    @app.task(name="bench.add", shared=False)  # type: ignore[untyped-decorator]
    def add(x: int, y: int) -> int:
        return x + y

    return app


def trivial_worker(queue: str) -> None:
    """``--trivial-worker QUEUE``: consume the trivial task, as a subprocess of the bench."""
    app = trivial_app(queue)
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={CONCURRENCY}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
    )


def trivial_round(app: Celery, n: int) -> float:
    """N ``add`` tasks sent back to back, all results back: tasks per second."""
    start = time.perf_counter()
    results = [app.send_task("bench.add", args=(i, i)) for i in range(n)]
    for i, result in enumerate(results):
        # The embedded run in this process marks it a worker: get() would refuse.
        assert result.get(timeout=60, disable_sync_subtasks=False) == 2 * i
    return n / (time.perf_counter() - start)


def distributed(
    agencies: Path, messages: Messages, n: int, rounds: int, submitters: int
) -> dict[str, Any]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    trivial_queue = prefix + "trivial"
    queues: list[str] = [trivial_queue]
    with (
        tempfile.TemporaryDirectory(prefix="hub-e2e-") as folder,
        postgres_schema() as database,
    ):
        logs = Path(folder)
        settings = Settings(
            database_url=database,
            broker_url=BROKER_URL,
            queue_prefix=prefix,
            agencies_dir=agencies,
        )
        env = {
            "HUB_BROKER_URL": BROKER_URL,
            "HUB_DATABASE_URL": database,
            "HUB_QUEUE_PREFIX": prefix,
            "HUB_AGENCIES_DIR": str(agencies),
        }
        concurrency = ["--concurrency", str(CONCURRENCY)]
        agency_args = [
            a for name in ("customs", "phyto", "vet", "police") for a in ("--agency", name)
        ]
        commands = [
            ([str(HUB), "worker", *agency_args, *concurrency], env),
            ([str(HUB), "worker", "--decide", *concurrency], env),
            (
                [sys.executable, str(Path(__file__).resolve()), "--trivial-worker", trivial_queue],
                {},
            ),
        ]
        app = trivial_app(trivial_queue)
        try:
            with open_hub(settings, load_wiring(), migrate=True) as hub:
                queues += hub.orchestrator.queues
                with processes(commands, logs) as workers:
                    files = sorted(logs.glob("worker*.log"))
                    wait_for_consumers(BROKER_URL, queues, workers, files, timeout=60)
                    trivial_round(app, min(n, 50))  # warm
                    trivial: list[float] = []
                    result = measure_hub(
                        hub,
                        messages,
                        n,
                        rounds,
                        submitters,
                        lambda: trivial.append(trivial_round(app, n)),
                    )
                    trivial.append(trivial_round(app, n))
        finally:
            app.close()
            delete_queues(queues)
    best_trivial = max(trivial)
    result["trivial_tasks_per_second"] = round(best_trivial, 1)
    result["ratio_to_trivial"] = round(result["declarations_per_second"] / best_trivial, 3)
    result["workers"] = "one hub worker on the four agency queues, one --decide"
    return result


# Main


def measure(n: int, rounds: int, mode: str, submitters: int, profile: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hub-e2e-agencies-") as folder:
        agencies, active = build_agencies(Path(folder))
        corpus = corpus_messages()
        messages = Messages(corpus)
        result: dict[str, Any] = {
            "benchmark": "e2e",
            "declarations": n,
            "rounds": rounds,
            "active_profiles": active,
            "corpus_declarations": len(corpus),
            "concurrency": CONCURRENCY,
            "submitters": submitters,
        }
        if mode == "embedded":
            result["embedded"] = embedded(agencies, messages, n, rounds, submitters, profile)
        if mode == "distributed":
            result["distributed"] = distributed(agencies, messages, n, rounds, submitters)
    return result


def measure_both(n: int, rounds: int, submitters: int, profile: bool) -> dict[str, Any]:
    """Each mode in a process of its own: the embedded worker marks its process a Celery
    worker (process-global state), which the trivial task's result waits must not see."""
    result: dict[str, Any] = {}
    for mode in ("embedded", "distributed"):
        argv = [sys.executable, str(Path(__file__).resolve()), "--json", "--mode", mode]
        argv += ["--declarations", str(n), "--rounds", str(rounds), "--submitters", str(submitters)]
        done = subprocess.run(
            [*argv, *(["--profile"] if profile else [])], check=True, capture_output=True
        )
        result.update(json.loads(done.stdout.decode().strip().splitlines()[-1]))
    return result


def _print(result: dict[str, Any]) -> None:
    print(
        f"{result['active_profiles']:,} active profiles, four agencies; "
        f"{result['corpus_declarations']} corpus declarations varied by LRN; "
        f"bursts of {result['declarations']}, best of {result['rounds']}; "
        f"{result['concurrency']} threads per worker, {result['submitters']} submitting threads"
    )
    for mode in ("embedded", "distributed"):
        if mode not in result:
            continue
        r = result[mode]
        print(
            f"  {mode:<11} {r['declarations_per_second']:>7.1f} decl/s"
            f" (submit alone {r['submit_per_second']:.1f}/s;"
            f" burst p50 {r['burst_p50_ms']:.0f} ms, p99 {r['burst_p99_ms']:.0f} ms)"
        )
        print(
            f"  {'':<11} paced at {r['paced_rate']:.0f}/s: p50 {r['p50_ms']:.1f} ms,"
            f" p99 {r['p99_ms']:.1f} ms (achieved {r['paced_achieved']:.0f}/s)"
        )
    if "embedded" in result:
        e = result["embedded"]
        print(
            f"  embedded: {e['declarations_per_second']:.0f} decl/s (target >= 300),"
            f" p99 {e['p99_ms']:.1f} ms at {e['paced_rate']:.0f}/s (target <= 50 ms at 300/s)"
        )
        if "profile" in e:
            p = e["profile"]
            print(
                f"  embedded burst profile: {p['wall_ms_per_declaration']} ms wall per declaration,"
                f" {p['transactions_per_declaration']} store transactions per declaration;"
                " ms per declaration, summed over threads:"
            )
            for key, ms in p["ms_per_declaration"].items():
                print(f"    {key:<24} {ms:>7.2f} ms  ({p['calls_per_declaration'][key]} calls)")
    if "distributed" in result:
        d = result["distributed"]
        print(
            f"  trivial Celery task over RabbitMQ: {d['trivial_tasks_per_second']:.1f} tasks/s;"
            f" distributed / trivial: {d['ratio_to_trivial']:.2f} (target >= 0.50)"
        )
        print(f"  distributed workers: {d['workers']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--declarations", type=int, default=200, help="per burst and paced run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mode", choices=("embedded", "distributed", "both"), default="both")
    parser.add_argument("--submitters", type=int, default=4, help="submitting threads")
    parser.add_argument("--profile", action="store_true", help="time an embedded burst's parts")
    parser.add_argument("--trivial-worker", metavar="QUEUE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trivial_worker:
        trivial_worker(args.trivial_worker)
        return
    if args.mode == "both":
        result = measure_both(args.declarations, args.rounds, args.submitters, args.profile)
    else:
        result = measure(args.declarations, args.rounds, args.mode, args.submitters, args.profile)
    if args.json:
        print(json.dumps(result))
        return
    _print(result)


if __name__ == "__main__":
    main()
