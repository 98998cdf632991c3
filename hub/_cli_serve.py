"""``hub serve`` and ``hub worker``: the API process and the Celery worker processes.

Both read :class:`~hub.settings.Settings` from the environment and find the
adapters through the ``hub.wiring`` entry point (``hub/`` never imports
``adapters/``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hub.errors import HubError
from hub.orchestrator import load_wiring, open_hub
from hub.settings import Settings

__all__ = ["serve", "worker"]


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Run the REST API.

    Embedded unless HUB_BROKER_URL is set: a SQLite file in the working
    directory (HUB_DATABASE_URL to change it), migrations applied on start,
    an in-process broker and worker. Distributed: RabbitMQ and PostgreSQL,
    with `hub worker` processes doing the assessments.
    """
    import uvicorn

    from hub.api import create_api

    try:
        settings = Settings.from_env()
        wiring = load_wiring()
    except HubError as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        raise typer.Exit(code=2) from None
    api = create_api(open_hub=lambda: open_hub(settings, wiring))
    uvicorn.run(api, host=host, port=port, log_level="info")


def worker(
    agency: Annotated[
        list[str] | None,
        typer.Option("--agency", help="Consume this agency's queue (repeatable)."),
    ] = None,
    decide: Annotated[
        bool, typer.Option("--decide", help="Consume the decide queue and relay the outbox.")
    ] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Threads.")] = 4,
) -> None:
    """A Celery worker on one agency's queue (or the decide queue), distributed mode.

    Needs HUB_BROKER_URL (RabbitMQ) and HUB_DATABASE_URL (PostgreSQL): the
    in-process broker cannot reach another process.
    """
    names = list(agency or [])
    if not names and not decide:
        raise typer.BadParameter("give --agency NAME or --decide", param_hint="--agency")
    try:
        settings = Settings.from_env()
        if settings.embedded:
            raise HubError(
                "hub worker needs HUB_BROKER_URL (e.g. amqp://...); embedded mode "
                "runs its worker inside hub serve"
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
        # The thread pool runs tasks through the process's default app.
        hub.app.set_default()
        role = "decide" if decide and not names else "-".join(names)
        hub.app.Worker(
            queues=queues,
            pool="threads",
            concurrency=concurrency,
            hostname=f"hub-{role}@%h",
            loglevel="INFO",
            quiet=True,
            without_mingle=True,
            without_gossip=True,
        ).start()
    finally:
        hub.close()
