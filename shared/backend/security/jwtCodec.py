from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from shared.backend.config.settings import JwtSettings
from shared.backend.exceptions.domainError import UnauthenticatedError
from shared.backend.utils.uuid import generateId

REQUIRED_CLAIMS = ["sub", "sid", "aud", "iat", "exp", "jti", "iss"]


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


class JwtCodec:
    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self.key = settings.secret.get_secret_value()

    def issue(
        self, subject: str, sessionId: str, roles: list[str], audience: str, ttlSeconds: int
    ) -> tuple[str, AccessClaims]:
        now = int(time.time())
        claims = AccessClaims(subject, sessionId, tuple(roles), audience, now, now + ttlSeconds, generateId().hex)
        payload = {
            "sub": subject, "sid": sessionId, "roles": list(roles), "aud": audience, "iss": self.settings.issuer,
            "iat": now, "exp": claims.expiresAt, "jti": claims.tokenId,
        }
        return jwt.encode(payload, self.key, algorithm=self.settings.algorithm), claims

    def decode(self, token: str, audience: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self.key,
                algorithms=[self.settings.algorithm],
                audience=audience,
                issuer=self.settings.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError:
            raise InvalidTokenError() from None
        roles = payload.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise InvalidTokenError()
        return AccessClaims(
            str(payload["sub"]), str(payload["sid"]), tuple(roles), audience,
            int(payload["iat"]), int(payload["exp"]), str(payload["jti"]),
        )
