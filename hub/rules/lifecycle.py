"""The profile life cycle as pure decisions: which version comes next, which are in force.

Every registry (files today, SQL later) asks these functions what to record
and records exactly that, so the rules of the life cycle live in one place:

- versions are immutable; a status change is a new version with the same rules;
- a profile becomes active only from testing, and only when a back-test of
  the very same rules has been recorded;
- a new draft or testing version does not take the active one down: the
  newest active version keeps selecting until the new one is activated, or
  until the profile is retired.

"The same rules" means the same profile content apart from ``version`` and
``status`` (:func:`rules_hash`): those two never change what a profile selects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence

from hub.errors import ChangeRefused
from hub.rules.profile import ProfileStatus, RiskProfile

__all__ = ["changed_fields", "in_force", "plan_publish", "plan_status", "rules_hash"]

_NOT_RULES = frozenset({"version", "status", "share_with"})  # what does not select goods


def rules_hash(profile: RiskProfile) -> str:
    """A digest of what the profile selects and asks for, ignoring version and status."""
    data = profile.model_dump(mode="json", by_alias=True, exclude=set(_NOT_RULES))
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_fields(old: RiskProfile | None, new: RiskProfile) -> tuple[str, ...]:
    """The top-level fields that differ, for the change log's "what"; all of them for a new id."""
    names = [name for name in type(new).model_fields if name != "version"]
    if old is None:
        return tuple(names)
    return tuple(name for name in names if getattr(old, name) != getattr(new, name))


def in_force(history: Sequence[RiskProfile]) -> list[RiskProfile]:
    """The versions of one profile that count now, oldest first.

    The newest version always counts. When it is a draft or in testing, the
    newest earlier active version still selects goods, unless a retirement
    came between them: editing a profile must not silently switch it off.
    """
    if not history:
        return []
    latest = history[-1]
    if latest.status not in (ProfileStatus.DRAFT, ProfileStatus.TESTING):
        return [latest]
    for earlier in reversed(history[:-1]):
        if earlier.status is ProfileStatus.RETIRED:
            break
        if earlier.status is ProfileStatus.ACTIVE:
            return [earlier, latest]
    return [latest]


def _refuse_unless_backtested(profile: RiskProfile, backtested: Collection[str]) -> None:
    if rules_hash(profile) not in backtested:
        raise ChangeRefused(
            "no back-test is recorded for these rules; run `hub profiles backtest"
            " --record` on it, then activate it",
            profile_id=profile.id,
            version=profile.version,
        )


def plan_publish(
    history: Sequence[RiskProfile], profile: RiskProfile, backtested: Collection[str]
) -> RiskProfile | None:
    """The version to record for ``profile``, or ``None`` when it changes nothing.

    ``history`` is every recorded version of the id, oldest first;
    ``backtested`` the rules hashes with a recorded back-test. The version
    number is the author's when it is ahead of the registry, else the next
    one: a number that findings may already cite is never reused. A profile
    published as active must have rules that were back-tested.
    """
    latest = history[-1] if history else None
    if (
        latest is not None
        and latest.status is profile.status
        and rules_hash(latest) == rules_hash(profile)
    ):
        return None
    version = max(profile.version, latest.version + 1 if latest else 1)
    planned = profile.model_copy(update={"version": version})
    if planned.status is ProfileStatus.ACTIVE:
        _refuse_unless_backtested(planned, backtested)
    return planned


def plan_status(
    history: Sequence[RiskProfile],
    status: ProfileStatus,
    backtested: Collection[str],
    reason: str | None,
) -> RiskProfile:
    """The new version that puts the latest one into ``status``, or ``ChangeRefused``.

    Activation needs a testing version and a recorded back-test of its rules;
    retirement needs a reason, because the next analyst will ask why.
    """
    if not history:
        raise ValueError("plan_status needs at least one recorded version")
    latest = history[-1]
    if latest.status is status:
        raise ChangeRefused(
            f"is already {status.value}", profile_id=latest.id, version=latest.version
        )
    if status is ProfileStatus.ACTIVE:
        if latest.status is not ProfileStatus.TESTING:
            raise ChangeRefused(
                f"is {latest.status.value}: only a profile in testing can be activated",
                profile_id=latest.id,
                version=latest.version,
            )
        _refuse_unless_backtested(latest, backtested)
    if status is ProfileStatus.RETIRED and not (reason and reason.strip()):
        raise ChangeRefused(
            "a retirement needs a reason", profile_id=latest.id, version=latest.version
        )
    return latest.model_copy(update={"version": latest.version + 1, "status": status})
