from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from KSysPayment.backend.application.briDeadline import QRIS_CONFIRM_SECONDS, beforeDeadline
from KSysPayment.backend.application.inboundRejection import InboundRejection
from KSysPayment.backend.application.paymentPoll import confirmQrisReport
from KSysPayment.backend.application.settleNotification import SettlementResult
from KSysPayment.backend.domain.paymentNotification import PaymentNotification, SettlementOutcome
from KSysPayment.backend.infrastructure.bri.inboundResponses import (
    QRIS_NOTIFY_SERVICE_CODE,
    TOKEN_SERVICE_CODE,
    VA_NOTIFY_SERVICE_CODE,
    snapBody,
    snapErrorResponse,
    snapSuccessBody,
)
from KSysPayment.backend.infrastructure.http.paymentDependencies import (
    InboundAuthenticatorDep,
    InboundRejectionDep,
    PaymentGatewayDep,
    SettleNotificationDep,
    requestContext,
)
from KSysPayment.backend.infrastructure.http.snapNotificationParser import (
    parseQrisNotification,
    parseVaNotification,
)
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import getSystemLogger

# BRI is configured with these URLs under the gateway prefix (docs/payment.md).
PREFIX = "/api/payment"
TOKEN_PATH = "/snap/v1.0/access-token/b2b"  # noqa: S105 - a URL path
VA_NOTIFY_PATH = "/snap/v1.0/transfer-va/notify-payment-intrabank"
QRIS_NOTIFY_PATH = "/snap/v1.1/qr/qr-mpm-notify"
logger = getSystemLogger("payment.inbound")


def signedPaths(request: Request) -> tuple[str, ...]:
    # BRI signs the path of the URL it is configured with; accept it with or without our prefix.
    path = request.url.path
    return (path, path.removeprefix(PREFIX)) if path.startswith(PREFIX + "/") else (path,)


async def rejected(serviceCode: str, error: DomainError, request: Request, audit: InboundRejection) -> JSONResponse:
    status, body = snapErrorResponse(serviceCode, error)
    logger.security("bri_inbound_rejected", "Refused an inbound BRI call", path=request.url.path,
                    code=error.code, response_code=body["responseCode"],
                    request_id=getattr(request.state, "requestId", None))
    await audit.rejected(request.url.path, error.code, body["responseCode"], requestContext(request))
    return JSONResponse(body, status_code=status)


def generalError(serviceCode: str, error: Exception, request: Request) -> JSONResponse:
    # BRI's format for our own failures (BRI retries a notification; the retry is deduplicated).
    logger.error("bri_inbound_failed", "Could not answer a BRI call", error, path=request.url.path)
    return JSONResponse(snapBody(f"500{serviceCode}00", "General Error"), status_code=500)


async def unconfirmed(request: Request, notification: PaymentNotification, audit: InboundRejection) -> JSONResponse:
    # No event or payment change, only the audit row; BRI may retry, and reconciliation polls the QR in any case.
    logger.security("bri_qris_unconfirmed", "An RSA-signed paid QRIS report BRI's query does not confirm",
                    path=request.url.path, request_id=getattr(request.state, "requestId", None))
    body = snapBody(f"500{QRIS_NOTIFY_SERVICE_CODE}00", "General Error")
    await audit.unconfirmed(request.url.path, body["responseCode"], notification, requestContext(request))
    return JSONResponse(body, status_code=500)


def ignoredUnpaid(request: Request) -> JSONResponse:
    # The RSA form signs no body: a not-paid report changes nothing, so it is acknowledged and only logged.
    logger.security("bri_qris_rsa_unpaid_ignored", "Acknowledged an RSA-signed QRIS report that is not paid",
                    path=request.url.path, request_id=getattr(request.state, "requestId", None))
    return JSONResponse(snapSuccessBody(QRIS_NOTIFY_SERVICE_CODE))


def vaData(notification: PaymentNotification) -> dict[str, object]:
    raw = notification.raw
    keys = ("partnerServiceId", "customerNo", "virtualAccountNo", "paymentRequestId", "trxDateTime")
    return {key: raw[key] for key in keys if key in raw}


def vaReply(result: SettlementResult, notification: PaymentNotification) -> JSONResponse:
    if result.outcome == SettlementOutcome.UNKNOWN_PAYMENT:
        return JSONResponse(snapBody("4043412", "Invalid Bill/Virtual Account [Not Found]"), status_code=404)
    # Recorded (settled, duplicate, or flagged for an admin): acknowledged so BRI stops retrying.
    return JSONResponse({**snapSuccessBody(VA_NOTIFY_SERVICE_CODE), "virtualAccountData": vaData(notification)})


def qrisReply(result: SettlementResult) -> JSONResponse:
    if result.outcome == SettlementOutcome.UNKNOWN_PAYMENT:
        return JSONResponse(snapBody("4045201", "Transaction Not Found"), status_code=404)
    return JSONResponse(snapSuccessBody(QRIS_NOTIFY_SERVICE_CODE))


def createSnapRouter() -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["payment-bri-inbound"], route_class=DependenciesFirstRoute)

    @router.post(TOKEN_PATH, include_in_schema=False)
    async def accessToken(request: Request, authenticator: InboundAuthenticatorDep,
                          audit: InboundRejectionDep) -> JSONResponse:
        rawBody = await request.body()
        try:
            issued = await authenticator.issueAccessToken(request.headers, rawBody)
        except DomainError as error:
            return await rejected(TOKEN_SERVICE_CODE, error, request, audit)
        except Exception as error:  # anything unexpected is answered in BRI's format too
            return generalError(TOKEN_SERVICE_CODE, error, request)
        # A credential handed out: its issue is on the security trail as its refusals are (never the token).
        logger.security("bri_inbound_token_issued", "Issued an access token to BRI", expires_in=issued.expiresIn)
        return JSONResponse(issued.responseBody())

    @router.post(VA_NOTIFY_PATH, include_in_schema=False)
    async def notifyVa(request: Request, authenticator: InboundAuthenticatorDep,
                       settle: SettleNotificationDep, audit: InboundRejectionDep) -> JSONResponse:
        rawBody = await request.body()  # the exact bytes BRI signed, read before any parsing
        try:
            await authenticator.verifyTransaction(method="POST", endpointPaths=signedPaths(request),
                                                  headers=request.headers, rawBody=rawBody)
            notification = parseVaNotification(rawBody)
        except DomainError as error:
            return await rejected(VA_NOTIFY_SERVICE_CODE, error, request, audit)
        except Exception as error:  # anything unexpected is answered in BRI's format too
            return generalError(VA_NOTIFY_SERVICE_CODE, error, request)
        try:
            result = await settle.execute(notification, requestContext(request))
        except Exception as error:
            return generalError(VA_NOTIFY_SERVICE_CODE, error, request)
        return vaReply(result, notification)

    @router.post(QRIS_NOTIFY_PATH, include_in_schema=False)
    async def notifyQris(request: Request, authenticator: InboundAuthenticatorDep, settle: SettleNotificationDep,
                         gateway: PaymentGatewayDep, audit: InboundRejectionDep) -> JSONResponse:
        rawBody = await request.body()
        try:
            verified = await authenticator.verifyQrisNotification(method="POST", endpointPaths=signedPaths(request),
                                                       headers=request.headers, rawBody=rawBody)
            notification = parseQrisNotification(rawBody)
        except DomainError as error:
            return await rejected(QRIS_NOTIFY_SERVICE_CODE, error, request, audit)
        except Exception as error:  # anything unexpected is answered in BRI's format too
            return generalError(QRIS_NOTIFY_SERVICE_CODE, error, request)
        try:
            if verified.signatureKind == "rsa":
                if not notification.paid:
                    return ignoredUnpaid(request)
                # BRI not answering in time is answered 500 General Error below: BRI retries, reconciliation polls.
                deadline = asyncio.get_running_loop().time() + QRIS_CONFIRM_SECONDS
                confirmed = await beforeDeadline(confirmQrisReport(gateway, notification), deadline)
                if confirmed is None:
                    return await unconfirmed(request, notification, audit)
                notification = confirmed
            result = await settle.execute(notification, requestContext(request))
        except Exception as error:
            return generalError(QRIS_NOTIFY_SERVICE_CODE, error, request)
        return qrisReply(result)

    return router
