from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayAuthError,
    GatewayBadResponseError,
    GatewayDuplicateExternalIdError,
    GatewayTimeoutError,
    GatewayUnavailableError,
)
from KSysPayment.backend.infrastructure.bri.briHttpClient import (
    BriHttpClient,
    HttpCallError,
    HttpConnectError,
    HttpTimeoutError,
)
from KSysPayment.backend.infrastructure.bri.responseCodes import (
    RetryPolicy,
    errorForResponse,
    isRetriable,
    isSuccess,
    isUnauthorized,
    statusOf,
)
from KSysPayment.backend.infrastructure.bri.snapSignature import (
    SignatureEncoding,
    hmacSignature,
    minifiedJson,
    snapTimestamp,
    stringToSign,
)
from KSysPayment.backend.infrastructure.bri.tokenCache import TokenCache
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import getSystemLogger

JsonObject = dict[str, object]
logger = getSystemLogger("bri.transport")
EXTERNAL_ID_COUNTER = itertools.count()


def newExternalId() -> str:
    # Numeric, unique per partner per day across every worker and host (BRI answers a reuse 409xx00): epoch
    # millis + process counter + 16 random digits (32 digits, SNAP allows 36). Each process's counter starts at
    # 0, so the random digits alone tell apart calls of two processes in one millisecond.
    millis = int(time.time() * 1000)
    return f"{millis}{next(EXTERNAL_ID_COUNTER) % 1000:03d}{secrets.randbelow(10**16):016d}"


def utcNow() -> datetime:
    return datetime.now(UTC)


class SnapTransport:
    def __init__(
        self,
        *,
        httpClient: BriHttpClient,
        baseUrl: str,
        tokenCache: TokenCache,
        clientSecret: str,
        partnerId: str,
        channelId: str,
        encoding: SignatureEncoding,
        retryPolicy: RetryPolicy,
        externalIdFactory: Callable[[], str] = newExternalId,
        now: Callable[[], datetime] = utcNow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.httpClient = httpClient
        self.baseUrl = baseUrl.rstrip("/")
        # A base URL with a path prefix is part of the signed endpointPath.
        self.pathPrefix = urlsplit(self.baseUrl).path.rstrip("/")
        self.tokenCache = tokenCache
        self.clientSecret = clientSecret
        self.partnerId = partnerId
        self.channelId = channelId
        self.encoding = encoding
        self.retryPolicy = retryPolicy
        self.externalIdFactory = externalIdFactory
        self.now = now
        self.sleep = sleep

    def signedHeaders(self, method: str, signedPath: str, token: str, bodyBytes: bytes) -> dict[str, str]:
        timestamp = snapTimestamp(self.now())
        signature = hmacSignature(
            self.clientSecret, stringToSign(method, signedPath, token, bodyBytes, timestamp), self.encoding
        )
        return {
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": timestamp,
            "X-SIGNATURE": signature,
            "Content-Type": "application/json",
            "X-PARTNER-ID": self.partnerId,
            "CHANNEL-ID": self.channelId,
            "X-EXTERNAL-ID": self.externalIdFactory(),
        }

    async def call(self, method: str, path: str, body: JsonObject, *, idempotent: bool) -> JsonObject:
        bodyBytes = minifiedJson(body)
        signedPath = self.pathPrefix + path
        url = self.baseUrl + path
        attempt = 0
        authRetried = duplicateRetried = False
        while True:
            attempt += 1
            token = await self.tokenCache.get()
            headers = self.signedHeaders(method, signedPath, token, bodyBytes)
            try:
                data = await self.send(method, url, bodyBytes, headers)
            except GatewayAuthError:
                if authRetried:
                    raise
                # A 401 means BRI did not process the call: drop the token and retry once.
                authRetried = True
                attempt -= 1
                self.tokenCache.invalidate(token)
                logger.warning("bri_auth_retry", "BRI answered 401, refreshing the token", path=path)
                continue
            except GatewayDuplicateExternalIdError:
                if duplicateRetried:
                    raise
                # 409xx00 means BRI did not process the call: sent again once, with a new X-EXTERNAL-ID.
                duplicateRetried = True
                attempt -= 1
                logger.warning("bri_external_id_retry", "BRI saw this X-EXTERNAL-ID already today, retrying with a "
                               "new one", path=path, external_id=headers["X-EXTERNAL-ID"])
                continue
            except DomainError as error:
                if not (idempotent and isRetriable(error) and attempt < self.retryPolicy.maxAttempts):
                    raise
                logger.warning("bri_call_retry", "BRI call failed, retrying", path=path, attempt=attempt,
                               error_code=error.code, external_id=headers["X-EXTERNAL-ID"])
                await self.sleep(self.retryPolicy.delayFor(attempt))
                continue
            return data

    async def send(self, method: str, url: str, bodyBytes: bytes, headers: dict[str, str]) -> JsonObject:
        try:
            answer = await self.httpClient.request(method, url, bodyBytes, headers)
        except HttpConnectError as error:
            raise GatewayUnavailableError(f"BRI unreachable: {error}") from error
        except HttpTimeoutError as error:
            raise GatewayTimeoutError(f"BRI did not answer in time: {error}") from error
        except HttpCallError as error:
            raise GatewayTimeoutError(f"BRI connection failed mid-call: {error}") from error
        data = answer.jsonObject()
        if data is None:
            if answer.status >= 500 or answer.status == 429:
                raise GatewayUnavailableError(f"BRI answered HTTP {answer.status}", outcomeUnknown=answer.status >= 500)
            if answer.status == 401:
                raise GatewayAuthError("", f"HTTP {answer.status}")
            raise GatewayBadResponseError(f"BRI answered HTTP {answer.status} without a JSON object",
                                          outcomeUnknown=200 <= answer.status < 300)
        code = str(data.get("responseCode") or "")
        message = str(data.get("responseMessage") or "")
        if isSuccess(answer.status, code):
            return data
        if isUnauthorized(answer.status, code):
            raise GatewayAuthError(code, message)
        error = errorForResponse(answer.status, code, message)
        if isinstance(error, GatewayUnavailableError) and statusOf(answer.status, code) >= 500:
            error.outcomeUnknown = True  # a 5xx answer: BRI may have done what was asked
        raise error
