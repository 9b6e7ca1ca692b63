from __future__ import annotations

import time

import jwt
import pytest

from shared.backend.config.settings import Settings
from shared.backend.security.jwtCodec import CLOCK_SKEW_SECONDS, InvalidTokenError, JwtCodec

SUBJECT = "0190f1a4-0000-7000-8000-000000000001"
SESSION = "0190f1a4-0000-7000-8000-000000000002"


def signed(settings: Settings, **claims: object) -> str:
    now = int(time.time())
    payload = {"sub": SUBJECT, "sid": SESSION, "aud": settings.jwt.userAudience, "iss": settings.jwt.issuer,
               "iat": now, "exp": now + 900, "jti": "x", "roles": ["user"]} | claims
    return jwt.encode(payload, settings.jwt.secret.get_secret_value(), algorithm=settings.jwt.algorithm)


# Behind a balancer another instance signs the token: a clock a second ahead of this one's gave an iat in this
# one's future, and the fresh token was refused (401) until this clock caught up.
@pytest.mark.parametrize("ahead", [1, 2, CLOCK_SKEW_SECONDS - 1])
def test_aTokenFromAnInstanceWhoseClockRunsAheadIsAccepted(settings: Settings, ahead: int) -> None:
    now = int(time.time())
    token = signed(settings, iat=now + ahead, exp=now + ahead + 900)
    assert JwtCodec(settings.jwt).decode(token, settings.jwt.userAudience).issuedAt == now + ahead


def test_anIssueTimeBeyondTheSkewIsRefused(settings: Settings) -> None:
    now = int(time.time())
    token = signed(settings, iat=now + CLOCK_SKEW_SECONDS + 60, exp=now + 3600)
    with pytest.raises(InvalidTokenError):
        JwtCodec(settings.jwt).decode(token, settings.jwt.userAudience)


# The allowance is for the issue time only: expiry stays exact, before and after caching.
def test_expiryGetsNoAllowance(settings: Settings) -> None:
    now = int(time.time())
    codec = JwtCodec(settings.jwt)
    with pytest.raises(InvalidTokenError):
        codec.decode(signed(settings, iat=now - 900, exp=now - 1), settings.jwt.userAudience)
    assert codec.verified.cache_info().currsize == 0


@pytest.mark.parametrize("issuedAt", ["soon", None, 1e400, [1], 1.5])
def test_aMalformedIssueTimeIsAnInvalidToken(settings: Settings, issuedAt: object) -> None:
    with pytest.raises(InvalidTokenError):
        JwtCodec(settings.jwt).decode(signed(settings, iat=issuedAt), settings.jwt.userAudience)
