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
    failedLoginCount: int
    failedLoginWindowStartedAt: datetime | None
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


# Counts one failure inside the window; returns True when this failure locked the account.
def registerFailure(user: LockoutSubject, now: datetime, rule: LockoutRule) -> bool:
    started = user.failedLoginWindowStartedAt
    if started is None or now - started > timedelta(seconds=rule.windowSeconds):
        user.failedLoginCount = 1
        user.failedLoginWindowStartedAt = now
    else:
        user.failedLoginCount += 1
    if user.failedLoginCount < rule.threshold:
        return False
    user.lockedUntil = now + timedelta(seconds=rule.durationSeconds)
    user.failedLoginCount = 0
    user.failedLoginWindowStartedAt = None
    return True


def clearFailures(user: LockoutSubject) -> None:
    user.failedLoginCount = 0
    user.failedLoginWindowStartedAt = None
    user.lockedUntil = None
