from __future__ import annotations

from fastapi import APIRouter

from KAuthApp.backend.infrastructure.http.accountRoutes import createAccountRouter
from KAuthApp.backend.infrastructure.http.mfaRoutes import createMfaRouter
from KAuthApp.backend.infrastructure.http.signInRoutes import createSignInRouter


def createAuthRouter() -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["auth"])
    # FastAPI tries routes in order: the account routes, GET me first among them, lead as the hottest path.
    router.include_router(createAccountRouter())
    router.include_router(createSignInRouter())
    router.include_router(createMfaRouter())
    return router
