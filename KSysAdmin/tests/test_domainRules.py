from __future__ import annotations

from datetime import timedelta
from typing import get_args

import pytest

from KSysAdmin.backend.application.cursorCodec import decodeCursor, encodeCursor
from KSysAdmin.backend.application.settingsInput import RouteGroupName
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidCursorError, InvalidStatusTransitionError
from KSysAdmin.backend.domain.models.rateLimitRule import RouteGroup
from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.backend.domain.passwordStrength import passwordProblems
from KSysAdmin.backend.domain.userStatusPolicy import StatusAction, nextStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import LockoutRule, registerFailure
from shared.backend.utils.uuid import generateId


def test_statusTransitions() -> None:
    now = utcNow()
    assert nextStatus(StatusAction.LOCK, "active", now) == "locked"
    assert nextStatus(StatusAction.UNLOCK, "locked", now) == "active"
    assert nextStatus(StatusAction.UNLOCK, "locked", None) == "pending_verification"
    assert nextStatus(StatusAction.DISABLE, "locked", now) == "disabled"
    assert nextStatus(StatusAction.ENABLE, "disabled", None) == "pending_verification"
    for action, status in ((StatusAction.LOCK, "locked"), (StatusAction.ENABLE, "active"),
                           (StatusAction.DISABLE, "disabled"), (StatusAction.UNLOCK, "disabled")):
        with pytest.raises(InvalidStatusTransitionError):
            nextStatus(action, status, now)


def test_lockoutCountsInsideTheWindowOnly() -> None:
    rule = LockoutRule(threshold=3, windowSeconds=60, durationSeconds=900)
    user = User(email="a@example.test", passwordHash="x")
    start = utcNow()
    assert not registerFailure(user, start, rule)
    assert not registerFailure(user, start + timedelta(seconds=10), rule)
    assert not registerFailure(user, start + timedelta(seconds=100), rule)  # both earlier ones left the window
    assert user.failedLoginTimes == [start + timedelta(seconds=100)]
    assert not registerFailure(user, start + timedelta(seconds=110), rule)
    assert registerFailure(user, start + timedelta(seconds=120), rule)
    assert user.lockedUntil == start + timedelta(seconds=1020)


def test_cursorRoundTripAndTampering() -> None:
    now, rowId = utcNow(), generateId()
    cursor = encodeCursor("-createdAt", now, rowId)
    position = decodeCursor(cursor, "-createdAt")
    assert position is not None and position.value == now and position.id == rowId
    assert decodeCursor(None, "-createdAt") is None
    for bad, sort in ((cursor, "email"), (cursor[:-3], "-createdAt"), ("x" * 2000, "-createdAt"), ("!!", "email")):
        with pytest.raises(InvalidCursorError):
            decodeCursor(bad, sort)


def test_passwordStrength() -> None:
    assert passwordProblems("Plenty-Of-Entropy-7341", "root@example.test") == []
    assert passwordProblems("short", "root@example.test")
    assert passwordProblems("rootrootroot-1234", "root@example.test")
    assert passwordProblems("aaaaaaaaaaaaaaaa", "x@example.test")


def test_routeGroupsAgreeBetweenInputAndModel() -> None:
    assert set(get_args(RouteGroupName)) == {group.value for group in RouteGroup}
