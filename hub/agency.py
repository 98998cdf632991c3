"""An agency plugged into the hub, as its ``agency.yaml`` describes it.

Every agency (customs, phytosanitary, veterinary, police, and any added later)
is a folder under ``agencies/``: ``agency.yaml`` (this schema), ``profiles/``
(its risk profiles) and ``reference/`` (its reference lists). The hub reads
the folder with generic code; a new agency is a new folder, never a change to
``hub/``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hub.model.finding import RequestedChannel

__all__ = ["AdapterSpec", "AgencySpec", "Concerns"]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Concerns(_Spec):
    """Which declarations and goods items an agency must assess.

    ``always``: every declaration, every item (customs, police). Otherwise an
    item concerns the agency when its commodity code starts with one of
    ``commodity`` prefixes, or it carries one of ``documents`` (e.g. N851), or
    its procedure code starts with one of ``procedures``. ``kinds`` limits the
    declarations considered (empty: all kinds).
    """

    always: bool = False
    commodity: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


class AdapterSpec(_Spec):
    """How the hub reaches the agency's risk module (issue: orchestration)."""

    kind: str = "in-process"  # in-process | http | amqp
    url: str | None = None


class AgencySpec(_Spec):
    """The contents of one ``agency.yaml``."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")  # equals the folder name
    title: str
    concerns: Concerns
    queue: str  # its Celery / AMQP queue
    deadline_s: float = Field(gt=0)  # after this the fail-safe finding stands in
    fail_safe: RequestedChannel  # never green: an unanswered agency is not a clearance
    findings_visible_to: tuple[str, ...] = ()  # other agencies (and 'jtc') that may read
    confidential_visible_to: tuple[str, ...] = ("jtc",)
    profiles: str = "profiles"  # folder of profile files, relative to the agency folder
    reference: tuple[str, ...] = ()  # reference list files, relative to the agency folder
    adapter: AdapterSpec = AdapterSpec()
