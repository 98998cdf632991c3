"""``/v1/agencies/{agency}/profiles``: an agency's risk profiles, for its officers.

- ``GET .../profiles`` (``?status=`` to narrow): the versions in force, one
  summary each. ``GET .../profiles/{id}`` (``?version=``): one version whole,
  with every version's status, the change log and the recorded back-tests.
- ``POST .../profiles``: a new version from a profile (JSON, or the YAML of a
  profile file as it is), as a draft or in testing; 201, or 200 when it equals
  the latest version (nothing recorded).
- ``POST .../profiles/{id}/test``, ``.../activate``, ``.../retire``: the life
  cycle of ``hub profiles test|activate|retire``; ``{"reason": ...}`` (a
  retirement needs one).
- ``POST .../profiles/{id}/backtest``: what the latest (or ``version``) would
  have selected in stored declarations the caller names, as the CLI's
  ``backtest --against``, with hit rate and value recovered from the agency's
  recorded control results; ``"compare": true`` sets it beside the active
  profile(s) it would replace; ``"record": true`` keeps it as the evidence
  activation needs.

The agency's reference lists, which the profiles compile against, are
:mod:`hub.api.reference`; what both routers share (the access check, the
problems) is :mod:`hub.api._agency_routes`.

Reading is for the agency's officers and the JTC, changing for its officers
only (:data:`~hub.access.Action.READ_PROFILES`, ``MANAGE_PROFILES``). Which
profiles an agency has is not secret, their content is, so anyone else is
refused (403), not told "not found"; an agency the hub does not have is a 404.

The registry is the hub's database (a
:class:`~hub.store.profile_registry.DatabaseRegistry` over the hub's store,
the one ``hub profiles`` uses), unless ``app.state.profile_registry`` holds
another: both edges change the same record, and what the life cycle
(:mod:`hub.rules.lifecycle`) refuses is a 409 with its reason. Every recorded
change, and every back-test (it reads declarations), appends
``profile.<verb>`` to the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.access import Action, Principal
from hub.api._agency_routes import (
    Body,
    Caller,
    Refusal,
    agency_for,
    audit,
    hub_of,
    invalid,
    parsed,
)
from hub.api.problems import problem
from hub.api.views import visible_declaration
from hub.errors import AccessDenied, UnknownProfile
from hub.model import Declaration
from hub.orchestrator import Hub
from hub.rules.backtest import backtest
from hub.rules.comparison import compare, replaced
from hub.rules.lifecycle import in_force, rules_hash
from hub.rules.load import parse_profile
from hub.rules.outcomes import Outcome, recorded_outcomes
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import ProfileRegistry
from hub.rules.ruleset import RuleSet
from hub.store.profile_registry import DatabaseRegistry

__all__ = ["registry_of", "router"]

router = APIRouter(prefix="/v1/agencies/{agency}", tags=["profiles"])

_PROFILE_TYPES = {"", "application/json", "application/yaml", "application/x-yaml", "text/yaml"}
_NEW_STATUSES = (ProfileStatus.DRAFT, ProfileStatus.TESTING)
_MAX_BODY = 1_000_000  # bytes; a profile file is a few kilobytes


def registry_of(request: Request) -> ProfileRegistry:
    """The profile registry this app changes: ``app.state.profile_registry`` if the edge (or
    a test) set one, else the one the hub selects with (its database's, unless ``open_hub``
    was given another), so what an officer activates here is what the hub assesses with."""
    state = request.app.state
    registry: ProfileRegistry | None = getattr(state, "profile_registry", None)
    if registry is None:
        the_hub = hub_of(request)
        source = the_hub.orchestrator.profiles
        registry = source.registry if source is not None else DatabaseRegistry(the_hub.store)
        state.profile_registry = registry
    return registry


def _versions(registry: ProfileRegistry, agency: str, profile_id: str) -> list[RiskProfile]:
    """Every version of an agency's own profile; another agency's is not reachable here."""
    history = registry.versions(profile_id)
    if not history or history[-1].owner != agency:
        raise UnknownProfile(f"no profile of {agency}", profile_id=profile_id)
    return history


def _summary(profile: RiskProfile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "version": profile.version,
        "status": profile.status.value,
        "title": profile.title,
        "risk_area": profile.risk_area,
        "level": profile.level.value,
        "channel": profile.channel.value,
        "score": profile.score,
        "mandatory": profile.mandatory,
        "confidential": profile.confidential,
    }


def _location(agency: str, profile: RiskProfile) -> str:
    return f"/v1/agencies/{agency}/profiles/{profile.id}"


# Profiles: reading


@router.get("/profiles", response_model=None)
def list_profiles(
    agency: str,
    request: Request,
    principal: Caller,
    status: Annotated[list[str] | None, Query()] = None,
) -> JSONResponse:
    agency_for(request, principal, agency, Action.READ_PROFILES)
    try:
        statuses = tuple(ProfileStatus(s) for s in status) if status else tuple(ProfileStatus)
    except ValueError as exc:
        raise invalid("status", f"{exc}; one of {', '.join(ProfileStatus)}") from None
    profiles = registry_of(request).current(owner=agency, statuses=statuses)
    return JSONResponse({"agency": agency, "profiles": [_summary(p) for p in profiles]})


@router.get("/profiles/{profile_id}", response_model=None)
def read_profile(
    agency: str,
    profile_id: str,
    request: Request,
    principal: Caller,
    version: int | None = None,
) -> JSONResponse:
    agency_for(request, principal, agency, Action.READ_PROFILES)
    registry = registry_of(request)
    history = _versions(registry, agency, profile_id)
    shown = registry.get(profile_id, version)
    body = {
        "agency": agency,
        "profile": shown.model_dump(mode="json", by_alias=True),
        "in_force": [p.version for p in in_force(history)],
        "versions": [{"version": p.version, "status": p.status.value} for p in history],
        "changes": [
            c.model_dump(mode="json", exclude={"profile_id"}) for c in registry.changes(profile_id)
        ],
        "backtests": [
            {
                "version": b.version,
                "at": b.at.isoformat(),
                "by": b.by,
                "declarations": b.result.declarations,
                "hits": [h.model_dump(mode="json") for h in b.result.profiles],
            }
            for b in registry.backtests(profile_id)
        ],
    }
    return JSONResponse(body)


# Profiles: changing


@router.post(
    "/profiles",
    response_model=None,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "One risk profile, as in a profile file (hub.rules.profile).",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
def publish(agency: str, raw: Body, request: Request, principal: Caller) -> JSONResponse:
    found = agency_for(request, principal, agency, Action.MANAGE_PROFILES)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _PROFILE_TYPES:
        return problem(
            415, "Unsupported media type", f"send application/json or application/yaml, not {media}"
        )
    if len(raw) > _MAX_BODY:
        return problem(413, "Profile too large", f"a profile is at most {_MAX_BODY} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(None, f"the profile is not UTF-8: {exc}") from None
    profile = parse_profile(text, file="request body")
    if profile.owner != agency:
        raise invalid("owner", f"a profile of {agency} is owned by {agency}, not {profile.owner}")
    if profile.status not in _NEW_STATUSES:
        raise invalid(
            "status",
            "a new version is a draft or in testing; activate or retire it with "
            f"POST {_location(agency, profile)}/activate or /retire",
        )
    registry = registry_of(request)
    earlier = registry.versions(profile.id)
    if earlier and earlier[-1].owner != agency:
        raise AccessDenied(f"{profile.id} is {earlier[-1].owner}'s profile")
    # As `hub profiles check`: a profile must compile against its agency's reference lists.
    RuleSet.compile([profile], found.references, statuses=tuple(ProfileStatus))
    recorded = registry.publish(profile, by=principal.actor, at=datetime.now(UTC))
    if recorded is None:
        latest = registry.get(profile.id)
        return JSONResponse({"recorded": False, "profile": _summary(latest)})
    audit(
        request,
        principal,
        "profile.publish",
        recorded.id,
        {
            "agency": agency,
            "version": recorded.version,
            "status": recorded.status.value,
            "rules_hash": rules_hash(recorded),
        },
    )
    location = _location(agency, recorded)
    return JSONResponse(
        {"recorded": True, "profile": _summary(recorded)},
        status_code=201,
        headers={"Location": location},
    )


class StatusIn(BaseModel):
    """Why a profile changes status (recorded in the registry and the audit trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class RetireIn(StatusIn):
    """A retirement must say why: the next analyst will ask."""

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


def _status_extra(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"application/json": {"schema": model.model_json_schema()}}
    return {"requestBody": {"required": False, "content": schema}}


def _set_status(
    agency: str,
    profile_id: str,
    status: ProfileStatus,
    reason: str | None,
    request: Request,
    principal: Principal,
) -> JSONResponse:
    agency_for(request, principal, agency, Action.MANAGE_PROFILES)
    registry = registry_of(request)
    before = _versions(registry, agency, profile_id)[-1]
    after = registry.set_status(
        profile_id, status, by=principal.actor, at=datetime.now(UTC), reason=reason
    )
    verb = {ProfileStatus.TESTING: "test", ProfileStatus.ACTIVE: "activate"}.get(status, "retire")
    audit(
        request,
        principal,
        f"profile.{verb}",
        profile_id,
        {
            "agency": agency,
            "version": after.version,
            "from": before.status.value,
            "to": after.status.value,
            "reason": reason,
        },
    )
    return JSONResponse(
        {
            "profile": _summary(after),
            "was": {"version": before.version, "status": before.status.value},
        }
    )


@router.post(
    "/profiles/{profile_id}/test", response_model=None, openapi_extra=_status_extra(StatusIn)
)
def put_in_testing(
    agency: str, profile_id: str, raw: Body, request: Request, principal: Caller
) -> JSONResponse:
    """Put a draft (or retired) profile into testing, where back-tests cover it."""
    body = parsed(StatusIn, raw)
    return _set_status(agency, profile_id, ProfileStatus.TESTING, body.reason, request, principal)


@router.post(
    "/profiles/{profile_id}/activate", response_model=None, openapi_extra=_status_extra(StatusIn)
)
def activate(
    agency: str, profile_id: str, raw: Body, request: Request, principal: Caller
) -> JSONResponse:
    """Make a profile in testing select goods; refused (409) without a recorded back-test."""
    body = parsed(StatusIn, raw)
    return _set_status(agency, profile_id, ProfileStatus.ACTIVE, body.reason, request, principal)


@router.post(
    "/profiles/{profile_id}/retire", response_model=None, openapi_extra=_status_extra(RetireIn)
)
def retire(
    agency: str, profile_id: str, raw: Body, request: Request, principal: Caller
) -> JSONResponse:
    """Stop a profile selecting goods; its versions stay readable."""
    body = parsed(RetireIn, raw)
    return _set_status(agency, profile_id, ProfileStatus.RETIRED, body.reason, request, principal)


class BacktestIn(BaseModel):
    """A back-test over stored declarations, as ``hub profiles backtest`` runs one over files.

    ``outcomes`` (declaration id or functional reference -> did its control
    find something) stand in for the agency's recorded control results, which
    are used where none is given; ``at`` judges validity windows (default:
    ignored); ``compare`` back-tests the active profile(s) the version would
    replace too, on the same declarations; ``record`` keeps the result (of the
    version only) as the evidence activation needs.
    """

    model_config = ConfigDict(extra="forbid")

    declarations: list[str] = Field(min_length=1, max_length=10_000)
    version: int | None = Field(default=None, ge=1)
    record: bool = False
    outcomes: dict[str, bool] = {}
    at: AwareDatetime | None = None
    compare: bool = False


def _outcomes(
    the_hub: Hub, agency: str, declarations: list[Declaration], given: dict[str, bool]
) -> dict[str, Outcome]:
    """What each control found: as given, else the agency's recorded results (a detention,
    a seizure or a discrepancy is a detection, with the duty or value at stake recovered);
    unknown declarations are left out."""
    found = recorded_outcomes(the_hub.store, [d.id for d in declarations], [agency])[agency]
    for d in declarations:
        keys = [k for k in (d.id, d.functional_reference) if k is not None and k in given]
        if keys:
            found[d.id] = Outcome(found=given[keys[0]])
    return found


@router.post(
    "/profiles/{profile_id}/backtest",
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BacktestIn.model_json_schema()}},
        }
    },
)
def run_backtest(
    agency: str, profile_id: str, raw: Body, request: Request, principal: Caller
) -> JSONResponse:
    """Run one version over declarations the officer may read; each other id is a 404."""
    found = agency_for(request, principal, agency, Action.MANAGE_PROFILES)
    registry = registry_of(request)
    _versions(registry, agency, profile_id)
    body = parsed(BacktestIn, raw)
    profile = registry.get(profile_id, body.version)
    the_hub = hub_of(request)
    declarations = [
        visible_declaration(the_hub, principal, d).declaration
        for d in dict.fromkeys(body.declarations)
    ]
    specs = {name: a.spec for name, a in the_hub.orchestrator.agencies.items()}
    active, basis = (
        replaced(profile, registry.versions(profile.id), registry.current(owner=agency))
        if body.compare
        else ([], None)
    )
    outcomes = _outcomes(the_hub, agency, declarations, body.outcomes)
    try:
        result = backtest(
            [profile, *active],
            declarations,
            found.references,
            at=body.at,
            outcomes=outcomes,
            agencies=specs,
        )
    except ValueError as exc:
        raise Refusal(problem(422, "Back-test refused", str(exc))) from None
    now = datetime.now(UTC)
    if body.record:
        registry.record_backtest(profile.id, profile.version, result, by=principal.actor, at=now)
    hits = result.profiles[0]
    comparison = compare(hits, result.profiles[1:], basis, outcomes) if basis is not None else None
    audit(
        request,
        principal,
        "profile.backtest",
        profile.id,
        {
            "agency": agency,
            "version": profile.version,
            "declarations": result.declarations,
            "hit": hits.declarations,
            "recorded": body.record,
        },
    )
    return JSONResponse(
        {
            "profile": _summary(profile),
            "recorded": body.record,
            "result": result.model_dump(mode="json"),
            "summary": result.lines(),
            "comparison": comparison.model_dump(mode="json") if comparison else None,
            "comparison_summary": comparison.lines() if comparison else None,
        }
    )
