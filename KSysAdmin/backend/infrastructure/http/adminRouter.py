from __future__ import annotations

from fastapi import APIRouter


def createAdminRouter() -> APIRouter:
    return APIRouter(prefix="/api/admin", tags=["admin"])
