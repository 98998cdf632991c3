"""An agency plugged into the hub, as its ``agency.yaml`` describes it, and its loader.

Every agency (customs, phytosanitary, veterinary, police, and any added later)
is a folder under ``agencies/``: ``agency.yaml`` (this schema), ``profiles/``
(its risk profiles) and ``reference/`` (its reference lists). The hub reads
the folder with generic code; a new agency is a new folder, never a change to
``hub/``.

Loading is all-or-nothing for what the agency *is* (its spec and reference
data: a wrong queue or a missing list would route or judge goods wrongly) and
file by file for what it *selects*: a broken profile file is refused whole and
reported in :attr:`Agency.rejected`, and the agency runs with its other
profiles, as a running rule set must survive one bad edit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.datafile import LocatedError, field_path, first_error, line_of, read_yaml
from hub.errors import InvalidAgency, InvalidProfile, InvalidReference
from hub.model.declaration import DeclarationKind
from hub.model.finding import RequestedChannel
from hub.rules.load import PROFILE_SUFFIXES, parse_profiles
from hub.rules.overlay import overlay, registered
from hub.rules.profile import ProfileStatus, RiskProfile, Scope
from hub.rules.reference import ReferenceData, ReferenceList, load_reference
from hub.rules.ruleset import RuleSet

if TYPE_CHECKING:  # hub.rules.registry imports this module (through hub.rules.backtest)
    from hub.rules.registry import ProfileRegistry

__all__ = [
    "AGENCY_FILE",
    "JTC",
    "AdapterSpec",
    "Agency",
    "AgencySpec",
    "Concerns",
    "default_agencies_dir",
    "load_agencies",
    "load_agency",
]


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
    queue: str  # its own queue (an AMQP agency consumes it); the hub assesses on hub.assess.<queue>
    deadline_s: float = Field(gt=0)  # after this the fail-safe finding stands in
    fail_safe: RequestedChannel  # never green: an unanswered agency is not a clearance
    findings_visible_to: tuple[str, ...] = ()  # other agencies (and 'jtc') that may read
    confidential_visible_to: tuple[str, ...] = ("jtc",)
    profiles: str = "profiles"  # folder of profile files, relative to the agency folder
    reference: tuple[str, ...] = ()  # reference list files, relative to the agency folder
    adapter: AdapterSpec = AdapterSpec()


# --- Loading agency folders -------------------------------------------------

AGENCY_FILE = "agency.yaml"
JTC = "jtc"  # the joint targeting centre: may be named as a reader of any agency's findings
_ALL_STATUSES = tuple(ProfileStatus)


def default_agencies_dir() -> Path:
    """``agencies/`` at the root of the repository this package lives in."""
    return Path(__file__).resolve().parents[1] / "agencies"


@dataclass(frozen=True, eq=False)
class Agency:
    """An agency as loaded: its spec, its folder, its profiles and its reference lists.

    ``profiles`` holds every profile that loaded and checked out, whatever its
    status (draft, testing, active, retired): which ones select goods is
    decided when a rule set is compiled (:meth:`compile`). ``rejected`` holds
    one :class:`~hub.errors.InvalidProfile` per profile file refused whole, so
    a broken file is reported (``hub profiles check``, a reload) without
    taking the agency's other profiles down. ``warnings`` names loaded
    profiles that routing keeps from most or all of the goods they describe
    (their codes or kinds lie outside the agency's ``concerns``): a profile
    that can never fire is a silent gap in the controls.
    """

    spec: AgencySpec
    folder: Path
    profiles: tuple[RiskProfile, ...]
    references: ReferenceData
    rejected: tuple[InvalidProfile, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.spec.name

    def compile(self, *, statuses: Collection[ProfileStatus] = (ProfileStatus.ACTIVE,)) -> RuleSet:
        """The agency's rule set: its profiles of ``statuses`` over its reference lists."""
        return RuleSet.compile(self.profiles, self.references, statuses=statuses)

    def overlaid(self, registry: ProfileRegistry) -> Agency:
        """This agency with the profiles in force once ``registry`` is laid over its folder.

        Which version wins is :func:`hub.rules.overlay.overlay`'s rule. A
        registry version that does not compile against this agency's
        reference lists (a list renamed since it was recorded) is left out
        and reported in ``rejected``, its ``file`` naming id and version, as
        a broken profile file is: it must not take the agency's other
        profiles down. Reads the registry; its errors propagate.
        """
        recorded, decided = registered(registry, self.name, {p.id for p in self.profiles})
        loaded = {id(p) for p in self.profiles}  # checked when the folder loaded
        profiles: list[RiskProfile] = []
        rejected = list(self.rejected)
        for profile in overlay(self.profiles, recorded, decided):
            if id(profile) not in loaded:
                try:
                    RuleSet.compile([profile], self.references, statuses=_ALL_STATUSES)
                except InvalidProfile as exc:
                    rejected.append(exc)
                    continue
            profiles.append(profile)
        warnings = tuple(w for p in profiles if (w := _out_of_reach(self.spec.concerns, p)))
        return replace(self, profiles=tuple(profiles), rejected=tuple(rejected), warnings=warnings)


def load_agencies(root: Path | None = None) -> dict[str, Agency]:
    """Every agency under ``root`` (default :func:`default_agencies_dir`), by name, sorted.

    Each folder is an agency and must hold ``agency.yaml``; folders whose
    name starts with ``_`` or ``.`` (``__pycache__``) and plain files are not
    agencies. Across agencies: queues are distinct, reference list names are
    distinct (profiles name them), and every name in ``findings_visible_to``
    and ``confidential_visible_to`` is an agency or ``jtc``.

    Raises :class:`~hub.errors.InvalidAgency` naming the file and key, or
    :class:`~hub.errors.InvalidReference` naming the list file; a broken
    *profile* never raises here (see :attr:`Agency.rejected`).
    """
    root = default_agencies_dir() if root is None else root
    if not root.is_dir():
        raise InvalidAgency("the agencies directory does not exist", file=str(root))
    agencies: dict[str, Agency] = {}
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith(("_", ".")):
            agency = load_agency(folder)
            agencies[agency.name] = agency
    _check_across(agencies)
    return agencies


def load_agency(folder: Path) -> Agency:
    """Read one agency folder: ``agency.yaml``, its reference lists, then its profiles.

    The spec and the reference lists must all be sound, or the agency is
    refused (:class:`~hub.errors.InvalidAgency`,
    :class:`~hub.errors.InvalidReference`): profiles cannot be judged against
    data that failed to load. A profile file is refused whole, into
    ``rejected``, when it does not parse or validate, repeats an id and
    version, names another owner, or names a reference list the agency lacks
    (or one of the wrong kind) in ``in_list`` or ``screening``.
    """
    file = folder / AGENCY_FILE
    spec, root = _read_spec(file)
    if spec.name != folder.name:
        raise _at(file, root, ("name",), f"name {spec.name!r} must equal the folder name")
    _check_concerns(spec, file, root)
    profiles_dir = _inside(folder, spec.profiles, file, root, ("profiles",))
    if not profiles_dir.is_dir():
        raise _at(file, root, ("profiles",), f"profile folder {spec.profiles!r} does not exist")
    lists: list[ReferenceList] = []
    for index, relative in enumerate(spec.reference):
        path = _inside(folder, relative, file, root, ("reference", index))
        if not path.is_file():
            raise _at(file, root, ("reference", index), f"reference list {relative!r} not found")
        found = load_reference(path)
        if found.owner != spec.name:
            raise InvalidReference(
                f"owner {found.owner!r} must be the agency {spec.name!r}",
                file=str(path),
                field="owner",
            )
        lists.append(found)
    references = ReferenceData(lists)
    profiles, rejected = _load_profiles(profiles_dir, spec.name, references)
    warnings = tuple(w for p in profiles if (w := _out_of_reach(spec.concerns, p)))
    return Agency(spec, folder, tuple(profiles), references, tuple(rejected), warnings)


def _out_of_reach(concerns: Concerns, profile: RiskProfile) -> str | None:
    """Why routing keeps ``profile`` from (some of) its goods, or ``None``.

    A view holds only routed items, so an item profile whose commodity codes
    no concern covers sees only items routed by document or procedure.
    """
    name = f"{profile.id} v{profile.version}"
    when = profile.when
    if concerns.kinds and when.kind and not set(when.kind) & set(concerns.kinds):
        kinds = ", ".join(k.value for k in when.kind)
        return f"{name}: kind {kinds} is never routed to the agency; it can select nothing"
    if concerns.always or profile.scope is not Scope.ITEM or not when.commodity:
        return None
    covered = concerns.commodity
    if any(p.startswith(c) or c.startswith(p) for p in when.commodity for c in covered):
        return None
    codes = ", ".join(when.commodity)
    if concerns.documents or concerns.procedures:
        reach = "only items routed to the agency by document or procedure"
    else:
        reach = "nothing"
    return f"{name}: commodity {codes} lies outside the agency's concerns; it can select {reach}"


def _read_spec(file: Path) -> tuple[AgencySpec, yaml.Node | None]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidAgency(
            f"every folder under agencies/ is an agency and needs {AGENCY_FILE}", file=str(file)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidAgency(f"cannot read: {exc}", file=str(file)) from None
    try:
        data, root = read_yaml(text)
    except LocatedError as exc:
        raise InvalidAgency(exc.message, file=str(file), line=exc.line, field=exc.field) from None
    if not isinstance(data, dict):
        raise InvalidAgency("agency.yaml is a mapping of keys", file=str(file), line=1)
    try:
        return AgencySpec.model_validate(data), root
    except ValidationError as exc:
        located = first_error(exc, root)
        raise InvalidAgency(
            located.message, file=str(file), line=located.line, field=located.field
        ) from None


def _at(
    file: Path, root: yaml.Node | None, loc: tuple[int | str, ...], message: str
) -> InvalidAgency:
    return InvalidAgency(message, file=str(file), line=line_of(root, loc), field=field_path(loc))


def _inside(
    folder: Path, relative: str, file: Path, root: yaml.Node | None, loc: tuple[int | str, ...]
) -> Path:
    # An agency reads only its own folder: no absolute paths, no way out with '..'.
    path = (folder / relative).resolve()
    if Path(relative).is_absolute() or not path.is_relative_to(folder.resolve()):
        raise _at(file, root, loc, f"{relative!r} must be a path inside the agency folder")
    return path


def _check_concerns(spec: AgencySpec, file: Path, root: yaml.Node | None) -> None:
    c = spec.concerns
    if not (c.always or c.commodity or c.documents or c.procedures):
        raise _at(
            file,
            root,
            ("concerns",),
            "concerns must say always: true, or list commodity, documents or procedures",
        )
    for index, prefix in enumerate(c.commodity):
        if not (prefix.isdigit() and 2 <= len(prefix) <= 10):
            raise _at(
                file,
                root,
                ("concerns", "commodity", index),
                f"commodity prefix {prefix!r} must be 2 to 10 digits (quote it: '0703')",
            )
    for index, procedure in enumerate(c.procedures):
        if not (procedure.isdigit() and 2 <= len(procedure) <= 4):
            raise _at(
                file,
                root,
                ("concerns", "procedures", index),
                f"procedure prefix {procedure!r} must be 2 to 4 digits",
            )
    kinds = {k.value for k in DeclarationKind}
    for index, kind in enumerate(c.kinds):
        if kind not in kinds:
            raise _at(
                file,
                root,
                ("concerns", "kinds", index),
                f"kind {kind!r} must be one of {', '.join(sorted(kinds))}",
            )


def _load_profiles(
    directory: Path, owner: str, references: ReferenceData
) -> tuple[list[RiskProfile], list[InvalidProfile]]:
    profiles: list[RiskProfile] = []
    rejected: list[InvalidProfile] = []
    seen: dict[tuple[str, int], str] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() not in PROFILE_SUFFIXES:
            continue
        try:
            found = _load_file(path, owner, references, seen)
        except InvalidProfile as exc:
            rejected.append(exc)
            continue
        for profile in found:
            seen[profile.key] = str(path)
        profiles.extend(found)
    return profiles, rejected


def _load_file(
    path: Path, owner: str, references: ReferenceData, seen: Mapping[tuple[str, int], str]
) -> list[RiskProfile]:
    """The profiles of one file, or InvalidProfile at the first fault: refused whole."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProfile(f"cannot read: {exc}", file=str(path)) from None
    found = parse_profiles(text, file=str(path))
    for index, profile in enumerate(found):
        prefix: tuple[int, ...] = (index,) if len(found) > 1 else ()

        def refuse(message: str, field: str, prefix: tuple[int, ...] = prefix) -> InvalidProfile:
            loc: tuple[int | str, ...] = (*prefix, *field.split("."))
            _, root = read_yaml(text)  # parsed again only to name the line
            return InvalidProfile(
                message, file=str(path), line=line_of(root, loc), field=field_path(loc)
            )

        if profile.owner != owner:
            raise refuse(f"owner {profile.owner!r} must be the agency {owner!r}", "owner")
        if profile.key in seen:
            raise refuse(
                f"{profile.id} version {profile.version} is already in {seen[profile.key]}", "id"
            )
        try:
            # Compiling alone checks what a rule set would refuse (list names and kinds,
            # screening targets, typed CEL) before the profile can reach one.
            RuleSet.compile([profile], references, statuses=_ALL_STATUSES)
        except InvalidProfile as exc:
            raise refuse(exc.message, exc.field or "when") from None
    return found


def _check_across(agencies: Mapping[str, Agency]) -> None:
    queues: dict[str, str] = {}
    list_owner: dict[str, str] = {}
    readers = {*agencies, JTC}
    for name, agency in agencies.items():
        file = agency.folder / AGENCY_FILE
        spec = agency.spec
        if spec.queue in queues:
            raise _located(
                file, ("queue",), f"queue {spec.queue!r} is already used by {queues[spec.queue]}"
            )
        queues[spec.queue] = name
        for key in ("findings_visible_to", "confidential_visible_to"):
            for index, reader in enumerate(getattr(spec, key)):
                if reader not in readers:
                    raise _located(
                        file,
                        (key, index),
                        f"{reader!r} is neither an agency nor {JTC!r}",
                    )
        for list_name, found in agency.references.items():
            if list_name in list_owner:
                raise InvalidReference(
                    f"list name {list_name!r} is already used by agency {list_owner[list_name]}",
                    file=found.file,
                    field="name",
                )
            list_owner[list_name] = name


def _located(file: Path, loc: tuple[int | str, ...], message: str) -> InvalidAgency:
    # Checks across agencies run after loading; read the file again only to name the line.
    try:
        _, root = read_yaml(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, LocatedError):
        root = None
    return _at(file, root, loc, message)
