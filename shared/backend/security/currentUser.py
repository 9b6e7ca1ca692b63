from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from shared.backend.exceptions.domainError import UnauthenticatedError
from shared.backend.openapiDocs import raisesErrors
from shared.backend.security.jwtCodec import AccessClaims, InvalidTokenError, JwtCodec
from shared.backend.security.sessionRestore import restoreSessionKey
from shared.backend.security.sessionStore import SessionRevokedError, SessionStore


class MissingTokenError(UnauthenticatedError):
    code = "unauthenticated"
    message = "A bearer access token is required"


@dataclass(frozen=True)
class CurrentUser:
    userId: uuid.UUID
    sessionId: uuid.UUID
    roles: tuple[str, ...]
    claims: AccessClaims


def bearerToken(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingTokenError()
    return token.strip()


async def authenticate(request: Request, audience: str) -> CurrentUser:
    codec: JwtCodec = request.app.state.jwtCodec
    claims = codec.decode(bearerToken(request), audience)
    try:
        userId, sessionId = uuid.UUID(claims.subject), uuid.UUID(claims.sessionId)
    except ValueError:
        raise InvalidTokenError() from None
    store = SessionStore(request.app.state.redis)
    if not await store.exists(str(sessionId)) and not await restoreSessionKey(
        request.app.state.database.driverPool, store, userId, sessionId, claims
    ):
        raise SessionRevokedError()
    return CurrentUser(userId, sessionId, claims.roles, claims)


async def requireUser(request: Request) -> CurrentUser:
    return await authenticate(request, request.app.state.settings.jwt.userAudience)


# requireUser as a security scheme: the OpenAPI documents name the bearer token (HTTPBearer, as the admin API's)
# on the routes that need it; at runtime the same single call.
class BearerUser(SecurityBase):
    def __init__(self) -> None:
        self.model = HTTPBearerModel()
        self.scheme_name = "HTTPBearer"

    async def __call__(self, request: Request) -> CurrentUser:
        return await requireUser(request)


bearerUser = raisesErrors(MissingTokenError, InvalidTokenError, SessionRevokedError)(BearerUser())
CurrentUserDep = Annotated[CurrentUser, Depends(bearerUser)]
