from __future__ import annotations

from fastapi import APIRouter

from KAuthApp.backend.infrastructure.http.accountRoutes import createAccountRouter
from KAuthApp.backend.infrastructure.http.loginRoute import createLoginRouter
from KAuthApp.backend.infrastructure.http.mfaRoutes import createMfaRouter
from KAuthApp.backend.infrastructure.http.signInRoutes import createSignInRouter


def createAuthRouter() -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["auth"])
    # FastAPI tries routes in order, once more at every level of inclusion (~5 us per route tried): the two
    # hottest paths lead, the login, then the account routes with GET me first.
    router.include_router(createLoginRouter())
    router.include_router(createAccountRouter())
    router.include_router(createSignInRouter())
    router.include_router(createMfaRouter())
    return router
