from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.api_jws import PyJWS

from shared.backend.config.secretSettings import JwtSettings
from shared.backend.exceptions.domainError import UnauthenticatedError
from shared.backend.utils.uuid import generateId

REQUIRED_CLAIMS = ["sub", "sid", "aud", "iat", "exp", "jti", "iss"]
# Tokens whose signature and claims passed PyJWT, per process. A client repeats its access token until it
# expires, and PyJWT's checks cost ~100 us per call; a hit costs a dictionary lookup plus the expiry check.
# Only tokens that verified are cached, keyed by the exact token string and audience.
VERIFIED_TOKENS = 4096
# Behind a balancer another instance may sign with a clock ahead of this one's: an iat up to this far in this
# clock's future is accepted (PyJWT allows none). Expiry gets no allowance.
CLOCK_SKEW_SECONDS = 30


class InvalidTokenError(UnauthenticatedError):
    code = "invalid_token"
    message = "The access token is invalid or expired"


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    sessionId: str
    roles: tuple[str, ...]
    audience: str
    issuedAt: int
    expiresAt: int
    tokenId: str


# PyJWT checks on every call that an HMAC secret is not an asymmetric key (PEM, SSH and two DER parses);
# the codec's one secret is checked once, when the codec is built.
class CheckedSecretHmac(HMACAlgorithm):
    def __init__(self, hashName: str, secret: str) -> None:
        super().__init__(getattr(HMACAlgorithm, hashName))
        self.secret = secret
        self.prepared = super().prepare_key(secret)

    def prepare_key(self, key: str | bytes) -> bytes:
        return self.prepared if key == self.secret else super().prepare_key(key)


class JwtCodec:
    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self.key = settings.secret.get_secret_value()
        # Tokens are signed with JWT_SECRET; they verify under it or, after a rotation, a previous secret.
        self.keys = (self.key, *settings.previousSecretValues())
        self.verified = lru_cache(maxsize=VERIFIED_TOKENS)(self.verify)
        self.signer = PyJWS(algorithms=[])
        self.signer.register_algorithm(settings.algorithm, CheckedSecretHmac("SHA" + settings.algorithm[2:], self.key))

    def issue(
        self, subject: str, sessionId: str, roles: list[str], audience: str, ttlSeconds: int
    ) -> tuple[str, AccessClaims]:
        now = int(time.time())
        claims = AccessClaims(subject, sessionId, tuple(roles), audience, now, now + ttlSeconds, generateId().hex)
        payload = {
            "sub": subject, "sid": sessionId, "roles": list(roles), "aud": audience, "iss": self.settings.issuer,
            "iat": now, "exp": claims.expiresAt, "jti": claims.tokenId,
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        return self.signer.encode(body, self.key, algorithm=self.settings.algorithm), claims

    def decode(self, token: str, audience: str) -> AccessClaims:
        claims = self.verified(token, audience)
        # PyJWT's rule: a token is expired once exp <= now (no leeway).
        if claims.expiresAt <= time.time():
            raise InvalidTokenError()
        return claims

    def verify(self, token: str, audience: str) -> AccessClaims:
        payload = self.decodeUnderAnyKey(token, audience)
        issuedAt = payload["iat"]
        if type(issuedAt) is not int or issuedAt > time.time() + CLOCK_SKEW_SECONDS:
            raise InvalidTokenError()
        roles = payload.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise InvalidTokenError()
        return AccessClaims(
            str(payload["sub"]), str(payload["sid"]), tuple(roles), audience,
            issuedAt, int(payload["exp"]), str(payload["jti"]),
        )

    # PyJWT checks the signature before any claim, so only a signature refusal moves on to the next key.
    def decodeUnderAnyKey(self, token: str, audience: str) -> dict[str, object]:
        for key in self.keys:
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=[self.settings.algorithm],
                    audience=audience,
                    issuer=self.settings.issuer,
                    options={"require": REQUIRED_CLAIMS, "verify_iat": False},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                break
        raise InvalidTokenError()
