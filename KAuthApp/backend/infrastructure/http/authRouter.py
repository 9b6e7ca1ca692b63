from __future__ import annotations

from fastapi import APIRouter


def createAuthRouter() -> APIRouter:
    return APIRouter(prefix="/api/auth", tags=["auth"])
