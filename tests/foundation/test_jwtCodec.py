from __future__ import annotations

import time

import jwt
import pytest

from shared.backend.config.settings import Settings
from shared.backend.security import jwtCodec
from shared.backend.security.jwtCodec import InvalidTokenError, JwtCodec

SUBJECT = "0190f1a4-0000-7000-8000-000000000001"
SESSION = "0190f1a4-0000-7000-8000-000000000002"


@pytest.fixture
def codec(settings: Settings) -> JwtCodec:
    return JwtCodec(settings.jwt)


def test_aRepeatedTokenIsVerifiedByPyJwtOnce(codec: JwtCodec, settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    token, issued = codec.issue(SUBJECT, SESSION, ["user"], settings.jwt.userAudience, 900)
    calls = 0
    original = jwt.decode

    def countingDecode(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwtCodec.jwt, "decode", countingDecode)
    assert [codec.decode(token, settings.jwt.userAudience) for _ in range(3)] == [issued] * 3
    assert calls == 1


def test_aCachedTokenIsRefusedOnceExpired(codec: JwtCodec, settings: Settings,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    token, issued = codec.issue(SUBJECT, SESSION, ["user"], settings.jwt.userAudience, 900)
    assert codec.decode(token, settings.jwt.userAudience) == issued
    monkeypatch.setattr(jwtCodec.time, "time", lambda: float(issued.expiresAt))
    with pytest.raises(InvalidTokenError):
        codec.decode(token, settings.jwt.userAudience)


def test_theCacheIsKeyedByAudience(codec: JwtCodec, settings: Settings) -> None:
    token, _ = codec.issue(SUBJECT, SESSION, ["user"], settings.jwt.userAudience, 900)
    codec.decode(token, settings.jwt.userAudience)
    with pytest.raises(InvalidTokenError):
        codec.decode(token, settings.jwt.adminAudience)


def test_refusedTokensAreNotCached(codec: JwtCodec, settings: Settings) -> None:
    token, _ = codec.issue(SUBJECT, SESSION, ["user"], settings.jwt.userAudience, 900)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}AA"
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            codec.decode(tampered, settings.jwt.userAudience)
    assert codec.verified.cache_info().currsize == 0


def test_anExpiredTokenIsRefusedBeforeCaching(codec: JwtCodec, settings: Settings) -> None:
    now = int(time.time())
    claims = {"sub": SUBJECT, "sid": SESSION, "aud": settings.jwt.userAudience, "iss": settings.jwt.issuer,
              "iat": now - 7200, "exp": now - 3600, "jti": "x"}
    token = jwt.encode(claims, settings.jwt.secret.get_secret_value(), algorithm=settings.jwt.algorithm)
    with pytest.raises(InvalidTokenError):
        codec.decode(token, settings.jwt.userAudience)
    assert codec.verified.cache_info().currsize == 0


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_issuedTokensAreWhatPyJwtSignsAndChecks(settings: Settings, algorithm: str) -> None:
    secret = settings.jwt.secret.__class__("s" * 64)  # long enough for HS512 (RFC 7518 section 3.2)
    jwtSettings = settings.jwt.model_copy(update={"algorithm": algorithm, "secret": secret})
    codec = JwtCodec(jwtSettings)
    token, issued = codec.issue(SUBJECT, SESSION, ["user"], jwtSettings.userAudience, 900)
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT"}
    claims = jwt.decode(token, jwtSettings.secret.get_secret_value(), algorithms=[algorithm],
                        audience=jwtSettings.userAudience, issuer=jwtSettings.issuer)
    assert (claims["sub"], claims["sid"], claims["exp"], claims["jti"]) == (
        SUBJECT, SESSION, issued.expiresAt, issued.tokenId)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "x" * 64, algorithms=[algorithm],
                   audience=jwtSettings.userAudience)


# After a rotation, tokens signed under a listed previous secret verify; other secrets, and the old
# secret's tokens once it is no longer listed, are refused, and claims are still checked under any key.
def test_tokensOfAPreviousSecretVerifyWhileListed(codec: JwtCodec, settings: Settings) -> None:
    audience = settings.jwt.userAudience
    oldToken, issued = codec.issue(SUBJECT, SESSION, ["user"], audience, 900)
    newSecret = settings.jwt.secret.__class__("n" * 48)
    listing = JwtCodec(settings.jwt.model_copy(update={"secret": newSecret, "previousSecrets": [settings.jwt.secret]}))
    assert listing.decode(oldToken, audience) == issued
    newToken, _ = listing.issue(SUBJECT, SESSION, ["user"], audience, 900)
    jwt.decode(newToken, "n" * 48, algorithms=[settings.jwt.algorithm], audience=audience)
    with pytest.raises(InvalidTokenError):
        listing.decode(oldToken, settings.jwt.adminAudience)
    stranger = jwt.encode({**jwt.decode(oldToken, options={"verify_signature": False})}, "x" * 48,
                          algorithm=settings.jwt.algorithm)
    with pytest.raises(InvalidTokenError):
        listing.decode(stranger, audience)
    forgetting = JwtCodec(settings.jwt.model_copy(update={"secret": newSecret}))
    with pytest.raises(InvalidTokenError):
        forgetting.decode(oldToken, audience)
    assert forgetting.decode(newToken, audience).subject == SUBJECT


# The secret is checked once, when the codec is built: an asymmetric key is still refused as an HMAC secret.
def test_aPublicKeyIsRefusedAsSecret(settings: Settings) -> None:
    pem = ("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
           "-----END PUBLIC KEY-----\n")
    secret = settings.jwt.secret.__class__(pem)
    with pytest.raises(jwt.InvalidKeyError):
        JwtCodec(settings.jwt.model_copy(update={"secret": secret}))
