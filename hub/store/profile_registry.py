"""The profile registry in the hub's database: the same record as the files, kept by the store.

:class:`DatabaseRegistry` implements :class:`~hub.rules.registry.ProfileRegistry`
over three insert-only tables (:mod:`hub.store.schema`): ``profile_versions``
(one row per version, the profile as pydantic wrote it), ``profile_changes``
(the change log) and ``profile_backtests``. It asks :mod:`hub.rules.lifecycle`
what to record, exactly as :class:`~hub.rules.registry.FileRegistry` does, so
both refuse the same changes with the same errors.

Why here and not in ``hub/rules``: ``hub.store`` already imports ``hub.rules``
(through ``hub.decision`` and ``hub.agency``), so a registry in ``hub/rules``
importing the store would close a cycle between the two packages. The
dependency runs one way, store to domain, and ``hub.rules`` stays free of SQL.

Concurrency rests on the primary key, as in :class:`~hub.store.Store`: each
write is one transaction that reads the history, plans, and inserts; when
two processes plan the same version number at once, one commits and the
other meets the key, and its whole read-plan-write is run again on the new
history (where it may now record the next number, nothing, or be refused as
the file registry would refuse it under its lock). On SQLite writers are
serialised from the start (``BEGIN IMMEDIATE``), so the retry is for
PostgreSQL. Writes are durable (``synchronous=FULL`` on SQLite), as the file
registry fsyncs: an activation an officer was told about must survive a
power cut.

Statements are built once, at import, as in the store.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from hub.errors import ChangeRefused, UnknownProfile
from hub.rules.backtest import BacktestResult
from hub.rules.lifecycle import in_force, plan_publish, plan_status, rules_hash
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import (
    ACTIVE_ONLY,
    BacktestRecord,
    Change,
    ChangeAction,
    ProfileRegistry,
    check_profile_id,
    check_writer,
    pick_version,
    plan_backtest,
    publish_change,
    status_change,
)
from hub.store.engine import DURABLE, READ_ONLY
from hub.store.schema import (
    Base,
    ProfileBacktestRecord,
    ProfileChangeRecord,
    ProfileVersionRecord,
)
from hub.store.store import Store

__all__ = ["ATTEMPTS", "DatabaseRegistry", "ImportReport"]

ATTEMPTS = 20  # read-plan-write rounds before a write gives up to concurrent writers
_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")  # RiskProfile.id, as FileRegistry checks it
_T = TypeVar("_T")

_VERSIONS = Base.metadata.tables[ProfileVersionRecord.__tablename__]
_CHANGES = Base.metadata.tables[ProfileChangeRecord.__tablename__]
_BACKTESTS = Base.metadata.tables[ProfileBacktestRecord.__tablename__]

_VERSIONS_OF = (
    select(_VERSIONS.c.profile_id, _VERSIONS.c.version, _VERSIONS.c.body_json)
    .where(_VERSIONS.c.profile_id == bindparam("profile_id"))
    .order_by(_VERSIONS.c.version)
)
_EVERY_VERSION = select(
    _VERSIONS.c.profile_id, _VERSIONS.c.version, _VERSIONS.c.body_json
).order_by(_VERSIONS.c.profile_id, _VERSIONS.c.version)
_IDS = select(_VERSIONS.c.profile_id).distinct().order_by(_VERSIONS.c.profile_id)
_EVERY_CHANGE = select(
    _CHANGES.c.changed_at,
    _CHANGES.c.changed_by,
    _CHANGES.c.action,
    _CHANGES.c.profile_id,
    _CHANGES.c.version,
    _CHANGES.c.detail,
).order_by(_CHANGES.c.id)
_CHANGES_OF = _EVERY_CHANGE.where(_CHANGES.c.profile_id == bindparam("profile_id"))
_BACKTESTS_OF = (
    select(
        _BACKTESTS.c.profile_id,
        _BACKTESTS.c.version,
        _BACKTESTS.c.rules_hash,
        _BACKTESTS.c.recorded_at,
        _BACKTESTS.c.recorded_by,
        _BACKTESTS.c.result_json,
    )
    .where(_BACKTESTS.c.profile_id == bindparam("profile_id"))
    .order_by(_BACKTESTS.c.id)
)
_BACKTESTED = select(_BACKTESTS.c.rules_hash).where(
    _BACKTESTS.c.profile_id == bindparam("profile_id")
)
_GENERATION = select(func.count()).select_from(_CHANGES)
_INSERT_VERSION = insert(_VERSIONS)
_INSERT_CHANGE = insert(_CHANGES)
_INSERT_BACKTEST = insert(_BACKTESTS)


def _version_row(profile: RiskProfile, by: str, at: datetime) -> dict[str, Any]:
    return {
        "profile_id": profile.id,
        "version": profile.version,
        "owner": profile.owner,
        "status": profile.status.value,
        "rules_hash": rules_hash(profile),
        "body_json": profile.model_dump_json(by_alias=True),
        "recorded_by": by,
        "recorded_at": at,
    }


def _change_row(change: Change) -> dict[str, Any]:
    return {
        "profile_id": change.profile_id,
        "version": change.version,
        "action": change.action.value,
        "detail": change.detail,
        "changed_by": change.by,
        "changed_at": change.at,
    }


def _backtest_row(record: BacktestRecord) -> dict[str, Any]:
    return {
        "profile_id": record.profile_id,
        "version": record.version,
        "rules_hash": record.rules_hash,
        "result_json": record.result.model_dump_json(),
        "recorded_by": record.by,
        "recorded_at": record.at,
    }


@dataclass(frozen=True)
class ImportReport:
    """What :meth:`DatabaseRegistry.import_from` copied, and which ids were already there."""

    imported: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    versions: int = 0
    changes: int = 0
    backtests: int = 0


class DatabaseRegistry:
    """A :class:`~hub.rules.registry.ProfileRegistry` in the hub's database.

    Built over a :class:`~hub.store.Store` (the API's: both then share one
    connection pool) or an engine; it does not own either, so closing them
    is the caller's business. Safe for several threads and processes. A
    version read is parsed once per instance: rows are never updated.
    """

    def __init__(self, source: Store | Engine) -> None:
        self._engine = source.engine if isinstance(source, Store) else source
        # As the store: threads of one process queue on a lock rather than
        # in SQLite's busy handler; other processes meet ``busy_timeout``.
        self._writer: AbstractContextManager[object] = (
            threading.Lock() if self._engine.dialect.name == "sqlite" else nullcontext()
        )
        self._parsed: dict[tuple[str, int], RiskProfile] = {}

    # Transactions

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn = conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._writer, self._engine.connect() as conn:
            conn = conn.execution_options(**{DURABLE: True})
            with conn.begin():
                yield conn

    def _retrying(self, profile_id: str, write: Callable[[Connection], _T]) -> _T:
        """Run ``write`` in a transaction until no concurrent writer took its version number."""
        conflict: IntegrityError | None = None
        for _ in range(ATTEMPTS):
            try:
                with self._writing() as conn:
                    return write(conn)
            except IntegrityError as exc:
                conflict = exc
        raise ChangeRefused(
            f"other writers recorded versions at the same time, {ATTEMPTS} times; try again",
            profile_id=profile_id,
        ) from conflict

    # Reading

    def _profile(self, profile_id: str, version: int, body_json: str) -> RiskProfile:
        key = (profile_id, version)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = self._parsed[key] = RiskProfile.model_validate_json(body_json)
        return parsed

    def _versions(self, conn: Connection, profile_id: str) -> list[RiskProfile]:
        rows = conn.execute(_VERSIONS_OF, {"profile_id": profile_id})
        return [self._profile(*row) for row in rows]

    @staticmethod
    def _backtested(conn: Connection, profile_id: str) -> set[str]:
        return set(conn.execute(_BACKTESTED, {"profile_id": profile_id}).scalars())

    def versions(self, profile_id: str) -> list[RiskProfile]:
        check_profile_id(profile_id)
        with self._reading() as conn:
            return self._versions(conn, profile_id)

    def get(self, profile_id: str, version: int | None = None) -> RiskProfile:
        return pick_version(self.versions(profile_id), profile_id, version)

    def ids(self) -> list[str]:
        with self._reading() as conn:
            return list(conn.execute(_IDS).scalars())

    def current(
        self, owner: str | None = None, statuses: Collection[ProfileStatus] = ACTIVE_ONLY
    ) -> list[RiskProfile]:
        histories: dict[str, list[RiskProfile]] = {}
        with self._reading() as conn:
            for row in conn.execute(_EVERY_VERSION):
                histories.setdefault(row.profile_id, []).append(self._profile(*row))
        return [
            profile
            for _, history in sorted(histories.items())
            for profile in in_force(history)
            if profile.status in statuses and (owner is None or profile.owner == owner)
        ]

    def changes(self, profile_id: str | None = None) -> list[Change]:
        with self._reading() as conn:
            if profile_id is None:
                rows = conn.execute(_EVERY_CHANGE)
            else:
                rows = conn.execute(_CHANGES_OF, {"profile_id": profile_id})
            return [
                Change(
                    at=row.changed_at,
                    by=row.changed_by,
                    action=ChangeAction(row.action),
                    profile_id=row.profile_id,
                    version=row.version,
                    detail=row.detail,
                )
                for row in rows
            ]

    def backtests(self, profile_id: str, version: int | None = None) -> list[BacktestRecord]:
        check_profile_id(profile_id)
        with self._reading() as conn:
            rows = conn.execute(_BACKTESTS_OF, {"profile_id": profile_id}).all()
        return [
            BacktestRecord(
                profile_id=row.profile_id,
                version=row.version,
                rules_hash=row.rules_hash,
                at=row.recorded_at,
                by=row.recorded_by,
                result=BacktestResult.model_validate_json(row.result_json),
            )
            for row in rows
            if version is None or row.version == version
        ]

    def generation(self) -> int:
        """The number of lines in the change log: every change adds at least one, none goes.

        Not the highest id: PostgreSQL hands ids out before commit, so a
        transaction that started first may commit last with a lower one.
        """
        with self._reading() as conn:
            return int(conn.execute(_GENERATION).scalar_one())

    # Writing

    def _record(self, conn: Connection, profile: RiskProfile, change: Change) -> None:
        conn.execute(_INSERT_VERSION, _version_row(profile, change.by, change.at))
        conn.execute(_INSERT_CHANGE, _change_row(change))

    def publish(self, profile: RiskProfile, *, by: str, at: datetime) -> RiskProfile | None:
        check_writer(by, at)
        check_profile_id(profile.id)

        def write(conn: Connection) -> RiskProfile | None:
            history = self._versions(conn, profile.id)
            planned = plan_publish(history, profile, self._backtested(conn, profile.id))
            if planned is None:
                return None
            self._record(conn, planned, publish_change(history, planned, by=by, at=at))
            return planned

        return self._retrying(profile.id, write)

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
        check_profile_id(profile_id)

        def write(conn: Connection) -> RiskProfile:
            history = self._versions(conn, profile_id)
            if not history:
                raise UnknownProfile("no such profile", profile_id=profile_id)
            planned = plan_status(history, status, self._backtested(conn, profile_id), reason)
            change = status_change(history, planned, status, by=by, at=at, reason=reason)
            self._record(conn, planned, change)
            return planned

        return self._retrying(profile_id, write)

    def record_backtest(
        self, profile_id: str, version: int, result: BacktestResult, *, by: str, at: datetime
    ) -> BacktestRecord:
        check_writer(by, at)
        record, change = plan_backtest(self.get(profile_id, version), result, by=by, at=at)
        with self._writing() as conn:
            conn.execute(_INSERT_BACKTEST, _backtest_row(record))
            conn.execute(_INSERT_CHANGE, _change_row(change))
        return record

    # Bringing a file registry in

    def import_from(self, source: ProfileRegistry, *, by: str, at: datetime) -> ImportReport:
        """Copy every version, change and back-test of ``source`` as recorded there, at once.

        Nothing is planned again: version numbers, statuses, who and when are
        kept, and the change log keeps its order. A version's ``recorded_by``
        and ``recorded_at`` come from the change that recorded it (``by`` and
        ``at``, the importer's, only when the source's log lacks that line).
        An id whose versions the database already holds, the same from v1 on,
        is left alone, so running an import again copies nothing; an id the
        database holds with another history refuses the whole import
        (``ChangeRefused``): two histories of one profile cannot be merged.
        """
        check_writer(by, at)
        histories = {profile_id: source.versions(profile_id) for profile_id in source.ids()}
        log = source.changes()
        backtests = {profile_id: source.backtests(profile_id) for profile_id in histories}
        recorded = {
            (c.profile_id, c.version): c
            for c in reversed(log)
            if c.action is not ChangeAction.BACKTEST
        }
        known = {(p.id, p.version) for history in histories.values() for p in history}
        cited = [(c.profile_id, c.version) for c in log] + [
            (r.profile_id, r.version) for records in backtests.values() for r in records
        ]
        for profile_id, version in cited:
            if (profile_id, version) not in known:
                raise ChangeRefused(
                    "the source names a version it never recorded; nothing was imported",
                    profile_id=profile_id,
                    version=version,
                )
        with self._writing() as conn:
            fresh = [
                profile_id
                for profile_id, history in histories.items()
                if not self._already(self._versions(conn, profile_id), history)
            ]
            rows = [
                _version_row(profile, found.by, found.at)
                if (found := recorded.get((profile.id, profile.version)))
                else _version_row(profile, by, at)
                for profile_id in fresh
                for profile in histories[profile_id]
            ]
            changes = [_change_row(c) for c in log if c.profile_id in fresh]
            tests = [_backtest_row(r) for profile_id in fresh for r in backtests[profile_id]]
            for statement, values in (
                (_INSERT_VERSION, rows),
                (_INSERT_CHANGE, changes),
                (_INSERT_BACKTEST, tests),
            ):
                if values:
                    conn.execute(statement, values)
        return ImportReport(
            imported=tuple(fresh),
            already=tuple(p for p in histories if p not in fresh),
            versions=len(rows),
            changes=len(changes),
            backtests=len(tests),
        )

    @staticmethod
    def _already(stored: Sequence[RiskProfile], incoming: Sequence[RiskProfile]) -> bool:
        """True when ``stored`` begins with ``incoming``; ``ChangeRefused`` when they differ."""
        for mine, theirs in zip(stored, incoming, strict=False):
            if mine != theirs:
                raise ChangeRefused(
                    "the database holds another history of this profile; nothing was imported",
                    profile_id=theirs.id,
                    version=theirs.version,
                )
        if stored and len(stored) < len(incoming):
            raise ChangeRefused(
                "the database holds only the first versions of this profile; nothing was imported",
                profile_id=incoming[0].id,
                version=stored[-1].version + 1,
            )
        return bool(stored)
