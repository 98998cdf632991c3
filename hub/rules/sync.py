"""Import the profile files officers edit into the registry, refusing broken ones whole.

Officers change their agency's rules by editing ``agencies/<name>/profiles/``;
:func:`sync` brings those files into a :class:`~hub.rules.registry.ProfileRegistry`.
A file whose rules differ from the latest recorded version becomes a new
version; "differ" is decided by content (``lifecycle.rules_hash``), so
reformatting, comments or a bumped ``version:`` alone record nothing. A file
that does not load is refused whole, with the file, line and field, and the
other files go on.

Files carry content; the life cycle is changed with ``hub profiles activate``
and ``retire``, which record who and why. So a file's ``status`` counts only
when its rules are new: a file marked ``active`` whose rules have no recorded
back-test is stored as ``testing`` (and said so), and a status that differs
from the registry's for unchanged rules is reported, not applied.

A running hub lays the registry over the folders (:mod:`hub.rules.overlay`):
an id synced as a draft or in testing stays the folder's, so storing an
active file as testing does not switch its control off; once the registry
records an activation or a retirement of the id, the registry decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from hub.errors import ChangeRefused, HubError, InvalidProfile
from hub.rules.lifecycle import rules_hash
from hub.rules.load import PROFILE_SUFFIXES, parse_profiles
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import ProfileRegistry

__all__ = ["ProfileFiles", "SyncReport", "profile_files", "read_profile_files", "sync"]


@dataclass(frozen=True)
class ProfileFiles:
    """Profile files read under a source: those accepted, with their profiles, and those refused."""

    accepted: tuple[tuple[Path, tuple[RiskProfile, ...]], ...] = ()
    refused: tuple[InvalidProfile, ...] = ()

    @property
    def profiles(self) -> list[RiskProfile]:
        return [profile for _, profiles in self.accepted for profile in profiles]


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: versions recorded, ids unchanged, files refused, and notes."""

    published: tuple[RiskProfile, ...] = ()
    unchanged: tuple[str, ...] = ()
    refused: tuple[InvalidProfile, ...] = ()
    notes: tuple[str, ...] = ()


def _agency_profiles(agency: Path) -> Path:
    """The agency's profile folder, as its ``agency.yaml`` names it (default ``profiles``)."""
    try:
        spec = yaml.safe_load((agency / "agency.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        spec = None
    folder = spec.get("profiles") if isinstance(spec, dict) else None
    return agency / (folder if isinstance(folder, str) else "profiles")


def _files_in(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in PROFILE_SUFFIXES
    )


def profile_files(source: Path) -> Iterator[tuple[Path, str | None]]:
    """Each profile file under ``source`` with the agency that must own it (if known).

    ``source`` is a profile file, a folder of profile files, one agency folder
    (holding ``agency.yaml``) or the agencies root (folders of agencies). An
    agency's profiles must be owned by that agency: the folder name is its name.
    """
    if source.is_file():
        yield source, None
    elif (source / "agency.yaml").is_file():
        for path in _files_in(_agency_profiles(source)):
            yield path, source.name
    else:
        agencies = sorted(d for d in source.iterdir() if (d / "agency.yaml").is_file())
        if not agencies:
            for path in _files_in(source):
                yield path, None
        for agency in agencies:
            for path in _files_in(_agency_profiles(agency)):
                yield path, agency.name


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^[\s-]*{key}\s*:", text, flags=re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _read(path: Path, owner: str | None) -> list[RiskProfile]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProfile(f"cannot read: {exc}", file=str(path)) from None
    profiles = parse_profiles(text, file=str(path))
    for profile in profiles:
        if owner is not None and profile.owner != owner:
            raise InvalidProfile(
                f"{profile.id} is owned by {profile.owner!r}, but lies in agency {owner!r}",
                file=str(path),
                line=_line_of(text, "owner"),
                field="owner",
            )
    return profiles


def _check(check: Callable[[RiskProfile], None], profile: RiskProfile, path: Path) -> None:
    """Run ``check``; its refusal is restated against the file, at the field's line."""
    try:
        check(profile)
    except InvalidProfile as exc:
        key = (exc.field or "").split(".")[-1].split("[")[0]
        line = _line_of(path.read_text(encoding="utf-8"), key) if key else None
        raise InvalidProfile(
            f"{profile.id}: {exc.message}", file=str(path), line=line, field=exc.field
        ) from None
    except HubError as exc:
        raise InvalidProfile(f"{profile.id}: {exc}", file=str(path)) from None


def read_profile_files(
    source: Path, *, check: Callable[[RiskProfile], None] | None = None
) -> ProfileFiles:
    """Read each profile file under ``source`` (:func:`profile_files`), whole or not at all.

    A file is refused when it does not load, when a profile in it belongs to
    another agency than its folder, when its id is already defined in an
    earlier file, or when ``check`` (e.g. compiling it against its agency's
    reference lists) raises a hub error for one of its profiles.
    """
    accepted: list[tuple[Path, tuple[RiskProfile, ...]]] = []
    refused: list[InvalidProfile] = []
    seen: dict[str, Path] = {}
    for path, owner in profile_files(source):
        try:
            profiles = _read(path, owner)
            ids: set[str] = set()
            for profile in profiles:
                if profile.id in seen or profile.id in ids:
                    raise InvalidProfile(
                        f"{profile.id} is already defined in {seen.get(profile.id, path)}",
                        file=str(path),
                        line=_line_of(path.read_text(encoding="utf-8"), "id"),
                        field="id",
                    )
                ids.add(profile.id)
                if check is not None:
                    _check(check, profile, path)
        except InvalidProfile as exc:
            refused.append(exc)
            continue
        seen.update((profile.id, path) for profile in profiles)
        accepted.append((path, tuple(profiles)))
    return ProfileFiles(tuple(accepted), tuple(refused))


def sync(
    registry: ProfileRegistry,
    source: Path,
    *,
    by: str,
    at: datetime,
    check: Callable[[RiskProfile], None] | None = None,
) -> SyncReport:
    """Record each changed profile under ``source`` as a new version (see the module doc).

    Files are read by :func:`read_profile_files`; a refused file changes
    nothing in the registry, and the others go on.
    """
    files = read_profile_files(source, check=check)
    published: list[RiskProfile] = []
    unchanged: list[str] = []
    refused = list(files.refused)
    notes: list[str] = []
    for path, profiles in files.accepted:
        for profile in profiles:
            history = registry.versions(profile.id)
            latest = history[-1] if history else None
            if latest is not None and rules_hash(latest) == rules_hash(profile):
                unchanged.append(profile.id)
                if latest.status is not profile.status:
                    notes.append(
                        f"{profile.id}: {path} says {profile.status.value}, the registry"
                        f" says {latest.status.value} (v{latest.version}); use"
                        " `hub profiles activate` or `retire` to change it"
                    )
                continue
            backtested = {r.rules_hash for r in registry.backtests(profile.id)}
            wanted = profile
            if profile.status is ProfileStatus.ACTIVE and rules_hash(profile) not in backtested:
                wanted = profile.model_copy(update={"status": ProfileStatus.TESTING})
            try:
                recorded = registry.publish(wanted, by=by, at=at)
            except ChangeRefused as exc:
                refused.append(InvalidProfile(str(exc), file=str(path), field="status"))
                continue
            if recorded is None:
                unchanged.append(profile.id)
                continue
            published.append(recorded)
            if wanted is not profile:
                notes.append(
                    f"{profile.id}: stored as testing (v{recorded.version}): no back-test is"
                    " recorded for these rules; back-test it with --record, then activate it"
                )
    return SyncReport(tuple(published), tuple(unchanged), tuple(refused), tuple(notes))
