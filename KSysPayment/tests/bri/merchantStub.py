from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundResponses import (
    QRIS_NOTIFY_SERVICE_CODE,
    TOKEN_SERVICE_CODE,
    VA_NOTIFY_SERVICE_CODE,
    snapErrorResponse,
    snapSuccessBody,
)
from shared.backend.exceptions.domainError import DomainError

# A stand-in for our payment service's inbound endpoints, used to test the simulator end to end.
PREFIX = "/api/payment"


def createMerchantStub(authenticator: InboundAuthenticator) -> FastAPI:
    app = FastAPI()
    app.state.received = []
    app.state.tokens = 0

    @app.post(f"{PREFIX}/snap/v1.0/access-token/b2b")
    async def token(request: Request) -> JSONResponse:
        try:
            issued = await authenticator.issueAccessToken(request.headers, await request.body())
        except DomainError as error:
            status, body = snapErrorResponse(TOKEN_SERVICE_CODE, error)
            return JSONResponse(body, status_code=status)
        app.state.tokens += 1
        return JSONResponse(issued.responseBody())

    @app.post(f"{PREFIX}/snap/v1.0/transfer-va/notify-payment-intrabank")
    async def notifyVa(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            await authenticator.verifyTransaction(method="POST", endpointPaths=request.url.path,
                                                  headers=request.headers, rawBody=raw)
        except DomainError as error:
            status, body = snapErrorResponse(VA_NOTIFY_SERVICE_CODE, error)
            return JSONResponse(body, status_code=status)
        app.state.received.append(("va", raw))
        return JSONResponse({**snapSuccessBody(VA_NOTIFY_SERVICE_CODE), "virtualAccountData": {}})

    @app.post(f"{PREFIX}/snap/v1.1/qr/qr-mpm-notify")
    async def notifyQris(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            call = await authenticator.verifyQrisNotification(method="POST", endpointPaths=request.url.path,
                                                              headers=request.headers, rawBody=raw)
        except DomainError as error:
            status, body = snapErrorResponse(QRIS_NOTIFY_SERVICE_CODE, error)
            return JSONResponse(body, status_code=status)
        app.state.received.append((f"qris-{call.signatureKind}", raw))
        return JSONResponse(snapSuccessBody(QRIS_NOTIFY_SERVICE_CODE))

    return app
