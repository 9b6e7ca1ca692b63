from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import ForeignOriginError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.opaqueTokens import hashToken, refreshTokenSession, sameHash

# Fetch metadata the browser sets itself (a page cannot): the caller is another origin of this site or another site.
FOREIGN_SITES = frozenset({"same-site", "cross-site"})


def publicOrigin(baseUrl: str) -> str:
    parts = urlsplit(baseUrl)
    return f"{parts.scheme}://{parts.netloc}".lower()


# The origin refused, or None. A browser marks its own pages' requests same-origin; otherwise the Origin must be
# PUBLIC_BASE_URL's or one the CORS list allows. A client that is not a browser sends neither header.
def foreignOrigin(request: Request, baseUrl: str) -> str | None:
    site = request.headers.get("sec-fetch-site")
    if site == "same-origin":
        return None
    origin = request.headers.get("origin")
    if origin is None:
        return "(none)" if site in FOREIGN_SITES else None
    if origin == publicOrigin(baseUrl) or request.app.state.corsOrigins.allows(origin):
        return None
    return origin


# A refresh token taken from the cookie is sent by the browser whoever made the request: a page on a sibling
# subdomain could sign the user out or rotate their token. Such a call is refused and audited, against the
# token's account when the token is its session's current one.
async def refuseForeignCookieCall(request: Request, ports: AuthPorts, action: str, token: str) -> None:
    origin = foreignOrigin(request, ports.settings.gateway.publicBaseUrl)
    if origin is None:
        return
    sessionId = refreshTokenSession(token)
    session = await ports.sessions.getById(sessionId) if sessionId else None
    current = session is not None and sameHash(session.refreshTokenHash, hashToken(token))
    details: dict[str, object] = {"reason": "origin_not_allowed", "origin": origin[:100]}
    if session is not None and current:
        details["sessionId"] = str(session.id)
    await ports.audit.record(action, AuditOutcome.DENIED, targetId=session.userId if session and current else None,
                             details=details)
    await ports.transaction.commit()
    raise ForeignOriginError()
