from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from KAuthApp.backend.domain.commonPasswords import commonPasswords
from KAuthApp.backend.domain.exceptions.authErrors import WeakPasswordError
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.opaqueTokens import (
    issuedHere,
    newRefreshToken,
    recoveryCodeHash,
    refreshTagKey,
    refreshTokenSession,
)
from KAuthApp.backend.domain.passwordPolicy import checkPassword
from KAuthApp.backend.domain.totpPolicy import STEP_SECONDS, matchTotp
from shared.backend.security.lockoutPolicy import LockoutRule, lockRemainingSeconds, registerFailure
from shared.backend.utils.uuid import generateId


def test_commonPasswordListIsTheShippedTopTenThousand() -> None:
    passwords = commonPasswords()
    assert len(passwords) == 10000
    assert {"123456", "password", "qwerty", "iloveyou"} <= passwords


@pytest.mark.parametrize(("password", "email", "rule"), [
    ("1234567", "a@b.example.com", "min_length"),
    ("x" * 129, "a@b.example.com", "max_length"),
    ("my-BUDIsantoso-pw", "budisantoso@example.com", "contains_email"),
    ("Sunshine1", "z@example.com", "common_password"),
])
def test_passwordPolicyRules(password: str, email: str, rule: str) -> None:
    with pytest.raises(WeakPasswordError) as raised:
        checkPassword(password, email)
    assert raised.value.details[0]["rule"] == rule


def test_passwordPolicyAcceptsGoodAndShortLocalParts() -> None:
    checkPassword("x" * 128, "a@b.example.com")
    checkPassword("ab-is-in-here-but-short", "ab@example.com")


def test_totpReplayAndDrift() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = 1_800_000_000.0
    step = int(now // STEP_SECONDS)
    assert matchTotp(secret, totp.at(now), None, now) == step
    assert matchTotp(secret, totp.at(now), step, now) is None
    assert matchTotp(secret, totp.at(now - STEP_SECONDS), None, now) == step - 1
    assert matchTotp(secret, totp.at(now + STEP_SECONDS), step, now) == step + 1
    assert matchTotp(secret, totp.at(now - 2 * STEP_SECONDS), None, now) is None
    assert matchTotp(secret, "12345", None, now) is None


def test_lockoutWindowAndDuration() -> None:
    rule = LockoutRule(threshold=3, windowSeconds=60, durationSeconds=120)
    user = User(email="x@example.com", passwordHash="h")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert not registerFailure(user, start, rule)
    assert not registerFailure(user, start + timedelta(seconds=61), rule)  # the first one left the window
    assert not registerFailure(user, start + timedelta(seconds=62), rule)
    assert registerFailure(user, start + timedelta(seconds=63), rule)
    assert lockRemainingSeconds(user, start + timedelta(seconds=63)) == 120
    assert lockRemainingSeconds(user, start + timedelta(seconds=183)) is None


# The rule is "5 failures in 15 minutes": any 15 minutes. A fixed window that restarts at its end
# let 4 failures just before the end and 4 just after through (8 within seconds) without a lock.
def test_lockoutWindowSlides() -> None:
    rule = LockoutRule(threshold=5, windowSeconds=900, durationSeconds=900)
    user = User(email="x@example.com", passwordHash="h")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [0, 890, 892, 894, 901, 902]
    locked = [registerFailure(user, start + timedelta(seconds=second), rule) for second in moments]
    assert locked == [False, False, False, False, False, True]  # the 5th inside 900 s: 890-902
    assert user.failedLoginTimes == [] and user.lockedUntil == start + timedelta(seconds=1802)


def test_refreshTokenFormatAndRecoveryHashBinding() -> None:
    sessionId, key = generateId(), refreshTagKey("a-jwt-secret-of-at-least-32-characters")
    token = newRefreshToken(sessionId, key)
    assert refreshTokenSession(token) == sessionId
    assert len(token.split(".")[1]) >= 43
    assert refreshTokenSession("abc.def") is None
    assert issuedHere(token, (key,))
    body, _, tag = token.rpartition(".")
    secret = body.split(".")[1]
    forged = [f"{body}.{'A' * len(tag)}", f"{sessionId.hex}.{'B' * len(secret)}.{tag}", body, f"{token}.{tag}"]
    assert [issuedHere(candidate, (key,)) for candidate in forged] == [False] * 4
    other = refreshTagKey("another-jwt-secret-of-32-characters-")
    assert not issuedHere(token, (other,))
    assert issuedHere(token, (other, key))  # tagged under a previous secret
    assert recoveryCodeHash(sessionId, "abcde-12345") == recoveryCodeHash(sessionId, "ABCDE12345")
    assert recoveryCodeHash(sessionId, "abcde-12345") != recoveryCodeHash(generateId(), "abcde-12345")
