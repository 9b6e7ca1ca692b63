from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayBadResponseError,
    GatewayUnavailableError,
)
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient, HttpCallError
from KSysPayment.backend.infrastructure.bri.responseCodes import (
    RetryPolicy,
    errorForResponse,
    isRetriable,
    isSuccess,
)
from KSysPayment.backend.infrastructure.bri.snapSignature import minifiedJson, rsaTokenSignature, snapTimestamp
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import getSystemLogger

TOKEN_PATH = "/snap/v1.0/access-token/b2b"  # noqa: S105 - a path, not a secret
EXPIRES_IN_PATTERN = re.compile(r"\d{1,9}", re.ASCII)
MAX_EXPIRES_IN = 86_400
logger = getSystemLogger("bri.token")


def utcNow() -> datetime:
    return datetime.now(UTC)


# Seconds as a string of ASCII digits ("899") or an integer: float() also read "nan", "inf", "-5", "1e9" and
# other scripts' digits, and a token cached for ever or never cached.
def expiresInOf(value: object) -> int:
    if isinstance(value, str) and EXPIRES_IN_PATTERN.fullmatch(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_EXPIRES_IN:
        raise GatewayBadResponseError("BRI token response has an invalid expiresIn")
    return value


@dataclass(frozen=True, slots=True)
class CachedToken:
    value: str
    expiresInSeconds: float
    fetchedAt: float


class B2bTokenFetcher:
    def __init__(
        self,
        *,
        httpClient: BriHttpClient,
        baseUrl: str,
        clientId: str,
        privateKey: RSAPrivateKey,
        retryPolicy: RetryPolicy,
        now: Callable[[], datetime] = utcNow,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.httpClient = httpClient
        self.url = baseUrl.rstrip("/") + TOKEN_PATH
        self.clientId = clientId
        self.privateKey = privateKey
        self.retryPolicy = retryPolicy
        self.now = now
        self.clock = clock
        self.sleep = sleep

    async def __call__(self) -> CachedToken:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self.fetchOnce()
            except DomainError as error:
                if not isRetriable(error) or attempt >= self.retryPolicy.maxAttempts:
                    raise
                logger.warning("bri_token_retry", "BRI token fetch failed, retrying", attempt=attempt,
                               error_code=error.code)
                await self.sleep(self.retryPolicy.delayFor(attempt))

    async def fetchOnce(self) -> CachedToken:
        timestamp = snapTimestamp(self.now())
        headers = {
            "X-CLIENT-KEY": self.clientId,
            "X-TIMESTAMP": timestamp,
            "X-SIGNATURE": rsaTokenSignature(self.privateKey, self.clientId, timestamp),
            "Content-Type": "application/json",
        }
        body = minifiedJson({"grantType": "client_credentials"})
        try:
            answer = await self.httpClient.request("POST", self.url, body, headers)
        except HttpCallError as error:
            raise GatewayUnavailableError(f"BRI token endpoint unreachable: {error}") from error
        data = answer.jsonObject()
        if data is None:
            if answer.status >= 500:
                raise GatewayUnavailableError(f"BRI token endpoint answered {answer.status}")
            raise GatewayBadResponseError("BRI token response is not a JSON object")
        code = str(data.get("responseCode") or "")
        if not isSuccess(answer.status, code):
            raise errorForResponse(answer.status, code, str(data.get("responseMessage") or ""))
        token = data.get("accessToken")
        if not isinstance(token, str) or not token:
            raise GatewayBadResponseError("BRI token response has no accessToken")
        return CachedToken(token, expiresInOf(data.get("expiresIn")), self.clock())


class TokenCache:
    def __init__(
        self,
        fetch: Callable[[], Awaitable[CachedToken]],
        *,
        refreshMarginSeconds: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.refreshMarginSeconds = refreshMarginSeconds
        self.clock = clock
        self.current: CachedToken | None = None
        self.lock = asyncio.Lock()
        self.fetchCount = 0

    def isFresh(self, token: CachedToken | None) -> bool:
        if token is None:
            return False
        # Short-lived tokens: never keep less than half their lifetime as margin.
        margin = min(self.refreshMarginSeconds, token.expiresInSeconds / 2)
        return self.clock() < token.fetchedAt + token.expiresInSeconds - margin

    async def get(self) -> str:
        token = self.current
        if token is not None and self.isFresh(token):
            return token.value
        async with self.lock:
            # Another task may have refreshed while we waited: one fetch at a time.
            if self.current is not None and self.isFresh(self.current):
                return self.current.value
            self.current = await self.fetch()
            self.fetchCount += 1
            return self.current.value

    def invalidate(self, staleValue: str) -> None:
        # Only drop the token that failed, not one another task already refreshed.
        if self.current is not None and self.current.value == staleValue:
            self.current = None
