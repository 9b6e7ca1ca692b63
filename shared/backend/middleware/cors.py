from __future__ import annotations

from collections.abc import Iterable

import structlog
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from shared.backend.config.settings import CorsSettings
from shared.backend.exceptions.envelope import errorResponse

ALLOWED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]


# The allowed origins of a running server: CORS_ORIGINS (version 0) until the admin publishes others, and again
# when the admin server publishes that PostgreSQL holds none.
class CorsOrigins:
    def __init__(self, origins: Iterable[str]) -> None:
        self.configured = frozenset(origins)
        self.origins = self.configured
        self.version = 0

    def replace(self, origins: Iterable[str], version: int) -> None:
        self.origins = frozenset(origins)
        self.version = version

    # Back to CORS_ORIGINS; answers False when they were already in force.
    def restoreConfigured(self) -> bool:
        if self.version == 0 and self.origins == self.configured:
            return False
        self.origins = self.configured
        self.version = 0
        return True

    def allows(self, origin: str) -> bool:
        return origin in self.origins


class DynamicCorsMiddleware(CORSMiddleware):
    def __init__(self, app: ASGIApp, holder: CorsOrigins, allowCredentials: bool) -> None:
        super().__init__(
            app,
            allow_origins=[],
            allow_credentials=allowCredentials,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=["X-Request-ID", "Retry-After", "RateLimit", "RateLimit-Policy"],
            max_age=600,
        )
        self.holder = holder

    def is_allowed_origin(self, origin: str) -> bool:
        return self.holder.allows(origin)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        requestId = structlog.contextvars.get_contextvars().get("request_id")
        return errorResponse(400, "cors_rejected", bytes(response.body).decode(), requestId)


def installCors(app: FastAPI, settings: CorsSettings) -> CorsOrigins:
    holder = CorsOrigins(settings.origins)
    app.add_middleware(DynamicCorsMiddleware, holder=holder, allowCredentials=settings.allowCredentials)
    return holder
