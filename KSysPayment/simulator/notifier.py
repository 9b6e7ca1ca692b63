from __future__ import annotations

import itertools
import secrets
import time
from urllib.parse import urlsplit

import httpx2

from KSysPayment.backend.infrastructure.bri.snapSignature import (
    hmacSignature,
    minifiedJson,
    rsaTokenSignature,
    snapTimestamp,
    stringToSign,
)
from KSysPayment.simulator.simulatorContext import JsonObject, SimulatorContext

EXTERNAL_ID_COUNTER = itertools.count()


def externalId() -> str:
    return f"{int(time.time() * 1000)}{next(EXTERNAL_ID_COUNTER) % 1000:03d}{secrets.randbelow(10_000):04d}"


def tamper(signature: str) -> str:
    # Change one character in the middle; "b"/"c" are valid in both hex and base64.
    index = len(signature) // 2
    replacement = "c" if signature[index] == "b" else "b"
    return signature[:index] + replacement + signature[index + 1:]


async def postJson(context: SimulatorContext, url: str, body: bytes, headers: dict[str, str]) -> JsonObject:
    try:
        response = await context.httpClient.post(url, content=body, headers=headers)
    except httpx2.HTTPError as error:
        return {"status": 0, "error": type(error).__name__}
    try:
        parsed: object = response.json()
    except ValueError:
        parsed = response.text
    return {"status": response.status_code, "body": parsed}


async def fetchMerchantToken(context: SimulatorContext) -> JsonObject:
    # BRI's token call to us: X-CLIENT-KEY is the id we issued to BRI, RSA-signed with BRI's key.
    settings = context.settings
    timestamp = snapTimestamp(context.now())
    headers = {
        "X-CLIENT-KEY": settings.inboundClientId,
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": rsaTokenSignature(context.briPrivateKey, settings.inboundClientId, timestamp),
        "Content-Type": "application/json",
    }
    url = settings.merchantBaseUrl.rstrip("/") + settings.merchantTokenPath
    return await postJson(context, url, minifiedJson({"grantType": "client_credentials"}), headers)


async def sendNotification(
    context: SimulatorContext,
    *,
    notifyPath: str,
    body: JsonObject,
    accessToken: str,
    useRsa: bool,
    tamperSignature: bool,
    tamperToken: bool,
) -> JsonObject:
    settings = context.settings
    url = settings.merchantBaseUrl.rstrip("/") + notifyPath
    bodyBytes = minifiedJson(body)
    timestamp = snapTimestamp(context.now())
    if useRsa:
        signature = rsaTokenSignature(context.briPrivateKey, settings.inboundClientId, timestamp)
    else:
        # BRI signs the path of the URL it is configured with (gateway prefix included).
        message = stringToSign("POST", urlsplit(url).path, accessToken, bodyBytes, timestamp)
        signature = hmacSignature(settings.notifySecret(), message, settings.signatureEncoding)
    headers = {
        "Authorization": f"Bearer {accessToken + 'x' if tamperToken else accessToken}",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": tamper(signature) if tamperSignature else signature,
        "Content-Type": "application/json",
        "X-PARTNER-ID": settings.notifyPartnerId,
        "CHANNEL-ID": settings.notifyChannelId,
        "X-EXTERNAL-ID": externalId(),
    }
    if useRsa:
        headers["X-CLIENT-KEY"] = settings.inboundClientId
    return await postJson(context, url, bodyBytes, headers)
