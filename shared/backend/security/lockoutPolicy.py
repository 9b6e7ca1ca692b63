from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.backend.config.settings import AuthSettings


# What tells whether an account is locked: a users row, or a login's unlocked read of it.
class LockedSubject(Protocol):
    @property
    def lockedUntil(self) -> datetime | None: ...


# The users columns that count failed logins (the same in every service's users model).
class LockoutSubject(Protocol):
    failedLoginTimes: list[datetime]
    lockedUntil: datetime | None


@dataclass(frozen=True)
class LockoutRule:
    threshold: int
    windowSeconds: int
    durationSeconds: int

    @classmethod
    def of(cls, auth: AuthSettings) -> LockoutRule:
        return cls(auth.lockoutThreshold, auth.lockoutWindowSeconds, auth.lockoutDurationSeconds)


def lockRemainingSeconds(user: LockedSubject, now: datetime) -> int | None:
    if user.lockedUntil is None or user.lockedUntil <= now:
        return None
    return max(1, math.ceil((user.lockedUntil - now).total_seconds()))


# Counts one failure in a sliding window: the account locks once `threshold` failures fall within any
# `windowSeconds`. Only the times still inside the window are kept (fewer than `threshold`, at most 99).
# Returns True when this failure locked the account.
def registerFailure(user: LockoutSubject, now: datetime, rule: LockoutRule) -> bool:
    windowStart = now - timedelta(seconds=rule.windowSeconds)
    recent = [moment for moment in user.failedLoginTimes if moment > windowStart] + [now]
    if len(recent) < rule.threshold:
        user.failedLoginTimes = recent
        return False
    user.lockedUntil = now + timedelta(seconds=rule.durationSeconds)
    user.failedLoginTimes = []
    return True


def failureCount(user: LockoutSubject) -> int:
    return len(user.failedLoginTimes)


def clearFailures(user: LockoutSubject) -> None:
    user.failedLoginTimes = []
    user.lockedUntil = None
