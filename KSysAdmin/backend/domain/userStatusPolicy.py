from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidStatusTransitionError
from KSysAdmin.backend.domain.models.user import UserStatus


class StatusAction(StrEnum):
    LOCK = "lock"
    UNLOCK = "unlock"
    DISABLE = "disable"
    ENABLE = "enable"


# Which statuses each admin action may start from.
ALLOWED_FROM: dict[StatusAction, frozenset[str]] = {
    StatusAction.LOCK: frozenset({UserStatus.ACTIVE.value, UserStatus.PENDING_VERIFICATION.value}),
    StatusAction.UNLOCK: frozenset({UserStatus.LOCKED.value}),
    StatusAction.DISABLE: frozenset(
        {UserStatus.ACTIVE.value, UserStatus.PENDING_VERIFICATION.value, UserStatus.LOCKED.value}
    ),
    StatusAction.ENABLE: frozenset({UserStatus.DISABLED.value}),
}

# Statuses whose lockout from failed sign-ins an unlock may end.
LOCKOUT_ENDABLE = frozenset({UserStatus.ACTIVE.value, UserStatus.PENDING_VERIFICATION.value})

# Actions after which the account must lose every session.
REVOKING_ACTIONS = frozenset({StatusAction.LOCK, StatusAction.DISABLE})


# temporarilyLocked: the account is in a lockout from failed sign-ins, which an unlock ends without changing its
# status (an active or pending account stays so).
def nextStatus(action: StatusAction, current: str, emailVerifiedAt: datetime | None,
               temporarilyLocked: bool = False) -> str:
    if action == StatusAction.UNLOCK and temporarilyLocked and current in LOCKOUT_ENDABLE:
        return current
    if current not in ALLOWED_FROM[action]:
        detail = {"field": "status", "message": f"cannot {action} a {current} user"}
        raise InvalidStatusTransitionError(details=[detail])
    if action == StatusAction.LOCK:
        return UserStatus.LOCKED.value
    if action == StatusAction.DISABLE:
        return UserStatus.DISABLED.value
    return UserStatus.ACTIVE.value if emailVerifiedAt is not None else UserStatus.PENDING_VERIFICATION.value


def isTemporarilyLocked(lockedUntil: datetime | None, now: datetime) -> bool:
    return lockedUntil is not None and lockedUntil > now
