"""``hub rating``: rate every trader and carrier now, and read ratings, proposals, applications.

``run`` is what the serving hub does every ``HUB_RATING_INTERVAL_H``: rate
every party seen, record the ratings (audited under the shell's user), which
the rules' ``trader_rating`` reads from the next reload on. ``show`` reads a
party's latest rating (``--fresh`` computes it now without storing),
``proposals`` the traders proposed for post-clearance audit and
``aeo-application`` scores an application from the applicant's record. The
clock is read here, at the edge.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from hub._cli_store import cli_actor, cli_store, fail
from hub.decision.aeo import load_aeo_register
from hub.errors import HubError
from hub.rating import (
    Rating,
    RatingWeights,
    TraderHistory,
    current_proposals,
    load_rating_weights,
    rate,
    rate_all,
    score_aeo_application,
)
from hub.settings import Settings
from hub.store import Store

__all__ = ["rating_app"]

rating_app = typer.Typer(
    name="rating",
    help="Behavioural ratings of traders and carriers, audit proposals, AEO applications.",
    no_args_is_help=True,
    add_completion=False,
)

_JSON = Annotated[bool, typer.Option("--json", help="One JSON document.")]


def _register(settings: Settings, name: str) -> Path | None:
    return settings.registers_dir / name if settings.registers_dir else None


def _weights(settings: Settings) -> RatingWeights:
    try:
        return load_rating_weights(_register(settings, "rating.yaml"))
    except HubError as exc:
        fail(str(exc))


def _seed_aeo(store: Store, settings: Settings, now: datetime) -> None:
    """The register file's certificates the store does not know yet, as the serving hub seeds."""
    try:
        register = load_aeo_register(_register(settings, "aeo.yaml"))
    except HubError as exc:
        fail(str(exc))
    store.record_aeo(
        register.certificates, source="register-file", actor="hub:registers", at=now, only_new=True
    )


def _print_rating(rating: Rating) -> None:
    when = f"{rating.rated_at:%Y-%m-%d %H:%M}"
    print(f"{rating.party}: {rating.score} ({rating.band.value}), rated {when}")
    for reason in rating.reasons:
        print(f"  - {reason}")


@rating_app.command("run")
def run(as_json: _JSON = False) -> None:
    """Rate every party seen in the rating window and record the ratings."""
    now = datetime.now(UTC)
    with cli_store() as (store, settings):
        weights = _weights(settings)
        _seed_aeo(store, settings, now)
        histories = store.trader_histories(now - timedelta(days=weights.window_days))
        ratings = rate_all(histories, now, weights)
        store.record_ratings(list(ratings.values()), now, actor=cli_actor())
        proposals = current_proposals(store, now, weights)
    bands = Counter(r.band.value for r in ratings.values())
    if as_json:
        print(
            json.dumps({"rated": len(ratings), "bands": dict(bands), "proposals": len(proposals)})
        )
        return
    print(
        f"rated {len(ratings)} parties: high {bands['high']}, medium {bands['medium']},"
        f" low {bands['low']}; {len(proposals)} proposed for post-clearance audit"
    )


@rating_app.command("show")
def show(
    party: Annotated[str, typer.Argument(help="The party's identifier (EORI, TIN).")],
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Compute it now from the record, without storing.")
    ] = False,
    as_json: _JSON = False,
) -> None:
    """A party's latest rating with its reasons."""
    now = datetime.now(UTC)
    with cli_store() as (store, settings):
        if fresh:
            weights = _weights(settings)
            histories = store.trader_histories(now - timedelta(days=weights.window_days))
            certificates = tuple(c for c in store.aeo_certificates() if c.operator == party)
            history = histories.get(party, TraderHistory(party, certificates=certificates))
            rating: Rating | None = rate(history, now, weights)
        else:
            rating = store.latest_ratings().get(party)
    if rating is None:
        fail(f"{party} has no rating yet: `hub rating run`, or --fresh", code=1)
    if as_json:
        print(rating.model_dump_json())
    else:
        _print_rating(rating)


@rating_app.command("proposals")
def proposals(as_json: _JSON = False) -> None:
    """Traders proposed for post-clearance audit (blue), lowest rating first."""
    now = datetime.now(UTC)
    with cli_store() as (store, settings):
        found = current_proposals(store, now, _weights(settings))
    if as_json:
        print(json.dumps([p.model_dump(mode="json") for p in found]))
        return
    if not found:
        print("no trader proposed for post-clearance audit")
    for proposal in found:
        print(f"{proposal.party}: {proposal.score}")
        for reason in proposal.reasons:
            print(f"  - {reason}")


@rating_app.command("aeo-application")
def aeo_application(
    party: Annotated[str, typer.Argument(help="The applicant's identifier (EORI).")],
    as_json: _JSON = False,
) -> None:
    """Score an application for AEO status from the applicant's whole record."""
    now = datetime.now(UTC)
    with cli_store() as (store, settings):
        weights = _weights(settings)
        history = store.trader_histories(None).get(party)
        certificates = tuple(c for c in store.aeo_certificates() if c.operator == party)
    score = score_aeo_application(
        history or TraderHistory(party, certificates=certificates), now.date(), weights
    )
    if as_json:
        print(score.model_dump_json())
        return
    print(f"{party}: {score.score} points, recommend {score.recommendation.value}")
    for criterion in score.criteria:
        mark = "met" if criterion.met else "NOT met"
        print(f"  - {criterion.criterion} ({mark}, {criterion.points}): {criterion.finding}")
