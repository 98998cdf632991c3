"""``hub serve`` and ``hub worker``: the API process and the Celery worker processes.

Both read :class:`~hub.settings.Settings` from the environment and find the
adapters through the ``hub.wiring`` entry point (``hub/`` never imports
``adapters/``). ``hub serve --tls-cert/--tls-key`` serves HTTPS, so partner
administrations can deliver to ``POST /v1/exchange`` directly;
``hub worker --exchange`` delivers our messages to partners and takes theirs
from the inbound AMQP queue (:mod:`hub.exchange.amqp_inbox`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from celery.utils.nodenames import host_format

from hub.errors import HubError
from hub.exchange.amqp_inbox import add_inbound_consumer
from hub.orchestrator import load_wiring, open_hub
from hub.settings import Settings

__all__ = ["serve", "worker"]


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            "--tls-cert",
            exists=True,
            dir_okay=False,
            help="Serve HTTPS with this PEM certificate (chain); needs --tls-key.",
        ),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(
            "--tls-key",
            exists=True,
            dir_okay=False,
            help="The PEM private key of --tls-cert.",
        ),
    ] = None,
) -> None:
    """Run the REST API.

    Embedded unless HUB_BROKER_URL is set: a SQLite file in the working
    directory (HUB_DATABASE_URL to change it), migrations applied on start,
    an in-process broker and worker. Distributed: RabbitMQ and PostgreSQL,
    with `hub worker` processes doing the assessments.

    With --tls-cert and --tls-key the API is served over HTTPS only (partner
    administrations deliver to POST /v1/exchange); without them, plain HTTP
    for a TLS-terminating proxy in front.
    """
    import uvicorn

    from hub.api import create_api

    try:
        settings = Settings.from_env()
        wiring = load_wiring()
    except HubError as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        raise typer.Exit(code=2) from None
    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter(
            "give both --tls-cert and --tls-key, or neither",
            param_hint="--tls-cert" if tls_cert is None else "--tls-key",
        )
    api = create_api(open_hub=lambda: open_hub(settings, wiring))
    uvicorn.run(
        api,
        host=host,
        port=port,
        log_level="info",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )


def worker(
    agency: Annotated[
        list[str] | None,
        typer.Option("--agency", help="Consume this agency's queue (repeatable)."),
    ] = None,
    decide: Annotated[
        bool, typer.Option("--decide", help="Consume the decide queue and relay the outbox.")
    ] = False,
    exchange: Annotated[
        bool,
        typer.Option(
            "--exchange",
            help="Deliver our messages to partners and receive theirs from the inbound queue.",
        ),
    ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Threads.")] = 4,
) -> None:
    """A Celery worker on agencies' queues, the decide queue or the exchange's; distributed.

    Needs HUB_BROKER_URL (RabbitMQ) and HUB_DATABASE_URL (PostgreSQL): the
    in-process broker cannot reach another process. --exchange consumes the
    outbound deliveries (hub.exchange) and the queue partners publish their
    signed messages to (hub.exchange.inbound, behind HUB_QUEUE_PREFIX).
    """
    names = list(agency or [])
    if not names and not decide and not exchange:
        raise typer.BadParameter(
            "give --agency NAME, --decide or --exchange", param_hint="--agency"
        )
    try:
        settings = Settings.from_env()
        if settings.embedded:
            raise HubError(
                "hub worker needs HUB_BROKER_URL (e.g. amqp://...); embedded mode "
                "runs its worker inside hub serve"
                + (
                    ", and no partner can reach its in-process broker: partners "
                    "deliver to POST /v1/exchange (hub serve --tls-cert/--tls-key)"
                    if exchange
                    else ""
                )
            )
        hub = open_hub(settings, load_wiring(), embedded_worker=False, relay=decide)
    except HubError as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        raise typer.Exit(code=2) from None
    try:
        unknown = [n for n in names if n not in hub.orchestrator.agencies]
        if unknown:
            sys.stderr.write(f"ERROR unknown agency: {', '.join(unknown)}\n")
            raise typer.Exit(code=2)
        queues = [hub.orchestrator.queue_of(n) for n in names]
        if decide:
            queues.append(hub.orchestrator.decide_queue)
        assert hub.app is not None
        if exchange:
            assert hub.liaison is not None
            queues.append(hub.liaison.queue)
            add_inbound_consumer(hub.app, hub.liaison)
        # The thread pool runs tasks through the process's default app.
        hub.app.set_default()
        role = "-".join(
            [*names, *(["decide"] if decide else []), *(["exchange"] if exchange else [])]
        )
        hub.app.Worker(
            queues=queues,
            pool="threads",
            concurrency=concurrency,
            hostname=host_format(f"hub-{role}@%h"),
            loglevel="INFO",
            quiet=True,
            without_mingle=True,
            without_gossip=True,
        ).start()
    finally:
        hub.close()
