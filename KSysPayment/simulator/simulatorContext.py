from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from fastapi import Request

from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundResponses import snapBody, snapErrorResponse
from KSysPayment.backend.infrastructure.bri.keys import loadPrivateKey, loadPublicKey
from KSysPayment.backend.infrastructure.bri.snapSignature import JAKARTA
from KSysPayment.simulator.simulatorSettings import SimulatorSettings
from KSysPayment.simulator.simulatorState import SimulatorState
from shared.backend.exceptions.domainError import DomainError

JsonObject = dict[str, object]


class SnapReply(Exception):  # noqa: N818 - a reply, raised to short-circuit a handler
    def __init__(self, status: int, body: dict[str, object]) -> None:
        self.status = status
        self.body = body
        super().__init__(str(body.get("responseCode")))


def snapError(status: int, serviceCode: str, case: str, message: str) -> SnapReply:
    return SnapReply(status, dict(snapBody(f"{status}{serviceCode}{case}", message)))


@dataclass
class SimulatorContext:
    settings: SimulatorSettings
    state: SimulatorState
    authenticator: InboundAuthenticator
    briPrivateKey: RSAPrivateKey
    httpClient: httpx2.AsyncClient

    def now(self) -> datetime:
        return datetime.now(UTC)

    def reset(self) -> None:
        self.state.reset()
        self.authenticator = simulatorAuthenticator(self.settings)


# The simulator plays BRI: it verifies our calls the way BRI does, with our public key and secret. Its tokens are
# tagged under a random key, replaced at each reset: a reset forgets every token it issued.
def simulatorAuthenticator(settings: SimulatorSettings) -> InboundAuthenticator:
    return InboundAuthenticator(
        clientId=settings.clientId,
        clientSecret=settings.clientSecret.get_secret_value(),
        briPublicKey=loadPublicKey(settings.merchantPublicKeyPath, "SIM_MERCHANT_PUBLIC_KEY_PATH"),
        tokenKeys=(secrets.token_bytes(32),),
        tokenTtlSeconds=settings.tokenTtlSeconds,
        timestampToleranceSeconds=settings.timestampToleranceSeconds,
    )


def buildContext(settings: SimulatorSettings) -> SimulatorContext:
    return SimulatorContext(
        settings=settings,
        state=SimulatorState(),
        authenticator=simulatorAuthenticator(settings),
        briPrivateKey=loadPrivateKey(settings.privateKeyPath, "SIM_PRIVATE_KEY_PATH"),
        httpClient=httpx2.AsyncClient(timeout=settings.notifyTimeoutSeconds),
    )


def getContext(request: Request) -> SimulatorContext:
    context: SimulatorContext = request.app.state.context
    return context


async def applyFault(context: SimulatorContext, path: str, serviceCode: str) -> None:
    context.state.calls[path] += 1
    fault = context.state.takeFault(path)
    if fault is None:
        return
    if fault.delaySeconds:
        await asyncio.sleep(fault.delaySeconds)
    if fault.status is not None:
        message = "Internal Server Error" if fault.status < 503 else "Service Unavailable"
        raise snapError(fault.status, serviceCode, "00", message)


async def guardedBody(request: Request, serviceCode: str) -> JsonObject:
    # Verifies token, HMAC signature, mandatory headers and X-EXTERNAL-ID; returns the parsed body.
    context = getContext(request)
    rawBody = await request.body()
    await applyFault(context, request.url.path, serviceCode)
    try:
        call = await context.authenticator.verifyTransaction(
            method=request.method, endpointPaths=request.url.path, headers=request.headers, rawBody=rawBody
        )
    except DomainError as error:
        status, body = snapErrorResponse(serviceCode, error)
        raise SnapReply(status, dict(body)) from None
    for name, value in (("X-PARTNER-ID", call.partnerId), ("CHANNEL-ID", call.channelId),
                        ("X-EXTERNAL-ID", call.externalId)):
        if not value:
            raise snapError(400, serviceCode, "02", f"Invalid Mandatory Field [{name}]")
    if not str(call.externalId).isdigit() or len(str(call.externalId)) > 36:
        raise snapError(400, serviceCode, "01", "Invalid Field Format [X-EXTERNAL-ID]")
    if call.channelId is None or not call.channelId.isdigit() or len(call.channelId) != 5:
        raise snapError(400, serviceCode, "01", "Invalid Field Format [CHANNEL-ID]")
    day = context.now().astimezone(JAKARTA).date().isoformat()
    if not context.state.useExternalId(str(call.partnerId), str(call.externalId), day):
        raise snapError(409, serviceCode, "00", "Conflict")
    try:
        body = json.loads(rawBody)
    except ValueError:
        raise snapError(400, serviceCode, "00", "Bad Request [body is not JSON]") from None
    if not isinstance(body, dict):
        raise snapError(400, serviceCode, "00", "Bad Request [body is not an object]")
    return body
