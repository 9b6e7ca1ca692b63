from __future__ import annotations

from fastapi import Request, Response

from shared.backend.config.settings import Settings

REFRESH_COOKIE = "kauth_refresh"
COOKIE_PATH = "/api/auth"


def isSecure(settings: Settings) -> bool:
    return settings.gateway.publicBaseUrl.lower().startswith("https://")


# HttpOnly so scripts never read it; SameSite=Strict and the /api/auth path keep it off every
# cross-site request and every other API.
def setRefreshCookie(response: Response, settings: Settings, token: str, maxAge: int) -> None:
    response.set_cookie(REFRESH_COOKIE, token, max_age=maxAge, path=COOKIE_PATH, secure=isSecure(settings),
                        httponly=True, samesite="strict")


def clearRefreshCookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH, secure=isSecure(settings), httponly=True,
                           samesite="strict")


def refreshTokenFrom(request: Request, bodyToken: str | None) -> str | None:
    return bodyToken or request.cookies.get(REFRESH_COOKIE) or None
