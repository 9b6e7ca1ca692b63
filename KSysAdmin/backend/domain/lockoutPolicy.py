from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from KSysAdmin.backend.domain.models.user import User


@dataclass(frozen=True)
class LockoutRule:
    threshold: int
    windowSeconds: int
    durationSeconds: int


# Counts one failed password inside the sliding window; returns True when the account just locked.
def registerFailure(user: User, now: datetime, rule: LockoutRule) -> bool:
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


def clearFailures(user: User) -> None:
    user.failedLoginCount = 0
    user.failedLoginWindowStartedAt = None
    user.lockedUntil = None
