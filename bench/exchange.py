"""Partner exchange: what signing, trust and screening cost, next to what they build on.

In one run and one process, on the realistic pre-arrival sample
(``message_schemas/exchange/samples/valid/pre_arrival_rs_transit_truck_to_gb.xml``,
Serbia to the UK):

* ``signing``    hub ``sign`` and ``verify`` per message, EC P-256 and RSA-3072,
                 next to signxml used directly with the same algorithms
                 (``XMLSigner`` / ``XMLVerifier``: enveloped, exclusive c14n,
                 SHA-256, the certificate in ``KeyInfo``, bytes in and out):
                 hub / signxml is the hub's overhead (hardened parse, algorithm
                 and trust checks). ``xmlsec1 --sign`` / ``--verify`` run as a
                 subprocess per message is a side figure only: process start
                 dominates it.
* ``reception``  ``reception.check`` per message (parse, signature, schema,
                 window, agreement; no store), then ``receive`` into a store
                 (a SQLite file in a temporary folder; PostgreSQL in a scratch
                 schema when it answers) in messages per second, next to the
                 same store's ``accept`` of an already-read declaration: the
                 floor, so receive / accept says what trust costs beyond storing.
* ``screening``  ``Liaison.screen`` per import declaration (DEC-DMS corpus)
                 with 0, 1,000 and 10,000 unmatched pre-arrival rows and as
                 many watches in the store, none of which the declarations
                 meet: the indexes should keep it near flat.

Rounds of what is compared are interleaved and the best round of each kept,
so a burst of load on the machine hurts both alike. No targets: the figures
and ratios hold for one run on one machine.

    python bench/exchange.py [--json] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

if not __package__:  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.exchange.keys import SigningIdentity, keygen
from hub.exchange.liaison import open_liaison
from hub.exchange.messages import MessageKind, PreArrival
from hub.exchange.partners import MutualAssistance, Partner
from hub.exchange.reception import ReceptionPolicy, check, receive
from hub.exchange.signing import ACCEPTED_DIGESTS, ACCEPTED_SIGNATURE_METHODS, sign, verify
from hub.exchange.watches import Watch
from hub.exchange.wire import from_bytes
from hub.ingest import read
from hub.model.declaration import Declaration, DeclarationKind
from hub.model.finding import RequestedChannel
from hub.settings import Settings
from hub.store import Store
from hub.store.schema import PreArrivalRecord, WatchRecord
from tests.postgres import scratch_schema

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "message_schemas/exchange/samples/valid/pre_arrival_rs_transit_truck_to_gb.xml"
CORPUS = ROOT.parent / "shared" / "corpus" / "wco-dec-dms" / "declarations"
POSTGRES_URL = os.environ.get(
    "HUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PARTNER, US = "RS", "GB"  # the sample's sender and receiver
ALGORITHMS = ("ec-p256", "rsa-3072")
MESSAGE_ID = re.compile(rb"<MessageID>[^<]*</MessageID>")
LRN = re.compile(rb"(<FunctionalReferenceID>)([^<]*)(</FunctionalReferenceID>)")
XMLSEC_TEMPLATE = b"""<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
<ds:SignatureMethod Algorithm="%s"/><ds:Reference URI=""><ds:Transforms>\
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>\
<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo>\
<ds:X509Data/></ds:KeyInfo></ds:Signature>"""


@dataclass(frozen=True)
class Sizes:
    """How much of each to measure: ``--quick`` or the full run."""

    calls: int  # per round, sign / verify / check / screen
    messages: int  # received (and declarations accepted) per store
    rows: tuple[int, ...]  # unmatched pre-arrival rows and watches, in steps
    rounds: int
    processes: int  # xmlsec1 runs per figure


FULL = Sizes(calls=300, messages=600, rows=(0, 1_000, 10_000), rounds=3, processes=20)
QUICK = Sizes(calls=40, messages=90, rows=(0, 100, 1_000), rounds=3, processes=4)


# Timing


def _interleaved(
    pipelines: dict[str, Callable[[], object]], n: int, rounds: int
) -> dict[str, float]:
    """Microseconds per call of each pipeline: best of ``rounds`` interleaved rounds of ``n``."""
    for fn in pipelines.values():  # warm caches (schemas, certificates, statements)
        fn()
    best = dict.fromkeys(pipelines, float("inf"))
    for _ in range(rounds):
        for name, fn in pipelines.items():
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return {name: seconds * 1e6 for name, seconds in best.items()}


def _consumed(
    pipelines: dict[str, Callable[[int], object]], n: int, rounds: int
) -> dict[str, float]:
    """Like :func:`_interleaved` for calls that use an item up (one message is received once):
    call ``i`` gets item ``i``; ``n`` items in ``rounds`` chunks, item ``n`` warms up."""
    for fn in pipelines.values():
        fn(n)
    size = n // rounds
    best = dict.fromkeys(pipelines, float("inf"))
    for r in range(rounds):
        for name, fn in pipelines.items():
            start = time.perf_counter()
            for i in range(r * size, (r + 1) * size):
                fn(i)
            best[name] = min(best[name], (time.perf_counter() - start) / size)
    return {name: seconds * 1e6 for name, seconds in best.items()}


# The messages and declarations


def _created(sample: bytes) -> datetime:
    return from_bytes(sample).header.created_at


def _identity(folder: Path, algorithm: str, created: datetime) -> tuple[Path, Path]:
    """A key pair of the sample's sender (``ec-p256`` or ``rsa-3072``) in a folder of its
    own, valid well before and after the sample was made."""
    return keygen(
        PARTNER,
        folder / algorithm,
        algorithm="ec" if algorithm == "ec-p256" else "rsa",
        days=3650,
        now=created - timedelta(days=1),
    )


def _numbered(sample: bytes, tag: str, n: int) -> list[bytes]:
    """``n`` copies of the sample, each under a message id of its own."""
    return [
        MESSAGE_ID.sub(f"<MessageID>RS-SEED-{tag}-{i:06d}</MessageID>".encode(), sample, count=1)
        for i in range(n)
    ]


def _imports() -> list[bytes]:
    """Corpus import declarations that name a means of transport (a pre-arrival could meet them)."""
    found = []
    for path in sorted(CORPUS.rglob("*.xml")):
        raw = path.read_bytes()
        try:
            declaration = read(raw)
        except Exception:
            continue
        means = declaration.transport.border_means or declaration.transport.arrival_means
        if declaration.kind is DeclarationKind.IMPORT and means and LRN.search(raw):
            found.append(raw)
    if not found:
        raise RuntimeError(f"no import declaration with a means of transport under {CORPUS}")
    return found


def _distinct(imports: Sequence[bytes], n: int) -> list[tuple[bytes, Declaration]]:
    """``n`` declarations read from the imports in turn, each made distinct by a new LRN."""
    tag = uuid.uuid4().hex[:6].upper()
    out = []
    for i in range(n):
        lrn = f"X{tag}{i:08d}".encode()
        raw = LRN.sub(rb"\g<1>" + lrn + rb"\g<3>", imports[i % len(imports)], count=1)
        out.append((raw, read(raw)))
    return out


# Signing


def _signxml_signer(algorithm: str) -> XMLSigner:
    """signxml's signer with the algorithms :func:`hub.exchange.signing.sign` uses."""
    return XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=(
            SignatureMethod.ECDSA_SHA256 if algorithm == "ec-p256" else SignatureMethod.RSA_SHA256
        ),
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def _xmlsec1(
    xmlsec1: str, key: Path, cert: Path, sample: bytes, signed: bytes, algorithm: str, runs: int
) -> dict[str, float]:
    """xmlsec1 as a subprocess per message, signing a template and verifying the hub's: us each."""
    method = (
        b"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
        if algorithm == "ec-p256"
        else b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    folder = key.parent
    template, out, hub_signed = folder / "template.xml", folder / "out.xml", folder / "hub.xml"
    root_end = sample.rindex(b"</")
    template.write_bytes(sample[:root_end] + XMLSEC_TEMPLATE % method + sample[root_end:])
    hub_signed.write_bytes(signed)
    sign_argv = [xmlsec1, "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(out)]
    verify_argv = [xmlsec1, "--verify", "--pubkey-cert-pem", str(cert)]
    verify_argv += ["--enabled-key-data", "key-name", "--enabled-reference-uris", "empty"]

    def run(argv: list[str]) -> None:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")

    figures = _interleaved(
        {
            "sign": lambda: run([*sign_argv, str(template)]),
            "verify": lambda: run([*verify_argv, str(hub_signed)]),
        },
        runs,
        1,
    )
    # What xmlsec1 signed, the hub accepts: the side figure measures the same work.
    verify(out.read_bytes(), [cert.read_bytes()], at=_created(sample))
    return figures


def _signing(folder: Path, algorithm: str, sizes: Sizes, xmlsec1: str | None) -> dict[str, Any]:
    """Hub and signxml, signing and verifying the sample with one key: us each and ratios."""
    sample = SAMPLE.read_bytes()
    created = _created(sample)
    key_file, cert_file = _identity(folder, algorithm, created)
    identity = SigningIdentity.load(key_file, cert_file)
    trusted = [cert_file.read_bytes()]
    config = SignatureConfiguration(  # what hub.exchange.signing.verify asks of signxml
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=ACCEPTED_SIGNATURE_METHODS,
        digest_algorithms=ACCEPTED_DIGESTS,
        verification_time=created,
    )

    def signxml_sign() -> bytes:
        signed = _signxml_signer(algorithm).sign(
            etree.fromstring(sample), key=identity.private_key, cert=[identity.certificate]
        )
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")

    def signxml_verify(raw: bytes) -> object:
        return XMLVerifier().verify(raw, x509_cert=identity.certificate, expect_config=config)

    signed = sign(sample, identity)
    verify(signxml_sign(), trusted, at=created)  # each side accepts what the other signed
    signxml_verify(signed)
    figures = _interleaved(
        {
            "hub_sign": lambda: sign(sample, identity),
            "signxml_sign": signxml_sign,
            "hub_verify": lambda: verify(signed, trusted, at=created),
            "signxml_verify": lambda: signxml_verify(signed),
        },
        sizes.calls,
        sizes.rounds,
    )
    entry: dict[str, Any] = {k + "_us": round(v, 1) for k, v in figures.items()}
    entry["sign_ratio"] = round(figures["hub_sign"] / figures["signxml_sign"], 2)
    entry["verify_ratio"] = round(figures["hub_verify"] / figures["signxml_verify"], 2)
    entry["signed_bytes"] = len(signed)
    if xmlsec1:
        side = _xmlsec1(xmlsec1, key_file, cert_file, sample, signed, algorithm, sizes.processes)
        entry["xmlsec1_sign_us"] = round(side["sign"], 1)
        entry["xmlsec1_verify_us"] = round(side["verify"], 1)
    return entry


def signing(folder: Path, sizes: Sizes) -> dict[str, Any]:
    xmlsec1 = shutil.which("xmlsec1")
    result: dict[str, Any] = {a: _signing(folder, a, sizes, xmlsec1) for a in ALGORITHMS}
    if not xmlsec1:
        result["xmlsec1"] = "not installed (make system-packages): no side figure"
    return result


# Reception


@dataclass(frozen=True)
class Exchange:
    """The partner, our policy, the messages it signed, and the declarations of the floor."""

    partner: Partner
    policy: ReceptionPolicy
    now: datetime
    messages: list[bytes]
    declarations: list[tuple[bytes, Declaration]]


def _exchange(
    folder: Path, sizes: Sizes, declarations: list[tuple[bytes, Declaration]]
) -> Exchange:
    sample = SAMPLE.read_bytes()
    created = _created(sample)
    key_file, cert_file = _identity(folder, "ec-p256", created)
    identity = SigningIdentity.load(key_file, cert_file)
    partner = Partner(
        code=PARTNER,
        name="Customs Administration of Serbia",
        certificates=(cert_file.read_text(),),
        assistance=MutualAssistance(
            valid_from=date(created.year, 1, 1), receives=(MessageKind.PRE_ARRIVAL,)
        ),
    )
    tag = uuid.uuid4().hex[:6].upper()
    messages = [sign(raw, identity) for raw in _numbered(sample, tag, sizes.messages + 1)]
    return Exchange(
        partner=partner,
        policy=ReceptionPolicy(administration=US),
        now=created + timedelta(minutes=2),
        messages=messages,
        declarations=declarations,
    )


def checking(exchange: Exchange, sizes: Sizes) -> dict[str, Any]:
    raw = exchange.messages[0]
    trusted = [c.encode() for c in exchange.partner.certificates]
    created = _created(raw)
    partners: dict[str, Partner] = {PARTNER: exchange.partner}
    figures = _interleaved(
        {
            "check": lambda: check(raw, partners.get, exchange.policy, exchange.now),
            "verify": lambda: verify(raw, trusted, at=created),
        },
        sizes.calls,
        sizes.rounds,
    )
    return {
        "check_us": round(figures["check"], 1),
        "verify_us": round(figures["verify"], 1),
        "verify_share": round(figures["verify"] / figures["check"], 2),
    }


def receiving(store: Store, exchange: Exchange, sizes: Sizes) -> dict[str, Any]:
    store.record_partner(exchange.partner, actor="bench", at=exchange.now)
    declarations = exchange.declarations

    def received(i: int) -> object:
        return receive(exchange.messages[i], store=store, policy=exchange.policy, now=exchange.now)

    def accepted(i: int) -> object:
        raw, declaration = declarations[i]
        done = store.accept(
            raw,
            declaration,
            wire_format=declaration.source_format.value,
            received_at=exchange.now,
        )
        assert done.created, "a declaration was already stored: its LRN was not changed"
        return done

    figures = _consumed({"receive": received, "accept": accepted}, sizes.messages, sizes.rounds)
    return {
        "receive_per_second": round(1e6 / figures["receive"], 1),
        "accept_per_second": round(1e6 / figures["accept"], 1),
        "receive_us": round(figures["receive"], 1),
        "accept_us": round(figures["accept"], 1),
        "ratio_receive_to_accept": round(figures["receive"] / figures["accept"], 2),
    }


# Screening


def _noise(base: PreArrival, start: int, stop: int, now: datetime) -> Iterator[PreArrival]:
    """Pre-arrival data no corpus declaration meets, all departed within the match window."""
    for i in range(start, stop):
        header = base.header.model_copy(update={"message_id": f"RS-NOISE-{i:07d}"})
        yield base.model_copy(
            update={
                "header": header,
                "declaration_reference": f"26RS{i:014d}",
                "means_id": f"NZ{i:06d}",
                "departed_at": now - timedelta(minutes=5 + i % 3000),
            }
        )


def _watches(start: int, stop: int) -> Iterator[Watch]:
    """Watches on consignments no corpus declaration names, every identifier filled."""
    for i in range(start, stop):
        yield Watch(
            partner=PARTNER,
            warning_message_id=f"RS-RW-{i:07d}",
            channel=RequestedChannel.RED,
            risk_area="revenue",
            summary="Undervalued cigarettes",
            means_id=f"WZ{i:06d}",
            container=f"WZCU{i:07d}",
            transport_document=f"WZBL{i:09d}",
            declaration_reference=f"26WZ{i:014d}",
            party_id=f"RS9{i:09d}",
        )


def _fill(store: Store, rows: int, now: datetime, start: int = 0) -> None:
    """Rows ``start`` to ``rows`` of the unmatched pre-arrival data and watches, in one
    transaction, through the store's own writes."""
    base = from_bytes(SAMPLE.read_bytes())
    assert isinstance(base, PreArrival)
    with store.engine.begin() as conn:
        for pre in _noise(base, start, rows, now):
            store.add_pre_arrival(conn, pre, partner=PARTNER, received_at=now)
        for watch in _watches(start, rows):
            store.add_watch(conn, watch, at=now)


def _analyze(store: Store) -> None:
    """PostgreSQL's statistics of the two tables, as autovacuum gathers them after a load."""
    with store.engine.begin() as conn:
        for table in (PreArrivalRecord.__tablename__, WatchRecord.__tablename__):
            conn.execute(text(f"ANALYZE {table}"))


def _screener(
    store: Store, settings: Settings, now: datetime, imports: list[Declaration]
) -> Callable[[], object]:
    """Screen the next import in turn, with a liaison on ``store`` whose clock stands at ``now``."""
    liaison = open_liaison(store, settings, clock=lambda: now)
    if any(liaison.screen(d) is not None for d in imports):
        raise RuntimeError("a corpus declaration met the generated rows: they must not")
    turn = itertools.cycle(imports)
    return lambda: liaison.screen(next(turn))


def screening(
    open_store: Callable[[str], tuple[Store, Settings]],
    now: datetime,
    imports: list[Declaration],
    sizes: Sizes,
) -> dict[str, Any]:
    """``Liaison.screen`` per declaration, one store per row count, rounds interleaved.

    On PostgreSQL each store is analysed once filled (steady state, as
    autovacuum leaves it). Then the empty store, whose pooled connections
    have by now prepared the screening queries, is filled to the largest
    count and measured before any ANALYZE, next to the analysed one:
    psycopg prepares a statement run five times and PostgreSQL may keep a
    generic plan made on empty tables (a sequential scan) until their
    statistics change.
    """
    with contextlib.ExitStack() as stack:
        stores: dict[int, tuple[Store, Settings]] = {}
        for rows in sizes.rows:
            store, settings = open_store(f"screening-{rows}")
            stores[rows] = (stack.enter_context(store), settings)
            _fill(store, rows, now)
        postgres = stores[sizes.rows[0]][0].engine.dialect.name == "postgresql"
        if postgres:
            for store, _ in stores.values():
                _analyze(store)
        screens = {str(rows): _screener(*stores[rows], now, imports) for rows in sizes.rows}
        figures = _interleaved(screens, sizes.calls, sizes.rounds)
        empty, largest = str(sizes.rows[0]), str(sizes.rows[-1])
        result: dict[str, Any] = {
            "screen_us_by_rows": {k: round(v, 1) for k, v in figures.items()},
            "ratio_largest_to_empty": round(figures[largest] / figures[empty], 2),
        }
        if postgres:
            _fill(stores[sizes.rows[0]][0], sizes.rows[-1], now, start=sizes.rows[0])
            stale = _interleaved(
                {"cached": screens[empty], "analysed": screens[largest]},
                sizes.calls,
                sizes.rounds,
            )
            result["largest_plans_cached_empty_us"] = round(stale["cached"], 1)
            result["largest_analysed_us"] = round(stale["analysed"], 1)
            result["ratio_cached_to_analysed"] = round(stale["cached"] / stale["analysed"], 2)
    return result


# Stores


def on_backend(
    open_store: Callable[[str], tuple[Store, Settings]],
    exchange: Exchange,
    imports: list[Declaration],
    sizes: Sizes,
) -> dict[str, Any]:
    """Reception and screening on one backend, each in stores of their own."""
    store, _ = open_store("reception")
    with store:
        reception = receiving(store, exchange, sizes)
    return {
        "reception": reception,
        "screening": screening(open_store, exchange.now, imports, sizes),
    }


def measure(sizes: Sizes) -> dict[str, Any]:
    sample = SAMPLE.read_bytes()
    result: dict[str, Any] = {
        "benchmark": "exchange",
        "message": SAMPLE.name,
        "message_bytes": len(sample),
        "rounds": sizes.rounds,
        "calls_per_round": sizes.calls,
        "messages_per_store": sizes.messages,
        "rows": list(sizes.rows),
    }
    with tempfile.TemporaryDirectory(prefix="hub-exchange-") as name:
        folder = Path(name)
        result["signing"] = signing(folder / "keys", sizes)
        imports = _imports()
        read_imports = [read(raw) for raw in imports]
        result["import_declarations"] = len(imports)
        declarations = _distinct(imports, sizes.messages + 1)
        exchange = _exchange(folder / "partner", sizes, declarations)
        result["check"] = checking(exchange, sizes)

        def sqlite(purpose: str) -> tuple[Store, Settings]:
            path = folder / f"{purpose}.db"
            settings = Settings(database_url=f"sqlite:///{path}", administration=US)
            return Store.embedded(path), settings

        result["sqlite"] = on_backend(sqlite, exchange, read_imports, sizes)
        with contextlib.ExitStack() as schemas:

            def postgresql(purpose: str) -> tuple[Store, Settings]:
                url = schemas.enter_context(scratch_schema(POSTGRES_URL, "bench_exchange"))
                return Store.open(url, migrate=True), Settings(database_url=url, administration=US)

            try:
                schemas.enter_context(scratch_schema(POSTGRES_URL, "bench_exchange"))
            except SQLAlchemyError as exc:
                result["postgresql"] = (
                    f"skipped: PostgreSQL at {POSTGRES_URL} ({type(exc).__name__})"
                )
            else:
                result["postgresql"] = on_backend(postgresql, exchange, read_imports, sizes)
    return result


# Output


def _print(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(
        f"{result['message']} ({result['message_bytes']} bytes); best of {result['rounds']} "
        f"interleaved rounds of {result['calls_per_round']} calls"
    )
    print("signing, us per message      hub  signxml  hub/signxml   xmlsec1 (subprocess)")
    for algorithm in ALGORITHMS:
        s = result["signing"][algorithm]
        for op in ("sign", "verify"):
            side = s.get(f"xmlsec1_{op}_us")
            print(
                f"  {algorithm:<9} {op:<7} {s[f'hub_{op}_us']:>11.1f} {s[f'signxml_{op}_us']:>8.1f}"
                f" {s[f'{op}_ratio']:>11.2f}x   {'-' if side is None else f'{side:,.0f}':>8}"
            )
    if "xmlsec1" in result["signing"]:
        print(f"  xmlsec1: {result['signing']['xmlsec1']}")
    c = result["check"]
    print(
        f"reception.check (EC P-256, no store): {c['check_us']:.1f} us per message, "
        f"of which verify {c['verify_us']:.1f} us ({c['verify_share']:.0%})"
    )
    print(
        f"receive into a store ({result['messages_per_store']} messages), next to accepting a "
        "read declaration"
    )
    print("  store        receive msg/s  accept decl/s  time receive/accept")
    for store in ("sqlite", "postgresql"):
        if isinstance(result[store], str):
            print(f"  {store:<12} {result[store]}")
            continue
        r = result[store]["reception"]
        print(
            f"  {store:<12} {r['receive_per_second']:>13.1f} {r['accept_per_second']:>14.1f}"
            f" {r['ratio_receive_to_accept']:>19.2f}x"
        )
    print(
        f"Liaison.screen, us per import declaration ({result['import_declarations']} corpus "
        "imports in turn), by unmatched pre-arrival rows and watches"
    )
    print("  store      " + "".join(f"{n:>9,}" for n in rows) + f"   {rows[-1]:,}/{rows[0]:,}")
    for store in ("sqlite", "postgresql"):
        if isinstance(result[store], str):
            continue
        s = result[store]["screening"]
        figures = "".join(f"{s['screen_us_by_rows'][str(n)]:>9.1f}" for n in rows)
        print(f"  {store:<10} {figures}   {s['ratio_largest_to_empty']:>6.2f}x")
        if "largest_plans_cached_empty_us" in s:
            print(
                f"  {store}, {rows[-1]:,} rows loaded after the queries were prepared on empty"
                f" tables, before ANALYZE: {s['largest_plans_cached_empty_us']:.1f} us,"
                f" {s['ratio_cached_to_analysed']:.2f}x the analysed store's"
                f" {s['largest_analysed_us']:.1f} us"
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
