from __future__ import annotations

from fastapi import APIRouter


def createPaymentRouter() -> APIRouter:
    return APIRouter(prefix="/api/payment", tags=["payment"])
