"""``hub demo``: start the embedded hub, submit the sample messages, print each decision.

What ``make demo`` runs. The API is served in this process (uvicorn in a
thread, the embedded broker and worker beside it) and the messages go through
it over HTTP exactly as a trader's would: every valid submission sample under
``message_schemas/*/samples/valid/`` (response samples are the hub's answers,
not submissions) and, when the shared corpus is there, a few WCO DMS
declarations. Each is posted with ``?wait=`` and its coordinated decision is
printed in one compact block; then the hub keeps serving until Ctrl-C
(``--once`` stops instead, for tests and CI).

The SQLite file lives in ``--workdir`` (default ``var/demo/hub.db``) unless
``HUB_DATABASE_URL`` says otherwise; submitting the same bytes again returns
the same declaration and decision, so repeated demos just show them again.

On first start (an empty store) the demo first plays ``--history``
declarations over the last 14 days through the hub, with their decisions
and the officers' control results (:mod:`hub._demo_history`), so the joint
targeting centre's page and the reports have something real to show; a
store that already holds declarations is never filled again. Unless the
environment names them, the bundled registers (offices and their
calendars, AEO, random selection) are used, with a fixed random seed.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from hub.access import Principal, Role, SigningKey, token_key_path
from hub.errors import HubError, IngestError
from hub.exchange.wire import NAMESPACE as EXCHANGE_NAMESPACE
from hub.ingest import read_with_warnings
from hub.model import DeclarationFunction
from hub.orchestrator import Wiring, load_wiring, open_hub
from hub.settings import Settings

__all__ = [
    "CORPUS_DECLARATIONS",
    "demo",
    "demo_messages",
    "fill_on_first_start",
    "format_decision",
]

CORPUS_DECLARATIONS = (
    "wco-dec-dms/declarations/TT_IM004a/TT_IM004a.xml",
    "wco-dec-dms/declarations/TT_IM026a/TT_IM026a.xml",
    "wco-dec-dms/declarations/TT_IM008a/Step1_TT_IM008a.xml",
    "wco-dec-dms/declarations/TT_IM047b/TT_IM047b.xml",
)
"""A few corpus declarations that show each outcome: released, vet, police, documents."""

# Samples that are not a trader's submission: the hub's own answers, and partner messages.
_NOT_SUBMISSIONS = ("urn:hub:message:DecisionResponse:1", EXCHANGE_NAMESPACE)
_READY_TIMEOUT_S = 30.0
_HISTORY_DAYS = 14
_DEMO_SEED = "demo"  # random selection's seed when HUB_RANDOM_SEED gives none


def _root_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def demo_messages(schemas_dir: Path, corpus: Path | None) -> list[Path]:
    """The submission samples under ``schemas_dir`` (not the hub's responses, not partner
    messages), then the corpus picks that exist."""
    found: list[Path] = []
    for path in sorted(schemas_dir.glob("*/samples/valid/*")):
        head = path.read_bytes()[:2000] if path.is_file() else b""
        if head and not any(ns.encode() in head for ns in _NOT_SUBMISSIONS):
            found.append(path)
    if corpus is not None:
        found.extend(p for p in (corpus / name for name in CORPUS_DECLARATIONS) if p.is_file())
    # An original before the amendment or cancellation that refers to it, as a trader sends them.
    return sorted(found, key=_function_rank)


def _function_rank(path: Path) -> int:
    try:
        function = read_with_warnings(path.read_bytes()).declaration.function
    except IngestError:
        return 0
    order = (DeclarationFunction.AMENDMENT, DeclarationFunction.CANCELLATION)
    return 1 + order.index(function) if function in order else 0


def format_decision(contract: dict[str, Any]) -> Iterator[str]:
    """The decision contract in a few short lines (no findings)."""
    words = [
        f"{contract['declaration_id']} v{contract['version']}",
        f"channel {contract['channel']}",
        "released" if contract["released"] else "not released",
    ]
    if contract.get("post_clearance_audit"):
        words.append("post-clearance audit")
    if contract.get("random_selection"):
        words.append("random selection")
    if contract.get("pending"):
        words.append("pending " + ", ".join(contract["pending"]))
    yield "decision: " + ", ".join(words)
    agencies = contract["agencies"]
    yield "agencies: " + (
        ", ".join(f"{name} {a['status']}/{a['channel']}" for name, a in agencies.items())
        or "none concerned"
    )
    for key, title in (("joint_examination", "joint examination"), ("examination", "examination")):
        exam = contract.get(key)
        if exam:
            slot = exam.get("slot") or {}
            yield (
                f"{title}: {', '.join(exam['agencies'])} at {exam['place']}"
                + (f", {slot['start']}" if slot.get("start") else "")
            )
            break


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _submit(client: Any, path: Path, wait: float, out: TextIO, key: SigningKey) -> bool:
    """Post one message as its trader and print the decision as the JTC sees it;
    False when it was not decided."""
    data = path.read_bytes()
    media = "application/xml" if data.lstrip()[:1] == b"<" else "application/edifact"
    parties: tuple[str, ...] = ("UNKNOWN",)
    try:
        declaration = read_with_warnings(data).declaration
        cancellation = declaration.function is DeclarationFunction.CANCELLATION
        named = declaration.submitter or next((p.id for p in declaration.parties if p.id), None)
        parties = (named,) if named else parties
    except IngestError:
        cancellation = False
    trader = Principal(subject="demo-trader", role=Role.TRADER, parties=parties)
    query = "" if cancellation else f"?wait={wait:g}"
    response = client.post(
        f"/v1/declarations{query}",
        content=data,
        headers={"content-type": media, "authorization": f"Bearer {key.issue(trader)}"},
    )
    body = response.json()
    if response.status_code == 200:
        analyst = Principal(subject="demo-analyst", role=Role.JTC)
        whole = client.get(
            f"/v1/declarations/{body['declaration_id']}/decision",
            headers={"authorization": f"Bearer {key.issue(analyst)}"},
        ).json()
        out.write(f"OK    {_shown(path)}\n")
        out.writelines(f"      {line}\n" for line in format_decision(whole))
        return True
    if response.status_code == 202:
        what = "cancellation accepted, nothing to assess" if cancellation else "still assessing"
        out.write(f"OK    {_shown(path)}\n      {body['declaration_id']}: {what}\n")
        return cancellation
    out.write(f"REFUSED {_shown(path)}\n      {response.status_code} {body.get('detail', body)}\n")
    return False


def fill_on_first_start(
    settings: Settings, wiring: Wiring, messages: list[Path], count: int, out: TextIO
) -> bool:
    """Fill an empty store with ``count`` declarations of the last days; False when the store
    already held declarations (or ``count`` is 0), and nothing was added."""
    # Here, not at the top: it needs the API's acts, and every `hub` command imports this module.
    from hub._demo_history import (
        DemoClock,
        fill_history,
        is_empty,
        usable_templates,
    )

    if count <= 0:
        return False
    clock = DemoClock()
    with open_hub(settings, wiring, clock=clock) as hub:
        if not is_empty(hub):
            out.write("history: the database already holds declarations, not filled again\n")
            return False
        templates = usable_templates([p.read_bytes() for p in messages])
        out.write(
            f"filling the last {_HISTORY_DAYS} days: {count} declarations"
            f" from {len(templates)} sample messages\n"
        )
        out.flush()
        made = fill_history(hub, clock, templates, count=count, days=_HISTORY_DAYS)
    out.writelines(f"{line}\n" for line in made.lines())
    return True


def demo(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free one).")] = 8000,
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Where the demo's SQLite file lives.")
    ] = Path("var/demo"),
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="The shared corpus; a few of its declarations are sent."),
    ] = Path("../shared/corpus"),
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait for each decision.")
    ] = 25.0,
    once: Annotated[
        bool, typer.Option("--once", help="Submit, print, and stop instead of serving on.")
    ] = False,
    history: Annotated[
        int,
        typer.Option(
            "--history",
            min=0,
            help="Declarations of the last 14 days played through the hub on first start"
            " (an empty store), with decisions and control results; 0: none.",
        ),
    ] = 300,
) -> None:
    """Start the embedded hub, submit the sample messages, print each coordinated decision.

    Then keep serving at http://HOST:PORT until Ctrl-C (unless --once).
    """
    import httpx
    import uvicorn

    from hub.api import create_api

    try:
        settings = Settings.from_env()
        if not os.environ.get("HUB_DATABASE_URL", "").strip():
            workdir.mkdir(parents=True, exist_ok=True)
            settings = dataclasses.replace(
                settings, database_url=f"sqlite:///{(workdir / 'hub.db').resolve()}"
            )
        settings = dataclasses.replace(
            settings,
            submission_wait_s=max(settings.submission_wait_s, wait),
            registers_dir=settings.registers_dir or _root_dir() / "registers",
            random_seed=settings.random_seed or _DEMO_SEED,
        )
        wiring = load_wiring()
    except HubError as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        raise typer.Exit(code=2) from None
    messages = demo_messages(_root_dir() / "message_schemas", corpus)
    try:
        fill_on_first_start(settings, wiring, messages, history, sys.stdout)
    except HubError as exc:
        sys.stderr.write(f"ERROR the demo's history was not filled: {exc}\n")
        raise typer.Exit(code=2) from None
    key = SigningKey.load(token_key_path(settings), create=True)
    api = create_api(open_hub=lambda: open_hub(settings, wiring), signing_key=key)
    server = uvicorn.Server(uvicorn.Config(api, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="hub-demo-server", daemon=True)
    thread.start()
    out = sys.stdout
    failed = 0
    try:
        end = time.monotonic() + _READY_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > end:
                sys.stderr.write(f"ERROR the hub did not start on {host}:{port}\n")
                raise typer.Exit(code=2)
            time.sleep(0.05)
        bound = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://{host}:{bound}"
        with httpx.Client(base_url=base, timeout=wait + 30) as client:
            health = client.get("/healthz")
            health.raise_for_status()
            out.write(f"hub (embedded) serving at {base}; database {settings.database_url}\n")
            out.write(f"submitting {len(messages)} message(s)\n")
            for path in messages:
                if not _submit(client, path, wait, out, key):
                    failed += 1
                out.flush()
        if once:
            if failed:
                raise typer.Exit(code=1)
            return
        analyst = key.issue(Principal(subject="demo-analyst", role=Role.JTC))
        out.write(f"serving at {base} until Ctrl-C (try GET {base}/docs)\n")
        out.write(f"the joint targeting centre's page: {base}/jtc (paste the token below)\n")
        out.write(
            "a JTC analyst's token for trying the API (hub token issue makes others):\n"
            f"  curl -H 'Authorization: Bearer {analyst}' {base}/v1/declarations/ID/decision\n"
        )
        out.flush()
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            out.write("stopping\n")
    finally:
        server.should_exit = True
        thread.join(15)
