"""The record of every risk profile version and every change made to one.

Agencies change their rules without a deploy, so the hub keeps, for each
profile id, every version ever recorded (findings cite id and version, so a
version is never rewritten), who changed what and when, and the back-tests
that allowed a version to go live. :class:`ProfileRegistry` is what the rest
of the hub uses; :class:`FileRegistry` keeps it in a directory, and
:class:`hub.store.profile_registry.DatabaseRegistry` in the hub's database
(what the CLI and the API use unless given a directory). What may be recorded
is decided by :mod:`hub.rules.lifecycle`, the same for every implementation.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.errors import ChangeRefused, UnknownProfile
from hub.rules._files import append_line, exclusive, read_lines, write_new
from hub.rules.backtest import BacktestResult
from hub.rules.lifecycle import changed_fields, in_force, plan_publish, plan_status, rules_hash
from hub.rules.profile import ProfileStatus, RiskProfile

__all__ = [
    "ACTIVE_ONLY",
    "BacktestRecord",
    "Change",
    "ChangeAction",
    "FileRegistry",
    "ProfileRegistry",
    "check_profile_id",
    "check_writer",
    "default_registry_dir",
    "pick_version",
    "plan_backtest",
    "publish_change",
    "status_change",
]

ACTIVE_ONLY: tuple[ProfileStatus, ...] = (ProfileStatus.ACTIVE,)
_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")  # RiskProfile.id
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.yaml$")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChangeAction(StrEnum):
    PUBLISH = "publish"  # a new version with new rules (or a first version)
    STATUS = "status"  # a new version with the same rules in another status
    BACKTEST = "backtest"  # a back-test recorded for a version


class Change(_Record):
    """One line of the change log: who did what to which profile version, and when."""

    at: AwareDatetime
    by: str = Field(min_length=1)
    action: ChangeAction
    profile_id: str
    version: int
    detail: str = ""


class BacktestRecord(_Record):
    """A back-test kept as evidence for activating ``profile_id`` v``version``."""

    profile_id: str
    version: int
    rules_hash: str
    at: AwareDatetime
    by: str = Field(min_length=1)
    result: BacktestResult


class ProfileRegistry(Protocol):
    """Every profile version and change; what a running hub selects with.

    Writers pass ``by`` (a person or job, never empty) and ``at`` (an aware
    moment, injected: the registry does not read the clock). Versions are
    immutable: a status change records a new version. Implementations must
    make each write atomic and safe against concurrent writers.
    """

    def publish(self, profile: RiskProfile, *, by: str, at: datetime) -> RiskProfile | None:
        """Record ``profile`` as a new version; ``None`` when it equals the latest one.

        ``ChangeRefused`` when it is active without a back-test of its rules.
        """
        ...

    def set_status(
        self,
        profile_id: str,
        status: ProfileStatus,
        *,
        by: str,
        at: datetime,
        reason: str | None = None,
    ) -> RiskProfile:
        """Record a new version of the latest one in ``status``; see ``lifecycle.plan_status``."""
        ...

    def get(self, profile_id: str, version: int | None = None) -> RiskProfile:
        """One version (the latest by default); ``UnknownProfile`` if never recorded."""
        ...

    def versions(self, profile_id: str) -> list[RiskProfile]:
        """Every version of the id, oldest first (empty if unknown)."""
        ...

    def ids(self) -> list[str]:
        """Every profile id ever recorded, sorted."""
        ...

    def current(
        self, owner: str | None = None, statuses: Collection[ProfileStatus] = ACTIVE_ONLY
    ) -> list[RiskProfile]:
        """The versions in force (``lifecycle.in_force``) whose status is in ``statuses``."""
        ...

    def changes(self, profile_id: str | None = None) -> list[Change]:
        """The change log, oldest first, for one id or all."""
        ...

    def record_backtest(
        self, profile_id: str, version: int, result: BacktestResult, *, by: str, at: datetime
    ) -> BacktestRecord:
        """Keep ``result`` as the back-test of that version; refused if it tested other rules."""
        ...

    def backtests(self, profile_id: str, version: int | None = None) -> list[BacktestRecord]:
        """Recorded back-tests of the id (of one version when given), oldest first."""
        ...

    def generation(self) -> int:
        """A number that grows with every change; cheap, for reloading without a restart."""
        ...


def default_registry_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$HUB_STATE_DIR/registry``, else ``var/registry`` in the repository."""
    state = environ.get("HUB_STATE_DIR")
    if state:
        return Path(state) / "registry"
    return Path(__file__).resolve().parents[2] / "var" / "registry"


# What every registry records for a change, whatever keeps it (files here,
# the hub's database in hub.store.profile_registry): planned once, so the
# two cannot drift apart.


def check_writer(by: str, at: datetime) -> None:
    """A change names who made it and when, with the time zone."""
    if not by.strip():
        raise ValueError("a change needs the name of who makes it")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a change needs an aware moment (with its time zone)")


def check_profile_id(profile_id: str) -> None:
    """Refuse what cannot be a profile id (it also names a folder or a key)."""
    if not _ID.match(profile_id):
        raise UnknownProfile("is not a profile id", profile_id=profile_id)


def pick_version(
    history: Sequence[RiskProfile], profile_id: str, version: int | None
) -> RiskProfile:
    """``version`` of ``history`` (the latest for ``None``); :class:`UnknownProfile` if none."""
    if not history:
        raise UnknownProfile("no such profile", profile_id=profile_id)
    if version is None:
        return history[-1]
    for profile in history:
        if profile.version == version:
            return profile
    raise UnknownProfile("no such version", profile_id=profile_id, version=version)


def publish_change(
    history: Sequence[RiskProfile], planned: RiskProfile, *, by: str, at: datetime
) -> Change:
    """The change log's line for publishing ``planned`` after ``history``."""
    previous = history[-1] if history else None
    fields = ", ".join(changed_fields(previous, planned))
    detail = f"{planned.status.value}; " + (f"changed: {fields}" if previous else "first version")
    return Change(
        at=at,
        by=by,
        action=ChangeAction.PUBLISH,
        profile_id=planned.id,
        version=planned.version,
        detail=detail,
    )


def status_change(
    history: Sequence[RiskProfile],
    planned: RiskProfile,
    status: ProfileStatus,
    *,
    by: str,
    at: datetime,
    reason: str | None,
) -> Change:
    """The change log's line for moving the latest of ``history`` to ``status``."""
    detail = f"{history[-1].status.value} -> {status.value}"
    if reason and reason.strip():
        detail += f": {reason.strip()}"
    return Change(
        at=at,
        by=by,
        action=ChangeAction.STATUS,
        profile_id=planned.id,
        version=planned.version,
        detail=detail,
    )


def plan_backtest(
    profile: RiskProfile, result: BacktestResult, *, by: str, at: datetime
) -> tuple[BacktestRecord, Change]:
    """The record of a back-test of ``profile`` (this version's rules), and its log line.

    Refused (:class:`ChangeRefused`) when the run did not evaluate these rules
    or covered no declaration: neither proves anything about this version.
    """
    expected = rules_hash(profile)
    profile_id, version = profile.id, profile.version
    hits = next(
        (h for h in result.profiles if h.profile_id == profile_id and h.rules_hash == expected),
        None,
    )
    if hits is None:
        raise ChangeRefused(
            "this back-test did not evaluate the rules of this version",
            profile_id=profile_id,
            version=version,
        )
    if result.declarations == 0:
        raise ChangeRefused(
            "a back-test over no declarations proves nothing",
            profile_id=profile_id,
            version=version,
        )
    # Keep this profile's figures and the run's totals, not every other profile's.
    own = result.model_copy(update={"profiles": (hits,)})
    record = BacktestRecord(
        profile_id=profile_id, version=version, rules_hash=expected, at=at, by=by, result=own
    )
    change = Change(
        at=at,
        by=by,
        action=ChangeAction.BACKTEST,
        profile_id=profile_id,
        version=version,
        detail=(
            f"{hits.declarations} of {result.declarations} declarations hit"
            f" ({hits.hit_share:.1%}), hit rate {hits.hit_rate_text}"
        ),
    )
    return record, change


def _dump(profile: RiskProfile) -> bytes:
    data = profile.model_dump(mode="json", by_alias=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text.encode("utf-8")


class FileRegistry:
    """A :class:`ProfileRegistry` in a directory, safe for several processes.

    Layout under ``root``::

        profiles/<ID>/v<N>.yaml   one immutable file per version, a loadable profile
        changes.jsonl             the change log, one JSON ``Change`` per line, append-only
        backtests/<ID>.jsonl      recorded back-tests, one ``BacktestRecord`` per line
        .lock                     the write lock (fcntl)

    Every write holds the lock for its read-decide-write; version files are
    created once (never replaced) after fsync, and the log grows by whole
    lines, so a reader never needs the lock. Versions are cached once read:
    they cannot change.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._log = root / "changes.jsonl"
        self._lock = root / ".lock"
        self._cache: dict[Path, RiskProfile] = {}

    def _profile_dir(self, profile_id: str) -> Path:
        check_profile_id(profile_id)
        return self.root / "profiles" / profile_id

    def _backtest_file(self, profile_id: str) -> Path:
        return self.root / "backtests" / f"{self._profile_dir(profile_id).name}.jsonl"

    def _read(self, path: Path) -> RiskProfile:
        cached = self._cache.get(path)
        if cached is None:
            data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
            cached = self._cache[path] = RiskProfile.model_validate(data)
        return cached

    def versions(self, profile_id: str) -> list[RiskProfile]:
        directory = self._profile_dir(profile_id)
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return []
        numbered = sorted(
            (int(m.group(1)), name) for name in names if (m := _VERSION_FILE.match(name))
        )
        return [self._read(directory / name) for _, name in numbered]

    def get(self, profile_id: str, version: int | None = None) -> RiskProfile:
        return pick_version(self.versions(profile_id), profile_id, version)

    def ids(self) -> list[str]:
        try:
            names = os.listdir(self.root / "profiles")
        except FileNotFoundError:
            return []
        return sorted(name for name in names if _ID.match(name))

    def current(
        self, owner: str | None = None, statuses: Collection[ProfileStatus] = ACTIVE_ONLY
    ) -> list[RiskProfile]:
        return [
            profile
            for profile_id in self.ids()
            for profile in in_force(self.versions(profile_id))
            if profile.status in statuses and (owner is None or profile.owner == owner)
        ]

    def changes(self, profile_id: str | None = None) -> list[Change]:
        log = [Change.model_validate_json(line) for line in read_lines(self._log)]
        return [c for c in log if profile_id is None or c.profile_id == profile_id]

    def generation(self) -> int:
        try:
            return self._log.stat().st_size
        except FileNotFoundError:
            return 0

    def backtests(self, profile_id: str, version: int | None = None) -> list[BacktestRecord]:
        records = [
            BacktestRecord.model_validate_json(line)
            for line in read_lines(self._backtest_file(profile_id))
        ]
        return [r for r in records if version is None or r.version == version]

    def _backtested(self, profile_id: str) -> set[str]:
        lines = read_lines(self._backtest_file(profile_id))
        return {str(json.loads(line)["rules_hash"]) for line in lines}

    def _record(self, profile: RiskProfile, change: Change) -> None:
        write_new(self._profile_dir(profile.id) / f"v{profile.version}.yaml", _dump(profile))
        append_line(self._log, change.model_dump_json())

    def publish(self, profile: RiskProfile, *, by: str, at: datetime) -> RiskProfile | None:
        check_writer(by, at)
        with exclusive(self._lock):
            history = self.versions(profile.id)
            planned = plan_publish(history, profile, self._backtested(profile.id))
            if planned is None:
                return None
            self._record(planned, publish_change(history, planned, by=by, at=at))
        return planned

    def set_status(
        self,
        profile_id: str,
        status: ProfileStatus,
        *,
        by: str,
        at: datetime,
        reason: str | None = None,
    ) -> RiskProfile:
        check_writer(by, at)
        with exclusive(self._lock):
            history = self.versions(profile_id)
            if not history:
                raise UnknownProfile("no such profile", profile_id=profile_id)
            planned = plan_status(history, status, self._backtested(profile_id), reason)
            change = status_change(history, planned, status, by=by, at=at, reason=reason)
            self._record(planned, change)
        return planned

    def record_backtest(
        self, profile_id: str, version: int, result: BacktestResult, *, by: str, at: datetime
    ) -> BacktestRecord:
        check_writer(by, at)
        record, change = plan_backtest(self.get(profile_id, version), result, by=by, at=at)
        with exclusive(self._lock):
            append_line(self._backtest_file(profile_id), record.model_dump_json())
            append_line(self._log, change.model_dump_json())
        return record
